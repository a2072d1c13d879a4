"""Use cases of the review workflow: submit, decide (four eyes), compare proposals.

States: draft → submitted → approved | rejected. The author never approves their own
proposal; an approved proposal is frozen. Every decision names the version the
reviewer saw, so two reviewers deciding at once get one success and one conflict.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from procurement.audit import record_event
from procurement.errors import Conflict, InvalidInput, PermissionDenied
from procurement.models import Allocation, Proposal, utcnow
from procurement.permissions import Actor
from procurement.services.common import get_owned, scope_of

DECISIONS = ("approved", "rejected")


def list_proposals(session: Session, org_id: int, *, status: str | None = None,
                   limit: int = 50, offset: int = 0) -> list[Proposal]:
    """List the municipality's proposals, newest first."""
    query = select(Proposal).where(Proposal.organization_id == org_id)
    if status:
        query = query.where(Proposal.status == status)
    query = query.order_by(Proposal.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def _bump(session: Session, proposal: Proposal, expected_version: int,
          values: dict[str, Any]) -> None:
    """Apply `values` only if nobody changed the proposal since `expected_version`."""
    result = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.version == expected_version)
        .values(version=expected_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(
            f"Proposal #{proposal.id} was changed by someone else since you opened it "
            f"(you saw version {expected_version}). Reload it to see the current state.",
            reason="proposal_changed", params={"id": proposal.id},
        )
    session.refresh(proposal)


def submit(session: Session, actor: Actor, proposal_id: int, *, version: int) -> Proposal:
    """Send a draft proposal to finance for review."""
    actor.require("proposal.submit")
    proposal = get_owned(session, Proposal, proposal_id, scope_of(actor))
    if proposal.status != "draft":
        raise Conflict(f"Proposal #{proposal.id} is {proposal.status}; only a draft can be "
                       "submitted.", reason="proposal_not_draft",
                       params={"id": proposal.id, "status": proposal.status})
    _bump(session, proposal, version, {"status": "submitted", "submitted_at": utcnow()})
    record_event(session, actor=actor.name, action="proposal.submitted", object_type="proposal",
                 object_id=proposal.id, organization_id=proposal.organization_id,
                 before={"status": "draft", "version": version},
                 after={"status": "submitted", "version": proposal.version})
    return proposal


def decide(session: Session, actor: Actor, proposal_id: int, *, decision: str, version: int,
           comment: str | None = None,
           allocation_decisions: dict[int, str] | None = None) -> Proposal:
    """Approve or reject a submitted proposal, optionally deciding each allocation."""
    actor.require("proposal.decide")
    # Every problem of the form at once: the decision, the comment, each allocation's choice.
    problems: dict[str, str] = {}
    if decision not in DECISIONS:
        problems["decision"] = "must be approved or rejected"
    if decision == "rejected" and not (comment and comment.strip()):
        problems["comment"] = "a comment is required to reject"
    problems.update({str(k): "must be approved or rejected"
                     for k, v in (allocation_decisions or {}).items() if v not in DECISIONS})
    if problems:
        if "comment" in problems:
            raise InvalidInput("Say why the proposal is rejected.", errors=problems,
                               reason="rejection_needs_comment")
        raise InvalidInput("The decision was not recorded.", errors=problems,
                           reason="decision_not_recorded")
    proposal = get_owned(session, Proposal, proposal_id, scope_of(actor))
    if proposal.created_by_id is not None and proposal.created_by_id == actor.user_id:
        raise PermissionDenied("You prepared this proposal: another person must review it "
                               "(four-eyes principle).", reason="four_eyes")
    if proposal.status != "submitted":
        raise Conflict(f"Proposal #{proposal.id} is {proposal.status}; only a submitted "
                       "proposal can be decided.", reason="proposal_not_submitted",
                       params={"id": proposal.id, "status": proposal.status})
    allocation_decisions = allocation_decisions or {}
    allocations = {a.id: a for a in proposal.allocations}
    errors = {str(k): "not an allocation of this proposal" for k in allocation_decisions
              if k not in allocations}
    errors.update({str(k): "must be approved or rejected" for k, v in allocation_decisions.items()
                   if v not in DECISIONS})
    if errors:
        raise InvalidInput("The allocation decisions are not valid.", errors=errors)
    _bump(session, proposal, version, {
        "status": decision, "decided_by_id": actor.user_id, "decided_at": utcnow(),
        "decision_comment": comment})
    for alloc_id, alloc in allocations.items():
        value = allocation_decisions.get(alloc_id, decision)
        session.execute(update(Allocation).where(Allocation.id == alloc_id)
                        .values(decision=value)
                        .execution_options(synchronize_session=False))
        alloc.decision = value
    record_event(session, actor=actor.name, action=f"proposal.{decision}",
                 object_type="proposal", object_id=proposal.id,
                 organization_id=proposal.organization_id,
                 before={"status": "submitted", "version": version},
                 after={"status": decision, "version": proposal.version, "comment": comment,
                        "allocations": {str(k): v for k, v in allocation_decisions.items()}})
    return proposal


def compare(session: Session, actor: Actor, first_id: int, second_id: int) -> dict[str, Any]:
    """Compare two proposals of the municipality lot by lot and supplier by supplier."""
    actor.require("read")
    first = get_owned(session, Proposal, first_id, scope_of(actor))
    second = get_owned(session, Proposal, second_id, scope_of(actor))

    def amounts(proposal: Proposal) -> dict[tuple[str, str], Any]:
        result: dict[tuple[str, str], Any] = {}
        for alloc in proposal.allocations:
            name = alloc.supplier.name if alloc.supplier else "Marché / market"
            key = (alloc.lot.key, name)
            result[key] = result.get(key, 0) + alloc.amount
        return result

    a, b = amounts(first), amounts(second)
    rows = []
    for key in sorted(set(a) | set(b)):
        amount_a, amount_b = a.get(key, 0), b.get(key, 0)
        if amount_a == amount_b:
            continue
        rows.append({"lot": key[0], "supplier": key[1], "first": f"{amount_a:.2f}",
                     "second": f"{amount_b:.2f}", "delta": f"{amount_b - amount_a:.2f}"})
    kpi_keys = sorted(set(first.kpis) | set(second.kpis))
    kpis = {k: {"first": first.kpis.get(k), "second": second.kpis.get(k)} for k in kpi_keys}
    return {"first": first.id, "second": second.id, "rows": rows, "kpis": kpis}
