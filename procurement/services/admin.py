"""Use cases of administrators: accounts and API tokens of their municipality, profiles.

Accounts are always created in, and looked up within, the administrator's own
municipality; regulatory profiles are shared dated data, edited with an audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.audit import record_event
from procurement.errors import InvalidInput, NotFound
from procurement.models import ApiToken, RegulatoryProfile, User, utcnow
from procurement.permissions import Actor
from procurement.regulatory import get_profile, validate_profile_changes
from procurement.services.common import get_owned
from procurement.services.overview import Page, own_organization_id, page_of
from procurement.users import create_user, issue_token, revoke_token


def users_page(session: Session, actor: Actor, *, limit: int = 50,
               offset: int = 0) -> Page[User]:
    """Return a page of the accounts of the administrator's municipality."""
    actor.require("users.manage")
    query = select(User).where(User.organization_id == own_organization_id(actor))
    return page_of(session, query.order_by(User.id), limit, offset)


def create_account(session: Session, actor: Actor, *, email: str, name: str, role: str,
                   password: str, locale: str = "fr") -> User:
    """Create an account in the administrator's own municipality."""
    actor.require("users.manage")
    return create_user(session, actor, email=email, name=name, role=role, password=password,
                       organization_id=own_organization_id(actor), locale=locale)


def account(session: Session, actor: Actor, user_id: int) -> User:
    """Return an account of the administrator's municipality."""
    actor.require("users.manage")
    return get_owned(session, User, user_id, own_organization_id(actor))


@dataclass(frozen=True)
class IssuedToken:
    """A token just created: the clear value is shown once and never stored."""

    id: int
    user_id: int
    name: str
    token: str
    created_at: dt.datetime


def issue_account_token(session: Session, actor: Actor, user_id: int,
                        name: str) -> IssuedToken:
    """Issue an API token for an account of the administrator's municipality."""
    user = account(session, actor, user_id)
    clear = issue_token(session, actor, user, name)
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id)
                         .order_by(ApiToken.id.desc()).limit(1))
    assert row is not None
    return IssuedToken(id=row.id, user_id=user.id, name=row.name, token=clear,
                       created_at=row.created_at)


def account_tokens(session: Session, actor: Actor, user_id: int) -> list[ApiToken]:
    """List the tokens of an account of the administrator's municipality (never the values)."""
    user = account(session, actor, user_id)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.id)))


def revoke_account_token(session: Session, actor: Actor, user_id: int, token_id: int) -> None:
    """Revoke a token of an account of the administrator's municipality."""
    user = account(session, actor, user_id)
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(f"Token {token_id} was not found.")
    if token.revoked_at is None:
        revoke_token(session, actor, token_id)


def profiles(session: Session, actor: Actor) -> list[RegulatoryProfile]:
    """List the regulatory profiles, by jurisdiction and date."""
    actor.require("read")
    return list(session.scalars(select(RegulatoryProfile).order_by(
        RegulatoryProfile.jurisdiction, RegulatoryProfile.valid_from)))


def profile(session: Session, actor: Actor, code: str) -> RegulatoryProfile:
    """Return one regulatory profile."""
    actor.require("read")
    return get_profile(session, code)


def _profile_facts(found: RegulatoryProfile, keys: set[str]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for key in sorted(keys):
        value = getattr(found, key)
        if isinstance(value, Decimal):
            value = f"{value:.2f}"
        elif isinstance(value, dt.date):
            value = value.isoformat()
        facts[key] = value
    return facts


def update_profile(session: Session, actor: Actor, code: str,
                   changes: dict[str, Any]) -> RegulatoryProfile:
    """Change a regulatory profile (thresholds, dates, source), recording before and after."""
    actor.require("profile.edit")
    found = get_profile(session, code)
    clean = validate_profile_changes(changes)
    before = _profile_facts(found, set(clean))
    limit = clean.get("direct_award_limit", found.direct_award_limit)
    threshold = clean.get("tender_threshold", found.tender_threshold)
    if Decimal(limit) >= Decimal(threshold):
        raise InvalidInput("The regulatory profile was not changed.", errors={
            "direct_award_limit": "must be lower than the tender threshold"})
    for key, value in clean.items():
        setattr(found, key, value)
    found.updated_at = utcnow()
    session.flush()
    after = _profile_facts(found, set(clean))
    record_event(session, actor=actor.name, action="regulatory_profile.updated",
                 object_type="regulatory_profile", object_id=found.code,
                 organization_id=actor.organization_id, before=before, after=after)
    return found
