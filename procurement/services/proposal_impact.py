"""A run's impact in units, its levers and its regulatory facts, from the database's facts.

Called by the optimize use case with the run's prepared frames (the suppliers' kind and
place, the candidate pipeline's candidates and prospects, the lines' dates): calls
`procurement.impact_units`,
`procurement.levers` and `procurement.regulatory.profile_thresholds_on`, and stores the
results on the proposal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

import optimizer
from procurement.impact import supplier_scores
from procurement.impact_messages import Gettext, render_lever_reason, render_warning
from procurement.impact_units import DEFAULT_COEFFICIENTS, Coefficients, Flow, impact_units
from procurement.levers import CapableSupplier, LeverRules, LotFacts, levers_for
from procurement.matching.normalize import is_missing
from procurement.models import (
    Organization,
    Proposal,
    PurchaseLine,
    RegulatoryProfile,
)
from procurement.regulatory import ThresholdsInForce, profile_thresholds_on
from procurement.services.common import decimal_to_cents
from procurement.targets import fiscal_year, fiscal_year_bounds, parse_target_path, target_path

if TYPE_CHECKING:
    from procurement.services.optimize import OptimizationData, ScenarioSettings

DEMOCRATIC_MIN = 0.8  # governance score of a co-operative (1.0) or a non-profit (0.8)


def reference_date(session: Session, org: Organization,
                   settings: ScenarioSettings) -> dt.date:
    """Return the date whose thresholds apply to a run: its latest spending in scope."""
    query = select(func.max(PurchaseLine.date)).where(PurchaseLine.organization_id == org.id)
    if settings.period_start:
        query = query.where(PurchaseLine.date >= settings.period_start)
    if settings.period_end:
        query = query.where(PurchaseLine.date <= settings.period_end)
    latest = session.scalar(query)
    return latest or settings.period_end or dt.date.today()


def default_period(session: Session, org: Organization,
                   settings: ScenarioSettings) -> ScenarioSettings:
    """Give a scenario without a period the latest fiscal year when spending spans several.

    Proposals are per year: the baseline of one year against the proposal for that year.
    """
    if settings.period_start or settings.period_end:
        return settings
    first, last = session.execute(select(func.min(PurchaseLine.date),
                                         func.max(PurchaseLine.date)).where(
        PurchaseLine.organization_id == org.id)).one()
    month = org.fiscal_year_start_month or 1
    if first is None or last is None or fiscal_year(first, month) == fiscal_year(last, month):
        return settings
    start, end = fiscal_year_bounds(fiscal_year(last, month), month)
    return replace(settings, period_start=start, period_end=end)


def plan_path(settings: ScenarioSettings, facts: ProposalFacts) -> list[dict[str, Any]]:
    """Return the yearly path from this run's baseline to the scenario's target, if asked."""
    request = settings.raw.get("target_path")
    se = facts.impact_units.get("social_economy_spending")
    total = facts.impact_units.get("total_spending")
    if not request or not se or not total or facts.fiscal_year is None:
        return []
    clean = parse_target_path(request)
    if clean["year"] <= facts.fiscal_year:
        return []
    steps = target_path(current_share=float(se["share_before"]), current_year=facts.fiscal_year,
                        target_share=clean["share"], target_year=clean["year"],
                        yearly_spending=Decimal(total["before"]),
                        premium_pct=settings.assumed_premium_pct,
                        yearly_extra_budget=clean["yearly_extra_budget"])
    return [step.to_json() for step in steps]


def coefficients_of(profile: RegulatoryProfile) -> tuple[dict[str, Any], Coefficients]:
    """Return the profile's stored coefficients (or its jurisdiction's defaults), parsed."""
    data = profile.impact_coefficients or DEFAULT_COEFFICIENTS.get(
        profile.jurisdiction, DEFAULT_COEFFICIENTS["QC"])
    return data, Coefficients.from_profile(data, profile.currency)


@dataclass
class ProposalFacts:
    """What a run says in units and levers, with the thresholds it used."""

    currency: str
    impact_units: dict[str, Any]
    levers: list[dict[str, Any]]
    regulatory: dict[str, Any]
    warnings: list[dict[str, Any]] = field(default_factory=list)
    fiscal_year: int | None = None
    # The scenario's yearly path to its target, when it asked for one.
    target_path: list[dict[str, Any]] = field(default_factory=list)

    def levers_json(self, lang: str = "fr", gettext: Gettext | None = None
                    ) -> list[dict[str, Any]]:
        """Return the levers with their reason rendered in one language."""
        kwargs = {"gettext": gettext} if gettext else {}
        return [{**lever, "reason": render_lever_reason(lever, self.currency, lang, **kwargs)}
                for lever in self.levers]

    def warnings_json(self, lang: str = "fr", gettext: Gettext | None = None
                      ) -> list[dict[str, Any]]:
        """Return the warnings with their message rendered in one language."""
        kwargs = {"gettext": gettext} if gettext else {}
        return [{**w, "message": render_warning(w, self.currency, lang, **kwargs)}
                for w in self.warnings]


def _kinds(supplier: dict[str, Any]) -> dict[str, bool]:
    scores = supplier_scores(name=supplier["name"], activity=supplier["activity"],
                             org_type=supplier["org_type"], legal_form=supplier["legal_form"],
                             work_integration=bool(supplier["work_integration"] or False),
                             overrides=supplier["score_overrides"] or {})
    return {"work_integration": scores["work_integration"] >= 1.0,
            "democratic": scores["governance"] >= DEMOCRATIC_MIN,
            "reuse": scores["environment"] >= 1.0}


def describe(org: Organization, profile: RegulatoryProfile,
             in_force: ThresholdsInForce, data: OptimizationData,
             solution: optimizer.Solution) -> ProposalFacts:
    """Return the run's impact in units, one lever per lot and its regulatory facts."""
    coeff_data, coeffs = coefficients_of(profile)
    suppliers = cast(dict[str, dict[str, Any]], data.suppliers.to_dict("index"))
    kinds: dict[str, dict[str, bool]] = {}

    def supplier_flow(category: str, key: str, cents: float) -> Flow:
        if key not in kinds:
            kinds[key] = _kinds(suppliers[key])
        return Flow(category=category, amount_cents=cents, social_economy=True,
                    locality=str(suppliers[key]["locality_level"]), **kinds[key])

    lines = data.lines
    status_quo: dict[str, list[Flow]] = {}
    lot_dates: dict[str, dt.date] = {}
    if lines is not None and not lines.empty:
        keyed = lines.assign(sk=lines["incumbent"].map(
            lambda v: None if pd.isna(v) else str(int(v))))
        # Spending counts as social economy only with an active registry supplier.
        active = [key for key, facts in suppliers.items() if facts["active"] is not False]
        keyed["sk"] = keyed["sk"].where(keyed["sk"].isin(active), None)
        grouped = keyed.groupby(["key", "category_code", keyed["sk"].fillna("")],
                                dropna=False)["amount_cents"].sum()
        for index, cents in grouped.items():
            lot_key, category, sk = cast(tuple[str, str, str], index)
            flow = (supplier_flow(str(category), str(sk), float(cents)) if sk
                    else Flow(category=str(category), amount_cents=float(cents)))
            status_quo.setdefault(str(lot_key), []).append(flow)
        if "date" in keyed:
            for date_key, latest in keyed.groupby("key")["date"].max().items():
                if latest is not None and not pd.isna(latest):
                    lot_dates[str(date_key)] = pd.Timestamp(latest).date()
    lot_by_key = {lot.key: lot for lot in data.input.lots}
    before = [f for flows in status_quo.values() for f in flows]
    after: list[Flow] = []
    awarded: dict[tuple[str, str], int] = {}
    for alloc in solution.allocations:
        if alloc.amount_cents <= 0:
            continue
        lot = lot_by_key[alloc.lot_key]
        if alloc.supplier_key is not None:
            after.append(supplier_flow(lot.category, alloc.supplier_key, alloc.amount_cents))
            pair = (alloc.lot_key, alloc.supplier_key)
            awarded[pair] = awarded.get(pair, 0) + alloc.amount_cents
            continue
        # The part left to the market keeps the status quo's make-up, pro rata.
        flows = status_quo.get(alloc.lot_key) or [Flow(lot.category, float(lot.value_cents))]
        whole = sum(f.amount_cents for f in flows) or 1.0
        after += [Flow(f.category, f.amount_cents * alloc.amount_cents / whole,
                       f.social_economy, f.locality, f.work_integration, f.democratic, f.reuse)
                  for f in flows]
    units = impact_units(before, after, coeffs)

    capable = _capable_by_lot(data, awarded)
    warnings = list(in_force.warnings)
    lot_facts = []
    for lot in data.input.lots:
        lot_in_force = in_force
        on = lot_dates.get(lot.key)
        if on is not None and on != in_force.on:
            lot_in_force = profile_thresholds_on(profile, on)
            seen = {_warning_key(w) for w in warnings}
            warnings += [w for w in lot_in_force.warnings if _warning_key(w) not in seen]
        lot_facts.append(LotFacts(
            key=lot.key, category=lot.category, value_cents=lot.value_cents,
            direct_award_limit_cents=decimal_to_cents(lot_in_force.direct_award_limit),
            tender_threshold_cents=decimal_to_cents(lot_in_force.tender_threshold)))
    rules = LeverRules(rotation_required=profile.rotation_required,
                       reserved_contracts_allowed=profile.reserved_contracts_allowed)
    levers = [lever.to_json() for lever in levers_for(lot_facts, capable, rules, coeffs)]
    regulatory = {"profile": profile.code, "currency": profile.currency,
                  **in_force.to_json(), "coefficients": coeff_data}
    return ProposalFacts(currency=profile.currency, impact_units=units, levers=levers,
                         regulatory=regulatory, warnings=warnings,
                         fiscal_year=fiscal_year(in_force.on, org.fiscal_year_start_month or 1))


def _warning_key(warning: dict[str, Any]) -> tuple[Any, ...]:
    params = warning.get("params", {})
    return (warning.get("code"), params.get("kind"), params.get("amount"),
            params.get("valid_from"))


def _capable_by_lot(data: OptimizationData, awarded: dict[tuple[str, str], int]
                    ) -> dict[str, list[CapableSupplier]]:
    """Return, per lot, the candidate pipeline's suppliers: awardable ones and prospects.

    Every evidence kind is listed (the lever rule tells awardable ones from prospects); a
    pair a person rejected never reaches either list.
    """
    facts = cast(dict[str, dict[str, Any]], data.suppliers.to_dict("index"))
    pairs = pd.concat([data.candidates[["lot_key", "supplier_key", "capability_evidence"]],
                       data.prospects[["lot_key", "supplier_key", "capability_evidence"]]],
                      ignore_index=True)
    out: dict[str, list[CapableSupplier]] = {}
    for lot_key, key, evidence in pairs.itertuples(index=False):
        s = facts[str(key)]
        capacity, turnover = s["capacity_cents"], s["annual_turnover_cents"]
        out.setdefault(str(lot_key), []).append(CapableSupplier(
            key=str(key), name=str(s["name"]), evidence=str(evidence),
            capacity_cents=None if is_missing(capacity) else int(capacity),
            turnover_cents=None if is_missing(turnover) else int(turnover),
            reserved_eligible=bool(s["reserved_eligible"] or False),
            awarded_cents=awarded.get((str(lot_key), str(key)), 0)))
    return out


def attach(session: Session, proposal: Proposal, facts: ProposalFacts) -> None:
    """Store the facts on a proposal just written, as part of its first version.

    A plain UPDATE, not an ORM change: the facts belong to the proposal as created, so its
    optimistic version (which finance staff submit against) stays 1.
    """
    values = {"impact_units": facts.impact_units, "levers": facts.levers,
              "regulatory": facts.regulatory, "warnings": facts.warnings,
              "fiscal_year": facts.fiscal_year}
    session.execute(update(Proposal).where(Proposal.id == proposal.id).values(**values)
                    .execution_options(synchronize_session=False))
    for key, value in values.items():
        set_committed_value(proposal, key, value)
