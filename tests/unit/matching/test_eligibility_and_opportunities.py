"""Eligible candidates per lot, unmet needs, locality scores."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from procurement.matching import (
    Municipality,
    MunicipalityDirectory,
    distance_km,
    eligible_candidates,
    load_taxonomy,
    locality_score,
    unmet_needs,
)

DIRECTORY = MunicipalityDirectory(
    [
        Municipality(
            "37067", "Trois-Rivières", "G9A5H3", "04", "Mauricie", "dr:37", "Francheville", 148469
        ),
        Municipality(
            "36033", "Shawinigan", "G9N6V3", "04", "Mauricie", "dr:36", "Shawinigan", 51561
        ),
        Municipality(
            "35027", "Saint-Tite", "G0X3H0", "04", "Mauricie", "mrc:350", "MRC Mékinac", 3762
        ),
        Municipality(
            "43027", "Sherbrooke", "J1H4G9", "05", "Estrie", "dr:43", "Sherbrooke", 172950
        ),
    ]
)


def suppliers() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("a", {"entretien_menager": 0.9}, "Trois-Rivières", None, None, None),
            ("b", ["entretien_menager"], "Shawinigan", None, True, None),
            ("c", {"entretien_menager": 0.4}, "Trois-Rivières", None, True, None),
            ("d", "entretien_menager;traiteur_alimentation", "Sherbrooke", None, True, None),
            ("e", ["entretien_menager"], "Sherbrooke", None, True, "province"),
            ("f", ["entretien_menager"], "Shawinigan", None, False, None),
            ("g", ["entretien_menager"], "Shawinigan", 0, True, None),
            ("h", ["entretien_menager"], "Saint-Tite", None, True, "municipality"),
        ],
        columns=["key", "categories", "municipality", "capacity_cents", "active", "service_area"],
    )


def test_candidates_serve_the_category_the_territory_and_have_capacity() -> None:
    lots = pd.DataFrame({"lot_key": ["L1", "L2"], "category_code": ["entretien_menager", "voirie"]})
    out = eligible_candidates(lots, suppliers(), "37067", DIRECTORY)
    assert list(out.columns) == ["lot_key", "supplier_key", "locality_level", "distance_km"]
    got = dict(zip(out["supplier_key"], out["locality_level"], strict=True))
    # c: weak category; d: other region; f: inactive; g: full; h: serves Saint-Tite only
    assert got == {"a": "same_municipality", "b": "same_region", "e": "same_province"}
    assert set(out["lot_key"]) == {"L1"}


def test_a_radius_service_area_uses_distances_when_known() -> None:
    sup = suppliers().iloc[[0]].assign(service_area=5, lat=46.35, lon=-72.55)
    lots = pd.DataFrame({"lot_key": ["L1"], "category_code": ["entretien_menager"]})
    near = eligible_candidates(lots, sup, "37067", DIRECTORY, org_lat=46.34, org_lon=-72.54)
    far = eligible_candidates(lots, sup, "37067", DIRECTORY, org_lat=45.40, org_lon=-71.89)
    assert len(near) == 1 and near.loc[0, "distance_km"] < 5
    assert far.empty


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
