"""Authentication (sessions for people, bearer tokens for scripts) and authorization."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, g, request
from flask import session as flask_session
from flask_login import LoginManager, UserMixin, current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.database import get_session
from app.security import LoginThrottle
from procurement.db import transaction
from procurement.errors import PermissionDenied
from procurement.models import Organization, User
from procurement.permissions import Actor
from procurement.users import (
    actor_for,
    authenticate,
    managed_organization_ids,
    record_token_use,
    token_use_due,
    user_for_token,
)

log = logging.getLogger(__name__)

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
    """Reload the user of a session cookie (never when the request carries a token)."""
    if "Authorization" in request.headers:
        return None  # a request with a token is the token's, valid or not: not the cookie's
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active:
        return None
    return signed_in(user, flask_session.get("acting_org_id"))


@login_manager.request_loader
def load_user_from_token(req: Any) -> LoginUser | None:
    """Authenticate a script by its bearer token (a read: the use is recorded apart)."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    session = get_session()
    found = user_for_token(session, header.removeprefix("Bearer ").strip())
    if found is None:
        return None
    user, token = found
    g.token_authenticated = True
    interval = int(current_app.config.get("TOKEN_USE_INTERVAL", 300))
    if token_use_due(token, interval):
        _record_use_later(token.id, interval)
    code = req.headers.get("X-Organization", "").strip()
    if not code:
        return signed_in(user, None)
    wanted = session.scalar(select(Organization.id).where(Organization.code == code))
    login = signed_in(user, wanted)
    if wanted is None or login.organization_id != wanted:
        raise PermissionDenied(f"X-Organization: you do not manage a municipality with code "
                               f"{code!r}.")
    return login


def authenticated_by_token() -> bool:
    """Tell whether this request's user was authenticated by a valid bearer token."""
    return bool(current_user.is_authenticated and g.get("token_authenticated"))


_writing: set[int] = set()  # tokens whose use is being written by this process
_writing_lock = threading.Lock()


def _record_use_later(token_id: int, interval: int) -> None:
    """Write the token's last use in a thread of its own: the read never waits on it.

    One write at a time per token: a burst of requests starts one thread, not one each.
    """
    factory = current_app.extensions["db_factory"]
    with _writing_lock:
        if token_id in _writing:
            return
        _writing.add(token_id)

    def write() -> None:
        try:
            with transaction(factory) as session:
                record_token_use(session, token_id, interval)
        except SQLAlchemyError:  # the database is busy or down: the next use will tell
            log.info("could not record the use of token %s", token_id)
        finally:
            with _writing_lock:
                _writing.discard(token_id)

    if current_app.config.get("TESTING") and current_app.config.get("TOKEN_USE_INLINE"):
        write()
        return
    threading.Thread(target=write, name=f"token-use-{token_id}", daemon=True).start()


def attempt_sign_in(email: str, password: str) -> tuple[User | None, int | None]:
    """Check a sign-in from this request's address: (user, None), (None, None) when wrong,
    or (None, seconds) when the address must wait (429 with Retry-After).
    """
    config = current_app.config
    throttle: LoginThrottle = current_app.extensions["login_throttle"]
    address = request.remote_addr or "unknown"
    wait = throttle.refused(address, email)
    if wait is not None:
        return None, wait
    db = get_session()
    user = authenticate(db, email, password, max_failures=config["LOGIN_MAX_FAILURES"],
                        lock_minutes=config["LOGIN_LOCK_MINUTES"], address=address,
                        audit_unknown=throttle.should_audit(address, "unknown")
                        if _unknown(db, email) else True,
                        lockable=throttle.may_lock(address, email))
    db.commit()
    if user is None:
        throttle.failed(address, email)
    else:
        throttle.succeeded(address, email)
    return user, None


def _unknown(db: Any, email: str) -> bool:
    return db.scalar(select(User.id).where(User.email == email.strip().lower())) is None


@login_manager.unauthorized_handler
def unauthorized() -> Any:
    """Answer 401 to the API, send people to the login page."""
    from flask import redirect, url_for

    if request.path.startswith("/api/"):
        abort(401)
    # A form sent after the session ended goes back to the form, its choices kept.
    resume = current_app.extensions.get("resume_after_login")
    target = (resume() if resume is not None else None) or request.full_path
    return redirect(url_for("web.login", next=target))


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
