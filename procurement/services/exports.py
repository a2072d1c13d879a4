"""Use case: export a proposal (xlsx, csv, OCDS JSON), recorded in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.audit import record_event
from procurement.errors import InvalidInput
from procurement.exports.csv_export import proposal_csv
from procurement.exports.ocds import proposal_package
from procurement.exports.pdf import proposal_pdf
from procurement.exports.workbook import proposal_workbook
from procurement.models import ImportBatch, Organization, Proposal
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


def export_proposal(session: Session, actor: Actor, proposal_id: int, fmt: str) -> ExportFile:
    """Render a proposal in `fmt` for the actor's municipality."""
    actor.require("export")
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown export format {fmt!r}.",
                           errors={"format": f"must be one of {', '.join(sorted(FORMATS))}"})
    proposal = get_owned(session, Proposal, proposal_id, scope_of(actor))
    org = session.get(Organization, proposal.organization_id)
    assert org is not None
    if fmt == "xlsx":
        content = proposal_workbook(proposal, org, years=targets.years_for(session, actor, org),
                                    imports=_imports_of(session, org))
    elif fmt == "ocds":
        content = proposal_package(proposal, org)
    elif fmt == "pdf":
        content = proposal_pdf(proposal, org)
    else:
        content = proposal_csv(proposal)
    record_event(session, actor=actor.name, action="proposal.exported", object_type="proposal",
                 object_id=proposal.id, organization_id=proposal.organization_id,
                 after={"format": fmt, "bytes": len(content)})
    return ExportFile(content=content, mimetype=FORMATS[fmt],
                      filename=f"proposition-{proposal.id}.{EXTENSIONS[fmt]}")


def _imports_of(session: Session, org: Organization) -> list[ImportBatch]:
    """Return the municipality's imported spending files, for the method sheet."""
    return list(session.scalars(select(ImportBatch).where(
        ImportBatch.organization_id == org.id, ImportBatch.status == "imported",
        ImportBatch.kind == "spend").order_by(ImportBatch.id)))
