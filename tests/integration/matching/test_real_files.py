"""Matching on the real public files: municipalities, registry, labelled sets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from procurement.data import REFERENCE_DIR
from procurement.matching import (
    MunicipalityDirectory,
    candidate_pipeline,
    categorize_lines,
    default_labels_dir,
    directory_frame,
    evaluate_categories,
    evaluate_incumbents,
    infer_supplier_categories,
    load_labels,
    load_registry_frames,
    load_taxonomy,
    match_incumbents,
    municipality_codes,
)


@pytest.fixture(scope="module")
def directory(realdata: Path) -> MunicipalityDirectory:
    return MunicipalityDirectory.from_csv(REFERENCE_DIR / "quebec-municipalities.csv")


@pytest.fixture(scope="module")
def registry(realdata: Path) -> pd.DataFrame:
    return load_registry_frames(REFERENCE_DIR)


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.mark.parametrize(
    "name", ["Trois-Rivières", "TROIS-RIVIERES", "Trois-Rivières (Québec)", "trois rivieres"]
)
def test_municipality_names_are_found_whatever_the_spelling(directory, name: str) -> None:
    found = directory.lookup(name)
    assert found is not None and found.mcode == "37067"


def test_st_and_saint_are_the_same_municipality(directory) -> None:
    assert directory.lookup("St-Tite") == directory.lookup("Saint-Tite")


def test_postal_code_is_a_fallback(directory) -> None:
    found = directory.lookup("Pointe-du-Lac (secteur)", "G9A 5K8")
    assert found is not None and found.name == "Trois-Rivières"


def test_trois_rivieres_and_shawinigan_share_a_region_not_an_mrc(directory) -> None:
    tr, sh = directory.lookup("Trois-Rivières"), directory.lookup("Shawinigan")
    assert tr.region == sh.region == "04"
    assert tr.mrc != sh.mrc
    assert directory.locality_level("Shawinigan", None, tr.mcode) == "same_region"
    assert (
        directory.locality_level("Trois-Rivières (Québec)", "G9A5K8", tr.mcode)
        == "same_municipality"
    )
    assert directory.locality_level("Sherbrooke", None, tr.mcode) == "same_province"
    assert directory.locality_level("Bradford", "BD1 1HX", tr.mcode) == "outside"
    assert directory.locality_level(None, None, tr.mcode) == "unknown"


def test_same_mrc_for_two_towns_of_mekinac(directory) -> None:
    st_tite = directory.lookup("Saint-Tite")
    assert directory.locality_level("Sainte-Thècle", None, st_tite.mcode) == "same_mrc"


def test_registry_frame_has_the_documented_columns(registry) -> None:
    assert list(registry.columns) == [
        "key",
        "name",
        "neq",
        "other_id",
        "postal_code",
        "municipality",
        "activity",
        "org_type",
        "legal_form",
        "sector",
        "lat",
        "lon",
    ]
    assert registry["key"].is_unique
    assert registry["neq"].dropna().str.fullmatch(r"\d{10}").all()


def test_supplier_categories_come_from_activity_name_and_sector(registry, taxonomy) -> None:
    cats = infer_supplier_categories(registry, taxonomy)
    assert list(cats.columns) == [
        "key", "category_code", "confidence", "evidence", "evidence_detail", "reason"]
    assert set(cats["evidence"]) <= {"activity", "sector", "name"}
    assert "autre" not in set(cats["category_code"])
    by_key = cats.groupby("key")["category_code"].apply(set)
    name_of = registry.set_index("key")["name"]
    cpe = [
        k for k, n in name_of.items() if str(n).upper().startswith("CENTRE DE LA PETITE ENFANCE")
    ]
    assert cpe and all("services_garde_education" in by_key.get(k, set()) for k in cpe)
    funeral = [k for k, n in name_of.items() if "funéraire" in str(n).lower()]
    assert funeral and all("services_funeraires" in by_key.get(k, set()) for k in funeral)
    assert cats["confidence"].between(0, 1).all()


def test_registry_suppliers_are_eligible_for_trois_rivieres_lots(
    registry, taxonomy, directory
) -> None:
    cats = infer_supplier_categories(registry, taxonomy, min_confidence=0.6)
    capabilities = cats.rename(columns={"key": "supplier_key"}).assign(evidence="activity")
    sup = registry.assign(municipality_code=municipality_codes(registry, directory))
    lots = pd.DataFrame(
        {
            "lot_key": ["culture", "garde"],
            "category_code": ["culture_evenements", "services_garde_education"],
        }
    )
    out = candidate_pipeline(lots, sup, capabilities, directory_frame(directory), "37067")
    assert set(out.candidates["lot_key"]) == {"culture", "garde"}
    assert set(out.candidates["locality_level"]) <= {"same_municipality", "same_mrc",
                                                     "same_region"}


def test_bradford_lines_are_categorized_end_to_end(realdata: Path, taxonomy) -> None:
    b = pd.read_csv(realdata / "bradford-spend-2019-08.csv", encoding="cp1252", dtype=str)
    lines = pd.DataFrame(
        {"expense_category": b["Expenditure category"], "account_code": b["Expenditure code"]}
    )
    out = categorize_lines(lines, taxonomy)
    assert len(out) == len(b)
    assert (out["category_code"] != "autre").mean() > 0.95


def test_bradford_suppliers_are_not_quebec_social_economy(realdata: Path, registry) -> None:
    b = pd.read_csv(realdata / "bradford-spend-2019-08.csv", encoding="cp1252", dtype=str)
    sup = b[["Supplier Name", "Supplier Number"]].drop_duplicates()
    sup.columns = ["supplier_name", "supplier_id"]
    out = match_incumbents(sup, registry)
    assert (out["decision"] == "auto").sum() == 0


def test_labelled_incumbents_meet_the_quality_goals(registry) -> None:
    labels = load_labels(default_labels_dir() / "incumbents.csv")
    assert 400 <= len(labels) <= 800
    result = evaluate_incumbents(labels, registry)
    assert result["precision"] >= 0.98
    assert result["recall"] >= 0.90


def test_labelled_categories_meet_the_quality_goal(taxonomy) -> None:
    labels = load_labels(default_labels_dir() / "categories.csv")
    assert len(labels) >= 300
    assert evaluate_categories(labels, taxonomy)["accuracy"] >= 0.85


def test_housing_and_financial_cooperatives_are_not_offered_as_suppliers(
    registry, taxonomy
) -> None:
    cats = infer_supplier_categories(registry, taxonomy)
    name_of = registry.set_index("key")["name"].astype(str)
    excluded = [k for k, n in name_of.items()
                if "coopérative d'habitation" in n.lower() or n.lower().startswith("caisse")]
    assert excluded
    assert cats[cats["key"].isin(excluded)].empty
