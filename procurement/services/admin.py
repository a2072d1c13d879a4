"""Use cases of administrators: accounts and API tokens of their municipality, profiles.

Accounts are always created in, and looked up within, the administrator's own
municipality; regulatory profiles are shared dated data, edited with an audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement import users as accounts
from procurement.audit import record_event
from procurement.errors import FieldProblems, NotFound
from procurement.matching.normalize import fold
from procurement.models import (
    AdminMembership,
    ApiToken,
    AuditEvent,
    Organization,
    RegulatoryProfile,
    User,
    utcnow,
)
from procurement.permissions import Actor
from procurement.regulatory import get_profile, validate_profile_changes
from procurement.services.common import get_owned
from procurement.services.overview import Page, own_organization_id, page_of
from procurement.users import create_user, issue_token, managed_organization_ids, revoke_token


def users_page(session: Session, actor: Actor, *, limit: int = 50,
               offset: int = 0) -> Page[User]:
    """Return a page of the accounts of the administrator's municipality."""
    actor.require("users.manage")
    query = select(User).where(User.organization_id == own_organization_id(actor))
    return page_of(session, query.order_by(func.lower(User.name), User.email, User.id),
                   limit, offset)


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
        problems = FieldProblems()
        problems.add("direct_award_limit", "limit_not_below_threshold",
                     "must be lower than the tender threshold")
        problems.raise_if_any("The regulatory profile was not changed.")
    for key, value in clean.items():
        setattr(found, key, value)
    found.updated_at = utcnow()
    session.flush()
    after = _profile_facts(found, set(clean))
    record_event(session, actor=actor.name, action="regulatory_profile.updated",
                 object_type="regulatory_profile", object_id=found.code,
                 organization_id=actor.organization_id, before=before, after=after)
    return found


# --- accounts created and changed from the administration pages ---------------------------

def _managed_ids(session: Session, actor: Actor) -> list[int]:
    """Return the municipalities the acting administrator manages (theirs first)."""
    me = session.get(User, actor.user_id) if actor.user_id is not None else None
    if me is None:
        return [own_organization_id(actor)]
    return managed_organization_ids(session, me)


def managed_organizations(session: Session, actor: Actor) -> list[Organization]:
    """Return the municipalities the acting administrator manages, by name."""
    actor.require("users.manage")
    ids = _managed_ids(session, actor)
    return list(session.scalars(select(Organization).where(Organization.id.in_(ids))
                                .order_by(Organization.name, Organization.id)))


def create_account_with_password(session: Session, actor: Actor, *, email: str, role: str,
                                 organization_id: int, name: str = "",
                                 locale: str = "fr") -> tuple[User, str]:
    """Create an account with a generated password, returned once (as `procure create-user`).

    The municipality must be one the administrator manages; another one answers NotFound.
    """
    actor.require("users.manage")
    if organization_id not in _managed_ids(session, actor):
        raise NotFound("This municipality was not found among the ones you manage.")
    org = session.get(Organization, organization_id)
    assert org is not None
    user, generated = accounts.create_account(session, actor, email=email, role=role,
                                              organization_code=org.code, name=name,
                                              locale=locale)
    assert generated is not None
    return user, generated


def update_account(session: Session, actor: Actor, user_id: int, *, role: str | None = None,
                   organization_id: int | None = None, active: bool | None = None) -> User:
    """Change an account's role, municipality (one the administrator manages) or activity.

    An administrator cannot demote, move or deactivate their own account: the municipality
    would be left without the person who can undo it. Audited with before and after.
    """
    user = account(session, actor, user_id)
    problems = FieldProblems()
    if role is not None:
        accounts.check_role(problems, role)
    if organization_id is not None and organization_id not in _managed_ids(session, actor):
        problems.add("organization_id", "unknown_municipality",
                     "must be a municipality you manage")
    if user.id == actor.user_id and (
            (role is not None and role != user.role) or active is False
            or (organization_id is not None and organization_id != user.organization_id)):
        problems.add("role" if role is not None else "active", "own_account",
                     "you cannot demote, move or deactivate your own account")
    problems.raise_if_any("The account was not changed.")
    wanted = {"role": role, "organization_id": organization_id, "active": active}
    changed = {key: value for key, value in wanted.items()
               if value is not None and getattr(user, key) != value}
    if not changed:
        return user
    before = {key: getattr(user, key) for key in changed}
    for key, value in changed.items():
        setattr(user, key, value)
    session.flush()
    action = "user.deactivated" if changed.get("active") is False else (
        "user.reactivated" if changed.get("active") is True and len(changed) == 1
        else "user.updated")
    record_event(session, actor=actor.name, action=action, object_type="user",
                 object_id=user.id, organization_id=user.organization_id,
                 before={"email": user.email, **before}, after={"email": user.email, **changed})
    return user


# --- municipalities and who belongs where --------------------------------------------------

@dataclass(frozen=True)
class MunicipalityRow:
    """A municipality of the list; its accounts are counted only where the admin manages."""

    organization: Organization
    managed: bool
    accounts: int | None


def municipalities_page(session: Session, actor: Actor, *, search: str = "", limit: int = 50,
                        offset: int = 0) -> Page[MunicipalityRow]:
    """Return a page of municipalities by name, searched without regard to accents or case.

    The list of municipalities is public reference data; the accounts of a municipality
    are counted only for those the administrator manages.
    """
    actor.require("users.manage")
    wanted = fold(search).strip()
    rows = session.execute(select(Organization.id, Organization.name, Organization.code)
                           .order_by(Organization.name, Organization.id)).all()
    ids = [row.id for row in rows
           if not wanted or wanted in fold(row.name) or wanted == row.code.lower()]
    window = ids[offset:offset + limit]
    orgs = {o.id: o for o in session.scalars(select(Organization)
                                             .where(Organization.id.in_(window)))}
    managed = set(_managed_ids(session, actor))
    counts: dict[int | None, int] = {org_id: count for org_id, count in session.execute(
        select(User.organization_id, func.count(User.id)).where(
            User.organization_id.in_([i for i in window if i in managed]))
        .group_by(User.organization_id))}
    items = [MunicipalityRow(orgs[i], i in managed, counts.get(i, 0) if i in managed else None)
             for i in window]
    return Page(items, len(ids))


@dataclass(frozen=True)
class Membership:
    """Who belongs to a municipality: its accounts, and administrators who also manage it."""

    organization: Organization
    accounts: list[User]
    administrators: list[User]


def memberships(session: Session, actor: Actor, organization_id: int) -> Membership:
    """Return who belongs to a municipality the administrator manages (else NotFound)."""
    actor.require("users.manage")
    if organization_id not in _managed_ids(session, actor):
        raise NotFound("This municipality was not found among the ones you manage.")
    org = session.get(Organization, organization_id)
    assert org is not None
    people = list(session.scalars(select(User).where(User.organization_id == org.id)
                                  .order_by(func.lower(User.name), User.email)))
    admins = list(session.scalars(select(User).join(
        AdminMembership, AdminMembership.user_id == User.id).where(
        AdminMembership.organization_id == org.id).order_by(func.lower(User.name), User.email)))
    return Membership(org, people, admins)


def grant_municipality(session: Session, actor: Actor, *, email: str,
                       organization_id: int) -> AdminMembership:
    """Let another administrator manage a municipality the acting one manages."""
    if organization_id not in _managed_ids(session, actor):
        raise NotFound("This municipality was not found among the ones you manage.")
    acting = Actor(user_id=actor.user_id, name=actor.name, role=actor.role,
                   organization_id=organization_id, system=actor.system)
    return accounts.grant_management(session, acting, email=email,
                                     organization_id=organization_id)


# --- the profile of the municipality and its dated versions ---------------------------------

def organization_profile(session: Session, actor: Actor) -> RegulatoryProfile:
    """Return the regulatory profile of the acting municipality (Quebec's by default)."""
    actor.require("read")
    org = session.get(Organization, own_organization_id(actor))
    code = org.regulatory_profile.code if org is not None and org.regulatory_profile else (
        "QC-2024")
    return get_profile(session, code)


@dataclass(frozen=True)
class ProfileVersion:
    """One dated version of a profile: when, by whom, what changed, and its source then.

    `by` is None when the change was made for another municipality (the profile is shared;
    who made it there is theirs to know). The first version (`at` None) is the profile as
    loaded by `procure init`.
    """

    number: int
    at: dt.datetime | None
    by: str | None
    changes: dict[str, tuple[Any, Any]]
    source: str
    valid_from: str | None
    # Dated thresholds this version added and took away (a changed one is both).
    thresholds_added: tuple[dict[str, Any], ...] = ()
    thresholds_removed: tuple[dict[str, Any], ...] = ()


def profile_history(session: Session, actor: Actor, code: str) -> list[ProfileVersion]:
    """Return the versions of a profile, newest first, rebuilt from its audit events."""
    actor.require("read")
    found = get_profile(session, code)
    events = list(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "regulatory_profile.updated",
        AuditEvent.object_type == "regulatory_profile", AuditEvent.object_id == found.code)
        .order_by(AuditEvent.id.desc())))
    source = found.source
    valid_from: str | None = found.valid_from.isoformat() if found.valid_from else None
    versions = []
    for index, event in enumerate(events):
        before, after = event.before or {}, event.after or {}
        mine = event.organization_id == actor.organization_id or actor.system
        old_history = list(before.get("threshold_history") or [])
        new_history = list(after.get("threshold_history") or [])
        versions.append(ProfileVersion(
            number=len(events) - index + 1, at=event.created_at,
            by=event.actor if mine else None,
            changes={key: (before.get(key), after.get(key)) for key in sorted(after)
                     if before.get(key) != after.get(key)},
            source=source, valid_from=valid_from,
            thresholds_added=tuple(e for e in new_history if e not in old_history),
            thresholds_removed=tuple(e for e in old_history if e not in new_history)))
        source = before.get("source", source)
        valid_from = before.get("valid_from", valid_from)
    versions.append(ProfileVersion(number=1, at=None, by=None, changes={}, source=source,
                                   valid_from=valid_from))
    return versions
