"""The neutralising cell writer: no formula, no leading trigger, text round-trips."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from procurement.exports.cells import (
    FORMULA_TRIGGERS,
    append_row,
    csv_document,
    csv_text,
    restore_text,
    workbook_text,
)

texts = st.one_of(
    st.text(max_size=40),
    st.builds(lambda head, tail: head + tail, st.sampled_from([*FORMULA_TRIGGERS, "'"]),
              st.text(max_size=20)),
)
amounts = st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False)


@settings(deadline=None)
@given(texts)
def test_a_csv_cell_never_starts_with_a_trigger_and_restores_the_text(text: str) -> None:
    cell = csv_text(text)
    assert not cell.startswith(FORMULA_TRIGGERS)
    assert restore_text(cell) == text


@settings(deadline=None)
@given(st.lists(st.tuples(texts, amounts), min_size=1, max_size=5))
def test_a_csv_document_round_trips_text_and_keeps_numbers(rows: list[tuple[str, Decimal]]) -> None:
    content = csv_document(["Nom", "Montant"], rows).decode("utf-8-sig")
    read = list(csv.reader(io.StringIO(content, newline="")))[1:]
    assert [(restore_text(name), Decimal(amount)) for name, amount in read] == rows


@settings(deadline=None)
@given(st.lists(st.tuples(texts, amounts), min_size=1, max_size=5))
def test_a_workbook_cell_is_text_never_a_formula_and_numbers_stay_numbers(
        rows: list[tuple[str, Decimal]]) -> None:
    book = Workbook()
    sheet = book.active
    for name, amount in rows:
        append_row(sheet, [name, amount])
    buffer = io.BytesIO()
    book.save(buffer)
    loaded = load_workbook(io.BytesIO(buffer.getvalue())).active
    for (name, amount), (name_cell, amount_cell) in zip(rows, loaded.iter_rows(), strict=True):
        expected = workbook_text(name)
        assert name_cell.data_type != "f"
        if expected:
            assert name_cell.data_type == "s"
            assert name_cell.value == expected
        assert amount_cell.data_type == "n"
        assert Decimal(str(amount_cell.value)) == amount


def test_negative_numbers_are_numbers_not_neutralised_text() -> None:
    assert csv_text(Decimal("-12.50")) == "-12.50"
    assert csv_text(-3) == "-3"
    assert csv_text("-3") == "'-3"
