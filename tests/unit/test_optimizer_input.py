"""Frames -> OptimizerInput: lots, status quo, suppliers, candidates and prospects (no database)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

import optimizer
from procurement.matching import CandidateRules, locality_score
from procurement.optimizer_input import OptimizationFrames, PreparedInput, build_optimizer_input

MUNICIPALITIES = pd.DataFrame(
    [("37067", "dr:37", "04"), ("36033", "dr:36", "04"), ("43027", "dr:43", "05")],
    columns=["code", "mrc", "region"],
)


def frames() -> OptimizationFrames:
    lines = pd.DataFrame(
        [
            ("entretien_menager", None, Decimal("30000.00"), 1),  # a local SE incumbent
            ("entretien_menager", None, Decimal("10000.00"), None),
            ("entretien_menager", None, Decimal("-5000.00"), None),  # a credit nets
            ("voirie", "C-12", Decimal("200000.00"), 3),  # an inactive supplier: market
            ("traiteur_alimentation", None, Decimal("8000.00"), 2.0),  # a float id
        ],
        columns=["category_code", "contract_ref", "amount", "incumbent"],
    )
    suppliers = pd.DataFrame(
        [
            (1, "Ménage local", "37067", True, None, None, {}, False),
            (2, "Traiteur Shawinigan", "36033", True, 2_000_000, None, {"premium_pct": 0.05},
             True),
            (3, "Voirie fermée", "37067", False, None, None, {}, False),
            (4, "Perce-Neige", "37067", True, None, None, {}, False),
        ],
        columns=["key", "name", "municipality_code", "active", "capacity_cents",
                 "service_area", "score_overrides", "reserved_eligible"],
    )
    capabilities = pd.DataFrame(
        [
            ("1", "entretien_menager", 0.9, "activity", None, "'ménage' in activity"),
            ("2", "traiteur_alimentation", 0.85, "activity", None, "'repas' in activity"),
            ("2", "entretien_menager", 0.6, "sector", None, "sector 'x'"),
            ("3", "voirie", 0.9, "activity", None, "'voirie' in activity"),
            ("4", "entretien_menager", 0.75, "name", None, "'neige' in name"),
        ],
        columns=["supplier_key", "category_code", "confidence", "evidence", "decision",
                 "reason"],
    )
    return OptimizationFrames(org_code="37067", lines=lines, suppliers=suppliers,
                              capabilities=capabilities, municipalities=MUNICIPALITIES)


def build(**rules: Any) -> PreparedInput:
    return build_optimizer_input(
        frames(), scenario=optimizer.ScenarioInput(), bands=optimizer.RegulatoryBands(),
        rules=CandidateRules(**rules),
        default_capacity_cents=15_000_000,
        category_labels={"voirie": ("Voirie", "Roads")})


def test_lines_become_lots_with_their_status_quo() -> None:
    prepared = build()
    lots = {lot.key: lot for lot in prepared.input.lots}
    assert set(lots) == {"cat:entretien_menager", "contract:C-12", "cat:traiteur_alimentation"}
    cleaning = lots["cat:entretien_menager"]
    assert cleaning.value_cents == 3_500_000
    assert cleaning.status_quo_se_cents == 3_000_000
    assert cleaning.status_quo_local_cents == 3_000_000
    assert cleaning.status_quo_impact_per_dollar > 0
    # An inactive registry supplier is today's market, not social economy spending.
    assert lots["contract:C-12"].status_quo_se_cents == 0
    assert lots["contract:C-12"].status_quo_impact_per_dollar == 0
    # A Shawinigan incumbent is social economy but not local to Trois-Rivières.
    catering = lots["cat:traiteur_alimentation"]
    assert catering.status_quo_se_cents == 800_000 and catering.status_quo_local_cents == 0


def test_candidates_come_from_the_pipeline_with_evidence_at_the_minimum() -> None:
    prepared = build()
    pairs = {(c.lot_key, c.supplier_key): c for c in prepared.input.candidates}
    assert set(pairs) == {("cat:entretien_menager", "1"), ("cat:traiteur_alimentation", "2")}
    assert pairs[("cat:entretien_menager", "1")].is_local
    assert pairs[("cat:entretien_menager", "1")].premium_pct == pytest.approx(0.03)
    assert pairs[("cat:traiteur_alimentation", "2")].premium_pct == pytest.approx(0.05)
    assert pairs[("cat:traiteur_alimentation", "2")].locality_score == locality_score(
        "same_region")
    prospects = prepared.prospects
    assert prospects[["lot_key", "supplier_key", "capability_evidence"]].values.tolist() == [
        ["cat:entretien_menager", "2", "sector"], ["cat:entretien_menager", "4", "name"]]
    assert prepared.capability("cat:entretien_menager", "1")["capability_evidence"] == (
        "activity")


def test_only_candidate_suppliers_enter_with_their_capacity_or_the_default() -> None:
    prepared = build()
    suppliers = {s.key: s for s in prepared.input.suppliers}
    assert set(suppliers) == {"1", "2"}
    assert suppliers["1"].capacity_cents == 15_000_000
    assert suppliers["2"].capacity_cents == 2_000_000 and suppliers["2"].reserved_eligible
    assert prepared.input.category_labels["voirie"] == ("Voirie", "Roads")


def test_a_weaker_minimum_turns_prospects_into_candidates() -> None:
    prepared = build(min_capability_evidence="name")
    pairs = {(c.lot_key, c.supplier_key) for c in prepared.input.candidates}
    assert {("cat:entretien_menager", "2"), ("cat:entretien_menager", "4")} <= pairs
    assert prepared.prospects.empty
    assert optimizer.solve(prepared.input).status == "optimal"


def test_the_input_solves() -> None:
    solution = optimizer.solve(build().input)
    assert solution.status == "optimal"
    awarded = {a.supplier_key for a in solution.allocations if a.amount_cents}
    assert "4" not in awarded
