"""Fiscal years, the share of spending to the social economy by year, and a path to a target.

A fiscal year is named by the calendar year in which it ends: with a calendar fiscal year
(start month 1, Quebec municipalities) it is the date's year; with an April start, 2026-05-01
falls in fiscal year 2027. Plain data in and out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd


def fiscal_year(date: dt.date, start_month: int = 1) -> int:
    """Return the fiscal year of `date` for a fiscal year starting on `start_month`."""
    if not 1 <= start_month <= 12:
        raise ValueError("the fiscal year's first month must be between 1 and 12")
    if start_month == 1:
        return date.year
    return date.year + 1 if date.month >= start_month else date.year


def fiscal_year_bounds(year: int, start_month: int = 1) -> tuple[dt.date, dt.date]:
    """Return the first and last day of fiscal year `year`."""
    start = dt.date(year if start_month == 1 else year - 1, start_month, 1)
    end = dt.date(start.year + 1, start_month, 1) - dt.timedelta(days=1)
    return start, end


def predominant_fiscal_year(dates: pd.Series, amounts: pd.Series,
                            start_month: int = 1) -> int | None:
    """Return the fiscal year holding most of the absolute amount of dated lines (vectorized)."""
    when = pd.to_datetime(dates, errors="coerce")
    dated = when.notna()
    if not dated.any():
        return None
    when = when[dated]
    years = when.dt.year + ((when.dt.month >= start_month) & (start_month > 1)).astype(int)
    weights = pd.to_numeric(amounts[dated], errors="coerce").fillna(0).abs().astype(float)
    totals = weights.groupby(years.to_numpy()).sum().sort_index()
    return int(str(totals.idxmax()))


@dataclass(frozen=True)
class YearShare:
    """Spending of one fiscal year and its share to the social economy, against a target."""

    year: int
    total: Decimal
    social_economy: Decimal
    target_share: float | None

    @property
    def share(self) -> float:
        """Return the social economy share of the year's spending."""
        return float(self.social_economy / self.total) if self.total else 0.0

    @property
    def gap(self) -> float | None:
        """Return how far the share is below the target (0 when met; None without target)."""
        if self.target_share is None:
            return None
        return max(0.0, self.target_share - self.share)

    def to_json(self) -> dict[str, Any]:
        """Return the row as JSON-ready data."""
        return {"year": self.year, "total": f"{self.total:.2f}",
                "social_economy": f"{self.social_economy:.2f}", "share": self.share,
                "target_share": self.target_share, "gap": self.gap}


def share_by_year(rows: Iterable[tuple[int, Any, Any]],
                  target_share: float | None) -> list[YearShare]:
    """Return one row per fiscal year from (year, total, social economy amount) rows."""
    totals: dict[int, list[Decimal]] = {}
    for year, total, se in rows:
        pair = totals.setdefault(int(year), [Decimal(0), Decimal(0)])
        pair[0] += Decimal(str(total))
        pair[1] += Decimal(str(se))
    return [YearShare(year, pair[0], pair[1], target_share)
            for year, pair in sorted(totals.items())]


@dataclass(frozen=True)
class PathStep:
    """One year of a path to a target."""

    year: int
    target_share: float
    shifted: Decimal
    extra_cost: Decimal
    within_budget: bool

    def to_json(self) -> dict[str, Any]:
        """Return the step as JSON-ready data."""
        return {"year": self.year, "target_share": self.target_share,
                "shifted": f"{self.shifted:.2f}", "extra_cost": f"{self.extra_cost:.2f}",
                "within_budget": self.within_budget}


def target_path(*, current_share: float, current_year: int, target_share: float,
                target_year: int, yearly_spending: Decimal, premium_pct: float,
                yearly_extra_budget: Decimal | None = None) -> list[PathStep]:
    """Plan yearly shares rising evenly from the current share to the target by target_year.

    Each year's step shifts (share − current share) × spending to the social economy, at
    `premium_pct` extra cost; when that cost exceeds the yearly extra budget, the year's
    share is capped at what the budget buys and the step says it is not within budget.
    """
    if target_year <= current_year:
        raise ValueError("the target year must come after the current year")
    if not 0 <= current_share <= 1 or not 0 <= target_share <= 1:
        raise ValueError("shares must be fractions between 0 and 1")
    steps = []
    span = target_year - current_year
    premium = Decimal(str(premium_pct))
    for offset in range(1, span + 1):
        wanted = current_share + (target_share - current_share) * offset / span
        shifted = Decimal(str(max(0.0, wanted - current_share))) * yearly_spending
        extra = shifted * premium
        within = yearly_extra_budget is None or extra <= yearly_extra_budget
        if not within and yearly_extra_budget is not None and premium > 0:
            shifted = yearly_extra_budget / premium
            extra = yearly_extra_budget
            wanted = current_share + float(shifted / yearly_spending) if yearly_spending else 0.0
        steps.append(PathStep(current_year + offset, round(wanted, 6),
                              shifted.quantize(Decimal("0.01")),
                              extra.quantize(Decimal("0.01")), within))
    return steps


def parse_target_path(value: Any) -> dict[str, Any]:
    """Check a scenario's `target_path` {share, year, yearly_extra_budget?}; raise ValueError."""
    if not isinstance(value, dict) or not {"share", "year"} <= set(value):
        raise ValueError("expected {\"share\": 0.2, \"year\": 2028} and optionally "
                         "\"yearly_extra_budget\" in dollars")
    unknown = set(value) - {"share", "year", "yearly_extra_budget"}
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
    share, year = value["share"], value["year"]
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise ValueError("share must be a fraction above 0, at most 1, e.g. 0.2")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValueError("year must be a year, e.g. 2028")
    budget = value.get("yearly_extra_budget")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int | float)
                               or budget < 0):
        raise ValueError("yearly_extra_budget must be a positive amount in dollars")
    return {"share": float(share), "year": year,
            "yearly_extra_budget": None if budget is None else Decimal(str(budget))}
