"""A lever for every lot, in the law of its profile: one test per rule and per profile."""

from __future__ import annotations

import pytest

from procurement.impact_messages import REASONS, lever_name, render_lever_reason
from procurement.impact_units import DEFAULT_COEFFICIENTS, Coefficients
from procurement.levers import CapableSupplier, LeverRules, LotFacts, choose_lever, dependency

QUEBEC = LeverRules(rotation_required=True, reserved_contracts_allowed=False)
FRANCE = LeverRules(rotation_required=False, reserved_contracts_allowed=True)
QC_COEFFS = Coefficients.from_profile(DEFAULT_COEFFICIENTS["QC"], "CAD")
FR_COEFFS = Coefficients.from_profile(DEFAULT_COEFFICIENTS["FR"], "EUR")


def qc_lot(dollars: float, category: str = "entretien_menager") -> LotFacts:
    return LotFacts("lot", category, round(dollars * 100), 2_500_000, 13_380_000)


def fr_lot(euros: float) -> LotFacts:
    return LotFacts("lot", "entretien_menager", round(euros * 100), 6_000_000, 21_600_000)


def supplier(name: str, evidence: str = "confirmed", *, turnover: float | None = None,
             reserved: bool = False, awarded: float = 0) -> CapableSupplier:
    return CapableSupplier(key=name, name=name, evidence=evidence,
                           turnover_cents=None if turnover is None else round(turnover * 100),
                           reserved_eligible=reserved, awarded_cents=round(awarded * 100))


def test_quebec_below_25000_with_a_confirmed_supplier_is_a_direct_award() -> None:
    lever = choose_lever(qc_lot(18_000), [supplier("Coop A", "activity"), supplier("Coop B")],
                         QUEBEC, QC_COEFFS)
    assert (lever.lever, lever.reason_code) == ("direct_award", "direct_award_confirmed")
    assert [s["name"] for s in lever.suppliers] == ["Coop B"]


def test_below_the_limit_without_a_confirmed_supplier_invites_and_confirms() -> None:
    lever = choose_lever(qc_lot(18_000), [supplier("Coop A", "activity")], QUEBEC, QC_COEFFS)
    assert (lever.lever, lever.reason_code) == ("invitation", "invite_to_confirm")


def test_quebec_invitation_band_names_the_suppliers_with_rotation() -> None:
    lever = choose_lever(qc_lot(80_000), [supplier("B", "activity"), supplier("A"),
                                          supplier("C", "activity", awarded=80_000)],
                         QUEBEC, QC_COEFFS)
    assert (lever.lever, lever.reason_code) == ("invitation", "invitation_rotation")
    # The awarded supplier first, then confirmed before activity-level evidence.
    assert [s["name"] for s in lever.suppliers] == ["C", "A", "B"]


def test_quebec_above_the_threshold_is_a_tender_with_a_social_clause_in_hours() -> None:
    lever = choose_lever(qc_lot(200_000), [supplier("A", reserved=True),
                                           supplier("B", reserved=True)], QUEBEC, QC_COEFFS)
    assert (lever.lever, lever.reason_code) == ("tender_social_clause", "tender_social_clause")
    # 200 000 $ × 70 % × 5 % ÷ 45 $/h
    assert lever.params["hours"] == 156


def test_france_reserves_a_contract_when_two_siae_or_ea_esat_can_compete() -> None:
    lever = choose_lever(fr_lot(300_000), [supplier("ESAT A", reserved=True),
                                           supplier("SIAE B", "activity", reserved=True),
                                           supplier("SARL C")], FRANCE, FR_COEFFS)
    assert (lever.lever, lever.reason_code) == ("reserved_contract", "reserved_contract")
    assert {s["name"] for s in lever.suppliers} == {"ESAT A", "SIAE B"}


def test_france_with_one_eligible_employer_falls_back_to_a_social_clause() -> None:
    lever = choose_lever(fr_lot(300_000), [supplier("ESAT A", reserved=True),
                                           supplier("SARL C")], FRANCE, FR_COEFFS)
    assert (lever.lever, lever.reason_code) == ("tender_social_clause",
                                                "tender_clause_few_reserved")
    assert lever.params["hours"] == 350  # 300 000 € × 70 % × 5 % ÷ 30 €/h


def test_france_below_60000_is_a_direct_award_to_a_confirmed_supplier() -> None:
    lever = choose_lever(fr_lot(50_000), [supplier("ESAT A")], FRANCE, FR_COEFFS)
    assert lever.lever == "direct_award"


def test_no_capable_supplier_means_no_lever() -> None:
    lever = choose_lever(qc_lot(200_000), [supplier("Club", "name")], QUEBEC, QC_COEFFS)
    assert (lever.lever, lever.reason_code, lever.suppliers) == ("none", "no_capable_supplier",
                                                                 ())


def test_weakly_evidenced_names_below_the_threshold_are_invited_to_verify() -> None:
    lever = choose_lever(qc_lot(50_000), [supplier("Club", "name")], QUEBEC, QC_COEFFS)
    assert (lever.lever, lever.reason_code) == ("invitation", "invite_prospects")
    assert lever.params["capable"] == 0


def test_dependency_above_30_percent_is_flagged_and_blocks_a_direct_award() -> None:
    small = supplier("Small coop", turnover=50_000)
    assert dependency(2_000_000, small) == pytest.approx(0.4)
    lever = choose_lever(qc_lot(20_000), [small], QUEBEC, QC_COEFFS)
    assert (lever.lever, lever.reason_code) == ("invitation", "invite_dependency")
    assert lever.suppliers[0]["dependency_risk"] is True
    assert lever.params["dependency_risk"] == ["Small coop"]
    big = supplier("Big coop", turnover=1_000_000)
    assert choose_lever(qc_lot(20_000), [big], QUEBEC, QC_COEFFS).lever == "direct_award"


def test_capacity_stands_in_for_turnover_and_unknown_is_not_flagged() -> None:
    by_capacity = CapableSupplier("k", "K", "confirmed", capacity_cents=10_000_000)
    assert dependency(5_000_000, by_capacity) == 0.5
    assert dependency(5_000_000, supplier("Unknown")) is None


@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_reason_renders_in_words_without_codes(code: str) -> None:
    params = {"value": "200000.00", "capable": 2, "direct_award_limit": "25000.00",
              "tender_threshold": "133800.00", "named": 2, "supplier": "Coop A",
              "eligible": 2, "hours": 156, "labour_share": 0.7, "insertion_rate": 0.05,
              "dependency_risk": ["Coop A"], "dependency_limit": 0.3}
    text = render_lever_reason({"reason_code": code, "params": params}, "CAD", "fr")
    assert "%(" not in text and "_" not in text
    assert "200 000,00 $" in text or "Coop A" in text
    assert lever_name("direct_award").startswith("Gré à gré")
