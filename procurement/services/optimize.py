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
from procurement.impact import LOCALITY_SCORES, supplier_scores
from procurement.lots import build_lots, lot_keys
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
)
from procurement.permissions import Actor
from procurement.regulatory import ThresholdsInForce, get_profile, profile_thresholds_on
from procurement.services import proposal_impact
from procurement.services.common import cents_to_decimal, decimal_to_cents
from procurement.services.matching import SUPPLIER_CATEGORY_MIN_CONFIDENCE
from procurement.services.matching import taxonomy as matching_taxonomy
from procurement.targets import parse_target_path

# Scenario fields the engine resolves itself before the optimizer sees the rest.
ENGINE_FIELDS = {
    "name": "a short name for the scenario",
    "regulatory_profile": "the code of a regulatory profile, e.g. QC-2024",
    "period_start": "the first day of the fiscal period, YYYY-MM-DD",
    "period_end": "the last day of the fiscal period, YYYY-MM-DD",
    "assumed_premium_pct": "expected extra cost of a social economy supplier, e.g. 0.03",
    "default_capacity": "annual capacity assumed when the registry states none, in dollars",
    "target_path": "a path to a target share by a year within a yearly extra budget, e.g. "
                   '{"share": 0.2, "year": 2028, "yearly_extra_budget": 50000}',
}
DEFAULTS = {"assumed_premium_pct": 0.03, "default_capacity": 150_000}
# Which places a supplier serves, by its service area (default: its region).
SERVED_LEVELS = {
    "municipality": {"same_municipality"},
    "mrc": {"same_municipality", "same_mrc"},
    "region": {"same_municipality", "same_mrc", "same_region"},
    "province": {"same_municipality", "same_mrc", "same_region", "same_province"},
}


@dataclass
class ScenarioSettings:
    """A validated scenario: the optimizer's part and the engine's part."""

    optimizer: optimizer.ScenarioInput
    name: str
    profile_code: str | None
    period_start: dt.date | None
    period_end: dt.date | None
    assumed_premium_pct: float
    default_capacity_cents: int
    raw: dict[str, Any] = field(default_factory=dict)


def parse_scenario(params: dict[str, Any] | None) -> ScenarioSettings:
    """Validate a scenario given as JSON; raise InvalidInput with a message per field."""
    if params is not None and not isinstance(params, dict):
        raise InvalidInput("A scenario must be a JSON object.",
                           errors={"scenario": "expected an object of fields"})
    params = dict(params or {})
    errors: dict[str, str] = {}
    engine = {key: params.pop(key) for key in list(params) if key in ENGINE_FIELDS}
    dates: dict[str, dt.date | None] = {}
    for key in ("period_start", "period_end"):
        value = engine.get(key)
        try:
            dates[key] = None if value in (None, "") else dt.date.fromisoformat(str(value))
        except ValueError:
            errors[key] = f"{value!r} is not a date; expected {ENGINE_FIELDS[key]}"
    start, end = dates.get("period_start"), dates.get("period_end")
    if start and end and start > end:
        errors["period_end"] = "must not be before period_start"
    premium = engine.get("assumed_premium_pct", DEFAULTS["assumed_premium_pct"])
    if isinstance(premium, bool) or not isinstance(premium, int | float) or not 0 <= premium <= 1:
        errors["assumed_premium_pct"] = "must be a number between 0 and 1, e.g. 0.03"
    capacity = engine.get("default_capacity", DEFAULTS["default_capacity"])
    if isinstance(capacity, bool) or not isinstance(capacity, int | float) or capacity < 0:
        errors["default_capacity"] = "must be a positive amount in dollars, e.g. 150000"
    name = engine.get("name") or "Scénario"
    if not isinstance(name, str) or len(name) > 200:
        errors["name"] = "must be text of at most 200 characters"
    profile = engine.get("regulatory_profile")
    if profile is not None and not isinstance(profile, str):
        errors["regulatory_profile"] = ENGINE_FIELDS["regulatory_profile"]
    try:
        solver_scenario = optimizer.scenario_from_dict(params)
    except optimizer.ScenarioError as exc:
        errors.update({str(k): str(v) for k, v in exc.errors.items()})
    if engine.get("target_path") is not None:
        try:
            parse_target_path(engine["target_path"])
        except ValueError as exc:
            errors["target_path"] = str(exc)
    if errors:
        raise InvalidInput("The scenario is not valid; nothing was run.", errors=errors)
    return ScenarioSettings(
        optimizer=solver_scenario, name=str(name), profile_code=profile,
        period_start=start, period_end=end, assumed_premium_pct=float(premium),
        default_capacity_cents=round(float(capacity) * 100),
        raw={**engine, **params},
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


def _locality_levels(session: Session, org: Organization) -> dict[str | None, str]:
    """Map municipality codes to their locality level relative to `org`."""
    rows = session.execute(select(Organization.code, Organization.mrc,
                                  Organization.region)).all()
    levels: dict[str | None, str] = {None: "unknown"}
    for code, mrc, region in rows:
        if code == org.code:
            levels[code] = "same_municipality"
        elif mrc and mrc == org.mrc:
            levels[code] = "same_mrc"
        elif region and region == org.region:
            levels[code] = "same_region"
        else:
            levels[code] = "same_province"
    return levels


@dataclass
class OptimizationData:
    """Everything read from the database for one run, as plain data."""

    input: optimizer.OptimizerInput
    lots: pd.DataFrame
    suppliers: dict[str, Supplier]
    # The lines in scope with their lot key (for impact in units and each lot's date).
    lines: pd.DataFrame | None = None


def gather_input(session: Session, org: Organization, settings: ScenarioSettings,
                 bands: optimizer.RegulatoryBands) -> OptimizationData:
    """Build the optimizer's input from the municipality's matched lines and the registry."""
    query = select(PurchaseLine.category_code, PurchaseLine.contract_ref, PurchaseLine.amount,
                   PurchaseLine.incumbent_supplier_id, PurchaseLine.date).where(
        PurchaseLine.organization_id == org.id)
    if settings.period_start:
        query = query.where(PurchaseLine.date >= settings.period_start)
    if settings.period_end:
        query = query.where(PurchaseLine.date <= settings.period_end)
    lines = pd.DataFrame(session.execute(query).all(),
                         columns=["category_code", "contract_ref", "amount", "incumbent", "date"])
    if lines.empty:
        raise InvalidInput(
            f"{org.name} has no matched spending in this period: import a spending file and "
            "run matching first.", errors={"period": "no spending lines"})
    levels = _locality_levels(session, org)
    weights = dict(settings.optimizer.weights)
    suppliers = {str(s.id): s for s in session.scalars(select(Supplier).where(
        Supplier.active.is_(True)))}
    base_scores = {
        key: supplier_scores(name=s.name, activity=s.activity, org_type=s.org_type,
                             legal_form=s.legal_form, work_integration=s.work_integration,
                             overrides=s.score_overrides)
        for key, s in suppliers.items()
    }

    def locality_of(supplier: Supplier) -> str:
        return levels.get(supplier.municipality_code, "unknown")

    def impact_of(key: str) -> float:
        scores = {**base_scores[key], "locality": LOCALITY_SCORES[locality_of(suppliers[key])]}
        return float(optimizer.impact_per_dollar(scores, weights))

    lines["amount_cents"] = (lines["amount"].astype(float) * 100).round().astype("int64")
    incumbent_keys = lines["incumbent"].map(lambda v: None if pd.isna(v) else str(int(v)))
    lines["incumbent_is_se"] = incumbent_keys.map(lambda k: k is not None and k in suppliers)
    lines["incumbent_is_local"] = incumbent_keys.map(
        lambda k: k is not None and k in suppliers
        and locality_of(suppliers[k]) in {"same_municipality", "same_mrc"})
    lines["impact_cents"] = [
        (impact_of(k) * c if (k is not None and k in suppliers) else 0.0)
        for k, c in zip(incumbent_keys, lines["amount_cents"], strict=True)
    ]
    lots = build_lots(lines)
    lines["key"] = lot_keys(lines)
    impact_by_lot = lines.groupby("key")["impact_cents"].sum()

    serving = pd.DataFrame(session.execute(select(
        SupplierCategory.category_code, SupplierCategory.supplier_id).where(
        SupplierCategory.confidence >= SUPPLIER_CATEGORY_MIN_CONFIDENCE)).all(),
        columns=["category_code", "supplier_id"])
    serving["supplier_key"] = serving["supplier_id"].astype(str)
    serving = serving[serving["supplier_key"].isin(suppliers.keys())]
    # Territory: a supplier serves its municipality, MRC and region unless an administrator
    # set its service area (municipality, mrc, region or province).
    territory_ok = {key for key, s in suppliers.items()
                    if locality_of(s) in SERVED_LEVELS[s.service_area or "region"]}
    serving = serving[serving["supplier_key"].isin(territory_ok)]

    lot_inputs = []
    for lot in lots.to_dict("records"):
        value = int(lot["value_cents"])
        key, category = str(lot["key"]), str(lot["category_code"])
        impact_sq = float(impact_by_lot.get(key, 0.0)) / value if value else 0.0
        lot_inputs.append(optimizer.LotInput(
            key=key, category=category, label=category,
            value_cents=value, status_quo_se_cents=int(lot["se_cents"]),
            status_quo_local_cents=int(lot["local_cents"]),
            status_quo_impact_per_dollar=impact_sq, contract_group=None,
        ))
    lot_categories = lots[["key", "category_code"]]
    pairs = lot_categories.merge(serving, on="category_code")
    used = sorted(set(pairs["supplier_key"]))
    supplier_inputs = []
    for key in used:
        s = suppliers[key]
        capacity = (decimal_to_cents(s.capacity) if s.capacity is not None
                    else settings.default_capacity_cents)
        supplier_inputs.append(optimizer.SupplierInput(
            key=key, name=s.name, capacity_cents=capacity, scores=base_scores[key],
            is_social_economy=True, reserved_eligible=s.reserved_eligible,
        ))
    candidate_inputs = []
    for lot_key, supplier_key in pairs[["key", "supplier_key"]].itertuples(index=False):
        s = suppliers[supplier_key]
        level = locality_of(s)
        premium = float(s.score_overrides.get("premium_pct", settings.assumed_premium_pct))
        candidate_inputs.append(optimizer.CandidateInput(
            lot_key=lot_key, supplier_key=supplier_key, premium_pct=premium,
            is_local=level in {"same_municipality", "same_mrc"},
            locality_score=LOCALITY_SCORES[level],
        ))
    names = {code: (cat.label_fr, cat.label_en)
             for code, cat in matching_taxonomy().categories.items()}
    data = optimizer.OptimizerInput(
        lots=tuple(lot_inputs), suppliers=tuple(supplier_inputs),
        candidates=tuple(candidate_inputs), scenario=settings.optimizer, bands=bands,
        category_labels=names,
    )
    return OptimizationData(input=data, lots=lots, suppliers=suppliers, lines=lines)


@dataclass
class OptimizeOutcome:
    """Result of a run, shaped like `procure optimize --json`."""

    proposal_id: int | None
    scenario_id: int
    solution: optimizer.Solution
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
                         "explanation_fr": b.explanation_fr} for b in sol.binding],
            "infeasibility": [{"constraint": i.constraint, "explanation": i.explanation,
                               "shortfall": i.shortfall, "explanation_fr": i.explanation_fr}
                              for i in sol.infeasibility],
            "formula": sol.formula,
            "formula_fr": sol.formula_fr,
        }


def run_scenario(session: Session, actor: Actor, org: Organization,
                 params: dict[str, Any] | None) -> OptimizeOutcome:
    """Validate the scenario, solve it, and store a draft proposal when the answer is sound."""
    actor.require("scenario.run")
    settings = proposal_impact.default_period(session, org, parse_scenario(params))
    profile_code = settings.profile_code or (
        org.regulatory_profile.code if org.regulatory_profile else "QC-2024")
    profile = get_profile(session, profile_code)
    in_force = profile_thresholds_on(
        profile, proposal_impact.reference_date(session, org, settings))
    bands = bands_from_profile(profile, in_force)
    data = gather_input(session, org, settings, bands)
    scenario = Scenario(organization_id=org.id, name=settings.name,
                        params={**settings.raw, "regulatory_profile": profile.code},
                        created_by_id=actor.user_id)
    session.add(scenario)
    session.flush()
    solution = optimizer.solve(data.input)
    facts = proposal_impact.describe(session, org, profile, in_force, data, solution)
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
                           facts=facts)


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
                  "shadow_price_per_1000": b.shadow_price_per_1000} for b in solution.binding],
        infeasibility=[{"constraint": i.constraint, "explanation": i.explanation,
                        "explanation_fr": i.explanation_fr, "shortfall": i.shortfall}
                       for i in solution.infeasibility],
        formula=solution.formula, period_start=settings.period_start,
        period_end=settings.period_end, created_by_id=actor.user_id,
    )
    session.add(proposal)
    session.flush()
    lots: dict[str, Lot] = {}
    for key, lot in lot_by_key.items():
        lots[key] = Lot(
            proposal_id=proposal.id, key=key, category_code=lot.category, label=lot.label,
            value=cents_to_decimal(lot.value_cents), band=optimizer.band_of(lot.value_cents, bands),
            line_count=int(data.lots.loc[data.lots["key"] == key, "line_count"].iloc[0]),
            status_quo_se_value=cents_to_decimal(lot.status_quo_se_cents),
        )
        session.add(lots[key])
    session.flush()
    impacts = _candidate_impacts(data)
    for alloc in solution.allocations:
        if alloc.amount_cents == 0:
            continue
        session.add(Allocation(
            proposal_id=proposal.id, lot_id=lots[alloc.lot_key].id,
            supplier_id=int(alloc.supplier_key) if alloc.supplier_key else None,
            amount=cents_to_decimal(alloc.amount_cents), route=alloc.route,
            impact_per_dollar=impacts.get((alloc.lot_key, alloc.supplier_key), 0.0),
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
