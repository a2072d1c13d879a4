"""Explanations and the impact formula in Quebec French, next to the English ones."""

from __future__ import annotations

import pytest

from optimizer import CandidateInput, Explanation, Infeasibility, Target, solve
from optimizer.examples import lot, problem, supplier
from optimizer.explain import money_fr, number_fr, share_fr
from optimizer.impact import DEFAULT_WEIGHTS, impact_formula_fr

NBSP = "\u00a0"


def fr(text: str) -> str:
    """Write French typography in tests with plain spaces before "$", "%" and in thousands."""
    return text.replace(NBSP, " ")


@pytest.mark.parametrize(("dollars", "expected"), [
    (1000, "1 000 $"), (123_456.4, "123 456 $"), (999, "999 $"), (-2500, "-2 500 $")])
def test_money_is_written_the_quebec_way(dollars: float, expected: str) -> None:
    assert fr(money_fr(dollars)) == expected


def test_numbers_and_shares_use_a_decimal_comma() -> None:
    assert fr(number_fr(12_345.67, 2)) == "12 345,67"
    assert fr(share_fr(0.3)) == "30 %"
    assert fr(share_fr(0.224, 1)) == "22,4 %"
    assert fr(share_fr(0.01, 1, signed=True)) == "+1,0 %"
    assert fr(share_fr(-0.1, 1, signed=True)) == "-10,0 %"


def test_a_binding_budget_and_capacity_are_explained_in_french() -> None:
    sups = [supplier("s1", 1.0, capacity=3_000), supplier("s2", 0.5)]
    cands = [CandidateInput("a", "s1", 0.0), CandidateInput("a", "s2", 0.05)]
    sol = solve(problem([lot("a", 10_000)], sups, cands, budget_increase_pct=0.01))
    assert sol.status == "optimal"
    kinds = {b.constraint: b for b in sol.binding}
    budget, capacity = kinds["budget"], kinds["capacity__sup_s1"]
    assert fr(budget.explanation_fr) == (
        "Le budget limite le virage : la proposition peut coûter au plus 10 100 $ (+1,0 % "
        "par rapport aux dépenses actuelles de 10 000 $); chaque tranche additionnelle de "
        "1 000 $ de budget ajouterait 10 000 points d'impact.")
    assert fr(capacity.explanation_fr) == (
        "Le fournisseur Coop s1 est à pleine capacité (3 000 $ par an) : chaque tranche "
        "additionnelle de 1 000 $ de capacité ajouterait 1 000 points d'impact.")
    # The English twin is unchanged.
    assert "Coop s1 is at capacity ($3,000 a year)" in capacity.explanation


def test_an_indivisible_estimate_says_how_it_was_measured_in_french() -> None:
    data = problem([lot("a", 10_000), lot("b", 8_000)], [supplier("s1", 1.0, capacity=15_000)],
                   [CandidateInput("a", "s1"), CandidateInput("b", "s1")], mode="indivisible")
    (cap,) = [b for b in solve(data).binding if b.kind == "capacity"]
    assert fr(cap.explanation_fr).startswith(
        "Le fournisseur Coop s1 est à pleine capacité (15 000 $ par an) : chaque tranche "
        "additionnelle de 1 000 $ de capacité ajouterait ")
    assert "(estimation par une nouvelle résolution avec 3 000 $ de plus)." in fr(
        cap.explanation_fr)


def test_an_infeasible_target_is_stated_in_french_with_french_numbers() -> None:
    data = problem([lot("a", 12_345.67)], [supplier("s1", 1.0, capacity=2_000)],
                   [CandidateInput("a", "s1")], social_economy_share=Target(0.3, hard=True))
    sol = solve(data)
    assert sol.status == "infeasible"
    (cause,) = sol.infeasibility
    # 30 % of 12 345,67 $ is 3 703,70 $; 2 000 $ (16,2 %) is reachable: 1 704 $ short.
    assert fr(cause.explanation_fr) == (
        "La cible de part à l'économie sociale de 30 % ne peut être atteinte : au plus "
        "16,2 % est atteignable avec la capacité des fournisseurs admissibles, le budget et "
        "les autres règles; écart de 13,8 points (1 704 $).")
    assert "target of 30% cannot be met" in cause.explanation


def test_a_budget_too_small_and_a_missed_soft_target_are_stated_in_french() -> None:
    too_small = solve(problem([lot("a", 10_000)], [supplier("s1", 1.0)],
                              [CandidateInput("a", "s1", 0.05)], budget_increase_pct=-0.10))
    assert fr(too_small.infeasibility[0].explanation_fr) == (
        "Le budget de 9 000 $ ne peut couvrir les besoins selon les règles obligatoires : la "
        "proposition la moins chère coûte 10 000 $, soit 1 000 $ de plus.")
    missed = solve(problem([lot("a", 10_000)], [supplier("s1", 1.0, capacity=2_000)],
                           [CandidateInput("a", "s1")],
                           local_share=Target(0.25, hard=False)))
    (soft,) = missed.infeasibility
    assert not soft.hard
    assert fr(soft.explanation_fr).startswith(
        "La cible de part locale de 25 % n'est pas atteinte : la proposition atteint ")


def test_the_impact_formula_has_a_french_twin() -> None:
    assert impact_formula_fr(DEFAULT_WEIGHTS) == (
        "points d'impact par dollar = 0,35 × intégration au travail + 0,30 × proximité + "
        "0,20 × gouvernance démocratique + 0,15 × environnement (scores de 0 à 1; le score "
        "de proximité peut être fixé par lot pour la municipalité concernée)")
    data = problem([lot("a", 1_000)], [supplier("s1", 1.0)], [CandidateInput("a", "s1")])
    assert solve(data).formula_fr == impact_formula_fr(data.scenario.weights)


def test_old_constructors_still_work_without_french() -> None:
    assert Explanation("budget", "The budget binds.").explanation_fr == ""
    assert Infeasibility("budget", "Too small.", 100, None, None, 200, True).explanation_fr == ""
