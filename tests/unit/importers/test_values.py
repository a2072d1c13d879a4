"""Amounts become integer cents and dates become datetime.date, whatever the local style."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.values import parse_amount, parse_amounts, parse_date, parse_dates, to_text


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1 234,56 $", 123456),
        ("1\u202f234,56", 123456),
        ("1\u00a0234,56 $", 123456),
        ("1,234.56", 123456),
        ("(1 234,56)", -123456),
        ("-1234.5", -123450),
        ("1234.5-", -123450),
        ("£500", 50000),
        ("1.234,56 €", 123456),
        ("1234", 123400),
        ("CA$ 12.30", 1230),
        (".5", 50),
        (1234.5, 123450),
        (1234, 123400),
        (0.1 + 0.2, 30),
        (-0.01, -1),
    ],
)
def test_amounts_in_every_supported_style_parse_to_cents(text: object, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["12,3,4", "abc", "1.2.3,4,5", "12 $ 34x", "--5"])
def test_garbage_is_not_an_amount(text: str) -> None:
    parsed = parse_amounts(pd.Series([text], dtype=object))
    assert parsed.invalid[0]


def test_blank_amounts_are_blank_not_invalid() -> None:
    parsed = parse_amounts(pd.Series(["", None, "  ", float("nan")], dtype=object))
    assert parsed.blank.all()
    assert not parsed.invalid.any()


def test_more_than_two_decimals_round_half_even_and_are_flagged() -> None:
    parsed = parse_amounts(pd.Series(["1.005", "1.015", 2.675, "3.10"], dtype=object))
    assert parsed.cents.tolist() == [100, 102, 268, 310]
    assert parsed.rounded.tolist() == [True, True, True, False]


def test_a_column_with_decimal_commas_reads_a_lone_comma_group_as_decimals() -> None:
    french = parse_amounts(pd.Series(["1,234", "5,50"], dtype=object))
    english = parse_amounts(pd.Series(["1,234", "5.50"], dtype=object))
    assert french.cents.tolist() == [123, 550]
    assert english.cents.tolist() == [123400, 550]


def test_currency_marks_are_reported_per_value() -> None:
    parsed = parse_amounts(pd.Series(["£5", "5 €", "5 $", "5"], dtype=object))
    assert parsed.currency_mark.tolist() == ["GBP", "EUR", "$", None]


def _styles(value: Decimal) -> list[str]:
    negative = value < 0
    magnitude = abs(value)
    whole, cents = f"{magnitude:.2f}".split(".")
    groups = f"{int(whole):,}"
    english = f"{groups}.{cents}"
    narrow_space = "\u202f"
    french = f"{groups.replace(',', narrow_space)},{cents}"
    european = f"{groups.replace(',', '.')},{cents}"
    sign = "-" if negative else ""
    styles = [
        f"{sign}{whole}.{cents}",
        f"{sign}{english}",
        f"{sign}{french} $",
        f"{sign}{european} €",
        f"{sign}£{english}",
        f"{whole}.{cents}{'-' if negative else ''}",
        f"({french})" if negative else french,
    ]
    return styles


@settings(deadline=None)  # a shared machine makes timings noisy
@given(
    st.decimals(
        min_value=Decimal("-999999999.99"),
        max_value=Decimal("999999999.99"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_formatting_a_decimal_in_any_style_and_parsing_it_back_gives_the_same_cents(
    value: Decimal,
) -> None:
    expected = int(value * 100)
    for text in _styles(value):
        assert parse_amount(text) == expected, text


@settings(deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_spreadsheet_floats_convert_to_exact_cents(cents: int) -> None:
    assert parse_amount(cents / 100) == cents


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-15", dt.date(2024, 1, 15)),
        ("2024-01-15 00:00:00", dt.date(2024, 1, 15)),
        ("20240115", dt.date(2024, 1, 15)),
        ("12 janvier 2024", dt.date(2024, 1, 12)),
        ("1er mars 2024", dt.date(2024, 3, 1)),
        ("12 févr. 2024", dt.date(2024, 2, 12)),
        ("January 12, 2024", dt.date(2024, 1, 12)),
        ("12-Jan-24", dt.date(2024, 1, 12)),
        (45306.0, dt.date(2024, 1, 15)),
        (dt.datetime(2024, 1, 15, 10, 30), dt.date(2024, 1, 15)),
        (dt.date(2024, 1, 15), dt.date(2024, 1, 15)),
    ],
)
def test_dates_in_every_supported_style_parse(value: object, expected: dt.date) -> None:
    assert parse_date(value)[0] == expected


def test_a_month_alone_gives_the_first_day_and_says_so() -> None:
    assert parse_date("janv. 2024") == (dt.date(2024, 1, 1), True)


def test_the_day_month_order_is_decided_from_the_whole_column() -> None:
    day_first = parse_dates(pd.Series(["03/04/2024", "25/04/2024"], dtype=object))
    month_first = parse_dates(pd.Series(["03/04/2024", "04/25/2024"], dtype=object))
    assert day_first.order == "dmy" and not day_first.ambiguous
    assert day_first.dates[0] == dt.date(2024, 4, 3)
    assert month_first.order == "mdy"
    assert month_first.dates[0] == dt.date(2024, 3, 4)


def test_a_column_that_never_tells_the_order_is_ambiguous_unless_the_caller_says() -> None:
    column = pd.Series(["03/04/2024", "05/06/2024", "05/05/2024"], dtype=object)
    assert parse_dates(column).ambiguous
    told = parse_dates(column, "mdy")
    assert not told.ambiguous
    assert told.dates[0] == dt.date(2024, 3, 4)


def test_impossible_dates_are_invalid() -> None:
    parsed = parse_dates(pd.Series(["31/02/2024", "not a date", ""], dtype=object))
    assert parsed.invalid.tolist() == [True, True, False]
    assert parsed.blank.tolist() == [False, False, True]


def test_integral_floats_become_identifiers_without_a_trailing_zero() -> None:
    assert to_text(117996.0) == "117996"
    assert to_text("  ACME   inc ") == "ACME inc"
    assert to_text("") is None
