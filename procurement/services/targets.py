"""Use cases of years and targets: a municipality's share by fiscal year, its target, a path.

The share of a year is the share of its spending that went to registry (social economy)
suppliers recognised as incumbents, the same rule as the optimizer's status quo.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import Session

from procurement.audit import record_event
from procurement.data_versions import KEPT, scopes_of
from procurement.db import cents_sum
from procurement.errors import InvalidInput
from procurement.models import Organization, PurchaseLine, Supplier
from procurement.permissions import Actor
from procurement.targets import PathStep, YearShare, share_by_year, target_path

#: One calendar month of a municipality's spending: year, month (None, None for the lines
#: without a date), lines, cents, cents to registry (social economy) incumbents.
MonthRow = tuple[int | None, int | None, int, int, int]


def monthly_spending(session: Session, actor: Actor, org: Organization) -> list[MonthRow]:
    """Return the municipality's spending per calendar month, summed by the database.

    A dozen rows a year whatever the number of lines; the lines without a date are one
    row of their own, so that the months also give the totals (the dashboard reads both
    on every visit, from one pass over the lines).
    """
    actor.require("read")
    # Kept until the municipality's lines or the registry (its active suppliers) change.
    return list(KEPT.get(session, ("monthly_spending", org.id),
                         scopes_of(org.id, ("purchase_line", "supplier")),
                         lambda: _monthly_spending(session, org)))


def _monthly_spending(session: Session, org: Organization) -> tuple[MonthRow, ...]:
    year, month = extract("year", PurchaseLine.date), extract("month", PurchaseLine.date)
    se_amount = case((Supplier.id.is_not(None), PurchaseLine.amount), else_=0)
    rows = session.execute(
        select(year, month, func.count(), cents_sum(PurchaseLine.amount), cents_sum(se_amount))
        .outerjoin(Supplier, (Supplier.id == PurchaseLine.incumbent_supplier_id)
                   & Supplier.active.is_(True))
        .where(PurchaseLine.organization_id == org.id)
        .group_by(year, month)).all()
    return tuple((None if y is None else int(y), None if m is None else int(m), int(lines),
                  int(total), int(se)) for y, m, lines, total, se in rows)


def years_for(session: Session, actor: Actor, org: Organization,
              months: list[MonthRow] | None = None) -> list[YearShare]:
    """Return the municipality's spending and social economy share per fiscal year.

    Folded from `monthly_spending` (read here unless the caller already has it).
    """
    actor.require("read")
    if months is None:
        months = monthly_spending(session, actor, org)
    start_month = org.fiscal_year_start_month or 1
    cents: dict[int, list[int]] = {}
    for calendar_year, calendar_month, _lines, total, se in months:
        if calendar_year is None or calendar_month is None:
            continue  # no date, no fiscal year
        fiscal = calendar_year + (1 if start_month > 1 and calendar_month >= start_month
                                  else 0)
        sums = cents.setdefault(fiscal, [0, 0])
        sums[0] += total
        sums[1] += se
    years: list[tuple[int, Decimal, Decimal]] = [
        (fiscal, Decimal(total) / 100, Decimal(se) / 100)
        for fiscal, (total, se) in sorted(cents.items())]
    return share_by_year(years, org.se_target_share)


def path_for(org: Organization, years: list[YearShare], *, premium_pct: float,
             yearly_extra_budget: Decimal | None = None) -> list[PathStep]:
    """Return the yearly path from the last year's share to the municipality's target."""
    if not years or org.se_target_share is None or org.se_target_year is None:
        return []
    last = years[-1]
    if org.se_target_year <= last.year:
        return []
    return target_path(current_share=last.share, current_year=last.year,
                       target_share=org.se_target_share, target_year=org.se_target_year,
                       yearly_spending=last.total, premium_pct=premium_pct,
                       yearly_extra_budget=yearly_extra_budget)


def set_target(session: Session, actor: Actor, org: Organization, *, share: Any,
               year: Any, fiscal_year_start_month: Any = None) -> Organization:
    """Set the council's target share by a year (administrators), with an audit event."""
    actor.require("profile.edit")
    errors: dict[str, str] = {}
    try:
        clean_share = float(share)
        if not 0 < clean_share <= 1:
            raise ValueError
    except (TypeError, ValueError):
        errors["share"] = f"{share!r}: expected a fraction above 0, at most 1, e.g. 0.2"
    try:
        clean_year = int(year)
        if not 2000 <= clean_year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = f"{year!r}: expected a year, e.g. 2028"
    month = org.fiscal_year_start_month or 1
    if fiscal_year_start_month is not None:
        try:
            month = int(fiscal_year_start_month)
            if not 1 <= month <= 12:
                raise ValueError
        except (TypeError, ValueError):
            errors["fiscal_year_start_month"] = "expected a month number from 1 to 12"
    if errors:
        raise InvalidInput("The target was not changed.", errors=errors)
    before = {"se_target_share": org.se_target_share, "se_target_year": org.se_target_year,
              "fiscal_year_start_month": org.fiscal_year_start_month}
    org.se_target_share, org.se_target_year = clean_share, clean_year
    org.fiscal_year_start_month = month
    session.flush()
    record_event(session, actor=actor.name, action="organization.target_set",
                 object_type="organization", object_id=org.code, organization_id=org.id,
                 before=before, after={"se_target_share": clean_share,
                                       "se_target_year": clean_year,
                                       "fiscal_year_start_month": month})
    return org
