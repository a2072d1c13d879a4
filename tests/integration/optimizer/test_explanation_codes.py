"""Explanations are codes and values that a catalogue says in one language, no model names."""

from __future__ import annotations

import dataclasses

import numpy as np

from optimizer import CandidateInput, Target, solve
from optimizer.examples import PLAIN_BANDS, lot, problem, supplier, with_scenario
from optimizer.explain import significant
from optimizer.solve import DUST_CENTS
from procurement import explanation_messages


def _budget_and_capacity():
    sups = [supplier("s1", 1.0, capacity=3_000), supplier("s2", 0.5)]
    cands = [CandidateInput("a", "s1", 0.0), CandidateInput("a", "s2", 0.05)]
    return problem([lot("a", 10_000)], sups, cands, budget_increase_pct=0.01)


def test_binding_limits_carry_a_code_and_the_values_of_their_sentence():
    sol = solve(with_scenario(_budget_and_capacity(), solver="cbc"))
    by_code = {b.code: b for b in sol.binding}
    assert {"budget_binds", "capacity_binds"} <= set(by_code)
    budget = by_code["budget_binds"].params
    assert budget["budget"] == 10_100 and budget["current"] == 10_000
    assert budget["effect"] == "points" and budget["gain_per_1000"] > 0
    assert by_code["capacity_binds"].params["capacity"] == 3_000


def test_explanations_render_in_one_language_without_constraint_names():
    sol = solve(with_scenario(_budget_and_capacity(), solver="cbc"))
    for item in sol.binding:
        mapping = explanation_messages.as_mapping(item)
        french = explanation_messages.render_explanation(mapping, "CAD", "fr")
        assert "__" not in french and "sup_" not in french
        assert "budget" in french.lower() or "capacité" in french
    capacity = next(b for b in sol.binding if b.code == "capacity_binds")
    text = explanation_messages.render_explanation(
        explanation_messages.as_mapping(capacity), "CAD", "en", lambda s: {
            "Le fournisseur %(supplier)s est à pleine capacité (%(capacity)s par an).":
                "Supplier %(supplier)s is at capacity (%(capacity)s a year)."}.get(s, s))
    assert text.startswith("Supplier Coop s1 is at capacity ($3,000 a year).")


def test_a_missed_target_is_said_with_the_category_name_and_the_missing_dollars():
    item = {"code": "target_missed", "params": {
        "target": "target_se_share_category", "category": "informatique", "share": 0.3,
        "reach": 0.224, "missing": 12_345.6}}
    text = explanation_messages.render_explanation(
        item, "CAD", "fr", category_name=lambda code: "Informatique")
    assert text == ("La cible de part à l'économie sociale de la catégorie « Informatique » "
                    "de 30\u00a0% n'est pas atteinte : la proposition atteint 22,4\u00a0% ; "
                    "il manque 12\u00a0346\u00a0$ de dépenses.")


def test_the_gap_a_limit_closes_is_rounded_to_what_the_dual_can_tell():
    assert significant(1_001.3) == 1_000
    assert significant(12_345) == 12_000
    item = {"code": "capacity_binds", "params": {"supplier": "Coop", "capacity": 150_000,
                                                 "effect": "gap", "closed_per_1000": 1_000}}
    text = explanation_messages.render_explanation(item, "CAD", "fr")
    assert "1\u00a0001" not in text
    assert text.endswith("Relâcher cette limite de 1\u00a0000\u00a0$ réduirait d'environ "
                         "1\u00a0000\u00a0$ l'écart de la cible non atteinte.")


def test_a_missed_target_infeasibility_has_a_code():
    data = problem([lot("a", 10_000)], [supplier("s1", 1.0, capacity=2_000)],
                   [CandidateInput("a", "s1")], social_economy_share=Target(0.3, hard=True))
    (cause,) = solve(data).infeasibility
    assert cause.code == "target_unreachable"
    assert cause.params["target"] == "target_se_share" and cause.params["share"] == 0.3


def test_two_suppliers_capped_by_rotation_leave_no_piece_under_one_dollar():
    # Three invitation-band lots of one category, two capable suppliers each capped at
    # half the group by rotation: the margins' cents must not become a 0.12 $ award.
    lots = [lot("c1", 48_398.60, category="traiteur"),
            lot("c2", 62_062.76, category="traiteur"),
            lot("c3", 46_459.90, category="traiteur")]
    sups = [supplier("s1", 1.0), supplier("s2", 0.9), supplier("s3", 0.2)]
    cands = [CandidateInput(k, s) for k in ("c1", "c2", "c3") for s in ("s1", "s2", "s3")]
    bands = dataclasses.replace(PLAIN_BANDS, rotation_required=True)
    data = problem(lots, sups, cands, bands, budget_increase_pct=0.5)
    sol = solve(data)
    assert sol.ok and not sol.violations
    amounts = np.array([a.amount_cents for a in sol.allocations])
    assert (amounts >= DUST_CENTS).all(), sol.allocations
