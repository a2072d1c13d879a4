"""Impact in units: the social-clause hours, FTE-years, shares and proxies, before and after."""

from __future__ import annotations

from decimal import Decimal

import pytest

from procurement.impact_units import (
    DEFAULT_COEFFICIENTS,
    Coefficients,
    Flow,
    fte_years,
    impact_units,
    method_rows,
    validate_coefficients,
    work_integration_hours,
)

FRANCE = Coefficients.from_profile(DEFAULT_COEFFICIENTS["FR"], "EUR")


def test_one_million_euros_at_half_labour_and_five_percent_insertion_buys_833_hours() -> None:
    hours = work_integration_hours(Decimal("1000000"), Decimal("0.5"), Decimal("0.05"),
                                   Decimal("30"))
    assert round(hours) == 833


def test_fte_years_follow_3700_euros_per_fte_month() -> None:
    assert fte_years(Decimal("44400"), Decimal("3700")) == Decimal(1)


def test_quebec_converts_the_french_reference_costs_with_its_currency_figure() -> None:
    quebec = Coefficients.from_profile(DEFAULT_COEFFICIENTS["QC"], "CAD")
    assert quebec.hourly_cost == Decimal("45.0000")
    assert quebec.fte_month_cost == Decimal("5550.0000")


def test_units_count_only_spending_moved_to_work_integration_suppliers() -> None:
    before = [Flow("entretien_menager", 100_000_000)]  # 1 M€ to an ordinary firm
    after = [Flow("entretien_menager", 60_000_000),
             Flow("entretien_menager", 40_000_000, social_economy=True,
                  locality="same_mrc", work_integration=True, democratic=True)]
    units = impact_units(before, after, FRANCE)
    assert units["social_economy_spending"] == {
        "before": "0.00", "after": "400000.00", "unit": "EUR",
        "share_before": 0.0, "share_after": 0.4}
    assert units["local_spending"]["after"] == "400000.00"
    assert units["municipality_spending"]["after"] == "0.00"
    assert units["region_spending"]["after"] == "400000.00"
    assert units["democratic_spending"]["after"] == "400000.00"
    # 400 000 € × 70 % (cleaning) × 5 % ÷ 30 €/h
    assert units["work_integration_hours"] == {"before": 0.0, "after": 466.7, "unit": "h"}
    assert units["jobs_fte_years"]["after"] == pytest.approx(400000 / 3700 / 12, abs=0.01)
    assert units["by_category"]["entretien_menager"]["total_spending"]["after"] == "1000000.00"


def test_money_is_summed_in_cents_and_rounded_once() -> None:
    flows = [Flow("autre", 0.5, social_economy=True)] * 3  # three half cents
    units = impact_units(flows, flows, FRANCE)
    assert units["social_economy_spending"]["before"] == "0.02"


def test_a_proxy_table_monetises_the_measures() -> None:
    data = {**DEFAULT_COEFFICIENTS["FR"], "proxies": [
        {"measure": "work_integration_hours", "unit": "h", "value": "10",
         "source": "test", "as_of": "2026-01-01"}]}
    coeffs = Coefficients.from_profile(validate_coefficients(data), "EUR")
    after = [Flow("entretien_menager", 100_000_000, social_economy=True,
                  work_integration=True)]
    units = impact_units([], after, coeffs)
    assert units["social_value"]["after"] == "11666.67"  # 1 166.67 h × 10


def test_coefficients_without_a_source_or_out_of_range_are_refused() -> None:
    data = dict(DEFAULT_COEFFICIENTS["QC"])
    with pytest.raises(ValueError, match="insertion_rate"):
        validate_coefficients({**data, "insertion_rate": {"value": "0.05", "source": ""}})
    with pytest.raises(ValueError, match="labour_share"):
        validate_coefficients({**data, "labour_share": {"default": "1.5", "by_category": {}}})
    with pytest.raises(ValueError, match="unknown measure"):
        validate_coefficients({**data, "proxies": [{"measure": "x", "unit": "u", "value": 1,
                                                    "source": "s", "as_of": "2026-01-01"}]})


def test_the_method_prints_every_coefficient_with_its_source_and_date() -> None:
    rows = method_rows(DEFAULT_COEFFICIENTS["QC"])
    names = {row["name"] for row in rows}
    assert {"insertion_rate", "hourly_cost_eur", "fte_month_cost_eur", "eur_rate",
            "labour_share:entretien_menager"} <= names
    assert all(row["source"] and row["as_of"] for row in rows)
