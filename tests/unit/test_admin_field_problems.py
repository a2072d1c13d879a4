"""Field errors of accounts and profiles: all at once, each with a code for the catalogue."""

from __future__ import annotations

import pytest

from procurement.errors import InvalidInput
from procurement.regulatory import history_problems, validate_profile_changes


def test_every_problem_of_every_history_entry_is_reported_at_once() -> None:
    clean, problems = history_problems([
        {"kind": "tender_threshold", "amount": "139000", "valid_from": "2026-01-01",
         "source": "MAMH"},
        {"kind": "seuil", "amount": "beaucoup", "valid_from": "2026-13-01", "source": " "},
        {"kind": "direct_award_limit", "amount": "-1", "valid_from": "2026-01-01",
         "valid_to": "2025-01-01", "scope": "tout", "source": "x"},
    ])
    assert len(clean) == 1 and clean[0]["amount"] == "139000.00"
    codes = {key: found["code"] for key, found in problems.codes.items()}
    assert codes == {
        "threshold_history.2.kind": "not_a_choice",
        "threshold_history.2.amount": "not_an_amount",
        "threshold_history.2.valid_from": "not_a_date",
        "threshold_history.2.source": "source_required",
        "threshold_history.3.amount": "not_positive",
        "threshold_history.3.valid_to": "end_before_start",
        "threshold_history.3.scope": "not_a_choice",
    }
    assert problems.codes["threshold_history.3.valid_to"]["params"] == {"start": "2026-01-01"}
    assert problems.errors["threshold_history.2.amount"].startswith("entry 2: amount")


def test_a_profile_edit_reports_each_field_with_its_code_and_english_sentence() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_profile_changes({"tender_threshold": "abc", "valid_from": "", "source": "  ",
                                  "social_value_weight_min": "nan", "rotation_required": "oui",
                                  "threshold_history": [{"kind": "tender_threshold"}]})
    codes = {key: found["code"] for key, found in caught.value.codes.items()}
    assert codes["tender_threshold"] == "not_an_amount"
    assert codes["valid_from"] == "required"
    assert codes["source"] == "required"
    assert codes["social_value_weight_min"] == "not_a_fraction"
    assert codes["rotation_required"] == "not_a_boolean"
    assert codes["threshold_history"] == "invalid_history"
    assert codes["threshold_history.1.amount"] == "not_an_amount"
    assert set(caught.value.errors) == set(caught.value.codes)
    assert "121200.00" in caught.value.errors["tender_threshold"]


def test_a_social_value_weight_is_kept_as_a_fraction() -> None:
    assert validate_profile_changes({"social_value_weight_min": "0.1"}) == {
        "social_value_weight_min": 0.1}
    assert validate_profile_changes({"social_value_weight_min": ""}) == {
        "social_value_weight_min": None}
