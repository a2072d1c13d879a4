"""The candidate pipeline: territory, activity, capacity, locality and capability evidence."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from procurement.matching import (
    CandidateRules,
    candidate_pipeline,
    evidence_meets,
    locality_levels,
    locality_score,
)

ORG = "37067"  # Trois-Rivières
MUNICIPALITIES = pd.DataFrame(
    [
        ("37067", "dr:37", "04"),  # Trois-Rivières
        ("37235", "dr:37", "04"),  # a town of the same census division
        ("36033", "dr:36", "04"),  # Shawinigan: same region
        ("35027", "mrc:350", "04"),  # Saint-Tite: same region
        ("43027", "dr:43", "05"),  # Sherbrooke: another region
    ],
    columns=["code", "mrc", "region"],
)
CONFIRMED_AT = dt.datetime(2026, 11, 2, 14, 30, tzinfo=dt.UTC)
LOTS = pd.DataFrame({"lot_key": ["L1", "L2"], "category_code": ["entretien_menager", "voirie"]})


def suppliers() -> pd.DataFrame:
    rows = [
        # key, name, municipality_code, active, capacity_cents, service_area, premium_pct
        ("a", "Ménage Trois-Rivières", "37067", True, None, None, 0.10),
        ("b", "Coop Shawinigan", "36033", True, None, None, None),
        ("c", "Faible confiance", "37067", True, None, None, None),
        ("d", "Sherbrooke sans aire", "43027", True, None, None, None),
        ("e", "Sherbrooke province", "43027", True, None, "province", None),
        ("f", "Inactif", "36033", False, None, None, None),
        ("g", "Plein", "36033", True, 0, None, None),
        ("h", "Saint-Tite seulement", "35027", True, None, "municipality", None),
        ("i", "Perce-Neige (nom)", "37067", True, None, None, None),
        ("j", "Secteur du pôle", "37067", True, None, None, None),
        ("k", "Confirmé", "37067", True, None, None, None),
        ("l", "Rejeté", "37067", True, None, None, None),
        ("m", "Sans adresse", None, True, None, None, None),
        ("n", "Même division", "37235", True, None, None, None),
    ]
    return pd.DataFrame(rows, columns=["key", "name", "municipality_code", "active",
                                       "capacity_cents", "service_area", "premium_pct"])


def capabilities() -> pd.DataFrame:
    def cap(key: str, evidence: str, confidence: float = 0.85, decision: str | None = None,
            decided_by: str | None = None) -> tuple[object, ...]:
        return (key, "entretien_menager", confidence, evidence, decision,
                f"raison {key}", decided_by, CONFIRMED_AT if decided_by else None)

    rows = [cap(key, "activity") for key in "abdefghmn"]
    rows += [
        cap("c", "activity", confidence=0.2),
        cap("i", "name", confidence=0.75),
        cap("j", "sector", confidence=0.6),
        cap("k", "name", confidence=0.75, decision="confirmed", decided_by="Agnès Tremblay"),
        cap("l", "activity", decision="rejected", decided_by="Agnès Tremblay"),
    ]
    return pd.DataFrame(rows, columns=["supplier_key", "category_code", "confidence",
                                       "evidence", "decision", "reason", "decided_by",
                                       "decided_at"])


def run(**rules: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    found = candidate_pipeline(LOTS, suppliers(), capabilities(), MUNICIPALITIES, ORG,
                               CandidateRules(**rules))  # type: ignore[arg-type]
    return found.candidates, found.prospects


def test_candidates_are_active_with_capacity_in_their_service_area_and_trusted() -> None:
    candidates, _ = run()
    got = dict(zip(candidates["supplier_key"], candidates["locality_level"], strict=True))
    # c: confidence too low; d: another region; f: inactive; g: full; h: serves Saint-Tite
    # only; i, j: evidence too weak; l: rejected; m: no known place.
    assert got == {"a": "same_municipality", "b": "same_region", "e": "same_province",
                   "k": "same_municipality", "n": "same_mrc"}
    assert set(candidates["lot_key"]) == {"L1"}


def test_each_candidate_carries_locality_premium_evidence_and_reason() -> None:
    candidates, _ = run(assumed_premium_pct=0.03)
    row = candidates.set_index("supplier_key")
    assert row.loc["a", "premium_pct"] == pytest.approx(0.10)  # its own premium
    assert row.loc["b", "premium_pct"] == pytest.approx(0.03)  # the scenario's
    assert row.loc["a", "locality_score"] == locality_score("same_municipality")
    assert row.loc["e", "locality_score"] == locality_score("same_province")
    assert row["is_local"].to_dict() == {"a": True, "b": False, "e": False, "k": True,
                                         "n": True}
    assert row.loc["a", "capability_evidence"] == "activity"
    assert row.loc["a", "reason"] == "raison a"
    # A person's confirmation outranks the name it was inferred from, and says who and when.
    assert row.loc["k", "capability_evidence"] == "confirmed"
    assert row.loc["k", "decided_by"] == "Agnès Tremblay"
    assert row.loc["k", "decided_at"] == CONFIRMED_AT


def test_pairs_below_the_minimum_evidence_are_prospects_strongest_first() -> None:
    _, prospects = run()
    assert prospects[["lot_key", "supplier_key", "capability_evidence"]].values.tolist() == [
        ["L1", "j", "sector"], ["L1", "i", "name"]]
    assert prospects["name"].tolist() == ["Secteur du pôle", "Perce-Neige (nom)"]


def test_the_minimum_evidence_moves_pairs_between_candidates_and_prospects() -> None:
    by_name, none_left = run(min_capability_evidence="name")
    assert {"i", "j"} <= set(by_name["supplier_key"]) and none_left.empty
    by_sector, prospects = run(min_capability_evidence="sector")
    assert "j" in set(by_sector["supplier_key"]) and prospects["supplier_key"].tolist() == ["i"]
    confirmed_only, weaker = run(min_capability_evidence="confirmed")
    assert confirmed_only["supplier_key"].tolist() == ["k"]
    assert set(weaker["supplier_key"]) == {"a", "b", "e", "i", "j", "n"}


def test_a_rejected_pair_is_never_a_candidate_nor_a_prospect() -> None:
    for minimum in ("confirmed", "activity", "sector", "name"):
        candidates, prospects = run(min_capability_evidence=minimum)
        assert "l" not in set(candidates["supplier_key"]) | set(prospects["supplier_key"])


def test_prospects_are_capped_per_lot() -> None:
    _, prospects = run(min_capability_evidence="confirmed", max_prospects_per_lot=2)
    assert len(prospects) == 2


def test_a_radius_service_area_uses_distances_when_known() -> None:
    sup = suppliers().iloc[[0]].assign(service_area="5", lat=46.35, lon=-72.55)
    caps = capabilities().iloc[[0]]
    near = candidate_pipeline(LOTS, sup, caps, MUNICIPALITIES, ORG, org_lat=46.34,
                              org_lon=-72.54).candidates
    far = candidate_pipeline(LOTS, sup, caps, MUNICIPALITIES, ORG, org_lat=45.40,
                             org_lon=-71.89).candidates
    assert len(near) == 1 and near.loc[0, "distance_km"] < 5
    assert near.loc[0, "locality_score"] > locality_score("same_municipality", 50.0)
    assert far.empty


def test_the_fallback_category_is_not_a_capability() -> None:
    caps = capabilities().assign(category_code="autre", decision="confirmed")
    lots = pd.DataFrame({"lot_key": ["L9"], "category_code": ["autre"]})
    found = candidate_pipeline(lots, suppliers(), caps, MUNICIPALITIES, ORG)
    assert found.candidates.empty and found.prospects.empty


def test_locality_levels_compare_municipality_mrc_and_region() -> None:
    codes = pd.Series(["37067", "37235", "36033", "43027", None, "99999"])
    assert locality_levels(codes, MUNICIPALITIES, ORG).tolist() == [
        "same_municipality", "same_mrc", "same_region", "same_province", "unknown", "unknown"]


def test_evidence_is_ranked_confirmed_activity_sector_name() -> None:
    assert evidence_meets("confirmed", "activity") and evidence_meets("activity", "activity")
    assert not evidence_meets("sector", "activity") and not evidence_meets("name", "sector")
    assert not evidence_meets("guess", "sector") and evidence_meets("guess", "name")
    with pytest.raises(ValueError, match="min_capability_evidence"):
        CandidateRules(min_capability_evidence="hunch")
