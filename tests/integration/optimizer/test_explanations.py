"""Explanations, infeasibility diagnosis, honest statuses and solver agreement."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimizer import (
    CandidateInput,
    LotInput,
    OptimizerInput,
    RegulatoryBands,
    ScenarioInput,
    SupplierInput,
    Target,
    compare,
    sensitivity,
    solve,
)
from optimizer.examples import lot, problem, supplier, with_scenario


def test_an_infeasible_hard_target_is_named_with_its_shortfall():
    data = problem([lot("a", 10_000)], [supplier("s1", 1.0, capacity=2_000)],
                   [CandidateInput("a", "s1")], social_economy_share=Target(0.3, hard=True))
    sol = solve(data)
    assert sol.status == "infeasible"
    assert sol.allocations == ()
    (cause,) = sol.infeasibility
    assert cause.constraint == "target_se_share" and cause.hard
    assert cause.reachable == pytest.approx(0.2, abs=1e-4)
    assert cause.shortfall == pytest.approx(100_000, abs=10)  # 1,000 $ short of 3,000 $
    assert "social economy share target of 30% cannot be met" in cause.explanation
    assert "at most 20.0% is reachable" in cause.explanation


def test_a_budget_below_the_cheapest_proposal_is_diagnosed():
    data = problem([lot("a", 10_000)], [supplier("s1", 1.0)], [CandidateInput("a", "s1", 0.05)],
                   budget_increase_pct=-0.10)
    sol = solve(data)
    assert sol.status == "infeasible"
    assert [c.constraint for c in sol.infeasibility] == ["budget"]
    assert "cannot cover the needs" in sol.infeasibility[0].explanation


def _budget_and_capacity():
    sups = [supplier("s1", 1.0, capacity=3_000), supplier("s2", 0.5)]
    cands = [CandidateInput("a", "s1", 0.0), CandidateInput("a", "s2", 0.05)]
    return problem([lot("a", 10_000)], sups, cands, budget_increase_pct=0.01)


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_a_binding_budget_and_a_supplier_at_capacity_are_explained(solver):
    sol = solve(with_scenario(_budget_and_capacity(), solver=solver))
    assert sol.status == "optimal"
    kinds = {b.constraint: b for b in sol.binding}
    assert "budget" in kinds and "capacity__sup_s1" in kinds
    # One more budget dollar buys 20 $ at s2 (5 % premium) at 0.5 point each.
    assert kinds["budget"].shadow_price_per_1000 == pytest.approx(10_000, rel=1e-3)
    assert kinds["capacity__sup_s1"].shadow_price_per_1000 == pytest.approx(1_000, rel=1e-3)
    assert "Coop s1 is at capacity ($3,000 a year)" in kinds["capacity__sup_s1"].explanation


def test_indivisible_explanations_come_from_re_solving():
    sups = [supplier("s1", 1.0, capacity=15_000)]
    lots = [lot("a", 10_000), lot("b", 8_000)]
    data = problem(lots, sups, [CandidateInput("a", "s1"), CandidateInput("b", "s1")],
                   mode="indivisible")
    sol = solve(data)
    assert sol.status == "optimal"
    (cap,) = [b for b in sol.binding if b.kind == "capacity"]
    assert cap.shadow_price_per_1000 and cap.shadow_price_per_1000 > 0
    assert "estimated by re-solving" in cap.explanation


def _hard_milp(n_lots: int = 2_000, n_candidates: int = 20, seed: int = 3) -> OptimizerInput:
    rng = np.random.default_rng(seed)
    n_sup = n_lots // 5
    values = np.round(rng.lognormal(np.log(30_000), 0.8, n_lots) * 100).astype(int)
    lots = [LotInput(f"L{i:05d}", f"C{i % 50}", "", int(v)) for i, v in enumerate(values)]
    caps = np.round(rng.lognormal(np.log(250_000), 0.6, n_sup) * 100).astype(int)
    sups = [SupplierInput(f"S{j:04d}", "", int(caps[j]),
                          dict(zip(("work_integration", "locality", "governance"),
                                   rng.uniform(0, 1, 3).round(4).tolist(), strict=True)))
            for j in range(n_sup)]
    cands = [CandidateInput(f"L{i:05d}", f"S{int(j):04d}", round(float(rng.uniform(0, 0.1)), 4))
             for i in range(n_lots) for j in rng.choice(n_sup, n_candidates, replace=False)]
    bands = RegulatoryBands(direct_award_limit_cents=10**12, tender_threshold_cents=10**12,
                            rotation_required=False)
    scenario = ScenarioInput(mode="indivisible", time_limit_s=1.0, explain=False,
                             budget_increase_pct=0.01)
    return OptimizerInput(lots, sups, cands, scenario, bands)


def test_a_time_limited_milp_is_feasible_not_optimal():
    sol = solve(_hard_milp())
    assert sol.status == "feasible"
    assert sol.violations == ()
    assert sol.gap is None or sol.gap > 0


def test_highs_reaches_the_same_lp_optimum_as_cbc():
    rng = np.random.default_rng(11)
    lots = [lot(f"L{i}", float(v), f"C{i % 3}", status_quo_impact_per_dollar=0.1)
            for i, v in enumerate(rng.integers(1_000, 20_000, 12))]
    sups = [supplier(f"S{j}", float(rng.uniform(0, 1)), float(rng.integers(5_000, 40_000)))
            for j in range(5)]
    cands = [CandidateInput(x.key, s.key, round(float(rng.uniform(-0.02, 0.09)), 3))
             for x in lots for s in sups if rng.uniform() < 0.6]
    data = problem(lots, sups, cands, budget_increase_pct=0.02,
                   social_economy_share=Target(0.5))
    cbc, highs = solve(data), solve(with_scenario(data, solver="highs"))
    assert cbc.status == highs.status == "optimal"
    assert highs.solver_objective == pytest.approx(cbc.solver_objective, rel=1e-7)
    assert highs.objective == pytest.approx(cbc.objective, rel=1e-6)


def test_sensitivity_table_grows_with_the_budget():
    data = _budget_and_capacity()
    rows = sensitivity(data, budget_steps=(0.0, 0.01, 0.05), target_shares=(0.2, 0.5))
    assert len(rows) == 6
    objectives = [r.objective for r in rows if r.target_share == 0.2]
    assert objectives == sorted(objectives)
    assert all(r.status == "optimal" and r.proposed_cost_cents for r in rows)


def test_compare_lists_every_line_of_both_proposals():
    data = _budget_and_capacity()
    a, b = solve(data), solve(with_scenario(data, budget_increase_pct=0.05))
    diff = compare(a, b)
    assert {(r.lot_key, r.supplier_key) for r in diff.rows} >= {("a", "s1"), ("a", "s2")}
    assert sum(r.delta_cents for r in diff.rows) == 0  # coverage: moves, not additions
    assert diff.objective_delta and diff.objective_delta > 0
    assert diff.kpi_deltas["impact_after"] == pytest.approx(diff.objective_delta)
    assert all(r.delta_cents != 0 for r in diff.changed)


def test_the_formula_names_the_weights():
    sol = solve(dataclasses.replace(_budget_and_capacity()))
    assert "0.35 × work integration" in sol.formula
