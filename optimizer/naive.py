"""Baseline: the per-line formulation, built with Python loops, for tests and benchmarks.

One variable per spending line and option, the way a first prototype would write
it. It has the same coefficients and limits as the aggregated model (``model.py``),
so on lines that are interchangeable within their lot both reach the same optimum;
the tests and ``benchmarks/bench_optimizer.py`` check that, and measure the cost.
Divisible mode only.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pulp

from optimizer.errors import InputError
from optimizer.inputs import OptimizerInput
from optimizer.model import MARKET, ROUNDING_MARGIN_PER_LOT, penalty_for, prepare, rotation_groups
from optimizer.solvers import run_model


@dataclass(frozen=True)
class SpendingLine:
    """One purchase line of a lot: ``value_cents`` of the lot ``lot_key``."""

    key: str
    lot_key: str
    value_cents: int


@dataclass(frozen=True)
class NaiveResult:
    """Outcome of the per-line model: status, solver objective, impact and timings."""

    status: str
    objective: float | None
    impact: float | None
    n_variables: int
    build_seconds: float
    solve_seconds: float


class _Shim:
    """Just enough of ``model.Model`` for ``solvers.run_model``."""

    def __init__(self, prob: pulp.LpProblem, data: object, variables: list[pulp.LpVariable]):
        self.prob = prob
        self.data = data
        self.variables = variables
        self.integer = False
        self.scale = np.ones(len(variables))


def solve_per_line(data: OptimizerInput, lines: Sequence[SpendingLine]) -> NaiveResult:
    """Build and solve the per-line LP (loops, lpSum) and return its optimum."""
    start = time.perf_counter()
    d = prepare(data)
    if d.scenario.mode != "divisible":
        raise InputError("the per-line baseline covers divisible mode only")
    lot_index = {k: i for i, k in enumerate(d.lot_keys)}
    options: dict[int, list[int]] = defaultdict(list)
    for k, li in enumerate(d.opt_lot.tolist()):
        options[li].append(k)
    coef = d.objective_coef.tolist()
    cost = d.opt_premium.tolist()  # the budget row is written on the extra cost
    se = d.opt_se.tolist()
    local = d.opt_local.tolist()
    opt_sup = d.opt_sup.tolist()

    prob = pulp.LpProblem("per_line", pulp.LpMaximize)
    variables: list[pulp.LpVariable] = []
    option_of: list[int] = []
    objective, budget, se_terms, local_terms = [], [], [], []
    by_sup: dict[int, list[pulp.LpVariable]] = defaultdict(list)
    by_cat: dict[int, list[tuple[pulp.LpVariable, float]]] = defaultdict(list)
    by_rot: dict[tuple[str, int], list[pulp.LpVariable]] = defaultdict(list)
    lot_rot = {int(li): c for c, lots in rotation_groups(d).items() for li in lots}
    totals = np.zeros(len(d.lot_keys), dtype=np.int64)
    for line in lines:
        li = lot_index[line.lot_key]
        totals[li] += line.value_cents
        value = line.value_cents / 100.0
        cover = []
        for k in options[li]:
            x = pulp.LpVariable(f"x_{len(variables)}", lowBound=0, upBound=value)
            variables.append(x)
            option_of.append(k)
            cover.append(x)
            objective.append(coef[k] * x)
            budget.append(cost[k] * x)
            se_terms.append(se[k] * x)
            local_terms.append(local[k] * x)
            if opt_sup[k] != MARKET:
                by_sup[opt_sup[k]].append(x)
                if li in lot_rot:
                    by_rot[(lot_rot[li], opt_sup[k])].append(x)
            by_cat[int(d.lot_cat_idx[li])].append((x, se[k]))
        prob += pulp.lpSum(cover) == value, f"coverage_{line.key}"
    if not np.array_equal(totals, d.lot_value_cents):
        raise InputError("the lines do not add up to their lots' values")

    # Same limits, with the same rounding margins as the aggregated model (per lot).
    def margin(n: int) -> float:
        return ROUNDING_MARGIN_PER_LOT * max(n, 1)

    lots_of_sup: dict[int, int] = defaultdict(int)
    reach_of_sup: dict[int, float] = defaultdict(float)
    for k, s in enumerate(opt_sup):
        if s != MARKET:
            lots_of_sup[s] += 1
            reach_of_sup[s] += float(d.lot_value[int(d.opt_lot[k])])
    shifted_lots = len({int(li) for li, s in zip(d.opt_lot, opt_sup, strict=True) if s != MARKET})
    premiums = [abs(float(p)) for p, s in zip(d.opt_premium, opt_sup, strict=True) if s != MARKET]
    room = d.budget - d.total_value
    rhs = max(room - margin(shifted_lots) * max(premiums, default=0.0), min(room, 0.0))
    prob += pulp.lpSum(budget) <= rhs, "budget"
    lot_value = d.lot_value
    for s, xs in by_sup.items():
        cap = float(d.sup_cap[s])
        if np.isfinite(cap) and reach_of_sup[s] > cap:
            prob += pulp.lpSum(xs) <= max(cap - margin(lots_of_sup[s]), 0.0), f"capacity_{s}"
        share = d.scenario.max_supplier_share
        if share is not None and reach_of_sup[s] > share * d.total_value:
            limit = share * d.total_value
            prob += pulp.lpSum(xs) <= max(limit - margin(lots_of_sup[s]), 0.0), f"share_{s}"
    groups = rotation_groups(d)
    for (category, s), xs in by_rot.items():
        group = groups[category]
        limit = d.scenario.rotation_max_share * float(lot_value[group].sum())
        members = [int(li) for li in group if any(opt_sup[k] == s for k in options[int(li)])]
        reach = sum(float(lot_value[li]) for li in members)
        if reach > limit:
            prob += pulp.lpSum(xs) <= max(limit - margin(len(members)), 0.0), \
                f"rotation_{category}_{s}"
    penalty = penalty_for(d)
    shortfalls = []
    scenario = d.scenario

    def target(name: str, t: object, terms: list, scope: float, n_lots: int) -> None:
        value, hard = t.value, t.hard  # type: ignore[attr-defined]
        rhs = min(value * scope + margin(n_lots), scope) if value > 0 else 0.0
        if hard:
            prob.addConstraint(pulp.lpSum(terms) >= rhs, name)
        else:
            slack = pulp.LpVariable(f"shortfall_{name}", lowBound=0, upBound=rhs)
            shortfalls.append(slack)
            prob.addConstraint(pulp.lpSum(terms) + slack >= rhs, name)

    if scenario.social_economy_share is not None:
        target("se", scenario.social_economy_share, se_terms, d.total_value, len(d.lot_keys))
    for category, t in sorted(scenario.social_economy_share_by_category.items()):
        if category in d.categories:
            ci = d.categories.index(category)
            scope = float(lot_value[d.lot_cat_idx == ci].sum())
            n_lots = int((d.lot_cat_idx == ci).sum())
            target(f"se_{ci}", t, [c * x for x, c in by_cat[ci]], scope, n_lots)
    if scenario.local_share is not None:
        target("local", scenario.local_share, local_terms, d.total_value, len(d.lot_keys))
    prob += pulp.lpSum(objective) - penalty * pulp.lpSum(shortfalls)
    build_seconds = time.perf_counter() - start

    run = run_model(_Shim(prob, d, variables))  # type: ignore[arg-type]
    impact = None
    if run.values is not None:
        impact = float(np.dot(d.opt_ipd[np.array(option_of, dtype=np.int64)], run.values))
    return NaiveResult(run.status, run.objective, impact, len(variables), build_seconds,
                       run.seconds)
