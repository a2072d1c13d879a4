"""Unmet needs, locality scores and distances (candidates: test_candidate_pipeline.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from procurement.matching import distance_km, load_taxonomy, locality_score, unmet_needs


def test_locality_scores_are_ordered_and_bounded() -> None:
    levels = ["same_municipality", "same_mrc", "same_region", "same_province", "outside"]
    scores = [locality_score(level) for level in levels]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert locality_score("same_region", 5.0) > locality_score("same_region", 80.0)
    assert locality_score("same_mrc", 500.0) > locality_score("same_region", 0.0)


def test_haversine_distance_trois_rivieres_to_shawinigan() -> None:
    assert distance_km(46.343, -72.543, 46.566, -72.741) == pytest.approx(29.5, abs=1.5)
    assert math.isnan(distance_km(float("nan"), 0, 0, 0))


def test_unmet_needs_ranks_spend_without_local_candidates() -> None:
    taxonomy = load_taxonomy()
    spend = pd.DataFrame(
        {
            "category_code": [
                "deneigement",
                "traiteur_alimentation",
                "entretien_menager",
                "assurances",
                "autre",
            ],
            "amount_cents": [50_000_00, 90_000_00, 10_000_00, 99_000_00, 5_000_00],
        }
    )
    cands = pd.DataFrame({"category_code": ["entretien_menager"], "supplier_key": ["a"]})
    out = unmet_needs(spend, cands, taxonomy)
    assert out["category_code"].tolist() == ["traiteur_alimentation", "deneigement"]
    assert out["n_local_candidates"].tolist() == [0, 0]
    assert out.loc[0, "label_fr"] == "Traiteur et alimentation"
