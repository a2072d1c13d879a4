"""Use cases of accounts: create users, check passwords (throttled), API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from procurement.audit import record_event
from procurement.errors import FieldProblems, InvalidInput, NotFound
from procurement.models import AdminMembership, ApiToken, User, utcnow
from procurement.permissions import ROLES, Actor

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def create_user(session: Session, actor: Actor, *, email: str, name: str, role: str,
                password: str, organization_id: int | None, locale: str = "fr") -> User:
    """Create an account; an administrator (or the command line) does this."""
    actor.require("users.manage")
    problems = FieldProblems()
    email = email.strip().lower()
    if "@" not in email:
        problems.add("email", "not_an_email", "must be an e-mail address", value=email)
    elif session.scalar(select(User).where(User.email == email)):
        problems.add("email", "email_taken", "already used by another account", value=email)
    check_role(problems, role)
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.add("password", "password_too_short",
                     f"must have at least {MIN_PASSWORD_LENGTH} characters",
                     min=MIN_PASSWORD_LENGTH)
    if locale not in {"fr", "en"}:
        problems.add("locale", "not_a_choice", "must be fr or en", choices="fr, en")
    problems.raise_if_any("The account was not created.")
    user = User(email=email, name=name.strip() or email, role=role, locale=locale,
                password_hash=hash_password(password), organization_id=organization_id)
    session.add(user)
    session.flush()
    record_event(session, actor=actor.name, action="user.created", object_type="user",
                 object_id=user.id, organization_id=organization_id,
                 after={"email": email, "role": role})
    return user


def check_role(problems: FieldProblems, role: str) -> None:
    """Note a role that is not one of ROLES."""
    if role not in ROLES:
        problems.add("role", "unknown_role", f"must be one of {', '.join(ROLES)}",
                     choices=", ".join(ROLES))


def generate_password() -> str:
    """Return a random password for a new account, shown once to whoever creates it."""
    return secrets.token_urlsafe(12)


def create_account(session: Session, actor: Actor, *, email: str, role: str,
                   organization_code: str, password: str | None = None, name: str = "",
                   locale: str = "fr") -> tuple[User, str | None]:
    """Create an account in the municipality with `organization_code` (the first admin too).

    Without a password, a random one is generated and returned once (never stored in
    clear); with one, None is returned in its place.
    """
    from procurement.services.common import organization_by_code

    org = organization_by_code(session, organization_code)
    generated = generate_password() if password is None else None
    user = create_user(session, actor, email=email, name=name, role=role,
                       password=password if password is not None else str(generated),
                       organization_id=org.id, locale=locale)
    return user, generated


def authenticate(session: Session, email: str, password: str, *, max_failures: int = 5,
                 lock_minutes: int = 15, address: str | None = None,
                 audit_unknown: bool = True, lockable: bool = True) -> User | None:
    """Return the user when the password is right; count failures and lock after too many.

    `max_failures` wrong passwords in a row lock the account for `lock_minutes`, when
    `lockable`: the web says so only when the failures come from several addresses
    (`app.security.LoginThrottle`), and throttles each address on its own, so that one
    address alone cannot lock someone out. A failure on an unknown account is audited
    only when `audit_unknown` (the web writes the first per address and window: anonymous
    traffic cannot grow the trail without bound).
    """
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    now = utcnow()
    where = {"address": address} if address else {}
    if user is None or not user.active:
        _hasher.hash(password)  # same work either way, so timing does not reveal accounts
        if audit_unknown:
            record_event(session, actor=email[:200] or "?", action="login.failed",
                         object_type="user", object_id=None,
                         after={"reason": "unknown account", **where})
        return None
    locked_until = user.locked_until
    if locked_until is not None and locked_until.tzinfo is None:
        locked_until = locked_until.replace(tzinfo=dt.UTC)
    if locked_until is not None and locked_until > now:
        record_event(session, actor=user.email, action="login.failed", object_type="user",
                     object_id=user.id, organization_id=user.organization_id,
                     after={"reason": "locked", **where})
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= max_failures and lockable:
            user.locked_until = now + dt.timedelta(minutes=lock_minutes)
            user.failed_logins = 0
        record_event(session, actor=user.email, action="login.failed", object_type="user",
                     object_id=user.id, organization_id=user.organization_id,
                     after={"reason": "wrong password", **where})
        return None
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, actor: Actor, user: User, name: str) -> str:
    """Create an API token for `user`; the clear token is returned once, never stored."""
    if actor.user_id != user.id:
        actor.require("users.manage")
    token = "pk_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name[:100] or "script",
                         token_hash=_token_digest(token)))
    session.flush()
    record_event(session, actor=actor.name, action="token.issued", object_type="user",
                 object_id=user.id, organization_id=user.organization_id, after={"name": name})
    return token


def user_for_token(session: Session, token: str) -> tuple[User, ApiToken] | None:
    """Return the active user owning a valid, unrevoked token, and the token (read only).

    Nothing is written here: the caller records the use with `record_token_use`, at most
    once per interval and apart from the request, so that a read never waits on a write.
    """
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user, row


def token_use_due(row: ApiToken, interval_seconds: int, now: dt.datetime | None = None) -> bool:
    """Tell whether the token's last use is older than `interval_seconds` (or unknown)."""
    last = row.last_used_at
    if last is None:
        return True
    if last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    return (now or utcnow()) - last >= dt.timedelta(seconds=interval_seconds)


def record_token_use(session: Session, token_id: int, interval_seconds: int) -> bool:
    """Write the token's last use unless another request did within the interval."""
    now = utcnow()
    cutoff = now - dt.timedelta(seconds=interval_seconds)
    done = session.execute(update(ApiToken).where(
        ApiToken.id == token_id,
        (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at <= cutoff),
    ).values(last_used_at=now))
    return bool(getattr(done, "rowcount", 0))


def revoke_token(session: Session, actor: Actor, token_id: int) -> None:
    """Revoke a token so it can no longer be used."""
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.user_id and not actor.can("users.manage")):
        raise NotFound(f"Token {token_id} was not found.")
    row.revoked_at = utcnow()
    record_event(session, actor=actor.name, action="token.revoked", object_type="user",
                 object_id=row.user_id, organization_id=row.user.organization_id,
                 after={"token_id": token_id})


def actor_for(user: User, organization_id: int | None = None) -> Actor:
    """Return the service-layer view of a user, acting for `organization_id` if given.

    Callers pass an organization only after checking it is one the user manages
    (`managed_organization_ids`).
    """
    return Actor(user_id=user.id, name=user.email, role=user.role,
                 organization_id=organization_id or user.organization_id)


def managed_organization_ids(session: Session, user: User) -> list[int]:
    """Return the municipalities the user may act for: theirs, then any they administer."""
    ids = [user.organization_id] if user.organization_id is not None else []
    if user.role == "admin":
        ids += [m for m in session.scalars(select(AdminMembership.organization_id).where(
            AdminMembership.user_id == user.id).order_by(AdminMembership.organization_id))
            if m not in ids]
    return ids


def grant_management(session: Session, actor: Actor, *, email: str,
                     organization_id: int) -> AdminMembership:
    """Let an administrator of a shared instance manage one more municipality.

    Only the command line, or an administrator who manages that municipality already,
    may grant it: nobody reaches a municipality through their own grant.
    """
    actor.require("users.manage")
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No account with the e-mail {email!r}.")
    if user.role != "admin":
        raise InvalidInput("Only administrators manage several municipalities.",
                           errors={"email": f"{user.email} is a {user.role}, not an admin"})
    if not actor.system and actor.organization_id != organization_id:
        raise NotFound("This municipality was not found among the ones you manage.")
    found = session.scalar(select(AdminMembership).where(
        AdminMembership.user_id == user.id, AdminMembership.organization_id == organization_id))
    if found is not None or user.organization_id == organization_id:
        return found or AdminMembership(user_id=user.id, organization_id=organization_id)
    membership = AdminMembership(user_id=user.id, organization_id=organization_id)
    session.add(membership)
    session.flush()
    record_event(session, actor=actor.name, action="user.granted_municipality",
                 object_type="user", object_id=user.id, organization_id=organization_id,
                 after={"email": user.email, "organization_id": organization_id})
    return membership
