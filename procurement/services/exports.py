"""Use case: export a proposal (xlsx, csv, OCDS JSON), recorded in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.audit import record_event
from procurement.errors import InvalidInput
from procurement.exports.csv_export import proposal_csv
from procurement.exports.labels import Gettext, check_lang
from procurement.exports.ocds import proposal_package
from procurement.exports.pdf import proposal_pdf
from procurement.exports.workbook import DepartmentSpend, proposal_workbook
from procurement.models import (
    Allocation,
    AuditEvent,
    ImportBatch,
    Organization,
    Proposal,
    PurchaseLine,
    Supplier,
)
from procurement.permissions import Actor
from procurement.services import targets
from procurement.services.common import get_owned, scope_of

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "ocds": "application/json",
    "pdf": "application/pdf",
}
EXTENSIONS = {"xlsx": "xlsx", "csv": "csv", "ocds": "ocds.json", "pdf": "pdf"}


@dataclass(frozen=True)
class ExportFile:
    """An export ready to write or send."""

    content: bytes
    mimetype: str
    filename: str


def export_proposal(session: Session, actor: Actor, proposal_id: int, fmt: str, *,
                    lang: str = "fr", gettext: Gettext | None = None) -> ExportFile:
    """Render a proposal in `fmt` for the actor's municipality.

    The workbook and the PDF are in one language, `lang` (fr or en); `gettext` is the
    catalogue's, which renders the stored reasons and warnings in that language.
    """
    actor.require("export")
    lang = check_lang(lang)
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown export format {fmt!r}.",
                           errors={"format": f"must be one of {', '.join(sorted(FORMATS))}"})
    proposal = get_owned(session, Proposal, proposal_id, scope_of(actor))
    org = session.get(Organization, proposal.organization_id)
    assert org is not None
    if fmt == "xlsx":
        content = proposal_workbook(proposal, org, years=targets.years_for(session, actor, org),
                                    imports=_imports_of(session, org),
                                    departments=departments_of(session, proposal),
                                    audit=_audit_of(session, proposal), lang=lang,
                                    gettext=gettext)
    elif fmt == "ocds":
        content = proposal_package(proposal, org)
    elif fmt == "pdf":
        content = proposal_pdf(proposal, org, lang=lang, gettext=gettext)
    else:
        content = proposal_csv(proposal, lang)
    record_event(session, actor=actor.name, action="proposal.exported", object_type="proposal",
                 object_id=proposal.id, organization_id=proposal.organization_id,
                 after={"format": fmt, "bytes": len(content)})
    return ExportFile(content=content, mimetype=FORMATS[fmt],
                      filename=f"proposition-{proposal.id}.{EXTENSIONS[fmt]}")


def is_large(session: Session, actor: Actor, proposal_id: int, fmt: str,
             min_allocations: int) -> bool:
    """Tell whether exporting this proposal is long enough to run as a job.

    A proposal with at least `min_allocations` allocations (the workbook and the PDF grow
    with them) is; an unknown format or another municipality's proposal is said by the
    export itself.
    """
    actor.require("export")
    if fmt not in FORMATS:
        return False
    proposal = get_owned(session, Proposal, proposal_id, scope_of(actor))
    count = session.scalar(select(func.count()).select_from(Allocation).where(
        Allocation.proposal_id == proposal.id))
    return int(count or 0) >= min_allocations


def _imports_of(session: Session, org: Organization) -> list[ImportBatch]:
    """Return the municipality's imported spending files, for the method sheet."""
    return list(session.scalars(select(ImportBatch).where(
        ImportBatch.organization_id == org.id, ImportBatch.status == "imported",
        ImportBatch.kind == "spend").order_by(ImportBatch.id)))


def departments_of(session: Session, proposal: Proposal) -> list[DepartmentSpend]:
    """Return the spending per department over the proposal's period (all lines when open).

    Social economy spending is what already goes to an active registry supplier (the
    matched current supplier), as in the share by year.
    """
    se_amount = func.sum(PurchaseLine.amount).filter(Supplier.id.is_not(None))
    query = (select(PurchaseLine.department, func.count(), func.sum(PurchaseLine.amount),
                    se_amount)
             .outerjoin(Supplier, (Supplier.id == PurchaseLine.incumbent_supplier_id)
                        & Supplier.active.is_(True))
             .where(PurchaseLine.organization_id == proposal.organization_id)
             .group_by(PurchaseLine.department))
    if proposal.period_start:
        query = query.where(PurchaseLine.date >= proposal.period_start)
    if proposal.period_end:
        query = query.where(PurchaseLine.date <= proposal.period_end)
    return [DepartmentSpend(department=name, lines=int(count), total=_cents(total),
                            social_economy=_cents(se))
            for name, count, total, se in session.execute(query).all()]


def _cents(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _audit_of(session: Session, proposal: Proposal) -> list[AuditEvent]:
    """Return the proposal's audit events, oldest first."""
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.organization_id == proposal.organization_id,
        AuditEvent.object_type == "proposal", AuditEvent.object_id == str(proposal.id))
        .order_by(AuditEvent.id)))
