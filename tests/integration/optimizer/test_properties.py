"""Invariants of the optimizer on random small instances (hypothesis, real CBC)."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import (
    CandidateInput,
    LotInput,
    OptimizerInput,
    RegulatoryBands,
    ScenarioInput,
    SupplierInput,
    Target,
    check_solution,
    solve,
)
from optimizer.model import build_model, prepare
from optimizer.naive import SpendingLine, solve_per_line
from optimizer.solvers import run_model

DIMS = ("work_integration", "locality", "governance", "environment")
BANDS = RegulatoryBands(direct_award_limit_cents=2_500_000, tender_threshold_cents=12_120_000,
                        rotation_required=True, reserved_contracts_allowed=False)
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def instances(draw, mode: str = "divisible") -> OptimizerInput:
    """Draw 1-5 lots, 1-4 suppliers, random candidates and a scenario with soft targets."""
    n_lots = draw(st.integers(1, 5))
    n_sup = draw(st.integers(1, 4))
    cats = ["cleaning", "catering"]
    lots = []
    for i in range(n_lots):
        value = draw(st.integers(100_000, 20_000_000))
        se = draw(st.sampled_from([0, value // 3, value]))
        local = draw(st.sampled_from([0, value // 2, value]))
        lots.append(LotInput(f"L{i}", draw(st.sampled_from(cats)), f"lot {i}", value, se, local,
                             draw(st.sampled_from([0.0, 0.2, 0.5])),
                             draw(st.sampled_from([None, None, "G"]))))
    sups = []
    for j in range(n_sup):
        cap = draw(st.one_of(st.none(), st.integers(50_000, 15_000_000)))
        sc = {d: draw(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])) for d in DIMS}
        sups.append(SupplierInput(f"S{j}", f"Coop {j}", cap, sc,
                                  is_social_economy=draw(st.booleans()) or j == 0))
    cands = []
    for lot in lots:
        for sup in sups:
            if draw(st.booleans()):
                cands.append(CandidateInput(lot.key, sup.key,
                                            draw(st.sampled_from([-0.02, 0.0, 0.03, 0.08, 0.2])),
                                            draw(st.booleans())))
    scenario = ScenarioInput(
        budget_increase_pct=draw(st.sampled_from([0.0, 0.02, 0.05])),
        social_economy_share=draw(st.sampled_from([None, Target(0.3), Target(0.6)])),
        local_share=draw(st.sampled_from([None, Target(0.4)])),
        max_supplier_share=draw(st.sampled_from([None, 0.3, 0.6])),
        mode=mode,
    )
    return OptimizerInput(lots, sups, cands, scenario, BANDS)


@SETTINGS
@given(instances())
def test_every_divisible_solution_satisfies_every_rule_to_the_cent(data):
    sol = solve(data)
    assert sol.status == "optimal", sol.message
    assert sol.violations == ()
    assert check_solution(data, sol) == []


@SETTINGS
@given(instances(mode="indivisible"))
def test_every_indivisible_solution_satisfies_every_rule(data):
    sol = solve(dataclasses.replace(data, scenario=dataclasses.replace(data.scenario,
                                                                       explain=False)))
    assert sol.status == "optimal", sol.message
    assert check_solution(data, sol) == []


@SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_the_aggregated_model_reaches_the_per_line_optimum(data, rnd):
    lines = []
    for lot in data.lots:
        cuts = sorted(rnd.sample(range(1, lot.value_cents), k=min(2, lot.value_cents - 1)))
        bounds = [0, *cuts, lot.value_cents]
        for k in range(len(bounds) - 1):
            lines.append(SpendingLine(f"{lot.key}-{k}", lot.key, bounds[k + 1] - bounds[k]))
    aggregated = run_model(build_model(prepare(data)))
    naive = solve_per_line(data, lines)
    assert aggregated.status == naive.status == "optimal"
    assert aggregated.objective == pytest.approx(naive.objective, rel=1e-6, abs=1e-3)


@SETTINGS
@given(instances(), st.sampled_from([0.01, 0.05, 0.2]))
def test_raising_the_budget_never_lowers_the_optimum(data, more):
    scenario = data.scenario
    low = run_model(build_model(prepare(data)))
    richer = dataclasses.replace(data, scenario=dataclasses.replace(
        scenario, budget_increase_pct=scenario.budget_increase_pct + more))
    high = run_model(build_model(prepare(richer)))
    assert high.objective >= low.objective - 1e-6 * max(1.0, abs(low.objective))


@SETTINGS
@given(instances())
def test_no_lot_at_or_above_the_tender_threshold_is_awarded_directly(data):
    sol = solve(data)
    for a in sol.allocations:
        if a.band == "tender":
            assert a.supplier_key is None
            assert a.route == "tender_with_social_clauses"


@SETTINGS
@given(instances(), st.integers(0, 2**32 - 1))
def test_shuffled_input_gives_the_same_proposal(data, seed):
    rnd = random.Random(seed)
    lots, sups, cands = list(data.lots), list(data.suppliers), list(data.candidates)
    rnd.shuffle(lots)
    rnd.shuffle(sups)
    rnd.shuffle(cands)
    shuffled = dataclasses.replace(data, lots=lots, suppliers=sups, candidates=cands)
    assert solve(shuffled).allocations == solve(data).allocations
