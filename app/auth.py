"""Authentication (sessions for people, bearer tokens for scripts) and authorization."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, request
from flask import session as flask_session
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy import select

from app.database import get_session
from procurement.errors import PermissionDenied
from procurement.models import Organization, User
from procurement.permissions import Actor
from procurement.users import actor_for, managed_organization_ids, user_for_token

login_manager = LoginManager()
F = TypeVar("F", bound=Callable[..., Any])


class LoginUser(UserMixin):
    """The logged-in user as Flask-Login sees it (a plain copy, never a live ORM object)."""

    def __init__(self, user: User, managed: list[tuple[int, str]] | None = None,
                 acting: int | None = None) -> None:
        self.id = user.id
        self.email = user.email
        self.name = user.name
        self.role = user.role
        self.locale = user.locale
        # The municipalities this user may act for (several only for administrators of a
        # shared instance), and the one they act for in this request.
        self.managed = managed or []
        self.organization_id = acting or user.organization_id
        names = dict(self.managed)
        self.organization_name = names.get(self.organization_id or 0) or (
            user.organization.name if user.organization else "")
        self.actor: Actor = actor_for(user, self.organization_id)

    def get_id(self) -> str:
        """Return the id stored in the session cookie."""
        return str(self.id)


def signed_in(user: User, wanted: int | None) -> LoginUser:
    """Build the request's user, acting for `wanted` when they manage it, else their own."""
    session = get_session()
    ids = managed_organization_ids(session, user)
    names: dict[int, str] = {org_id: name for org_id, name in session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(ids)))}
    acting = wanted if wanted in ids else (ids[0] if ids else None)
    return LoginUser(user, [(i, names.get(i, "")) for i in ids], acting)


@login_manager.user_loader
def load_user(user_id: str) -> LoginUser | None:
    """Reload the user of a session cookie."""
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active:
        return None
    return signed_in(user, flask_session.get("acting_org_id"))


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
    code = req.headers.get("X-Organization", "").strip()
    if not code:
        return signed_in(user, None)
    wanted = session.scalar(select(Organization.id).where(Organization.code == code))
    login = signed_in(user, wanted)
    if wanted is None or login.organization_id != wanted:
        raise PermissionDenied(f"X-Organization: you do not manage a municipality with code "
                               f"{code!r}.")
    return login


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
