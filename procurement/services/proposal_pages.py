"""Read models of the proposal, compare and dashboard pages, scoped to the actor.

The domain returns codes and numbers (setting names, category codes, amounts as Decimal,
shares as fractions); the pages put words on them with the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from procurement.data_versions import KEPT, scopes_of
from procurement.errors import InvalidInput
from procurement.models import (
    Allocation,
    Category,
    ImportBatch,
    IncumbentMatch,
    Lot,
    Proposal,
    Supplier,
)
from procurement.permissions import Actor
from procurement.services import capabilities as queue
from procurement.services import overview, review
from procurement.services.common import get_owned, scope_of
from procurement.services.scenario import DEFAULTS as ENGINE_DEFAULTS
from procurement.services.scenario import parse_scenario

#: Evidence kinds, strongest first; "none" is the market's (no capability needed).
EVIDENCE_ORDER = ("confirmed", "activity", "sector", "name", "none")
SUPPLIER_TYPES = ("work_integration", "social_economy", "market")
SORTS = ("amount", "supplier", "category", "impact", "evidence", "lot_value")
PAGE_SIZES = (25, 50, 100)


def category_names(session: Session) -> dict[str, tuple[str, str]]:
    """Return {code: (label_fr, label_en)} for the taxonomy."""
    return {code: (fr, en) for code, fr, en in session.execute(
        select(Category.code, Category.label_fr, Category.label_en))}


# --- the scenario's settings --------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    """One setting of the scenario: a stable code, the kind of its value, the value.

    Kinds: "share" (a fraction), "money" (Decimal), "seconds", "evidence", "mode",
    "solver", "text", "date", "weights" ({dimension: weight}), "target" ({"value",
    "hard"}), "category_targets" ({category code: {"value", "hard"}}), "none" (not set).
    """

    code: str
    kind: str
    value: Any


def scenario_settings(proposal: Proposal) -> list[Setting]:
    """Return the settings a proposal was computed with, defaults filled in, in order."""
    params = dict(proposal.scenario.params or {})
    try:
        settings = parse_scenario({k: v for k, v in params.items()
                                   if k not in ("regulatory_profile",)})
        scenario = settings.optimizer
        evidence = settings.min_capability_evidence
        premium = settings.assumed_premium_pct
    except InvalidInput:  # a scenario stored by an older version: show what is known
        import optimizer

        scenario = optimizer.ScenarioInput()
        evidence = params.get("min_capability_evidence") or ENGINE_DEFAULTS[
            "min_capability_evidence"]
        premium = ENGINE_DEFAULTS["assumed_premium_pct"]
    budget_cents = (proposal.kpis or {}).get("budget_cents")
    out = [
        Setting("budget_increase", "share", scenario.budget_increase_pct),
        Setting("budget", "money", None if budget_cents is None
                else Decimal(int(budget_cents)) / 100),
        Setting("objective", "weights", dict(scenario.weights)),
        Setting("min_capability_evidence", "evidence", evidence),
        Setting("social_economy_share", "target", _target(scenario.social_economy_share)),
        Setting("local_share", "target", _target(scenario.local_share)),
        Setting("category_targets", "category_targets",
                {code: _target(t) for code, t in
                 sorted(scenario.social_economy_share_by_category.items())}),
        Setting("max_premium", "share", scenario.max_premium_pct),
        Setting("max_supplier_share", "share", scenario.max_supplier_share),
        Setting("assumed_premium", "share", premium),
        Setting("mode", "mode", scenario.mode),
        Setting("solver", "solver", scenario.solver),
        Setting("time_limit", "seconds", scenario.time_limit_s),
        Setting("regulatory_profile", "text", params.get("regulatory_profile")),
        Setting("period", "period", (proposal.period_start, proposal.period_end)),
    ]
    return out


def _target(target: Any) -> dict[str, Any] | None:
    if target is None:
        return None
    return {"value": float(target.value), "hard": bool(target.hard)}


# --- allocations --------------------------------------------------------------------------

@dataclass(frozen=True)
class AllocationFilters:
    """What the approver narrows the allocations to, and how they are sorted."""

    category: str | None = None
    supplier_type: str | None = None
    lever: str | None = None
    evidence: str | None = None
    sort: str = "amount"
    descending: bool = True

    @classmethod
    def parse(cls, args: dict[str, str]) -> AllocationFilters:
        """Read filters from query parameters; unknown values are ignored, not errors."""
        raw_sort = (args.get("sort") or "-amount").strip()
        descending = raw_sort.startswith("-")
        sort = raw_sort.lstrip("-")
        if sort not in SORTS:
            sort, descending = "amount", True
        supplier_type = args.get("supplier_type") or None
        evidence = args.get("evidence") or None
        return cls(category=args.get("category") or None,
                   supplier_type=supplier_type if supplier_type in SUPPLIER_TYPES else None,
                   lever=args.get("lever") or None,
                   evidence=evidence if evidence in EVIDENCE_ORDER else None,
                   sort=sort, descending=descending)

    def query(self) -> dict[str, str]:
        """Return the filters as query parameters (empty ones left out)."""
        out = {"category": self.category, "supplier_type": self.supplier_type,
               "lever": self.lever, "evidence": self.evidence,
               "sort": ("-" if self.descending else "") + self.sort}
        return {key: value for key, value in out.items() if value}


@dataclass(frozen=True)
class AllocationRow:
    """One allocation as the approver reads it."""

    id: int
    lot_key: str
    category: str
    contract: str | None
    lot_value: Decimal
    band: str
    supplier: str | None
    supplier_type: str
    amount: Decimal
    lot_share: float
    route: str
    impact_per_dollar: float
    evidence: str
    evidence_detail: dict[str, Any]
    lever: str | None
    decision: str


@dataclass
class ProposalPage:
    """A proposal: its settings, one page of allocations, and what the filters offer."""

    proposal: Proposal
    settings: list[Setting]
    rows: list[AllocationRow]
    total_rows: int
    all_rows: int
    filters: AllocationFilters
    offset: int
    limit: int
    categories: dict[str, tuple[str, str]]
    category_choices: list[str]
    lever_choices: list[str]
    lot_names: dict[str, str]
    lots: list[Lot]
    others: list[Proposal] = field(default_factory=list)


def _lever_by_lot(proposal: Proposal) -> dict[str, str]:
    return {str(lever.get("lot")): str(lever.get("lever")) for lever in proposal.levers or []
            if isinstance(lever, dict)}


def _supplier_type() -> Any:
    return case((Allocation.supplier_id.is_(None), "market"),
                (Supplier.work_integration.is_(True), "work_integration"),
                else_="social_economy")


def _evidence() -> Any:
    return func.coalesce(Allocation.capability_evidence, "none")


def proposal_page(session: Session, actor: Actor, proposal_id: int, *,
                  filters: AllocationFilters | None = None, lang: str = "fr",
                  limit: int = 50, offset: int = 0) -> ProposalPage:
    """Return a proposal with one filtered, sorted page of its allocations."""
    proposal = overview.proposal(session, actor, proposal_id)
    filters = filters or AllocationFilters()
    labels = category_names(session)
    levers = _lever_by_lot(proposal)
    label_column = Category.label_en if lang == "en" else Category.label_fr
    evidence_rank = case({kind: rank for rank, kind in enumerate(EVIDENCE_ORDER)},
                         value=_evidence(), else_=len(EVIDENCE_ORDER))
    order_columns = {
        "amount": Allocation.amount, "supplier": func.coalesce(Supplier.name, ""),
        "category": func.coalesce(label_column, Lot.category_code),
        "impact": Allocation.impact_per_dollar, "evidence": evidence_rank,
        "lot_value": Lot.value,
    }
    base = (select(Allocation.id)
            .join(Lot, Lot.id == Allocation.lot_id)
            .outerjoin(Supplier, Supplier.id == Allocation.supplier_id)
            .outerjoin(Category, Category.code == Lot.category_code)
            .where(Allocation.proposal_id == proposal.id))
    all_rows = len(proposal.allocations)  # loaded with the proposal
    query = base
    if filters.category:
        query = query.where(Lot.category_code == filters.category)
    if filters.supplier_type:
        query = query.where(_supplier_type() == filters.supplier_type)
    if filters.evidence:
        query = query.where(_evidence() == filters.evidence)
    if filters.lever:
        query = query.where(Lot.key.in_(
            [key for key, lever in levers.items() if lever == filters.lever] or [""]))
    total = all_rows if query is base else int(
        session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    column = order_columns[filters.sort]
    ordered = query.order_by(column.desc() if filters.descending else column.asc(),
                             Allocation.id)
    ids = list(session.scalars(ordered.limit(limit).offset(offset)))
    allocations = {a.id: a for a in proposal.allocations}
    rows = [_row(allocations[i], levers) for i in ids if i in allocations]
    present = sorted({lot.category_code for lot in proposal.lots},
                     key=lambda code: _name(labels, code, lang).casefold())
    lot_names = {lot.key: _name(labels, lot.category_code, lang) for lot in proposal.lots}
    # The page offers to compare with the newest other proposal: of the two newest, one is
    # another proposal (not fifty read, JSON and all).
    others = [p for p in review.list_proposals(session, proposal.organization_id, limit=2)
              if p.id != proposal.id][:1]
    return ProposalPage(
        proposal=proposal, settings=scenario_settings(proposal), rows=rows, total_rows=total,
        all_rows=all_rows, filters=filters, offset=offset, limit=limit, categories=labels,
        category_choices=present, lever_choices=sorted(set(levers.values())),
        lot_names=lot_names,
        lots=sorted(proposal.lots, key=lambda lot: (-lot.value, lot.key)), others=others)


def _name(labels: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    names = labels.get(code)
    if names is None:
        return code
    return names[1] if lang == "en" else names[0]


def _row(alloc: Allocation, levers: dict[str, str]) -> AllocationRow:
    lot = alloc.lot
    supplier = alloc.supplier
    kind = ("market" if supplier is None else
            "work_integration" if supplier.work_integration else "social_economy")
    return AllocationRow(
        id=alloc.id, lot_key=lot.key, category=lot.category_code,
        contract=lot.key[len("contract:"):] if lot.key.startswith("contract:") else None,
        lot_value=lot.value, band=lot.band, supplier=supplier.name if supplier else None,
        supplier_type=kind, amount=alloc.amount,
        lot_share=float(alloc.amount / lot.value) if lot.value else 0.0, route=alloc.route,
        impact_per_dollar=alloc.impact_per_dollar,
        evidence=alloc.capability_evidence or "none",
        evidence_detail=dict(alloc.capability_detail or {}), lever=levers.get(lot.key),
        decision=alloc.decision)


# --- compare ------------------------------------------------------------------------------

#: KPIs the compare page shows, in this order, with the kind of their value.
COMPARED_KPIS = (
    ("social_economy_share_before", "share"), ("social_economy_share_after", "share"),
    ("local_share_before", "share"), ("local_share_after", "share"),
    ("impact_before", "points"), ("impact_after", "points"),
    ("cost_before_cents", "cents"), ("cost_after_cents", "cents"),
    ("cost_difference_cents", "cents"), ("cost_difference_pct", "share"),
    ("budget_cents", "cents"), ("lots", "count"), ("suppliers_used", "count"),
)


@dataclass(frozen=True)
class ComparedValue:
    """One indicator of two proposals: its code, kind, both values and b − a."""

    code: str
    kind: str
    first: Any
    second: Any
    delta: Any


@dataclass(frozen=True)
class ComparedLine:
    """One (lot, supplier) whose amount differs between the two proposals."""

    category: str
    contract: str | None
    supplier: str | None
    first: Decimal
    second: Decimal
    delta: Decimal


@dataclass
class ComparePage:
    """Two proposals side by side, and the proposals one can choose from."""

    proposals: list[Proposal]
    first: Proposal | None = None
    second: Proposal | None = None
    kpis: list[ComparedValue] = field(default_factory=list)
    units: list[ComparedValue] = field(default_factory=list)
    settings: list[tuple[Setting, Setting]] = field(default_factory=list)
    lines: list[ComparedLine] = field(default_factory=list)
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)


def _delta(first: Any, second: Any) -> Any:
    """Return second − first for two numbers (Decimal when either is one), else None."""
    numbers = (int, float, Decimal)
    if not (isinstance(first, numbers) and isinstance(second, numbers)) \
            or isinstance(first, bool) or isinstance(second, bool):
        return None
    if isinstance(first, Decimal) or isinstance(second, Decimal):
        return Decimal(str(second)) - Decimal(str(first))
    return second - first


def compare_page(session: Session, actor: Actor, first_id: int | None,
                 second_id: int | None) -> ComparePage:
    """Return the choice of proposals and, when two are chosen, their differences."""
    actor.require("read")
    org_id = overview.own_organization_id(actor)
    page = ComparePage(proposals=review.list_proposals(session, org_id, limit=100),
                       categories=category_names(session))
    if first_id is None or second_id is None:
        return page
    first = get_owned(session, Proposal, first_id, scope_of(actor))
    second = get_owned(session, Proposal, second_id, scope_of(actor))
    page.first, page.second = first, second
    for code, kind in COMPARED_KPIS:
        a, b = (first.kpis or {}).get(code), (second.kpis or {}).get(code)
        if a is None and b is None:
            continue
        page.kpis.append(ComparedValue(code, kind, a, b, _delta(a, b)))
    for code in sorted(set(first.impact_units or {}) & set(second.impact_units or {})):
        a_item, b_item = first.impact_units[code], second.impact_units[code]
        if not isinstance(a_item, dict) or "after" not in a_item or "after" not in b_item:
            continue
        a_value, b_value = Decimal(str(a_item["after"])), Decimal(str(b_item["after"]))
        page.units.append(ComparedValue(code, str(a_item.get("unit") or ""), a_value, b_value,
                                        b_value - a_value))
    settings_a, settings_b = scenario_settings(first), scenario_settings(second)
    page.settings = [(a, b) for a, b in zip(settings_a, settings_b, strict=True)]
    page.lines = _changed_lines(first, second)
    return page


def _changed_lines(first: Proposal, second: Proposal) -> list[ComparedLine]:
    def amounts(proposal: Proposal) -> dict[tuple[str, str], tuple[Lot, str | None, Decimal]]:
        out: dict[tuple[str, str], tuple[Lot, str | None, Decimal]] = {}
        for alloc in proposal.allocations:
            name = alloc.supplier.name if alloc.supplier else None
            key = (alloc.lot.key, name or "")
            previous = out.get(key)
            out[key] = (alloc.lot, name, (previous[2] if previous else Decimal(0))
                        + alloc.amount)
        return out

    a, b = amounts(first), amounts(second)
    lines = []
    for key in set(a) | set(b):
        lot, name, _amount = a.get(key) or b[key]
        amount_a = a[key][2] if key in a else Decimal(0)
        amount_b = b[key][2] if key in b else Decimal(0)
        if amount_a == amount_b:
            continue
        lines.append(ComparedLine(
            category=lot.category_code,
            contract=lot.key[len("contract:"):] if lot.key.startswith("contract:") else None,
            supplier=name, first=amount_a, second=amount_b, delta=amount_b - amount_a))
    lines.sort(key=lambda line: (-abs(line.delta), line.category, line.supplier or ""))
    return lines


# --- dashboard ----------------------------------------------------------------------------

@dataclass(frozen=True)
class WorkWaiting:
    """Counts of what waits for a person in the municipality."""

    imports_with_problems: int
    matches_to_confirm: int
    capabilities_to_confirm: int
    proposals_to_review: int
    drafts: int


def work_waiting(session: Session, actor: Actor) -> WorkWaiting:
    """Count the imports refused or with problems, matches, capabilities and proposals."""
    actor.require("read")
    org_id = overview.own_organization_id(actor)

    def count(model: Any, *where: Any) -> Any:
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    # The four counts in one query (the dashboard shows them on every visit).
    imports, matches, submitted, drafts = session.execute(select(
        count(ImportBatch, ImportBatch.organization_id == org_id,
              (ImportBatch.status == "refused") | (ImportBatch.refused_rows > 0)),
        count(IncumbentMatch, IncumbentMatch.organization_id == org_id,
              IncumbentMatch.status == "pending"),
        count(Proposal, Proposal.organization_id == org_id, Proposal.status == "submitted"),
        count(Proposal, Proposal.organization_id == org_id, Proposal.status == "draft"))).one()
    # The capability queue's own rule (suppliers that can reach the municipality): kept
    # apart, the registry changes less often than the municipality's own counts.
    capabilities = KEPT.get(
        session, ("capability_queue_size", org_id),
        scopes_of(org_id, ("supplier", "supplier_category", "organization")),
        lambda: queue.capability_queue_size(session, actor,
                                            overview.actor_organization(session, actor)))
    return WorkWaiting(imports_with_problems=int(imports or 0),
                       matches_to_confirm=int(matches or 0),
                       capabilities_to_confirm=capabilities,
                       proposals_to_review=int(submitted or 0), drafts=int(drafts or 0))


def latest_proposal(session: Session, actor: Actor,
                    newest: list[Proposal] | None = None) -> Proposal | None:
    """Return the municipality's newest proposal that carries impact units, if any.

    `newest`: the ten newest proposals when the caller already read them (the dashboard).
    """
    actor.require("read")
    org_id = overview.own_organization_id(actor)
    if newest is None:
        newest = review.list_proposals(session, org_id, limit=10)
    for proposal in newest:
        if proposal.organization_id == org_id and proposal.impact_units:
            return proposal
    return None
