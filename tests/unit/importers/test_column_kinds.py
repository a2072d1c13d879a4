"""What a column holds, as the mapping page shows it: date, amount, identifier or text."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from importers.headers import column_kind, column_samples


@pytest.mark.parametrize(("header", "values", "kind"), [
    ("Payé le", ["2024-03-15", "2024-03-20", None, "2024-04-02"], "date"),
    ("Quand", [dt.date(2024, 3, 15), dt.date(2024, 3, 20)], "date"),
    ("Combien", ["1 234,56", "250,00", "99,95"], "amount"),
    ("Net", ["12.50 $", "8 $"], "amount"),
    ("Transaction Number", ["1900203212", "1900203233"], "identifier"),
    ("NEQ", ["1140000001", "1140000002"], "identifier"),
    ("Code", ["A-102", "B-7"], "identifier"),
    ("Qui", ["Coop de nettoyage du Cap", "Imprimerie Durand"], "text"),
    ("Vide", [None, "", "  "], "text"),
])
def test_a_column_is_recognised_from_its_values(header: str, values: list[object],
                                                kind: str) -> None:
    assert column_kind(header, pd.Series(values, dtype=object)) == kind


def test_the_mapped_field_decides_the_kind() -> None:
    codes = pd.Series(["6234", "6235"], dtype=object)
    assert column_kind("Poste", codes, mapped_to="account_code") == "identifier"
    assert column_kind("Poste", codes, mapped_to="amount") == "amount"


def test_samples_are_the_first_different_non_blank_values() -> None:
    frame = pd.DataFrame({"Qui": [None, "A", "A", "B", "", "C", "D"],
                          "Combien": ["1,00", "2,50", None, None, None, None, None]},
                         dtype=object)
    samples = column_samples(["Qui", "Combien", "Absente"], frame)
    assert samples == {"Qui": {"values": ["A", "B", "C"], "kind": "text"},
                       "Combien": {"values": ["1,00", "2,50"], "kind": "amount"}}
