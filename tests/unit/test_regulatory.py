"""An administrator's edit of a regulatory profile is validated field by field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from procurement.errors import InvalidInput
from procurement.regulatory import (
    DEFAULT_PROFILES,
    THRESHOLD_HISTORY,
    ThresholdsInForce,
    thresholds_on,
    validate_history,
    validate_profile_changes,
)


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


# --- dated thresholds ------------------------------------------------------------


def _on(code: str, day: str, **fallbacks: Decimal) -> ThresholdsInForce:
    return thresholds_on(code, THRESHOLD_HISTORY[code], dt.date.fromisoformat(day),
                         fallback_direct=fallbacks.get("direct", Decimal("1")),
                         fallback_threshold=fallbacks.get("threshold", Decimal("2")))


@pytest.mark.parametrize(("day", "threshold", "confirmed"), [
    ("2023-06-30", "121200.00", True),
    ("2024-01-01", "133800.00", False),
    ("2025-12-31", "133800.00", False),
    ("2026-01-01", "139000.00", False),
])
def test_quebec_uses_the_threshold_in_force_on_the_date_of_the_spending(
        day: str, threshold: str, confirmed: bool) -> None:
    found = _on("QC-2024", day)
    assert found.tender_threshold == Decimal(threshold)
    assert found.direct_award_limit == Decimal("25000.00")
    codes = {w["code"] for w in found.warnings}
    assert ("threshold_unconfirmed" not in codes) is confirmed


def test_france_raises_the_exemption_to_60000_for_supplies_and_services_on_2026_04_01() -> None:
    assert _on("FR-2026", "2026-03-31").direct_award_limit == Decimal("40000.00")
    after = _on("FR-2026", "2026-04-01")
    assert after.direct_award_limit == Decimal("60000.00")
    assert after.tender_threshold == Decimal("216000.00")
    assert _on("FR-2026", "2025-06-01").tender_threshold == Decimal("221000.00")
    assert after.warnings == ()


def test_a_lapsed_profile_keeps_its_last_value_with_a_warning() -> None:
    found = _on("FR-2026", "2028-02-01")
    assert found.tender_threshold == Decimal("216000.00")
    lapsed = [w for w in found.warnings if w["code"] == "threshold_lapsed"]
    assert lapsed and lapsed[0]["params"]["valid_to"] == "2027-12-31"


def test_a_profile_without_history_falls_back_to_its_columns_with_a_warning() -> None:
    found = thresholds_on("X", [], dt.date(2026, 1, 1), fallback_direct=Decimal("10"),
                          fallback_threshold=Decimal("100"))
    assert (found.direct_award_limit, found.tender_threshold) == (Decimal("10"), Decimal("100"))
    assert {w["code"] for w in found.warnings} == {"threshold_undated"}


def test_an_administrator_confirms_a_value_by_editing_the_history() -> None:
    history = [dict(e) for e in THRESHOLD_HISTORY["QC-2024"]]
    history[-1]["confirmed"] = True
    clean = validate_profile_changes({"threshold_history": history})["threshold_history"]
    found = thresholds_on("QC-2024", clean, dt.date(2026, 5, 1), fallback_direct=Decimal("1"),
                          fallback_threshold=Decimal("2"))
    assert found.tender_threshold == Decimal("139000.00") and found.warnings == ()


def test_a_history_entry_without_source_or_with_bad_dates_is_refused() -> None:
    entry = {"kind": "tender_threshold", "amount": "139000", "valid_from": "2026-01-01",
             "source": ""}
    with pytest.raises(ValueError, match="source"):
        validate_history([entry])
    with pytest.raises(ValueError, match="valid_to"):
        validate_history([{**entry, "source": "MAMH", "valid_to": "2025-01-01"}])
    with pytest.raises(InvalidInput) as caught:
        validate_profile_changes({"threshold_history": [{**entry, "kind": "x"}]})
    assert "kind" in caught.value.errors["threshold_history"]
