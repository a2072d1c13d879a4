"""The one scenario validator: codes and parameters per field, defaults, the README's example."""

from __future__ import annotations

import pytest

from procurement.services.scenario import (
    ScenarioInvalid,
    field_errors,
    parse_scenario,
)


def codes(params: object) -> dict[str, str]:
    return {name: error.code for name, error in field_errors(params).items()}


def test_the_readme_example_and_a_long_time_limit_are_valid() -> None:
    settings = parse_scenario({"budget_increase_pct": 0.05, "time_limit_s": 1000,
                               "targets": {"social_economy_share": {"value": 0.3,
                                                                   "hard": True}}})
    target = settings.optimizer.social_economy_share
    assert target is not None and (target.value, target.hard) == (0.3, True)
    assert settings.optimizer.time_limit_s == 1000
    assert settings.min_capability_evidence == "activity"  # the default


def test_null_means_the_default() -> None:
    settings = parse_scenario({"budget_increase_pct": None, "name": None,
                               "min_capability_evidence": None})
    assert settings.optimizer.budget_increase_pct == 0.02
    assert settings.name == "Scénario" and settings.min_capability_evidence == "activity"


@pytest.mark.parametrize("name", ["budget_increase_pct", "max_premium_pct",
                                  "assumed_premium_pct", "max_supplier_share"])
def test_a_share_above_one_says_to_write_a_fraction(name: str) -> None:
    error = field_errors({name: 2})[name]
    assert error.code == "percent_not_fraction" and error.params["fraction"] == "0.02"
    assert "write 0.02 for 2 %" in error.message()


def test_every_problem_is_reported_at_once_with_its_code() -> None:
    assert codes({"budgt_increase_pct": 0.1, "mode": "both", "explain": "yes",
                  "min_capability_evidence": "rumour", "time_limit_s": 3601,
                  "weights": {"beauty": 1}, "period_end": "31/12/2024",
                  "social_economy_share_by_category": {"licornes": 0.2}}) == {
        "budgt_increase_pct": "unknown_field", "mode": "not_a_choice",
        "explain": "not_a_boolean", "min_capability_evidence": "not_a_choice",
        "time_limit_s": "out_of_range", "weights.beauty": "unknown_dimension",
        "period_end": "not_a_date", "social_economy_share_by_category.licornes":
            "unknown_category"}
    assert field_errors({"budgt_increase_pct": 1})["budgt_increase_pct"].params == {
        "suggestion": "budget_increase_pct"}


def test_grouped_targets_are_checked_where_they_were_written() -> None:
    assert codes({"targets": {"local_share": 30, "social": 0.2}, "local_share": 0.1}) == {
        "targets.local_share": "given_twice", "targets.social": "unknown_target"}
    assert codes({"targets": [0.3]}) == {"targets": "not_an_object"}
    assert codes("0.02") == {"scenario": "not_an_object"}


def test_parse_refuses_with_english_messages_and_keeps_the_codes() -> None:
    with pytest.raises(ScenarioInvalid) as refused:
        parse_scenario({"period_start": "2024-06-01", "period_end": "2024-01-01"})
    assert refused.value.http_status == 422
    assert refused.value.field_errors["period_end"].code == "end_before_start"
    assert refused.value.errors == {
        "period_end": "must not be before period_start (2024-06-01)"}
