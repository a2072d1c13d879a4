"""The re-check and the comparison work on plain solutions (no solver)."""

from __future__ import annotations

import numpy as np

from optimizer import AllocationResult, CandidateInput, Solution, Target, check_solution, compare
from optimizer.examples import lot, problem, supplier
from optimizer.model import prepare
from optimizer.solve import round_to_cents

DATA = problem([lot("a", 10_000), lot("big", 200_000)], [supplier("s1", 1.0, capacity=5_000)],
               [CandidateInput("a", "s1", 0.05), CandidateInput("big", "s1")],
               budget_increase_pct=0.01, social_economy_share=Target(0.5, hard=True))


def proposal(*lines):
    return Solution("optimal", 0.0, 0.0, tuple(AllocationResult(*x) for x in lines), {})


def test_a_proposal_breaking_every_rule_gets_every_violation():
    sol = proposal(("a", "s1", 900_000, "invitation"), ("a", None, 50_000, "status_quo"),
                   ("big", "s1", 20_000_000, "direct"))
    names = {v.constraint.split("__")[0] for v in check_solution(DATA, sol)}
    assert {"coverage", "capacity", "tender", "route"} <= names


def test_a_hard_target_missed_is_a_violation():
    sol = proposal(("a", None, 1_000_000, "status_quo"),
                   ("big", None, 20_000_000, "tender_with_social_clauses"))
    assert [v.constraint for v in check_solution(DATA, sol)] == ["target_se_share"]


def test_a_valid_proposal_has_no_violation():
    data = problem([lot("a", 10_000)], [supplier("s1", 1.0)], [CandidateInput("a", "s1", 0.05)],
                   budget_increase_pct=0.01)
    sol = proposal(("a", "s1", 200_000, "direct"), ("a", None, 800_000, "status_quo"))
    assert check_solution(data, sol) == []


def test_rounding_covers_every_lot_to_the_cent():
    d = prepare(DATA)
    values = np.array([3333.3333, 6666.6667, 200_000.0])[: len(d.opt_lot)]
    cents = round_to_cents(d, values, integer=False)
    per_lot = np.bincount(d.opt_lot, weights=cents)
    assert per_lot.tolist() == d.lot_value_cents.tolist()


def test_compare_reports_moves_line_by_line():
    a = proposal(("a", None, 1_000_000, "status_quo"))
    b = proposal(("a", None, 400_000, "status_quo"), ("a", "s1", 600_000, "direct"))
    rows = compare(a, b).rows
    assert [(r.supplier_key, r.delta_cents) for r in rows] == [(None, -600_000), ("s1", 600_000)]
