"""Use case: run a scenario for a municipality and store the proposal when it is sound.

Reads lines, lots, candidates and impact scores from the database, hands plain data
to `optimizer`, and writes a proposal back only when the solver's answer is optimal or
feasible and passed the re-check of every constraint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

import optimizer
from procurement.audit import record_event
from procurement.errors import InvalidInput
from procurement.matching import CandidateRules
from procurement.models import (
    Allocation,
    Lot,
    Organization,
    Proposal,
    PurchaseLine,
    RegulatoryProfile,
    Scenario,
    Supplier,
    SupplierCategory,
    User,
)
from procurement.optimizer_input import (
    LINE_COLUMNS,
    SUPPLIER_COLUMNS,
    OptimizationFrames,
    PreparedInput,
    build_optimizer_input,
)
from procurement.permissions import Actor
from procurement.regulatory import ThresholdsInForce, get_profile, profile_thresholds_on
from procurement.services import proposal_impact
from procurement.services.common import cents_to_decimal, decimal_to_cents
from procurement.services.matching import taxonomy as matching_taxonomy

# The scenario validator lives in procurement.services.scenario; kept importable from here.
from procurement.services.scenario import (  # noqa: F401
    DEFAULTS,
    ENGINE_FIELDS,
    ScenarioSettings,
    parse_scenario,
)


def bands_from_profile(profile: RegulatoryProfile,
                       in_force: ThresholdsInForce | None = None) -> optimizer.RegulatoryBands:
    """Convert a stored profile (its thresholds in force on a date, if given) into bands."""
    limit = in_force.direct_award_limit if in_force else profile.direct_award_limit
    threshold = in_force.tender_threshold if in_force else profile.tender_threshold
    return optimizer.RegulatoryBands(
        currency=profile.currency,
        direct_award_limit_cents=decimal_to_cents(limit),
        tender_threshold_cents=decimal_to_cents(threshold),
        rotation_required=profile.rotation_required,
        reserved_contracts_allowed=profile.reserved_contracts_allowed,
    )


def _lines_in_period(org: Organization, settings: ScenarioSettings) -> Any:
    """Select the run's purchase lines: the municipality's, in the scenario's period."""
    query = select(
        PurchaseLine.category_code, PurchaseLine.contract_ref, PurchaseLine.amount,
        PurchaseLine.incumbent_supplier_id, PurchaseLine.date).where(
        PurchaseLine.organization_id == org.id)
    if settings.period_start:
        query = query.where(PurchaseLine.date >= settings.period_start)
    if settings.period_end:
        query = query.where(PurchaseLine.date <= settings.period_end)
    return query


def _no_spending(org: Organization) -> InvalidInput:
    return InvalidInput(
        f"{org.name} has no matched spending in this period: import a spending file and "
        "run matching first.", errors={"period": "no spending lines"})


def load_frames(session: Session, org: Organization,
                settings: ScenarioSettings) -> OptimizationFrames:
    """Read the run's lines, the registry, its capabilities and the municipalities."""
    lines = pd.DataFrame(session.execute(_lines_in_period(org, settings)).all(),
                         columns=LINE_COLUMNS)
    if lines.empty:
        raise _no_spending(org)
    suppliers = pd.DataFrame(session.execute(select(
        Supplier.id, Supplier.name, Supplier.municipality_code, Supplier.lat, Supplier.lon,
        Supplier.active, Supplier.capacity, Supplier.service_area, Supplier.activity,
        Supplier.org_type, Supplier.legal_form, Supplier.work_integration,
        Supplier.reserved_eligible, Supplier.score_overrides, Supplier.annual_turnover)).all(),
        columns=SUPPLIER_COLUMNS)
    suppliers["key"] = suppliers["key"].astype(str)
    for money in ("capacity_cents", "annual_turnover_cents"):
        suppliers[money] = suppliers[money].map(
            lambda amount: None if amount is None or pd.isna(amount) else decimal_to_cents(amount))
    capabilities = pd.DataFrame(session.execute(
        select(SupplierCategory.supplier_id, SupplierCategory.category_code,
               SupplierCategory.confidence, SupplierCategory.evidence,
               SupplierCategory.decision, SupplierCategory.reason,
               SupplierCategory.evidence_detail, User.name, SupplierCategory.decided_at)
        .outerjoin(User, User.id == SupplierCategory.decided_by_id)).all(),
        columns=["supplier_key", "category_code", "confidence", "evidence", "decision",
                 "reason", "evidence_detail", "decided_by", "decided_at"])
    capabilities["supplier_key"] = capabilities["supplier_key"].astype(str)
    municipalities = pd.DataFrame(session.execute(select(
        Organization.code, Organization.mrc, Organization.region)).all(),
        columns=["code", "mrc", "region"])
    return OptimizationFrames(org_code=org.code, lines=lines, suppliers=suppliers,
                              capabilities=capabilities, municipalities=municipalities)


def candidate_rules(settings: ScenarioSettings) -> CandidateRules:
    """Return the candidate rule's settings of a scenario."""
    return CandidateRules(min_capability_evidence=settings.min_capability_evidence,
                          assumed_premium_pct=settings.assumed_premium_pct)


# The optimizer's input and the frames a proposal stores beside the solution.
OptimizationData = PreparedInput


def gather_input(session: Session, org: Organization, settings: ScenarioSettings,
                 bands: optimizer.RegulatoryBands) -> PreparedInput:
    """Load the run's frames and build the optimizer's input from them."""
    names = {code: (cat.label_fr, cat.label_en)
             for code, cat in matching_taxonomy().categories.items()}
    return build_optimizer_input(
        load_frames(session, org, settings), scenario=settings.optimizer, bands=bands,
        rules=candidate_rules(settings), default_capacity_cents=settings.default_capacity_cents,
        category_labels=names)


@dataclass
class OptimizeOutcome:
    """Result of a run, shaped like `procure optimize --json`."""

    proposal_id: int | None
    scenario_id: int
    solution: optimizer.Solution
    # One entry per allocation with an amount: see `allocations_json`.
    allocations: list[dict[str, Any]] = field(default_factory=list)
    facts: proposal_impact.ProposalFacts | None = None

    def to_json(self, lang: str = "fr",
                gettext: proposal_impact.Gettext | None = None) -> dict[str, Any]:
        """Return the CLI contract's object (lever reasons and warnings in `lang`)."""
        sol = self.solution
        facts = self.facts
        return {
            "impact_units": facts.impact_units if facts else {},
            "levers": facts.levers_json(lang, gettext) if facts else [],
            "warnings": facts.warnings_json(lang, gettext) if facts else [],
            "fiscal_year": facts.fiscal_year if facts else None,
            "target_path": facts.target_path if facts else [],
            "proposal_id": self.proposal_id,
            "scenario_id": self.scenario_id,
            "status": sol.status,
            "objective": sol.objective,
            "gap": sol.gap,
            "kpis": sol.kpis,
            "binding": [{"constraint": b.constraint, "explanation": b.explanation,
                         "explanation_fr": b.explanation_fr, "code": b.code,
                         "params": b.params} for b in sol.binding],
            "infeasibility": [{"constraint": i.constraint, "explanation": i.explanation,
                               "shortfall": i.shortfall, "explanation_fr": i.explanation_fr,
                               "code": i.code, "params": i.params}
                              for i in sol.infeasibility],
            "formula": sol.formula,
            "formula_fr": sol.formula_fr,
            "allocations": self.allocations,
        }


def check_scenario(session: Session, actor: Actor, org: Organization,
                   params: dict[str, Any] | None) -> tuple[ScenarioSettings, RegulatoryProfile]:
    """Validate a scenario for the municipality (field errors: ScenarioInvalid, 422).

    Pages and the API call it before queueing a run, so that a mistake is said at once;
    the run calls it again.
    """
    actor.require("scenario.run")
    settings = proposal_impact.default_period(session, org, parse_scenario(params))
    profile_code = settings.profile_code or (
        org.regulatory_profile.code if org.regulatory_profile else "QC-2024")
    profile = get_profile(session, profile_code)
    if session.execute(_lines_in_period(org, settings).limit(1)).first() is None:
        raise _no_spending(org)
    return settings, profile


def run_scenario(session: Session, actor: Actor, org: Organization,
                 params: dict[str, Any] | None) -> OptimizeOutcome:
    """Validate the scenario, solve it, and store a draft proposal when the answer is sound."""
    settings, profile = check_scenario(session, actor, org, params)
    in_force = profile_thresholds_on(
        profile, proposal_impact.reference_date(session, org, settings))
    bands = bands_from_profile(profile, in_force)
    data = gather_input(session, org, settings, bands)
    scenario = Scenario(organization_id=org.id, name=settings.name,
                        params={**settings.raw, "regulatory_profile": profile.code,
                                "min_capability_evidence": settings.min_capability_evidence},
                        created_by_id=actor.user_id)
    session.add(scenario)
    session.flush()
    solution = optimizer.solve(data.input)
    facts = proposal_impact.describe(org, profile, in_force, data, solution)
    facts.target_path = proposal_impact.plan_path(settings, facts)
    proposal_id = None
    if solution.status in {"optimal", "feasible"} and not solution.violations:
        proposal = store_proposal(session, actor, org, scenario, settings, data, solution,
                                  profile.currency)
        proposal_impact.attach(session, proposal, facts)
        proposal_id = proposal.id
    record_event(session, actor=actor.name, action="scenario.run", object_type="scenario",
                 object_id=scenario.id, organization_id=org.id,
                 after={"status": solution.status, "proposal_id": proposal_id,
                        "objective": solution.objective})
    return OptimizeOutcome(proposal_id=proposal_id, scenario_id=scenario.id, solution=solution,
                           allocations=allocations_json(data, solution),
                           facts=facts)


def _iso(value: Any) -> str | None:
    """Return a stored moment as ISO 8601 in UTC (SQLite drops the zone), or None."""
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return str(stamp.isoformat())


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def allocation_capability(data: PreparedInput, lot_key: str,
                          supplier_key: str | None) -> tuple[str | None, dict[str, Any]]:
    """Return the evidence kind and detail of the capability behind an award.

    The detail is {"detail": the evidence as data, "reason", "decided_by", "decided_at"}
    (who confirmed the pair and when, for a confirmed capability); the market has none.
    """
    if supplier_key is None:
        return None, {}
    row = data.capability(lot_key, supplier_key)
    evidence = row.get("capability_evidence")
    detail = row.get("evidence_detail")
    return (None if evidence is None else str(evidence)), {
        "detail": detail if isinstance(detail, dict) else {},
        "reason": _text(row.get("reason")) or "",
        "decided_by": _text(row.get("decided_by")) if evidence == "confirmed" else None,
        "decided_at": _iso(row.get("decided_at")) if evidence == "confirmed" else None,
    }


def allocations_json(data: PreparedInput, solution: optimizer.Solution) -> list[dict[str, Any]]:
    """Return the allocations of a solution as `procure optimize --json` lists them."""
    out = []
    for alloc in solution.allocations:
        if alloc.amount_cents == 0:
            continue
        evidence, detail = allocation_capability(data, alloc.lot_key, alloc.supplier_key)
        key = alloc.supplier_key
        out.append({
            "lot": alloc.lot_key,
            "supplier": data.supplier_names.get(key) if key else None,
            "supplier_id": int(key) if key and key.isdigit() else key,
            "amount": str(cents_to_decimal(alloc.amount_cents)),
            "route": alloc.route,
            "capability_evidence": evidence,
            "confirmed_by": detail.get("decided_by"),
            "confirmed_at": detail.get("decided_at"),
        })
    return out


def lot_prospects(data: PreparedInput) -> dict[str, list[dict[str, Any]]]:
    """Return each lot's prospects: suppliers to verify, whose capability is too weak."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in data.prospects.to_dict("records"):
        key = str(row["supplier_key"])
        out.setdefault(str(row["lot_key"]), []).append({
            "supplier_id": int(key) if key.isdigit() else key, "name": row["name"],
            "evidence": row["capability_evidence"], "reason": row["reason"] or "",
        })
    return out


def store_proposal(session: Session, actor: Actor, org: Organization, scenario: Scenario,
                   settings: ScenarioSettings, data: OptimizationData,
                   solution: optimizer.Solution, currency: str) -> Proposal:
    """Write a checked solution as a draft proposal with its lots and allocations."""
    lot_by_key = {lot.key: lot for lot in data.input.lots}
    bands = data.input.bands
    total = sum(lot.value_cents for lot in data.input.lots)
    proposal = Proposal(
        organization_id=org.id, scenario_id=scenario.id, status="draft",
        solver_status=solution.status, solver=settings.optimizer.solver,
        mode=settings.optimizer.mode, objective=solution.objective, gap=solution.gap,
        currency=currency, total_value=cents_to_decimal(total),
        # The schema has one formula column (English); the French one rides in the KPIs.
        kpis={**solution.kpis, "formula_fr": solution.formula_fr},
        binding=[{"constraint": b.constraint, "explanation": b.explanation,
                  "explanation_fr": b.explanation_fr,
                  "shadow_price_per_1000": b.shadow_price_per_1000,
                  "code": b.code, "params": b.params} for b in solution.binding],
        infeasibility=[{"constraint": i.constraint, "explanation": i.explanation,
                        "explanation_fr": i.explanation_fr, "shortfall": i.shortfall,
                        "code": i.code, "params": i.params}
                       for i in solution.infeasibility],
        formula=solution.formula, period_start=settings.period_start,
        period_end=settings.period_end, created_by_id=actor.user_id,
    )
    session.add(proposal)
    session.flush()
    lots: dict[str, Lot] = {}
    prospects = lot_prospects(data)
    for key, lot in lot_by_key.items():
        lots[key] = Lot(
            proposal_id=proposal.id, key=key, category_code=lot.category, label=lot.label,
            value=cents_to_decimal(lot.value_cents), band=optimizer.band_of(lot.value_cents, bands),
            line_count=int(data.lots.loc[data.lots["key"] == key, "line_count"].iloc[0]),
            status_quo_se_value=cents_to_decimal(lot.status_quo_se_cents),
            prospects=prospects.get(key, []),
        )
        session.add(lots[key])
    session.flush()
    impacts = _candidate_impacts(data)
    for alloc in solution.allocations:
        if alloc.amount_cents == 0:
            continue
        evidence, detail = allocation_capability(data, alloc.lot_key, alloc.supplier_key)
        session.add(Allocation(
            proposal_id=proposal.id, lot_id=lots[alloc.lot_key].id,
            supplier_id=int(alloc.supplier_key) if alloc.supplier_key else None,
            amount=cents_to_decimal(alloc.amount_cents), route=alloc.route,
            impact_per_dollar=impacts.get((alloc.lot_key, alloc.supplier_key), 0.0),
            capability_evidence=evidence, capability_detail=detail,
        ))
    session.flush()
    record_event(session, actor=actor.name, action="proposal.created", object_type="proposal",
                 object_id=proposal.id, organization_id=org.id,
                 after={"scenario_id": scenario.id, "status": proposal.status,
                        "solver_status": solution.status,
                        "total_value": str(proposal.total_value)})
    return proposal


def _candidate_impacts(data: OptimizationData) -> dict[tuple[str, str | None], float]:
    weights = dict(data.input.scenario.weights)
    suppliers = {s.key: s for s in data.input.suppliers}
    result: dict[tuple[str, str | None], float] = {}
    for cand in data.input.candidates:
        scores = dict(suppliers[cand.supplier_key].scores)
        if cand.locality_score is not None:
            scores["locality"] = cand.locality_score
        result[(cand.lot_key, cand.supplier_key)] = float(
            optimizer.impact_per_dollar(scores, weights))
    for lot in data.input.lots:
        result[(lot.key, None)] = lot.status_quo_impact_per_dollar
    return result


BUDGET_STEPS = (-0.10, -0.05, 0.0, 0.05, 0.10, 0.20)


def sensitivity_table(session: Session, actor: Actor, proposal_id: int, *,
                      target_shares: tuple[float, ...] = ()) -> list[dict[str, Any]]:
    """Re-solve a proposal's scenario for budgets −10 % … +20 % (and target shares).

    Computed on request from today's data of the municipality: it answers "what would
    a change of budget or target buy", and stores nothing.
    """
    from procurement.services.common import get_owned, scope_of

    actor.require("read")
    bad = [share for share in target_shares if not 0 <= share <= 1]
    if bad or len(target_shares) > 10:
        raise InvalidInput("The target shares are not valid.", errors={
            "target_shares": "give at most 10 fractions between 0 and 1, e.g. 0.2,0.3"})
    proposal = get_owned(session, Proposal, proposal_id, scope_of(actor))
    org = session.get(Organization, proposal.organization_id)
    assert org is not None
    settings = parse_scenario(dict(proposal.scenario.params))
    profile = get_profile(session, proposal.scenario.params.get("regulatory_profile",
                                                                "QC-2024"))
    on = proposal.regulatory.get("on") if proposal.regulatory else None
    in_force = profile_thresholds_on(profile, dt.date.fromisoformat(on)) if on else None
    data = gather_input(session, org, settings, bands_from_profile(profile, in_force))
    rows = optimizer.sensitivity(data.input, budget_steps=BUDGET_STEPS,
                                 target_shares=target_shares or None)
    return [
        {"budget_increase_pct": round(row.budget_increase_pct, 6),
         "target_share": row.target_share, "status": row.status,
         "objective": row.objective, "social_economy_share": row.social_economy_share,
         "proposed_cost": None if row.proposed_cost_cents is None
         else f"{row.proposed_cost_cents / 100:.2f}",
         "cost_difference": None if row.cost_difference_cents is None
         else f"{row.cost_difference_cents / 100:.2f}"}
        for row in rows
    ]
