"""Scenario validation, procurement bands and the impact formula (no solver)."""

from __future__ import annotations

import pytest

from optimizer import (
    RegulatoryBands,
    ScenarioError,
    ScenarioInput,
    Target,
    band_of,
    impact_per_dollar,
    scenario_from_dict,
)
from optimizer.scenario import scenario_to_dict

QUEBEC = RegulatoryBands(direct_award_limit_cents=2_500_000, tender_threshold_cents=12_120_000)


def test_an_empty_scenario_takes_every_default():
    assert scenario_from_dict({}) == ScenarioInput()


def test_a_target_is_a_bare_number_soft_or_an_object():
    s = scenario_from_dict({"social_economy_share": 0.3,
                            "local_share": {"value": 0.4, "hard": True},
                            "social_economy_share_by_category": {"cleaning": 0.5}})
    assert s.social_economy_share == Target(0.3, hard=False)
    assert s.local_share == Target(0.4, hard=True)
    assert s.social_economy_share_by_category["cleaning"] == Target(0.5)


def test_every_invalid_field_gets_its_own_message():
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"budget_increase_pct": "lots", "mode": "fuzzy", "colour": "red",
                            "social_economy_share": 1.5, "weights": {"locality": -1}})
    errors = caught.value.errors
    assert set(errors) == {"budget_increase_pct", "mode", "colour", "social_economy_share",
                           "weights"}
    assert errors["colour"] == "unknown field"
    assert "between" in errors["budget_increase_pct"] or "[" in errors["budget_increase_pct"]


def test_a_scenario_survives_a_round_trip_through_json():
    s = scenario_from_dict({"budget_increase_pct": 0.05, "mode": "indivisible",
                            "social_economy_share": {"value": 0.25, "hard": True}})
    assert scenario_from_dict(scenario_to_dict(s)) == s


@pytest.mark.parametrize(("dollars", "band"), [
    (24_999.99, "direct"), (25_000, "invitation"), (121_199.99, "invitation"),
    (121_200, "tender"), (1_000_000, "tender"),
])
def test_the_band_comes_from_the_whole_value(dollars, band):
    assert band_of(round(dollars * 100), QUEBEC) == band


def test_impact_per_dollar_is_the_weighted_sum_with_a_locality_override():
    scores = {"work_integration": 1.0, "locality": 0.0, "governance": 0.5, "extra": 1.0}
    weights = {"work_integration": 0.35, "locality": 0.30, "governance": 0.20, "extra": 0.1}
    assert impact_per_dollar(scores, weights) == pytest.approx(0.35 + 0.10 + 0.10)
    assert impact_per_dollar(scores, weights, locality_score=1.0) == pytest.approx(0.85)
