"""Supplier names as finance systems write them are recognised in the registry, carefully."""

from __future__ import annotations

import pandas as pd
import pytest

from procurement.matching import match_incumbents

REGISTRY = pd.DataFrame(
    [
        ("req:1", "9123-4567 Québec inc.", "1171234567"),
        ("req:2", "Coopérative de solidarité Cent-Arts", "1160440000"),
        ("req:3", "Association chasse et pêche Bordure du Parc", "1140339996"),
        ("req:4", "Centre d'action bénévole de la Moraine de Saint-Tite", "1142222222"),
        ("req:5", "Centre d'action bénévole de la Moraine de Sainte-Thècle", "1143333333"),
        ("req:6", "Les Productions Théâtrales TGP", "1140875007"),
        ("dir:7", "Productions théâtrales TGP", None),
        ("req:8", "Association des retraités de Trois-Rivières inc.", "1145555555"),
    ],
    columns=["key", "name", "neq"],
)


def match(*names: str, ids: list[object] | None = None) -> pd.DataFrame:
    sup = pd.DataFrame({"supplier_name": list(names), "supplier_id": ids or [None] * len(names)})
    return match_incumbents(sup, REGISTRY)


def test_output_has_the_documented_columns() -> None:
    assert list(match("x").columns) == [
        "supplier_name",
        "supplier_id",
        "registry_key",
        "confidence",
        "method",
        "reason",
        "decision",
    ]


def test_identifier_wins_over_a_different_name() -> None:
    out = match("Théâtre TGP", ids=["114-087-5007"])
    assert out.loc[0, ["registry_key", "method", "decision"]].tolist() == [
        "req:6",
        "identifier",
        "auto",
    ]


def test_numbered_company_matches_on_its_number_only() -> None:
    out = match("9123-4567 QUEBEC INC", "9123-4568 QUEBEC INC")
    assert out.loc[0, "registry_key"] == "req:1" and out.loc[0, "decision"] == "auto"
    assert out.loc[1, "decision"] == "none"


@pytest.mark.parametrize(
    "name",
    [
        "CENT-ARTS COOP",
        "COOP DE SOLIDARITE CENT ARTS",
        "Cent-Arts, coopérative de solidarité",
    ],
)
def test_legal_form_and_word_order_do_not_matter(name: str) -> None:
    out = match(name)
    assert out.loc[0, ["registry_key", "decision"]].tolist() == ["req:2", "auto"]


def test_ampersand_and_dropped_suffix() -> None:
    out = match("ASSOCIATION CHASSE & PECHE BORDURE DU PARC INC")
    assert out.loc[0, ["registry_key", "decision"]].tolist() == ["req:3", "auto"]


def test_truncated_name_matches_a_unique_prefix() -> None:
    out = match("ASSOCIATION CHASSE ET PECHE BO")  # cut at 30 characters
    assert out.loc[0, ["registry_key", "decision"]].tolist() == ["req:3", "auto"]


def test_truncated_name_shared_by_two_entries_goes_to_review() -> None:
    out = match("CENTRE D'ACTION BENEVOLE DE LA MORAINE DE S"[:30])
    assert out.loc[0, "decision"] == "review"


def test_a_similar_name_in_another_town_is_not_matched_automatically() -> None:
    out = match("Association des retraités de Rimouski inc.")
    assert out.loc[0, "decision"] != "auto"


def test_directory_duplicate_without_neq_resolves_to_the_enterprise_with_neq() -> None:
    out = match("PRODUCTIONS THEATRALES TGP")
    assert out.loc[0, ["registry_key", "decision"]].tolist() == ["req:6", "auto"]


def test_unrelated_names_are_not_matched() -> None:
    out = match("Bell Canada", "Hydro-Québec", "", None)  # type: ignore[arg-type]
    assert out["decision"].tolist() == ["none"] * 4
    assert out["registry_key"].isna().all()
