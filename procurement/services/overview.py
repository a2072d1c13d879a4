"""Read-only views of a municipality's data, always scoped to the actor's municipality."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.db import cents_sum
from procurement.errors import NotFound
from procurement.models import (
    AuditEvent,
    ImportBatch,
    Organization,
    Proposal,
    PurchaseLine,
)
from procurement.permissions import Actor
from procurement.services.common import cents_to_decimal, get_owned


def actor_organization(session: Session, actor: Actor) -> Organization:
    """Return the actor's municipality."""
    if actor.organization_id is None:
        raise NotFound("Your account is not attached to a municipality.")
    org = session.get(Organization, actor.organization_id)
    if org is None:
        raise NotFound("Your municipality no longer exists.")
    return org


@dataclass
class Dashboard:
    """What a user sees first."""

    organization: Organization
    lines: int
    total: Any
    imports: list[ImportBatch]
    proposals: list[Proposal]


def dashboard(session: Session, actor: Actor) -> Dashboard:
    """Summarize the actor's municipality: spending, recent imports and proposals."""
    actor.require("read")
    org = actor_organization(session, actor)
    lines, cents = session.execute(select(func.count(), cents_sum(PurchaseLine.amount)).where(
        PurchaseLine.organization_id == org.id)).one()
    imports = list(session.scalars(select(ImportBatch).where(
        ImportBatch.organization_id == org.id).order_by(ImportBatch.id.desc()).limit(10)))
    proposals = list(session.scalars(select(Proposal).where(
        Proposal.organization_id == org.id).order_by(Proposal.id.desc()).limit(10)))
    return Dashboard(org, int(lines), cents_to_decimal(int(cents)), imports, proposals)


def proposal(session: Session, actor: Actor, proposal_id: int) -> Proposal:
    """Return a proposal of the actor's municipality, with lots and allocations."""
    actor.require("read")
    return get_owned(session, Proposal, proposal_id, actor.organization_id)


def import_batch(session: Session, actor: Actor, import_id: int) -> ImportBatch:
    """Return an import of the actor's municipality."""
    actor.require("read")
    return get_owned(session, ImportBatch, import_id, actor.organization_id)


def list_imports(session: Session, actor: Actor, *, limit: int = 50,
                 offset: int = 0) -> list[ImportBatch]:
    """List the municipality's imports, newest first."""
    actor.require("read")
    return list(session.scalars(select(ImportBatch).where(
        ImportBatch.organization_id == actor.organization_id)
        .order_by(ImportBatch.id.desc()).limit(limit).offset(offset)))


def list_lines(session: Session, actor: Actor, *, category: str | None = None,
               supplier: str | None = None, limit: int = 100,
               offset: int = 0) -> list[PurchaseLine]:
    """List purchase lines of the municipality with optional filters."""
    actor.require("read")
    query = select(PurchaseLine).where(PurchaseLine.organization_id == actor.organization_id)
    if category:
        query = query.where(PurchaseLine.category_code == category)
    if supplier:
        query = query.where(PurchaseLine.supplier_name.ilike(f"%{supplier}%"))
    return list(session.scalars(query.order_by(PurchaseLine.id).limit(limit).offset(offset)))


def list_audit_events(session: Session, actor: Actor, *, limit: int = 100,
                      offset: int = 0) -> list[AuditEvent]:
    """List the audit events of the municipality, newest first."""
    actor.require("read")
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.organization_id == actor.organization_id)
        .order_by(AuditEvent.id.desc()).limit(limit).offset(offset)))
