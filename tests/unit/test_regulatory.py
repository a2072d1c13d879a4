"""An administrator's edit of a regulatory profile is validated field by field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from procurement.errors import InvalidInput
from procurement.regulatory import DEFAULT_PROFILES, validate_profile_changes


def test_quebec_profile_holds_the_thresholds_in_force() -> None:
    quebec = next(p for p in DEFAULT_PROFILES if p["code"] == "QC-2024")
    assert quebec["direct_award_limit"] == Decimal("25000.00")
    assert quebec["tender_threshold"] == Decimal("121200.00")
    assert quebec["rotation_required"] is True


def test_a_valid_edit_is_cleaned() -> None:
    clean = validate_profile_changes({"tender_threshold": "133800", "valid_from": "2026-01-01"})
    assert clean["tender_threshold"] == Decimal("133800.00")
    assert str(clean["valid_from"]) == "2026-01-01"


def test_each_invalid_field_gets_its_own_message() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_profile_changes({"tender_threshold": "abc", "valid_to": "31/12/2026",
                                  "code": "X", "direct_award_limit": -5})
    assert set(caught.value.errors) == {"tender_threshold", "valid_to", "code",
                                        "direct_award_limit"}
    assert "121200.00" in caught.value.errors["tender_threshold"]


def test_the_direct_award_limit_must_stay_below_the_tender_threshold() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_profile_changes({"direct_award_limit": 200000, "tender_threshold": 100000})
    assert "direct_award_limit" in caught.value.errors
