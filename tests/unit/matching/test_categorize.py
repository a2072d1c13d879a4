"""Spending lines get a category, a confidence, a method and a reason a clerk can read."""

from __future__ import annotations

import pandas as pd
import pytest

from procurement.matching import Rule, categorize, categorize_lines, confidence_band, load_taxonomy


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def frame(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["expense_category", "account_code", "description"])


def test_taxonomy_ships_bilingual_categories_with_a_catch_all(taxonomy) -> None:
    assert "autre" in taxonomy.categories
    assert len(taxonomy.categories) >= 30
    snow = taxonomy.categories["deneigement"]
    assert snow.label_fr == "Déneigement" and snow.se_relevant
    assert taxonomy.label("entretien_menager", "en").startswith("Cleaning")


def test_french_keywords_match_without_accents_or_case(taxonomy) -> None:
    out = categorize(frame(("", "", "CONTRAT DENEIGEMENT SECTEUR NORD")), taxonomy)
    assert out.loc[0, "category_code"] == "deneigement"
    assert out.loc[0, "method"] == "keyword"
    assert "déneigement" in out.loc[0, "reason"]


def test_english_finance_categories_match_abbreviations(taxonomy) -> None:
    out = categorize(
        frame(
            ("Grounds Maintenance", "", ""),
            ("Trng Soft Skills", "", ""),
            ("Refuse Services", "", ""),
        ),
        taxonomy,
    )
    assert out["category_code"].tolist() == [
        "amenagement_paysager",
        "formation",
        "collecte_recyclage",
    ]


def test_keywords_match_whole_words_only(taxonomy) -> None:
    # "neige" must not be found inside "neigeux"-like longer words, nor "ti" inside "petit".
    out = categorize(frame(("", "", "Achat petit outillage")), taxonomy)
    assert out.loc[0, "category_code"] == "vehicules_equipement"


def test_plurals_match_singular_keywords(taxonomy) -> None:
    out = categorize(frame(("", "", "Chaises pliantes"), ("", "", "Uniformes")), taxonomy)
    assert out["category_code"].tolist() == ["mobilier", "vetements_travail"]


def test_clerk_rules_win_with_full_confidence(taxonomy) -> None:
    rules = [Rule("description", "Entretien patinoire", "loisirs_animation", "confirmed by marie")]
    out = categorize(frame(("Entretien ménager", "", "ENTRETIEN PATINOIRE")), taxonomy, rules)
    assert out.loc[0, "category_code"] == "loisirs_animation"
    assert out.loc[0, "confidence"] == 1.0
    assert out.loc[0, "method"] == "rule"
    assert "confirmed by marie" in out.loc[0, "reason"]


def test_account_code_rule_applies_to_every_line_with_that_account(taxonomy) -> None:
    rules = [Rule("account_code", "02-701-50-447", "loisirs_animation", "confirmed by luc")]
    out = categorize(
        frame(("Divers", "02-701-50-447", "x"), ("Divers", "02 701 50 447", "y")), taxonomy, rules
    )
    assert set(out["method"]) == {"rule"}


def test_mamh_account_object_gives_a_category_when_text_says_nothing(taxonomy) -> None:
    out = categorize(frame(("", "02-330-00-443", "Facture 1234")), taxonomy)
    assert out.loc[0, "category_code"] == "deneigement"
    assert out.loc[0, "method"] == "account_code"


def test_confirmed_similar_description_is_reused(taxonomy) -> None:
    rules = [
        Rule(
            "description",
            "Contrat Gestion Parc Linéaire Nord",
            "loisirs_animation",
            "confirmed by ana",
        )
    ]
    out = categorize(frame(("", "", "Contrat gestion parc linéaire sud")), taxonomy, rules)
    assert out.loc[0, "method"] == "similar_confirmed"
    assert out.loc[0, "category_code"] == "loisirs_animation"


def test_typos_fall_back_to_fuzzy_and_go_to_review(taxonomy) -> None:
    out = categorize(frame(("", "", "Deneigment")), taxonomy)
    assert out.loc[0, "method"] == "fuzzy"
    assert out.loc[0, "category_code"] == "deneigement"
    assert confidence_band(out.loc[0, "confidence"]) == "low"


def test_unknown_text_is_other_with_zero_confidence(taxonomy) -> None:
    out = categorize(frame(("", "", "Facture 2024-118")), taxonomy)
    assert out.loc[0, ["category_code", "method", "confidence"]].tolist() == ["autre", "none", 0.0]


def test_rules_to_unknown_categories_are_refused(taxonomy) -> None:
    with pytest.raises(ValueError):
        categorize(frame(("a", "", "")), taxonomy, [Rule("expense_category", "a", "nope", "x")])


def test_categorize_lines_spreads_distinct_results_back(taxonomy) -> None:
    lines = pd.DataFrame(
        {
            "expense_category": ["Printing", None, "Printing", "Insurance"] * 50,
            "description": ["Leaflets", "Déneigement", "Leaflets", None] * 50,
            "amount": range(200),
        }
    )
    out = categorize_lines(lines, taxonomy)
    assert len(out) == 200
    assert out["amount"].tolist() == list(range(200))
    assert out["category_code"].tolist()[:4] == [
        "impression_graphisme",
        "deneigement",
        "impression_graphisme",
        "assurances",
    ]


def test_confidence_bands() -> None:
    assert confidence_band(0.9) == "high"
    assert confidence_band(0.7) == "medium"
    assert confidence_band(0.5) == "low"
