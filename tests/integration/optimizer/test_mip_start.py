"""The start of an indivisible solve: feasible, below the LP bound, and kept by the solvers."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np
import pytest

from optimizer import CandidateInput, OptimizerInput, RegulatoryBands, Target, solve
from optimizer.check import check_solution
from optimizer.examples import lot, problem, supplier, with_scenario
from optimizer.model import build_model, prepare
from optimizer.solution import Solution
from optimizer.solve import allocations_of, round_to_cents
from optimizer.solvers import MIP_GAP, _solve_subproblem, relax, warm_start
from optimizer.start import (
    OptionRows,
    around_suppliers,
    capacity_prices,
    idle_capacity_loss,
    improve_by_moves,
    objective_of,
    round_relaxation,
    subproblem,
)


def _tight_instance(n_lots: int = 60, n_suppliers: int = 20, per_lot: int = 5,
                    seed: int = 7) -> OptimizerInput:
    """Lots that outgrow their suppliers' capacities: the LP splits some of them."""
    rng = np.random.default_rng(seed)
    lots = [lot(f"L{i:03d}", float(v), f"C{i % 4}", status_quo_impact_per_dollar=0.1)
            for i, v in enumerate(rng.integers(2_000, 20_000, n_lots))]
    sups = [supplier(f"S{j:03d}", round(float(rng.uniform(0.2, 1.0)), 3),
                     float(rng.integers(20_000, 150_000)), is_social_economy=bool(j % 2))
            for j in range(n_suppliers)]
    cands = [CandidateInput(x.key, f"S{int(j):03d}", round(float(rng.uniform(-0.02, 0.08)), 3))
             for x in lots for j in rng.choice(n_suppliers, per_lot, replace=False)]
    bands = RegulatoryBands(direct_award_limit_cents=10**12, tender_threshold_cents=10**12,
                            rotation_required=False)
    return problem(lots, sups, cands, bands, mode="indivisible", explain=False,
                   budget_increase_pct=0.01, social_economy_share=Target(0.25),
                   time_limit_s=60.0)


def _proposal(data: OptimizerInput, chosen: np.ndarray) -> Solution:
    d = prepare(data)
    cents = round_to_cents(d, chosen.astype(float) * d.lot_value[d.opt_lot], True)
    return Solution(status="feasible", objective=None, gap=None,
                    allocations=allocations_of(d, cents), kpis={}, mode="indivisible")


def test_the_start_is_a_feasible_proposal_below_the_lp_bound():
    data = _tight_instance()
    model = build_model(prepare(data))
    with tempfile.TemporaryDirectory() as tmp:
        point = warm_start(model, 30.0, os.path.join(tmp, "cbc.log"))
    assert point.feasible and point.chosen is not None
    assert point.bound is not None and point.objective is not None and point.rounded is not None
    # The LP splits lots, so rounding has work to do, and the improvements never lose.
    assert point.relaxation is not None
    assert ((point.relaxation > 1e-6) & (point.relaxation < 1 - 1e-6)).any()
    assert point.rounded <= point.objective <= point.bound + 1e-6
    # One option per lot, and every rule of the scenario holds on the proposal itself.
    assert np.bincount(model.data.opt_lot, weights=point.chosen).tolist() == [1.0] * 60
    assert check_solution(data, _proposal(data, point.chosen)) == []


def _rounded_relaxation(seed: int) -> tuple[Any, Any, OptionRows, np.ndarray]:
    """Return a tight instance, its model, its option rows and its rounded LP relaxation."""
    data = _tight_instance(seed=seed)
    model = build_model(prepare(data))
    with tempfile.TemporaryDirectory() as tmp:
        raw = relax(model, 30.0, os.path.join(tmp, "cbc.log"))
    assert raw is not None
    rows = OptionRows.of(model)
    return data, model, rows, round_relaxation(model, rows, raw)


def test_moves_keep_every_hard_row_and_never_lower_the_objective():
    data, model, rows, rounded = _rounded_relaxation(seed=3)
    moved = improve_by_moves(model, rows, rounded)
    before, after = objective_of(model, rows, rounded), objective_of(model, rows, moved)
    assert before is not None and after is not None and after >= before
    assert check_solution(data, _proposal(data, moved)) == []


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_an_indivisible_solve_ends_within_the_requested_gap(solver):
    data = with_scenario(_tight_instance(), solver=solver)
    model = build_model(prepare(data))
    with tempfile.TemporaryDirectory() as tmp:
        point = warm_start(model, 30.0, os.path.join(tmp, "cbc.log"))
    assert point.bound is not None and point.objective is not None
    sol = solve(data)
    assert sol.status in ("optimal", "feasible")
    assert sol.violations == ()
    assert sol.gap is not None and sol.gap <= MIP_GAP
    assert sol.status == "optimal" or sol.gap > 0
    # Never worse than its start, never better than the relaxation allows.
    assert sol.solver_objective is not None
    assert point.objective - 1e-6 <= sol.solver_objective <= point.bound + 1e-6


def test_a_neighbourhood_starts_feasible_and_its_solution_keeps_every_rule():
    data, model, rows, rounded = _rounded_relaxation(seed=5)
    chosen = improve_by_moves(model, rows, rounded)
    prices = capacity_prices(model)
    loss = idle_capacity_loss(model, prices, chosen)
    assert (prices > 0).any() and (loss >= 0).all()
    reduced = np.array([v.dj or 0.0 for v in model.variables])
    free = around_suppliers(model, np.argsort(-loss)[:3], reduced, chosen, 1e9)
    assert free[chosen].any() and not free.all()
    sub = subproblem(model, rows, chosen, free)
    # The current choice is a start of the subproblem: it meets every row's bounds.
    activity = np.zeros(len(sub.row_lower))
    for k in range(len(sub.cost)):
        cells = slice(sub.starts[k], sub.starts[k + 1])
        activity[sub.index[cells]] += sub.value[cells] * sub.start[k]
    assert (activity >= sub.row_lower - 1e-6).all() and (activity <= sub.row_upper + 1e-6).all()
    found = _solve_subproblem(sub, 10.0)
    assert found is not None
    better = chosen.copy()
    better[free] = found
    before, after = objective_of(model, rows, chosen), objective_of(model, rows, better)
    assert before is not None and after is not None and after >= before - 1e-6
    assert check_solution(data, _proposal(data, better)) == []
