"""Use cases of the capability review queue: who can supply what, confirmed by a person.

A capability is a (supplier, category) pair with the kind of evidence behind it. The
queue lists the pairs nobody has decided yet, for the suppliers that can reach the
municipality, the pairs that would open the most of its spending to the social economy
first. A purchaser or an administrator confirms or rejects them; the decision is audited,
survives every re-import of the registry, and a rejected pair is never inferred again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from procurement import matching
from procurement.audit import record_event
from procurement.db import cents_sum
from procurement.errors import InvalidInput, NotFound
from procurement.models import (
    Organization,
    PurchaseLine,
    Supplier,
    SupplierCategory,
    User,
    utcnow,
)
from procurement.permissions import Actor
from procurement.services.common import cents_to_decimal, scope_of
from procurement.services.overview import Page
from procurement.services.scenario import EVIDENCE_LEVELS

DECISIONS = ("confirmed", "rejected")
MAX_DECISIONS = 500
MAX_COMMENT = 2000
# What a person's decision leaves in the pair: a confirmed pair is certain, a rejected one
# must never count as a capability again (the candidate rule reads the confidence).
DECIDED_CONFIDENCE = {"confirmed": 1.0, "rejected": 0.0}
ADDED_REASON = "ajoutée par une personne / added by a person"


@dataclass
class CapabilityItem:
    """One pair of the queue, with what a person needs to decide it."""

    supplier_id: int
    supplier_name: str
    neq: str | None
    municipality: str | None
    org_type: str | None
    legal_form: str | None
    sector: str | None
    activity: str | None
    work_integration: bool
    category_code: str
    category_label_fr: str
    category_label_en: str
    evidence: str
    evidence_detail: dict[str, Any]
    reason: str
    confidence: float
    spending: Decimal
    currency: str
    decision: str | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None


@dataclass
class DecisionOutcome:
    """What `decide_capabilities` changed."""

    confirmed: int = 0
    rejected: int = 0
    unchanged: int = 0
    pairs: list[SupplierCategory] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the counts and the decided pairs as data."""
        return {"confirmed": self.confirmed, "rejected": self.rejected,
                "unchanged": self.unchanged,
                "pairs": [{"supplier_id": p.supplier_id, "category_code": p.category_code,
                           "decision": p.decision, "evidence": p.evidence} for p in self.pairs]}


def _own(actor: Actor, org: Organization) -> None:
    """Refuse a municipality other than the actor's (the command line acts for any)."""
    scope = scope_of(actor)
    if scope is not None and scope != org.id:
        raise NotFound("This municipality was not found.")


def spending_by_category(session: Session, org: Organization) -> dict[str, int]:
    """Return the municipality's spending per category code, in cents."""
    rows = session.execute(select(PurchaseLine.category_code, cents_sum(PurchaseLine.amount))
                           .where(PurchaseLine.organization_id == org.id,
                                  PurchaseLine.category_code.is_not(None))
                           .group_by(PurchaseLine.category_code)).all()
    return {str(code): int(cents or 0) for code, cents in rows}


# The territory rule's answers by what it read (the municipality, the suppliers' territory
# columns, the directory): a changed registry or directory is another key, never a stale
# answer. The dashboard asks on every visit; the rule's pandas work is what costs.
_REACH_MEMO: dict[tuple[Any, ...], frozenset[int]] = {}
_REACH_MEMO_SIZE = 32


#: What the territory rule reads of a supplier, in this order.
_TERRITORY = (Supplier.id, Supplier.municipality_code, Supplier.active, Supplier.capacity,
              Supplier.service_area)


def reachable_supplier_ids(session: Session, org: Organization,
                           among: Select[Any] | None = None) -> set[int]:
    """Return the active suppliers whose service area reaches the municipality.

    The territory rule is the candidate rule of the optimization (one rule, two readers).
    The rule reads each supplier on its own, so `among` (a query of supplier ids) narrows
    what is read to the suppliers asked about, not the whole registry.
    """
    query = select(*_TERRITORY).order_by(Supplier.id)
    if among is not None:
        query = query.where(Supplier.id.in_(among.scalar_subquery()))
    # Plain tuples: pandas probes every Row object for attributes, ten times slower.
    return set(_serving(session, org, tuple(tuple(row) for row in session.execute(query))))


def _serving(session: Session, org: Organization,
             supplier_rows: tuple[tuple[Any, ...], ...]) -> frozenset[int]:
    """Apply the territory rule to suppliers given as `_TERRITORY` tuples, ordered by id."""
    if not supplier_rows:
        return frozenset()
    # The rule looks up only these suppliers' municipalities and the municipality's own.
    codes = sorted({str(row[1]).strip() for row in supplier_rows if row[1] is not None}
                   | {org.code})
    directory = tuple(tuple(row) for row in session.execute(select(
        Organization.code, Organization.mrc, Organization.region)
        .where(func.trim(Organization.code).in_(codes)).order_by(Organization.id)))
    key = (org.code, supplier_rows, directory)
    found = _REACH_MEMO.get(key)
    if found is None:
        suppliers = pd.DataFrame(list(supplier_rows), columns=[
            "key", "municipality_code", "active", "capacity_cents", "service_area"])
        municipalities = pd.DataFrame(list(directory), columns=["code", "mrc", "region"])
        serving = matching.serving_suppliers(suppliers, municipalities, org.code)
        found = frozenset(int(supplier_id) for supplier_id in serving["key"])
        if len(_REACH_MEMO) >= _REACH_MEMO_SIZE:
            _REACH_MEMO.clear()
        _REACH_MEMO[key] = found
    return found


def category_labels() -> dict[str, tuple[str, str]]:
    """Return the taxonomy's categories: code -> (French label, English label)."""
    from procurement.services.matching import taxonomy

    return {code: (cat.label_fr, cat.label_en) for code, cat in taxonomy().categories.items()}


def _check_filters(evidence: str | None, category: str | None) -> None:
    from procurement.services.matching import taxonomy

    errors: dict[str, str] = {}
    if evidence is not None and evidence not in EVIDENCE_LEVELS:
        errors["evidence"] = f"must be one of {', '.join(EVIDENCE_LEVELS)}"
    if category is not None and category not in taxonomy().categories:
        errors["category"] = f"unknown category code {category!r}"
    if errors:
        raise InvalidInput("The filters of the capability queue are not valid.", errors=errors)


def _queue_filters(decided: bool, evidence: str | None, category: str | None) -> list[Any]:
    """Return the conditions on the pairs of the queue (active suppliers, decided or not)."""
    where: list[Any] = [Supplier.active.is_(True),
                        SupplierCategory.decision.is_not(None) if decided
                        else SupplierCategory.decision.is_(None)]
    if evidence is not None:
        where.append(SupplierCategory.evidence == evidence)
    if category is not None:
        where.append(SupplierCategory.category_code == category)
    return where


def _queue_suppliers(decided: bool, evidence: str | None, category: str | None
                     ) -> Select[Any]:
    """Return the query of the suppliers that have a pair in the queue."""
    return (select(SupplierCategory.supplier_id)
            .join(Supplier, Supplier.id == SupplierCategory.supplier_id)
            .where(*_queue_filters(decided, evidence, category)))


def capability_queue_size(session: Session, actor: Actor, org: Organization) -> int:
    """Count the pairs nobody decided yet for `org` (the queue's rule, without ranking or
    reading a page: the dashboard shows this number on every visit)."""
    actor.require("read")
    _own(actor, org)
    # The pairs with their supplier's territory, in one query.
    pairs = [tuple(row) for row in session.execute(
        select(*_TERRITORY).select_from(SupplierCategory)
        .join(Supplier, Supplier.id == SupplierCategory.supplier_id)
        .where(*_queue_filters(False, None, None)))]
    reachable = _serving(session, org, tuple(sorted(set(pairs), key=lambda row: row[0])))
    return sum(1 for row in pairs if row[0] in reachable)


def capability_queue(session: Session, actor: Actor, org: Organization, *,
                     evidence: str | None = None, category: str | None = None,
                     decided: bool = False, offset: int = 0,
                     limit: int = 50) -> Page[CapabilityItem]:
    """Return a page of the pairs to review for `org`, most spending opened first.

    `decided=False` lists the pairs nobody decided yet; `decided=True` the decided ones
    (who, when). Only suppliers that can reach the municipality are listed, and only the
    municipality's own spending is read.
    """
    actor.require("read")
    _own(actor, org)
    _check_filters(evidence, category)
    # Rank on a few columns of every pair, then read the whole rows of one page only.
    query = (select(SupplierCategory.id, SupplierCategory.supplier_id,
                    SupplierCategory.category_code, SupplierCategory.confidence, Supplier.name)
             .join(Supplier, Supplier.id == SupplierCategory.supplier_id)
             .where(*_queue_filters(decided, evidence, category)))
    reachable = reachable_supplier_ids(session, org, _queue_suppliers(decided, evidence,
                                                                      category))
    spending = spending_by_category(session, org)
    ranked = sorted(
        (row for row in session.execute(query) if row.supplier_id in reachable),
        key=lambda row: (-spending.get(row.category_code, 0), -row.confidence, row.name, row.id))
    page_ids = [row.id for row in ranked[offset:offset + limit]]
    found = {pair.id: (pair, supplier, who) for pair, supplier, who in session.execute(
        select(SupplierCategory, Supplier, User.name)
        .join(Supplier, Supplier.id == SupplierCategory.supplier_id)
        # Who decided, when they belong to this municipality: no other one's people.
        .outerjoin(User, (User.id == SupplierCategory.decided_by_id)
                   & (User.organization_id == org.id))
        .where(SupplierCategory.id.in_(page_ids)))} if page_ids else {}
    labels = category_labels()
    items = []
    for pair_id in page_ids:
        pair, supplier, who = found[pair_id]
        label_fr, label_en = labels.get(pair.category_code, (pair.category_code,) * 2)
        items.append(CapabilityItem(
            supplier_id=supplier.id, supplier_name=supplier.name, neq=supplier.neq,
            municipality=supplier.municipality, org_type=supplier.org_type,
            legal_form=supplier.legal_form, sector=supplier.sector, activity=supplier.activity,
            work_integration=bool(supplier.work_integration),
            category_code=pair.category_code, category_label_fr=label_fr,
            category_label_en=label_en, evidence=pair.evidence,
            evidence_detail=dict(pair.evidence_detail or {}), reason=pair.reason or "",
            confidence=float(pair.confidence),
            spending=cents_to_decimal(spending.get(pair.category_code, 0)),
            currency=org.currency, decision=pair.decision, decided_by=who,
            decided_at=pair.decided_at))
    return Page(items, len(ranked))


def _check_decisions(session: Session, decisions: Sequence[Any],
                     comment: str | None) -> list[tuple[int, str, str]]:
    """Validate every decision before any write; raise InvalidInput naming each field."""
    from procurement.services.matching import taxonomy

    errors: dict[str, str] = {}
    if not isinstance(decisions, list | tuple) or not decisions:
        raise InvalidInput("No decision was given; nothing was changed.",
                           errors={"decisions": "give at least one decision"})
    if len(decisions) > MAX_DECISIONS:
        raise InvalidInput("Too many decisions at once; nothing was changed.",
                           errors={"decisions": f"at most {MAX_DECISIONS} at a time"})
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
        errors["comment"] = f"must be text of at most {MAX_COMMENT} characters"
    clean: list[tuple[int, str, str]] = []
    seen: set[tuple[int, str]] = set()
    known_categories = taxonomy().categories
    for index, item in enumerate(decisions):
        where = f"decisions.{index}"
        if not isinstance(item, list | tuple) or len(item) != 3:
            errors[where] = "expected (supplier_id, category_code, decision)"
            continue
        supplier_id, code, decision = item
        if isinstance(supplier_id, bool) or not isinstance(supplier_id, int) or not (
                0 < supplier_id < 2**31):
            errors[f"{where}.supplier_id"] = f"{supplier_id!r} is not a supplier id"
        if not isinstance(code, str) or code not in known_categories:
            errors[f"{where}.category_code"] = f"unknown category code {code!r}"
        if decision not in DECISIONS:
            errors[f"{where}.decision"] = f"must be {' or '.join(DECISIONS)}"
        if (supplier_id, code) in seen:
            errors[where] = "the same pair is decided twice"
        seen.add((supplier_id, code))
        clean.append((supplier_id, code, decision))
    ids = {sid for sid, _, _ in clean if isinstance(sid, int)}
    existing = set(session.scalars(select(Supplier.id).where(Supplier.id.in_(ids)))) if ids \
        else set()
    for index, (supplier_id, _, _) in enumerate(clean):
        if isinstance(supplier_id, int) and supplier_id not in existing \
                and f"decisions.{index}.supplier_id" not in errors:
            errors[f"decisions.{index}.supplier_id"] = f"no supplier {supplier_id}"
    if errors:
        raise InvalidInput("The decisions are not valid; nothing was changed.", errors=errors)
    return clean


def decide_capabilities(session: Session, actor: Actor,
                        decisions: Iterable[tuple[Any, Any, Any]],
                        comment: str | None = None) -> DecisionOutcome:
    """Confirm or reject (supplier, category) pairs, all or none, each audited.

    A pair that did not exist is created: a person may add a capability the registry does
    not show. A confirmed pair's evidence becomes "confirmed".
    """
    actor.require("capability.decide")
    clean = _check_decisions(session, list(decisions), comment)
    pairs = {(p.supplier_id, p.category_code): p for p in session.scalars(
        select(SupplierCategory).where(SupplierCategory.supplier_id.in_(
            {sid for sid, _, _ in clean})))}
    outcome = DecisionOutcome()
    now = utcnow()
    for supplier_id, code, decision in clean:
        pair = pairs.get((supplier_id, code))
        if pair is not None and pair.decision == decision:
            outcome.unchanged += 1
            outcome.pairs.append(pair)
            continue
        before = None if pair is None else {
            "decision": pair.decision, "evidence": pair.evidence,
            "confidence": pair.confidence}
        if pair is None:
            pair = SupplierCategory(supplier_id=supplier_id, category_code=code,
                                    reason=ADDED_REASON, evidence="confirmed",
                                    evidence_detail={"added_by": actor.name})
            session.add(pair)
        pair.decision = decision
        pair.confidence = DECIDED_CONFIDENCE[decision]
        detail = dict(pair.evidence_detail or {})
        if decision == "confirmed" and pair.evidence != "confirmed":
            # Keep what the inference had found, should the person change their mind.
            pair.evidence_detail = {**detail, "inferred_evidence": pair.evidence}
            pair.evidence = "confirmed"
        elif decision == "rejected" and pair.evidence == "confirmed":
            pair.evidence = str(detail.get("inferred_evidence") or "name")
        pair.decided_by_id = actor.user_id
        pair.decided_at = now
        session.flush()
        record_event(session, actor=actor.name, action=f"capability.{decision}",
                     object_type="supplier_category", object_id=pair.id,
                     organization_id=actor.organization_id, before=before,
                     after={"supplier_id": supplier_id, "category_code": code,
                            "decision": decision, "evidence": pair.evidence,
                            **({"comment": comment} if comment else {})})
        setattr(outcome, decision, getattr(outcome, decision) + 1)
        outcome.pairs.append(pair)
    return outcome
