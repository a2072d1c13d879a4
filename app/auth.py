"""Authentication (sessions for people, bearer tokens for scripts) and authorization."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, request
from flask_login import LoginManager, UserMixin, current_user

from app.database import get_session
from procurement.models import User
from procurement.permissions import Actor
from procurement.users import actor_for, user_for_token

login_manager = LoginManager()
F = TypeVar("F", bound=Callable[..., Any])


class LoginUser(UserMixin):
    """The logged-in user as Flask-Login sees it (a plain copy, never a live ORM object)."""

    def __init__(self, user: User) -> None:
        self.id = user.id
        self.email = user.email
        self.name = user.name
        self.role = user.role
        self.locale = user.locale
        self.organization_id = user.organization_id
        self.organization_name = user.organization.name if user.organization else ""
        self.actor: Actor = actor_for(user)

    def get_id(self) -> str:
        """Return the id stored in the session cookie."""
        return str(self.id)


@login_manager.user_loader
def load_user(user_id: str) -> LoginUser | None:
    """Reload the user of a session cookie."""
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    return LoginUser(user) if user is not None and user.active else None


@login_manager.request_loader
def load_user_from_token(req: Any) -> LoginUser | None:
    """Authenticate a script by its bearer token."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    session = get_session()
    user = user_for_token(session, header.removeprefix("Bearer ").strip())
    if user is None:
        return None
    session.commit()
    return LoginUser(user)


@login_manager.unauthorized_handler
def unauthorized() -> Any:
    """Answer 401 to the API, send people to the login page."""
    from flask import redirect, url_for

    if request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("web.login", next=request.full_path))


def current_actor() -> Actor:
    """Return the acting user for the service layer."""
    return cast(LoginUser, current_user).actor


def require(permission: str) -> Callable[[F], F]:
    """Decorate a view: the user must be logged in and hold `permission`."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            current_actor().require(permission)
            return view(*args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorator


def init_app(app: Flask) -> None:
    """Attach the login manager."""
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
