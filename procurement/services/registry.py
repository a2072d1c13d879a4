"""Use cases of the supplier registry: import, edit, undo a merge, and the supplier page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.audit import record_event
from procurement.errors import Conflict, InvalidInput, NotFound
from procurement.models import (
    Allocation,
    Category,
    ImportBatch,
    Lot,
    Organization,
    Proposal,
    Supplier,
    SupplierCategory,
    SupplierMerge,
    User,
    utcnow,
)
from procurement.permissions import Actor
from procurement.services.capabilities import decide_capabilities
from procurement.services.imports import ImportOutcome, ImportSettings
from procurement.services.scenario import FieldError

SERVICE_AREAS = ("municipality", "mrc", "region", "province")
SCORE_KEYS = ("work_integration", "locality", "governance", "environment", "premium_pct")
EDITABLE_FIELDS = ("capacity", "active", "service_area", "work_integration",
                   "reserved_eligible", "score_overrides")
MAX_CAPACITY = Decimal("999999999999.99")


def supplier_facts(supplier: Supplier) -> dict[str, Any]:
    """Return the administrator-editable facts of a supplier, as JSON-ready data."""
    return {
        "capacity": None if supplier.capacity is None else f"{supplier.capacity:.2f}",
        "active": supplier.active,
        "service_area": supplier.service_area,
        "work_integration": supplier.work_integration,
        "reserved_eligible": supplier.reserved_eligible,
        "score_overrides": dict(supplier.score_overrides or {}),
    }


class SupplierInvalid(InvalidInput):
    """An administrator's edit of a supplier has field errors: codes and parameters kept."""

    def __init__(self, field_errors: dict[str, FieldError]) -> None:
        super().__init__("The supplier was not changed.",
                         errors={key: err.message() for key, err in field_errors.items()})
        self.field_errors = field_errors


def _clean_capacity(value: Any, errors: dict[str, FieldError]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors["capacity"] = FieldError("not_a_number", {"value": str(value)})
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_CAPACITY:
        errors["capacity"] = FieldError("out_of_range", {"interval": f"[0, {MAX_CAPACITY}]"})
        return None
    return amount


def _clean_scores(value: Any, errors: dict[str, FieldError]) -> dict[str, float]:
    if not isinstance(value, dict):
        errors["score_overrides"] = FieldError("invalid", {
            "detail": "must be an object such as {\"work_integration\": 1.0}"})
        return {}
    clean: dict[str, float] = {}
    for key, score in value.items():
        if key not in SCORE_KEYS:
            errors[f"score_overrides.{key}"] = FieldError("unknown_dimension", {
                "choices": ", ".join(SCORE_KEYS)})
        elif isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
            errors[f"score_overrides.{key}"] = FieldError("out_of_range", {"interval": "[0, 1]"})
        else:
            clean[key] = float(score)
    return clean


def validate_supplier_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Check an administrator's edit of a supplier; raise SupplierInvalid naming each field."""
    errors: dict[str, FieldError] = {}
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in EDITABLE_FIELDS:
            errors[key] = FieldError("unknown_field")
        elif key == "capacity":
            clean[key] = _clean_capacity(value, errors)
        elif key in {"active", "work_integration", "reserved_eligible"}:
            if not isinstance(value, bool):
                errors[key] = FieldError("not_a_boolean")
            clean[key] = value
        elif key == "service_area":
            if value is not None and value not in SERVICE_AREAS:
                errors[key] = FieldError("not_a_choice", {"choices": ", ".join(SERVICE_AREAS)})
            clean[key] = value
        else:
            clean[key] = _clean_scores(value, errors)
    if errors:
        raise SupplierInvalid(errors)
    return clean


def update_supplier(session: Session, actor: Actor, supplier_id: int,
                    changes: dict[str, Any]) -> Supplier:
    """Change a registry supplier's capacity, flags or scores, recording before and after."""
    actor.require("registry.edit")
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"Supplier {supplier_id} was not found.")
    clean = validate_supplier_changes(changes)
    before = supplier_facts(supplier)
    for key, value in clean.items():
        setattr(supplier, key, value)
    supplier.updated_at = utcnow()
    session.flush()
    after = supplier_facts(supplier)
    changed = {key for key in after if after[key] != before[key]}
    if changed:
        record_event(session, actor=actor.name, action="supplier.updated",
                     object_type="supplier", object_id=supplier.id,
                     organization_id=actor.organization_id,
                     before={k: before[k] for k in sorted(changed)},
                     after={k: after[k] for k in sorted(changed)})
    return supplier


@dataclass
class UndoneMerge:
    """What undoing a registry merge did, shaped like `procure undo-merge --json`."""

    merge_id: int
    supplier_id: int
    matched_on: str
    restored: dict[str, Any] = field(default_factory=dict)
    kept: dict[str, Any] = field(default_factory=dict)
    split_supplier_id: int | None = None
    undone_at: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of the CLI and the API."""
        return {
            "merge_id": self.merge_id, "supplier_id": self.supplier_id,
            "matched_on": self.matched_on, "restored": self.restored, "kept": self.kept,
            "split_supplier_id": self.split_supplier_id,
            "undone_at": self.undone_at.isoformat() if self.undone_at else None,
        }


def _same_value(current: Any, recorded: Any) -> bool:
    if isinstance(current, float | Decimal) and isinstance(recorded, int | float):
        return abs(float(current) - float(recorded)) < 1e-9
    return bool(current == recorded)


def undo_merge(session: Session, actor: Actor, merge_id: int) -> UndoneMerge:
    """Undo a registry merge: give the supplier back the facts it had before.

    A fact changed again since the merge (by a later import or a person) is kept and
    reported. A merge made on the name alone also sets the merged record apart as its own
    supplier (from the facts the file gave), so that nothing is lost; a merge on the same
    identifier does not (the next import would merge them again).
    """
    from procurement.matching import normalize_company_name
    from procurement.services import matching

    actor.require("registry.edit")
    merge = session.get(SupplierMerge, merge_id)
    if merge is None:
        raise NotFound(f"Registry merge {merge_id} was not found.")
    if merge.undone_at is not None:
        raise Conflict(f"Registry merge {merge_id} was already undone on "
                       f"{merge.undone_at:%Y-%m-%d %H:%M}.")
    supplier = session.get(Supplier, merge.supplier_id)
    if supplier is None:
        raise NotFound(f"Supplier {merge.supplier_id} of merge {merge_id} was not found.")
    outcome = UndoneMerge(merge_id=merge.id, supplier_id=supplier.id,
                          matched_on=merge.matched_on)
    changed_back: dict[str, Any] = {}
    for attr, before in merge.before.items():
        after = merge.after.get(attr)
        unchanged = after is None if before is None else _same_value(before, after)
        if unchanged:
            continue  # the merge did not change this fact
        current = getattr(supplier, attr)
        if _same_value(current, after):
            changed_back[attr] = current if not isinstance(current, Decimal) else float(current)
            setattr(supplier, attr, before)
            outcome.restored[attr] = before
        else:
            outcome.kept[attr] = current if not isinstance(current, Decimal) else float(current)
    if merge.matched_on == "name" and merge.after.get("name"):
        record = {attr: value for attr, value in merge.after.items()
                  if hasattr(Supplier, attr) and attr != "id"}
        apart = Supplier(normalized_name=normalize_company_name(record["name"])
                         or str(record["name"]).lower(), **record)
        session.add(apart)
        session.flush()
        outcome.split_supplier_id = apart.id
    supplier.updated_at = utcnow()
    merge.undone_at, merge.undone_by_id = utcnow(), actor.user_id
    outcome.undone_at = merge.undone_at
    session.flush()
    matching.localize_suppliers(session)
    matching.refresh_supplier_categories(session)
    record_event(session, actor=actor.name, action="supplier.merge_undone",
                 object_type="supplier", object_id=supplier.id,
                 organization_id=actor.organization_id, before=changed_back,
                 after={"merge_id": merge.id, "import_id": merge.import_id,
                        "restored": outcome.restored, "kept": sorted(outcome.kept),
                        "split_supplier_id": outcome.split_supplier_id})
    return outcome


def set_supplier_categories(session: Session, actor: Actor, supplier_id: int,
                            category_codes: list[str]) -> Supplier:
    """Replace a supplier's categories by the ones a person confirmed.

    The listed categories are confirmed and every other pair the supplier has is rejected,
    through the capability decision of the review queue (one rule): decisions survive
    every later inference, and an empty list says the supplier serves none of them.
    """
    actor.require("registry.edit")
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"Supplier {supplier_id} was not found.")
    codes = list(dict.fromkeys(code.strip() for code in category_codes))
    known = set(session.scalars(select(Category.code).where(Category.code.in_(codes))))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidInput("The categories were not changed.", errors={
            "categories": f"unknown category code(s): {', '.join(unknown)}"})
    decisions = [(supplier.id, code, "confirmed") for code in codes]
    decisions += [(supplier.id, pair.category_code, "rejected") for pair in supplier.categories
                  if pair.category_code not in codes and pair.decision != "rejected"]
    if decisions:
        decide_capabilities(session, actor, decisions)
    supplier.updated_at = utcnow()
    session.flush()
    session.refresh(supplier)
    return supplier


# --- importing a registry file ----------------------------------------------------------

def import_registry(session: Session, actor: Actor, path: Path, *,
                    original_name: str | None = None,
                    settings: ImportSettings | None = None) -> ImportOutcome:
    """Import a registry file, then link suppliers to municipalities and infer capabilities.

    The one use case of `procure import-suppliers` and the registry import page: the
    merge rule is `imports.merge_suppliers`; a person's capability decisions survive.
    """
    from procurement.matching import normalize_company_name
    from procurement.services import imports, matching

    settings = settings or ImportSettings()
    outcome = imports.import_suppliers(session, actor, path, original_name=original_name,
                                       limits=settings.limits, isolated=settings.isolated,
                                       normalize_name=normalize_company_name)
    if outcome.status == "imported":
        matching.seed_categories(session)
        matching.localize_suppliers(session)
        matching.refresh_supplier_categories(session)
    return outcome


@dataclass
class MergeFact:
    """One merge of a registry record into a supplier: what changed, from which file."""

    merge_id: int
    import_id: int
    file_name: str
    supplier_id: int
    supplier_name: str
    matched_on: str
    changed: dict[str, tuple[Any, Any]]  # fact -> (before, after)
    created_at: dt.datetime
    undone_at: dt.datetime | None


def _merge_facts(session: Session, where: Any) -> list[MergeFact]:
    rows = session.execute(
        select(SupplierMerge, ImportBatch.file_name, Supplier.name)
        .join(ImportBatch, ImportBatch.id == SupplierMerge.import_id)
        .join(Supplier, Supplier.id == SupplierMerge.supplier_id)
        .where(where).order_by(SupplierMerge.id.desc())).all()
    facts = []
    for merge, file_name, name in rows:
        changed = {attr: (merge.before.get(attr), value) for attr, value in merge.after.items()
                   if not (value is None if merge.before.get(attr) is None
                           else _same_value(merge.before.get(attr), value))}
        facts.append(MergeFact(merge_id=merge.id, import_id=merge.import_id,
                               file_name=file_name, supplier_id=merge.supplier_id,
                               supplier_name=name, matched_on=merge.matched_on,
                               changed=changed, created_at=merge.created_at,
                               undone_at=merge.undone_at))
    return facts


@dataclass
class RegistryImport:
    """A registry import as its report page shows it: counts, problems and merges."""

    batch: ImportBatch
    merges: list[MergeFact]


def registry_import(session: Session, actor: Actor, import_id: int) -> RegistryImport:
    """Return a registry import with the merges it made (the registry is shared)."""
    actor.require("read")
    batch = session.get(ImportBatch, import_id) if 0 < import_id < 2**31 else None
    if batch is None or batch.kind != "suppliers":
        raise NotFound(f"Registry import {import_id} was not found.")
    return RegistryImport(batch, _merge_facts(session, SupplierMerge.import_id == batch.id))


def registry_imports(session: Session, actor: Actor, *, limit: int = 10) -> list[ImportBatch]:
    """Return the latest registry imports, newest first."""
    actor.require("read")
    return list(session.scalars(select(ImportBatch).where(ImportBatch.kind == "suppliers")
                                .order_by(ImportBatch.id.desc()).limit(limit)))


# --- the supplier page ------------------------------------------------------------------

# The proposals of the municipality a supplier page reads: the latest ones.
PROPOSALS_READ = 5


@dataclass
class CapabilityFact:
    """A category the supplier serves (or was said not to), with its evidence."""

    category_code: str
    evidence: str
    confidence: float
    reason: str
    decision: str | None
    decided_by: str | None  # a person of the actor's municipality; None otherwise
    decided_elsewhere: bool  # decided by a person of another municipality
    decided_at: dt.datetime | None


@dataclass
class LotFact:
    """A lot of one of the municipality's latest proposals where the supplier appears."""

    proposal_id: int
    proposal_status: str
    proposal_created_at: dt.datetime
    lot_key: str
    category_code: str
    value: Decimal
    currency: str
    role: str  # awarded | named (by the lot's lever) | prospect (capability to verify)
    amount: Decimal | None = None
    evidence: str | None = None


@dataclass
class SupplierProfile:
    """Everything the supplier page shows, for the actor's municipality only."""

    supplier: Supplier
    locality: str
    mrc: str | None
    scores: dict[str, float]
    overridden: list[str]
    capabilities: list[CapabilityFact]
    merges: list[MergeFact]
    lots: list[LotFact]
    proposals_read: int


def supplier_profile(session: Session, actor: Actor, supplier_id: int) -> SupplierProfile:
    """Return a registry supplier with its capabilities, impact scores, merges and the lots
    of the actor's municipality's latest proposals where it is awarded or a candidate."""
    from procurement.impact import supplier_scores
    from procurement.matching.locality import locality_score
    from procurement.services import registry_search
    from procurement.services.overview import own_organization_id

    actor.require("read")
    org_id = own_organization_id(actor)
    supplier = session.get(Supplier, supplier_id) if 0 < supplier_id < 2**31 else None
    if supplier is None:
        raise NotFound(f"Supplier {supplier_id} was not found.")
    org = session.get(Organization, org_id)
    levels = registry_search.locality_by_code(session, org.code) if org else {}
    locality = registry_search.locality_of(levels, supplier.municipality_code)
    mrc = session.scalar(select(Organization.mrc).where(
        Organization.code == supplier.municipality_code)) if supplier.municipality_code else None
    overrides = dict(supplier.score_overrides or {})
    scores = supplier_scores(name=supplier.name, activity=supplier.activity,
                             org_type=supplier.org_type, legal_form=supplier.legal_form,
                             work_integration=supplier.work_integration, overrides=overrides)
    scores["locality"] = float(overrides.get("locality", locality_score(
        locality if locality != "elsewhere" else "unknown")))
    if "premium_pct" in overrides:
        scores["premium_pct"] = float(overrides["premium_pct"])
    return SupplierProfile(
        supplier=supplier, locality=locality, mrc=mrc, scores=scores,
        overridden=sorted(overrides), capabilities=_capability_facts(session, supplier, org_id),
        merges=_merge_facts(session, SupplierMerge.supplier_id == supplier.id),
        lots=_supplier_lots(session, supplier.id, org_id), proposals_read=PROPOSALS_READ)


def _capability_facts(session: Session, supplier: Supplier, org_id: int) -> list[CapabilityFact]:
    from procurement.services.scenario import EVIDENCE_LEVELS

    rows = session.execute(
        select(SupplierCategory, User.name, User.organization_id)
        .outerjoin(User, User.id == SupplierCategory.decided_by_id)
        .where(SupplierCategory.supplier_id == supplier.id)).all()
    rank = {kind: i for i, kind in enumerate(EVIDENCE_LEVELS)}
    facts = [CapabilityFact(
        category_code=pair.category_code, evidence=pair.evidence,
        confidence=float(pair.confidence), reason=pair.reason or "", decision=pair.decision,
        decided_by=who if who_org == org_id else None,
        decided_elsewhere=who is not None and who_org != org_id, decided_at=pair.decided_at)
        for pair, who, who_org in rows]
    return sorted(facts, key=lambda f: (f.decision == "rejected", rank.get(f.evidence, 9),
                                        -f.confidence, f.category_code))


def _supplier_lots(session: Session, supplier_id: int, org_id: int) -> list[LotFact]:
    proposals = list(session.scalars(select(Proposal).where(Proposal.organization_id == org_id)
                                     .order_by(Proposal.id.desc()).limit(PROPOSALS_READ)))
    if not proposals:
        return []
    by_id = {p.id: p for p in proposals}
    lots = {(lot.proposal_id, lot.key): lot for lot in session.scalars(
        select(Lot).where(Lot.proposal_id.in_(by_id)))}
    found: dict[tuple[int, str], LotFact] = {}

    def fact(lot: Lot, role: str, evidence: str | None) -> LotFact:
        proposal = by_id[lot.proposal_id]
        return LotFact(proposal_id=proposal.id, proposal_status=proposal.status,
                       proposal_created_at=proposal.created_at, lot_key=lot.key,
                       category_code=lot.category_code, value=lot.value,
                       currency=proposal.currency, role=role, evidence=evidence)

    awarded = session.execute(
        select(Allocation.proposal_id, Lot.key, func.sum(Allocation.amount),
               func.max(Allocation.capability_evidence))
        .join(Lot, Lot.id == Allocation.lot_id)
        .where(Allocation.proposal_id.in_(by_id), Allocation.supplier_id == supplier_id)
        .group_by(Allocation.proposal_id, Lot.key)).all()
    for proposal_id, key, amount, evidence in awarded:
        item = fact(lots[(proposal_id, key)], "awarded", evidence)
        item.amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        found[(proposal_id, key)] = item
    wanted = str(supplier_id)
    for proposal in proposals:
        for lever in proposal.levers or []:
            lot = lots.get((proposal.id, str(lever.get("lot"))))
            named = next((s for s in lever.get("suppliers") or []
                          if str(s.get("key")) == wanted), None)
            if lot is not None and named is not None and (proposal.id, lot.key) not in found:
                found[(proposal.id, lot.key)] = fact(lot, "named", named.get("evidence"))
    for (proposal_id, key), lot in lots.items():
        prospect = next((p for p in lot.prospects or []
                         if str(p.get("supplier_id")) == wanted), None)
        if prospect is not None and (proposal_id, key) not in found:
            found[(proposal_id, key)] = fact(lot, "prospect", prospect.get("evidence"))
    return sorted(found.values(), key=lambda f: (-f.proposal_id, f.role != "awarded",
                                                 f.category_code, f.lot_key))
