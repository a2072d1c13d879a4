"""Two registry records are one organisation on one identifier, or on an uncontradicted name."""

from __future__ import annotations

from procurement.matching.identity import agreement, contradiction, country_of, identifiers

QUEBEC = {"name": "LES AMIS DU JARDIN", "neq": "1145476769", "postal_code": "G9A 5L2",
          "municipality": "Trois-Rivières"}
DINAN = {"name": "ASSOC LES AMIS DU JARDIN", "siret": "49448224300065", "country": "FR",
         "postal_code": "22100", "municipality": "Dinan"}


def test_a_quebec_record_and_a_french_one_of_the_same_name_contradict_on_country() -> None:
    assert country_of(QUEBEC) == "CA"  # from its NEQ, though no country was stated
    assert contradiction(DINAN, QUEBEC) == "country"


def test_two_neqs_contradict_a_name_match() -> None:
    other = {**QUEBEC, "neq": "1177742575"}
    assert contradiction(other, QUEBEC) == "neq"


def test_two_sirets_contradict_but_a_siret_and_nothing_do_not() -> None:
    assert contradiction(DINAN, {**DINAN, "siret": "88273488200013"}) == "siret"
    assert contradiction(DINAN, {k: v for k, v in DINAN.items() if k != "siret"}) is None


def test_a_different_postal_code_contradicts_and_a_shared_one_settles_the_place() -> None:
    assert contradiction({**QUEBEC, "postal_code": "G8T 2T2"}, QUEBEC) == "postal_code"
    spelled = {**QUEBEC, "municipality": "TROIS-RIVIÈRES (QUÉBEC)", "postal_code": "g9a5l2"}
    assert contradiction(spelled, QUEBEC) is None


def test_without_postal_codes_municipalities_decide() -> None:
    bare = {"name": "Coop X", "municipality": "Shawinigan"}
    assert contradiction(bare, {"name": "Coop X", "municipality": "La Tuque"}) == "municipality"
    assert contradiction(bare, {"name": "Coop X", "municipality": "SHAWINIGAN (Québec)"}) is None
    assert contradiction(bare, {"name": "Coop X"}) is None


def test_a_siren_kept_in_other_id_is_an_identifier_of_a_french_record_only() -> None:
    assert identifiers({"other_id": "563696251", "country": "FR"}) == {"siren": "563696251"}
    assert identifiers({"other_id": "563696251", "country": "CA"}) == {}


def test_uk_records_are_british_by_their_numbers_or_postcode() -> None:
    assert country_of({"company_number": "04512367"}) == "GB"
    assert country_of({"postal_code": "BD1 4AS"}) == "GB"
    assert country_of({"postal_code": "22100"}) is None


def test_agreement_prefers_the_same_postal_code() -> None:
    here = {"postal_code": "G9A 5L2", "municipality": "Trois-Rivières"}
    assert agreement(here, QUEBEC) > agreement(here, {**QUEBEC, "postal_code": None})
