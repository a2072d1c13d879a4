"""Re-check a proposal against every rule, to the cent, independently of the model."""

from __future__ import annotations

from collections import defaultdict

from optimizer.bands import market_route, supplier_route
from optimizer.inputs import OptimizerInput
from optimizer.kpis import Lookup
from optimizer.solution import Solution, Violation

#: Tolerance of every amount check, in cents ("holds to the cent").
TOLERANCE_CENTS = 1.0


def check_solution(data: OptimizerInput, solution: Solution) -> list[Violation]:
    """Return every rule the solution's allocations break (empty when valid).

    Checks: known lots and candidates, premium cap, tender and reserved-contract
    rules, routes, exact coverage of every lot, one option per lot (indivisible),
    budget, capacities, maximum share per supplier, rotation, and hard targets.
    A solution without allocations and without an ok status has nothing to check.
    """
    if not solution.allocations and not solution.ok:
        return []
    look = Lookup.of(data)
    scenario, bands = data.scenario, data.bands
    out: list[Violation] = []
    covered: dict[str, int] = defaultdict(int)
    options_used: dict[str, int] = defaultdict(int)
    by_supplier: dict[str, int] = defaultdict(int)
    seen: set[tuple[str, str | None]] = set()
    cost = se_total = local_total = 0.0
    se_by_cat: dict[str, float] = defaultdict(float)

    for a in solution.allocations:
        pair = (a.lot_key, a.supplier_key)
        where = f"lot {a.lot_key!r}, {a.supplier_key or 'market'}"
        if a.lot_key not in look.lots:
            out.append(Violation(f"unknown__{a.lot_key}", f"{where}: unknown lot"))
            continue
        if a.supplier_key is not None and pair not in look.candidates:
            out.append(Violation(f"eligibility__{a.lot_key}",
                                 f"{where}: the supplier is not a candidate of this lot"))
            continue
        if pair in seen:
            out.append(Violation(f"duplicate__{a.lot_key}", f"{where}: allocated twice"))
        seen.add(pair)
        if not isinstance(a.amount_cents, int) or a.amount_cents < 0:
            out.append(Violation(f"amount__{a.lot_key}",
                                 f"{where}: amount must be a non-negative integer of cents"))
            continue
        band = look.bands[a.lot_key]
        if a.supplier_key is not None and a.amount_cents > 0:
            supplier = look.suppliers[a.supplier_key]
            premium = look.premium(a.lot_key, a.supplier_key)
            if premium > scenario.max_premium_pct + 1e-12:
                out.append(Violation(f"premium_cap__{a.lot_key}",
                                     f"{where}: premium {premium:.2%} above the cap "
                                     f"{scenario.max_premium_pct:.2%}"))
            if band == "tender" and not (bands.reserved_contracts_allowed
                                         and supplier.reserved_eligible):
                out.append(Violation(f"tender__{a.lot_key}",
                                     f"{where}: a lot at or above the tender threshold is "
                                     "awarded directly"))
        expected = market_route(band) if a.supplier_key is None else supplier_route(band)
        if a.route != expected:
            out.append(Violation(f"route__{a.lot_key}",
                                 f"{where}: route {a.route!r}, expected {expected!r}"))
        covered[a.lot_key] += a.amount_cents
        if a.amount_cents > 0:
            options_used[a.lot_key] += 1
        if a.supplier_key is not None:
            by_supplier[a.supplier_key] += a.amount_cents
        cost += (1.0 + look.premium(a.lot_key, a.supplier_key)) * a.amount_cents
        se = look.se_cents(a.lot_key, a.supplier_key, a.amount_cents)
        se_total += se
        se_by_cat[look.lots[a.lot_key].category] += se
        local_total += look.local_cents(a.lot_key, a.supplier_key, a.amount_cents)

    for key, lot in sorted(look.lots.items()):
        if covered[key] != lot.value_cents:
            out.append(Violation(f"coverage__{key}",
                                 f"lot {key!r}: allocated {covered[key]} cents of "
                                 f"{lot.value_cents}", float(covered[key] - lot.value_cents)))
        if scenario.mode == "indivisible" and lot.value_cents > 0 and options_used[key] != 1:
            out.append(Violation(f"indivisible__{key}",
                                 f"lot {key!r}: {options_used[key]} options share an "
                                 "indivisible lot"))

    total = look.total_value_cents
    budget = (1.0 + scenario.budget_increase_pct) * total
    if cost > budget + TOLERANCE_CENTS:
        out.append(Violation("budget", f"cost {cost / 100:,.2f} $ above the budget "
                                       f"{budget / 100:,.2f} $", cost - budget))
    for key, amount in sorted(by_supplier.items()):
        cap = look.suppliers[key].capacity_cents
        if cap is not None and amount > cap + TOLERANCE_CENTS:
            out.append(Violation(f"capacity__{key}", f"supplier {key!r}: {amount} cents "
                                 f"above its capacity {cap}", float(amount - cap)))
        share = scenario.max_supplier_share
        if share is not None and amount > share * total + TOLERANCE_CENTS:
            out.append(Violation(f"max_share__{key}", f"supplier {key!r}: {amount} cents "
                                 f"above {share:.0%} of the spending in scope",
                                 amount - share * total))
    out.extend(_check_rotation(look, solution))
    out.extend(_check_targets(look, se_total, local_total, se_by_cat))
    return out


def _check_rotation(look: Lookup, solution: Solution) -> list[Violation]:
    data = look.data
    if not data.bands.rotation_required:
        return []
    groups: dict[str, list[str]] = defaultdict(list)
    for key, lot in look.lots.items():
        if look.bands[key] == "invitation":
            groups[lot.category].append(key)
    out: list[Violation] = []
    for category, keys in sorted(groups.items()):
        if len(keys) < 2:
            continue
        members = set(keys)
        value = sum(look.lots[k].value_cents for k in keys)
        amount: dict[str, int] = defaultdict(int)
        count: dict[str, int] = defaultdict(int)
        for a in solution.allocations:
            if a.supplier_key is not None and a.lot_key in members and a.amount_cents > 0:
                amount[a.supplier_key] += a.amount_cents
                count[a.supplier_key] += 1
        for supplier in sorted(amount):
            name = f"rotation__{category}__{supplier}"
            if data.scenario.mode == "indivisible":
                if count[supplier] > len(keys) - 1:
                    out.append(Violation(name, f"supplier {supplier!r} receives all "
                                         f"{len(keys)} invitation-band lots of {category!r}"))
            else:
                limit = data.scenario.rotation_max_share * value
                if amount[supplier] > limit + TOLERANCE_CENTS:
                    out.append(Violation(name, f"supplier {supplier!r} receives "
                                         f"{amount[supplier]} cents of the invitation-band "
                                         f"group {category!r}, above {limit:.0f}",
                                         amount[supplier] - limit))
    return out


def _check_targets(look: Lookup, se_total: float, local_total: float,
                   se_by_cat: dict[str, float]) -> list[Violation]:
    scenario = look.data.scenario
    total = look.total_value_cents
    out: list[Violation] = []
    checks = []
    if scenario.social_economy_share is not None:
        checks.append(("target_se_share", scenario.social_economy_share, se_total, total))
    if scenario.local_share is not None:
        checks.append(("target_local_share", scenario.local_share, local_total, total))
    cat_value: dict[str, int] = defaultdict(int)
    for lot in look.lots.values():
        cat_value[lot.category] += lot.value_cents
    for category, target in sorted(scenario.social_economy_share_by_category.items()):
        if category in cat_value:
            checks.append((f"target_se_share__{category}", target, se_by_cat[category],
                           cat_value[category]))
    for name, target, achieved, scope in checks:
        required = target.value * scope
        if target.hard and achieved < required - TOLERANCE_CENTS:
            out.append(Violation(name, f"{achieved / 100:,.2f} $ reached, "
                                 f"{required / 100:,.2f} $ required ({target.value:.1%})",
                                 required - achieved))
    return out
