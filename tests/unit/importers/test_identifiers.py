"""Registry identifiers, activity codes, countries and postal codes read as clerks type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from importers.identifiers import (
    header_language,
    luhn_ok,
    normalize_activity_code,
    normalize_charity_number,
    normalize_company_number,
    normalize_country,
    normalize_postal_code_for,
    normalize_siren,
    normalize_siret,
    postal_code_country,
)


@pytest.mark.parametrize(("cell", "expected"), [
    ("732 829 320 00074", "73282932000074"),
    ("73282932000074", "73282932000074"),
    (73282932000074.0, "73282932000074"),
    ("732.829.320.00074", "73282932000074"),
    ("7,32829E+13", None),  # a spreadsheet turned it into a rounded number
    ("7328293200007", None),
    ("732829320", None),
    ("NA", None),
])
def test_a_siret_is_fourteen_digits_whatever_the_spacing(cell: object,
                                                         expected: str | None) -> None:
    assert normalize_siret(cell) == expected


def test_a_siren_is_nine_digits() -> None:
    assert normalize_siren("732 829 320") == "732829320"
    assert normalize_siren("73282932000074") is None


def test_the_luhn_check_finds_a_wrong_digit() -> None:
    assert luhn_ok("73282932000074") and luhn_ok("732829320")
    assert not luhn_ok("73282932000075")


@given(st.integers(min_value=10**8, max_value=10**9 - 1), st.integers(0, 8))
def test_changing_one_digit_of_a_valid_siren_breaks_its_check(siren: int, position: int) -> None:
    text = str(siren)
    for last in "0123456789":
        if luhn_ok(text[:-1] + last):
            valid = text[:-1] + last
            break
    digit = (int(valid[position]) + 1) % 10
    changed = valid[:position] + str(digit) + valid[position + 1:]
    assert not luhn_ok(changed)


@pytest.mark.parametrize(("cell", "expected"), [
    ("04512367", "04512367"), ("4512367", "04512367"), (4512367.0, "04512367"),
    ("SC456789", "SC456789"), ("sc 45678", "SC045678"), ("123456789", None), ("ABC", None),
])
def test_a_company_number_gets_its_leading_zeros_back(cell: object, expected: str | None) -> None:
    assert normalize_company_number(cell) == expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("1098765", "1098765"), ("1034567-1", "1034567-1"), ("SC012345", "SC012345"),
    (1098765.0, "1098765"), ("abc123", None),
])
def test_charity_numbers_of_england_wales_and_scotland(cell: object,
                                                       expected: str | None) -> None:
    assert normalize_charity_number(cell) == expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("81.30Z", "81.30Z"), ("8130Z", "81.30Z"), ("81.30 z", "81.30Z"),
    ("81.30Z - Services d'aménagement paysager", "81.30Z"),
    ("81300 - Landscape service activities", "81300"), (81300.0, "81300"),
    ("561730", "561730"), ("88.10B; 81.21Z", "88.10B"), ("NC", None), ("Nettoyage", None),
])
def test_activity_codes_naf_sic_and_scian(cell: object, expected: str | None) -> None:
    assert normalize_activity_code(cell) == expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("France", "FR"), ("FRA", "FR"), ("fr", "FR"), ("Royaume-Uni", "GB"), ("England", "GB"),
    ("UK", "GB"), ("Canada", "CA"), ("Québec", "CA"), ("Belgique", "BE"), ("Atlantis", None),
])
def test_countries_by_name_or_code(cell: str, expected: str | None) -> None:
    assert normalize_country(cell) == expected


def test_postal_codes_take_their_country_form() -> None:
    assert normalize_postal_code_for("6000", "FR") == ("06000", True)
    assert normalize_postal_code_for("69003 CEDEX", "FR") == ("69003", True)
    assert normalize_postal_code_for("75 011", "FR") == ("75011", True)
    assert normalize_postal_code_for("G9A5K8", "CA") == ("G9A 5K8", True)
    assert normalize_postal_code_for("hx1 1uz", "GB") == ("HX1 1UZ", True)
    assert normalize_postal_code_for("G8Y5GY", "CA") == ("G8Y5GY", False)
    assert normalize_postal_code_for("1000", None) == ("1000", True)


def test_five_digits_tell_france_only_in_a_french_file() -> None:
    assert postal_code_country("22100", "fr") == "FR"
    assert postal_code_country("22100", "en") is None
    assert postal_code_country("G9A 5K8", None) == "CA"
    assert postal_code_country("BD1 4AS", None) == "GB"


def test_the_language_of_a_file_comes_from_its_header_words() -> None:
    assert header_language(["Raison sociale", "SIRET", "Ville", "Code postal"]) == "fr"
    assert header_language(["Organisation name", "Company number", "Town", "Postcode"]) == "en"
    assert header_language(["X", "Y"]) is None


@given(st.text(alphabet="0123456789", min_size=14, max_size=14),
       st.lists(st.sampled_from([" ", ".", "\u00a0", ""]), min_size=13, max_size=13))
def test_a_siret_with_any_separators_between_its_digits_reads_back(
        digits: str, separators: list[str]) -> None:
    typed = "".join(d + s for d, s in zip(digits, [*separators, ""], strict=True))
    assert normalize_siret(typed) == digits
