"""Each block of the model on a tiny instance whose optimum is computed by hand."""

from __future__ import annotations

import pytest

from optimizer import CandidateInput, RegulatoryBands, Target, check_solution, solve
from optimizer.examples import lot, problem, supplier, with_scenario


def amounts(solution):
    return {(a.lot_key, a.supplier_key): a.amount_cents for a in solution.allocations}


def test_coverage_gives_the_whole_lot_to_a_free_better_supplier():
    sol = solve(problem([lot("a", 10_000)], [supplier("s1", 0.5)],
                        [CandidateInput("a", "s1", 0.0)]))
    assert sol.status == "optimal"
    assert amounts(sol) == {("a", "s1"): 1_000_000}
    assert sol.objective == pytest.approx(5_000)
    assert sol.allocations[0].route == "direct"


def test_budget_limits_a_dearer_supplier_and_explains_its_price():
    # 2 % of 10,000 $ pays the 10 % premium on 2,000 $ (less the rounding margin).
    sol = solve(problem([lot("a", 10_000)], [supplier("s1", 1.0)],
                        [CandidateInput("a", "s1", 0.10)], budget_increase_pct=0.02))
    assert sol.status == "optimal"
    assert amounts(sol) == {("a", None): 800_002, ("a", "s1"): 199_998}
    budget = [b for b in sol.binding if b.constraint == "budget"]
    assert budget and budget[0].shadow_price_per_1000 == pytest.approx(10_000, rel=1e-4)
    assert "budget limits the shift" in budget[0].explanation
    assert sol.kpis["proposed_cost_cents"] <= sol.kpis["budget_cents"]


def test_capacity_caps_a_supplier_and_is_explained():
    sol = solve(problem([lot("a", 10_000), lot("b", 10_000)], [supplier("s1", 1.0, 15_000)],
                        [CandidateInput("a", "s1"), CandidateInput("b", "s1")]))
    assert sol.status == "optimal"
    taken = sum(v for (_, s), v in amounts(sol).items() if s == "s1")
    assert 1_499_990 <= taken <= 1_500_000
    cap = [b for b in sol.binding if b.constraint == "capacity__sup_s1"]
    assert cap and cap[0].shadow_price_per_1000 == pytest.approx(1_000, rel=1e-4)
    assert "Coop s1 is at capacity" in cap[0].explanation


def test_premium_cap_excludes_a_candidate():
    sol = solve(problem([lot("a", 10_000)], [supplier("s1", 1.0)],
                        [CandidateInput("a", "s1", 0.20)], budget_increase_pct=0.5,
                        max_premium_pct=0.10))
    assert amounts(sol) == {("a", None): 1_000_000}
    assert sol.kpis["excluded_candidates"]["premium_above_cap"] == 1


def test_max_supplier_share_is_a_share_of_all_spending_in_scope():
    sol = solve(problem([lot("a", 10_000), lot("b", 10_000)], [supplier("s1", 1.0)],
                        [CandidateInput("a", "s1"), CandidateInput("b", "s1")],
                        max_supplier_share=0.25))
    taken = sum(v for (_, s), v in amounts(sol).items() if s == "s1")
    assert 499_990 <= taken <= 500_000
    assert any(b.kind == "max_supplier_share" for b in sol.binding)


ROTATION = RegulatoryBands(direct_award_limit_cents=2_500_000, tender_threshold_cents=12_120_000,
                           rotation_required=True)


def test_rotation_limits_a_supplier_to_a_share_of_the_invitation_group_when_divisible():
    data = problem([lot("a", 30_000), lot("b", 30_000)], [supplier("s1", 1.0)],
                   [CandidateInput("a", "s1"), CandidateInput("b", "s1")], bands=ROTATION,
                   rotation_max_share=0.5)
    sol = solve(data)
    taken = sum(v for (_, s), v in amounts(sol).items() if s == "s1")
    assert 2_999_990 <= taken <= 3_000_000
    assert {a.route for a in sol.allocations if a.supplier_key} == {"invitation"}


def test_rotation_leaves_one_lot_of_the_group_to_others_when_indivisible():
    data = problem([lot("a", 30_000), lot("b", 30_000), lot("c", 30_000)], [supplier("s1", 1.0)],
                   [CandidateInput(k, "s1") for k in "abc"], bands=ROTATION,
                   mode="indivisible")
    sol = solve(data)
    assert sol.status == "optimal"
    assert sum(1 for a in sol.allocations if a.supplier_key == "s1") == 2


def test_a_lot_at_the_tender_threshold_is_never_awarded_directly():
    sol = solve(problem([lot("big", 121_200)], [supplier("s1", 1.0)],
                        [CandidateInput("big", "s1")]))
    assert amounts(sol) == {("big", None): 12_120_000}
    assert sol.allocations[0].route == "tender_with_social_clauses"
    assert sol.kpis["lots_by_route"]["tender_with_social_clauses"] == 1
    assert sol.kpis["excluded_candidates"]["tender_not_reserved"] == 1


def test_pieces_of_one_need_keep_the_band_of_the_whole():
    pieces = [lot("p1", 70_000, contract_group="need"), lot("p2", 70_000, contract_group="need")]
    sol = solve(problem(pieces, [supplier("s1", 1.0)],
                        [CandidateInput("p1", "s1"), CandidateInput("p2", "s1")]))
    assert all(a.supplier_key is None and a.band == "tender" for a in sol.allocations)


def test_a_reserved_contract_is_allowed_where_the_law_allows_it():
    bands = RegulatoryBands(currency="EUR", direct_award_limit_cents=4_000_000,
                            tender_threshold_cents=22_100_000, rotation_required=False,
                            reserved_contracts_allowed=True)
    sups = [supplier("siae", 1.0, reserved_eligible=True), supplier("coop", 1.0)]
    data = problem([lot("big", 300_000)], sups,
                   [CandidateInput("big", "siae"), CandidateInput("big", "coop")], bands=bands)
    sol = solve(data)
    assert amounts(sol) == {("big", "siae"): 30_000_000}
    assert sol.allocations[0].route == "reserved_contract"


def _se_problem(**scenario):
    # The market has some impact; the only social economy supplier has none.
    return problem([lot("a", 10_000, status_quo_impact_per_dollar=0.1)], [supplier("s1", 0.0)],
                   [CandidateInput("a", "s1", 0.0)], **scenario)


def test_without_target_the_status_quo_keeps_a_more_impactful_lot():
    assert amounts(solve(_se_problem())) == {("a", None): 1_000_000}


@pytest.mark.parametrize("hard", [True, False])
def test_social_economy_share_target_forces_the_shift(hard):
    sol = solve(_se_problem(social_economy_share=Target(0.5, hard=hard)))
    assert sol.status == "optimal"
    shifted = amounts(sol)[("a", "s1")]
    assert 500_000 <= shifted <= 500_010
    assert sol.kpis["social_economy_share_after"] >= 0.5
    assert not sol.infeasibility


def test_category_target_applies_to_its_category_only():
    data = problem([lot("a", 10_000, "cleaning", status_quo_impact_per_dollar=0.1),
                    lot("b", 10_000, "catering", status_quo_impact_per_dollar=0.1)],
                   [supplier("s1", 0.0)], [CandidateInput("a", "s1"), CandidateInput("b", "s1")],
                   social_economy_share_by_category={"cleaning": Target(0.3, hard=True)})
    sol = solve(data)
    got = amounts(sol)
    assert 300_000 <= got[("a", "s1")] <= 300_010
    assert ("b", "s1") not in got
    assert sol.kpis["by_category"]["cleaning"]["social_economy_share_after"] >= 0.3


def test_local_share_target_counts_local_candidates_and_local_status_quo():
    data = problem([lot("a", 10_000, status_quo_local_cents=200_000,
                        status_quo_impact_per_dollar=0.1)],
                   [supplier("s1", 0.0)], [CandidateInput("a", "s1", is_local=True)],
                   local_share=Target(0.6, hard=True))
    sol = solve(data)
    # 20 % local today; market keeps 20 % of what it keeps: x + 0.2 (10,000 - x) >= 6,000.
    assert 500_000 <= amounts(sol)[("a", "s1")] <= 500_020
    assert sol.kpis["local_share_after"] >= 0.6


def test_a_soft_target_out_of_reach_is_reported_as_a_shortfall():
    data = problem([lot("a", 10_000)], [supplier("s1", 1.0, capacity=2_000)],
                   [CandidateInput("a", "s1")], social_economy_share=Target(0.5))
    sol = solve(data)
    assert sol.status == "optimal"
    (missed,) = sol.infeasibility
    assert missed.constraint == "target_se_share" and not missed.hard
    assert missed.shortfall == pytest.approx(300_000, abs=10)
    assert check_solution(data, sol) == []


def test_indivisible_mode_gives_each_lot_to_one_option():
    data = problem([lot("a", 10_000), lot("b", 6_000)], [supplier("s1", 1.0, capacity=12_000)],
                   [CandidateInput("a", "s1"), CandidateInput("b", "s1")], mode="indivisible")
    sol = solve(data)
    assert sol.status == "optimal"
    assert amounts(sol) == {("a", "s1"): 1_000_000, ("b", None): 600_000}
    assert solve(with_scenario(data, mode="divisible")).objective == pytest.approx(12_000, abs=0.1)


def test_rotation_explanations_name_the_category_in_words_when_labels_are_given():
    import dataclasses

    data = problem([lot("a", 30_000), lot("b", 30_000)], [supplier("s1", 1.0)],
                   [CandidateInput("a", "s1"), CandidateInput("b", "s1")], bands=ROTATION,
                   rotation_max_share=0.5)
    labelled = dataclasses.replace(
        data, category_labels={"cleaning": ("Entretien ménager", "Cleaning services")})
    rotation = [b for b in solve(labelled).binding if b.kind == "rotation"]
    assert rotation
    assert "invitation band of Cleaning services" in rotation[0].explanation
    assert "« Entretien ménager »" in rotation[0].explanation_fr
    plain = [b for b in solve(data).binding if b.kind == "rotation"]
    assert "invitation band of cleaning" in plain[0].explanation


def test_a_category_target_is_named_in_words_in_both_languages():
    import dataclasses

    data = problem([lot("a", 10_000)], [supplier("s1", 1.0, 2_000)], [CandidateInput("a", "s1")],
                   social_economy_share_by_category={"cleaning": Target(0.5, hard=True)})
    labelled = dataclasses.replace(
        data, category_labels={"cleaning": ("Entretien ménager", "Cleaning services")})
    sol = solve(labelled)
    assert sol.status == "infeasible"
    (reason,) = [i for i in sol.infeasibility if "cleaning" in i.constraint]
    assert "social economy share of Cleaning services target of 50%" in reason.explanation
    assert "catégorie « Entretien ménager »" in reason.explanation_fr
