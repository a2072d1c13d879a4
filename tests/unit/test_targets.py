"""Fiscal years, the share by year against a target, and a path to the target."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from procurement.targets import (
    fiscal_year,
    fiscal_year_bounds,
    parse_target_path,
    predominant_fiscal_year,
    share_by_year,
    target_path,
)


def test_quebec_municipalities_use_the_calendar_year() -> None:
    assert fiscal_year(dt.date(2025, 12, 31)) == 2025
    assert fiscal_year_bounds(2025) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_an_april_fiscal_year_is_named_by_the_year_it_ends() -> None:
    assert fiscal_year(dt.date(2026, 3, 31), 4) == 2026
    assert fiscal_year(dt.date(2026, 4, 1), 4) == 2027
    assert fiscal_year_bounds(2027, 4) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))


def test_an_import_carries_the_year_holding_most_of_its_spending() -> None:
    dates = pd.Series([dt.date(2024, 12, 30), dt.date(2025, 1, 5), None])
    amounts = pd.Series([1000, -50000, 999999])
    assert predominant_fiscal_year(dates, amounts) == 2025
    assert predominant_fiscal_year(dates, amounts, 2) == 2025  # 2024-12-30 is in FY 2025
    assert predominant_fiscal_year(pd.Series([None]), pd.Series([1])) is None


def test_share_by_year_compares_each_year_with_the_target() -> None:
    rows = share_by_year([(2024, "1000", "100"), (2025, "1000", "250")], 0.2)
    assert [(r.year, r.share, r.gap) for r in rows] == [(2024, 0.1, pytest.approx(0.1)),
                                                        (2025, 0.25, 0.0)]
    assert rows[0].to_json()["total"] == "1000.00"


def test_a_path_rises_evenly_to_the_target_by_its_year() -> None:
    steps = target_path(current_share=0.08, current_year=2025, target_share=0.20,
                        target_year=2028, yearly_spending=Decimal("1000000"), premium_pct=0.03)
    assert [s.year for s in steps] == [2026, 2027, 2028]
    assert [s.target_share for s in steps] == pytest.approx([0.12, 0.16, 0.20])
    assert steps[-1].shifted == Decimal("120000.00")
    assert steps[-1].extra_cost == Decimal("3600.00")
    assert all(s.within_budget for s in steps)


def test_a_path_beyond_the_budget_is_capped_and_says_so() -> None:
    steps = target_path(current_share=0.08, current_year=2025, target_share=0.20,
                        target_year=2027, yearly_spending=Decimal("1000000"), premium_pct=0.03,
                        yearly_extra_budget=Decimal("2400"))
    assert steps[0].within_budget  # 60 000 $ shifted costs 1 800 $
    assert not steps[1].within_budget
    assert steps[1].extra_cost == Decimal("2400.00")
    assert steps[1].target_share == pytest.approx(0.16)


def test_a_target_year_in_the_past_is_refused() -> None:
    with pytest.raises(ValueError, match="target year"):
        target_path(current_share=0.1, current_year=2025, target_share=0.2, target_year=2025,
                    yearly_spending=Decimal(1), premium_pct=0.0)


def test_a_scenario_target_path_is_checked_field_by_field() -> None:
    clean = parse_target_path({"share": 0.2, "year": 2028, "yearly_extra_budget": 5000})
    assert clean == {"share": 0.2, "year": 2028, "yearly_extra_budget": Decimal("5000")}
    for bad, word in (({"share": 2, "year": 2028}, "share"), ({"share": 0.2}, "expected"),
                      ({"share": 0.2, "year": "2028"}, "year"),
                      ({"share": 0.2, "year": 2028, "budget": 1}, "unknown")):
        with pytest.raises(ValueError, match=word):
            parse_target_path(bad)
