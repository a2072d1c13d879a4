"""Read-only views of a municipality's data, always scoped to the actor's municipality."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from procurement.audit import ChainReport, verify_chain
from procurement.data_versions import KEPT, scopes_of
from procurement.errors import NotFound
from procurement.exports.cells import csv_document
from procurement.models import (
    Allocation,
    AuditEvent,
    Category,
    ImportBatch,
    IncumbentMatch,
    Organization,
    Proposal,
    PurchaseLine,
    Scenario,
    Supplier,
)
from procurement.permissions import Actor
from procurement.services import targets
from procurement.services.common import cents_to_decimal, get_owned, scope_of
from procurement.services.targets import MonthRow


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
    months: list[MonthRow]


def dashboard(session: Session, actor: Actor) -> Dashboard:
    """Summarize the actor's municipality: spending, recent imports and proposals."""
    actor.require("read")
    org = actor_organization(session, actor)
    # One pass over the lines gives the months (the years' shares) and the totals.
    months = targets.monthly_spending(session, actor, org)
    lines = sum(month[2] for month in months)
    cents = sum(month[3] for month in months)
    # The recent files, each once (its refused attempts are under it on the import page).
    imports = [file.main for file in _import_files(
        session, ImportBatch.organization_id == org.id, limit=10, offset=0)]
    # With their scenarios (the table names them): one query, not one per proposal.
    proposals = list(session.scalars(select(Proposal).where(
        Proposal.organization_id == org.id).order_by(Proposal.id.desc()).limit(10)
        .options(selectinload(Proposal.scenario))))
    return Dashboard(org, lines, cents_to_decimal(cents), imports, proposals, months)


def proposal(session: Session, actor: Actor, proposal_id: int) -> Proposal:
    """Return a proposal of the actor's municipality, with lots and allocations."""
    actor.require("read")
    # With its scenario, lots, allocations and their suppliers: four queries, not one per
    # allocation.
    return get_owned(session, Proposal, proposal_id, own_organization_id(actor), options=(
        joinedload(Proposal.scenario), selectinload(Proposal.lots),
        selectinload(Proposal.allocations).selectinload(Allocation.supplier)))


#: What a proposal's read models read: the proposal, its lots and allocations, and the
#: registry's suppliers they name.
PROPOSAL_TABLES = ("proposal", "lot", "allocation", "supplier")
R = TypeVar("R")


def kept_proposal(session: Session, actor: Actor, proposal_id: int, view: str,
                  render: Callable[[Proposal], R]) -> R:
    """Return `render` of a proposal of the actor's municipality (`proposal`), computed once
    per version of what it reads and kept for the next readers of the same municipality.

    `view` names the rendering; `render` must give plain data and depend on nothing but
    the proposal (the same answer for every reader of the municipality).
    """
    actor.require("read")
    org_id = own_organization_id(actor)
    return KEPT.get(session, (view, org_id, proposal_id), scopes_of(org_id, PROPOSAL_TABLES),
                    lambda: render(proposal(session, actor, proposal_id)))


def import_batch(session: Session, actor: Actor, import_id: int) -> ImportBatch:
    """Return an import of the actor's municipality."""
    actor.require("read")
    return get_owned(session, ImportBatch, import_id, own_organization_id(actor))


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


# --- paginated reads for the API ---------------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the number of items of the whole list."""

    items: list[T]
    total: int


def page_of(session: Session, query: Select[T], limit: int, offset: int) -> Page[T]:
    """Run `query` for one page and count the whole result."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.limit(limit).offset(offset)))
    return Page(items, int(total or 0))


def own_organization_id(actor: Actor) -> int:
    """Return the actor's municipality id; an account without one sees nothing."""
    if actor.organization_id is None:
        raise NotFound("Your account is not attached to a municipality.")
    return actor.organization_id


def imports_page(session: Session, actor: Actor, *, status: str | None = None,
                 limit: int = 50, offset: int = 0) -> Page[ImportBatch]:
    """Return a page of the municipality's imports, newest first."""
    actor.require("read")
    query = select(ImportBatch).where(ImportBatch.organization_id == own_organization_id(actor))
    if status:
        query = query.where(ImportBatch.status == status)
    return page_of(session, query.order_by(ImportBatch.id.desc()), limit, offset)


@dataclass
class ImportFile:
    """One file in the import history: the import that counts and its other attempts.

    Attempts are the refused readings (a mapping to confirm, a currency to choose, blocking
    rows), the duplicates and withdrawn imports of the same file (same bytes), newest first.
    """

    main: ImportBatch
    attempts: list[ImportBatch]


# Which attempt of a file stands for it in the history: the imported one, else the latest.
_STANDING = {"imported": 0, "withdrawn": 1}


def import_files_page(session: Session, actor: Actor, *, limit: int = 50,
                      offset: int = 0) -> Page[ImportFile]:
    """Return a page of the municipality's import history, one entry per file, newest first."""
    actor.require("read")
    scope = ImportBatch.organization_id == own_organization_id(actor)
    files = (select(ImportBatch.file_hash).where(scope).group_by(ImportBatch.file_hash))
    total = session.scalar(select(func.count()).select_from(files.subquery()))
    return Page(_import_files(session, scope, limit=limit, offset=offset), int(total or 0))


def _import_files(session: Session, scope: Any, *, limit: int, offset: int) -> list[ImportFile]:
    """Return one page of the import history of `scope` (one entry per file, newest first)."""
    files = (select(ImportBatch.file_hash, func.max(ImportBatch.id).label("last"))
             .where(scope).group_by(ImportBatch.file_hash))
    hashes = [row.file_hash for row in session.execute(
        files.order_by(func.max(ImportBatch.id).desc()).limit(limit).offset(offset))]
    batches = session.scalars(select(ImportBatch).where(
        scope, ImportBatch.file_hash.in_(hashes)).order_by(ImportBatch.id.desc()))
    by_file: dict[str, list[ImportBatch]] = {}
    for batch in batches:
        by_file.setdefault(batch.file_hash, []).append(batch)
    items = []
    for file_hash in hashes:
        group = by_file.get(file_hash, [])
        if not group:
            continue
        main = min(group, key=lambda b: (_STANDING.get(b.status, 2), -b.id))
        items.append(ImportFile(main=main, attempts=[b for b in group if b is not main]))
    return items


def import_attempts(session: Session, actor: Actor, batch: ImportBatch) -> list[ImportBatch]:
    """Return the other imports of the same file as `batch` (same bytes), newest first."""
    actor.require("read")
    return list(session.scalars(select(ImportBatch).where(
        ImportBatch.organization_id == own_organization_id(actor),
        ImportBatch.file_hash == batch.file_hash, ImportBatch.id != batch.id)
        .order_by(ImportBatch.id.desc())))


def import_report_csv(session: Session, actor: Actor, import_id: int, *,
                      headers: Sequence[str],
                      cells: Callable[[dict[str, Any]], Sequence[Any]]) -> bytes:
    """Render an import's problem report as CSV (UTF-8 with BOM, for Excel).

    The edge gives the column titles and turns each issue (code, text, params) into the
    row's cells, in the reader's language.
    """
    batch = import_batch(session, actor, import_id)
    return csv_document(list(headers), (cells(issue) for issue in batch.issues))


def lines_page(session: Session, actor: Actor, *, category: str | None = None,
               supplier: str | None = None, import_id: int | None = None,
               limit: int = 50, offset: int = 0) -> Page[PurchaseLine]:
    """Return a page of the municipality's purchase lines with optional filters."""
    actor.require("read")
    query = select(PurchaseLine).where(
        PurchaseLine.organization_id == own_organization_id(actor))
    if category:
        query = query.where(PurchaseLine.category_code == category)
    if supplier:
        query = query.where(PurchaseLine.supplier_name.ilike(f"%{_like(supplier)}%",
                                                             escape="\\"))
    if import_id is not None:
        query = query.where(PurchaseLine.import_id == import_id)
    return page_of(session, query.order_by(PurchaseLine.id), limit, offset)


def _like(text: str) -> str:
    """Escape LIKE wildcards so a search matches the text literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def supplier(session: Session, actor: Actor, supplier_id: int) -> Supplier:
    """Return one registry supplier (the registry is shared by every municipality)."""
    actor.require("read")
    found = session.get(Supplier, supplier_id)
    if found is None:
        raise NotFound(f"Supplier {supplier_id} was not found.")
    return found


def categories(session: Session, actor: Actor) -> list[Category]:
    """Return the taxonomy's categories, sorted by code."""
    actor.require("read")
    return list(session.scalars(select(Category).order_by(Category.code)))


def incumbent_matches_page(session: Session, actor: Actor, *, status: str | None = "pending",
                           limit: int = 50, offset: int = 0) -> Page[IncumbentMatch]:
    """Return a page of the municipality's incumbent matches, most confident first."""
    actor.require("read")
    query = select(IncumbentMatch).where(
        IncumbentMatch.organization_id == own_organization_id(actor))
    if status:
        query = query.where(IncumbentMatch.status == status)
    query = query.order_by(IncumbentMatch.confidence.desc(), IncumbentMatch.id)
    return page_of(session, query, limit, offset)


def scenarios_page(session: Session, actor: Actor, *, limit: int = 50,
                   offset: int = 0) -> Page[Scenario]:
    """Return a page of the municipality's scenarios, newest first."""
    actor.require("read")
    query = select(Scenario).where(Scenario.organization_id == own_organization_id(actor))
    return page_of(session, query.order_by(Scenario.id.desc()), limit, offset)


def proposals_page(session: Session, actor: Actor, *, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page[Proposal]:
    """Return a page of the municipality's proposals, newest first."""
    actor.require("read")
    query = select(Proposal).where(Proposal.organization_id == own_organization_id(actor))
    if status:
        query = query.where(Proposal.status == status)
    return page_of(session, query.order_by(Proposal.id.desc()), limit, offset)


def audit_page(session: Session, actor: Actor, *, action: str | None = None,
               object_type: str | None = None, object_id: str | None = None,
               limit: int = 50, offset: int = 0) -> Page[AuditEvent]:
    """Return a page of the municipality's audit events, newest first."""
    actor.require("read")
    query = select(AuditEvent).where(AuditEvent.organization_id == own_organization_id(actor))
    if action:
        query = query.where(AuditEvent.action == action)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    return page_of(session, query.order_by(AuditEvent.id.desc()), limit, offset)


def verify_audit_chain(session: Session, actor: Actor) -> ChainReport:
    """Recompute the whole hash chain (one for the instance) and its signed head; count
    and name only the events of the actor's municipality."""
    actor.require("read")
    return verify_chain(session, scope_of(actor))
