"""The currency is never assumed: a file stating another currency needs a person's word."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from importers import parse_spend_file
from procurement.models import Organization, PurchaseLine
from procurement.permissions import SYSTEM
from procurement.services.imports import import_spend

POUNDS = ("Payment Date,Beneficiary Name,Amount\n"
          "15/04/2024,Pothole Fixers Ltd,\"£1,234.56\"\n16/04/2024,Reading Together,£250.00\n")
TITLED = ("Payment Date,Beneficiary Name,Amount GBP\n"
          "15/04/2024,Pothole Fixers Ltd,1234.56\n16/04/2024,Reading Together,250.00\n")
COLUMN = ("Date;Fournisseur;Montant;Devise\n"
          "2024-04-01;Nettoyage Paris;1 234,56;EUR\n2024-04-02;Traiteur Lyon;250,00;EUR\n")
QUEBEC = ("Date;Fournisseur;Montant\n"
          "2024-04-01;Coop du Cap;1 234,56 $ CA\n2024-04-02;Imprimerie Gagné;250,00 $\n")


@pytest.fixture
def city(session: Session) -> Organization:
    org = Organization(code="37067", name="Trois-Rivières", currency="CAD")
    session.add(org)
    session.commit()
    return org


def _file(tmp_path: Path, text: str, name: str = "depenses.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _stored(session: Session, org: Organization) -> int:
    return int(session.scalar(select(func.count()).select_from(PurchaseLine).where(
        PurchaseLine.organization_id == org.id)) or 0)


@pytest.mark.parametrize(("text", "code"), [(POUNDS, "GBP"), (TITLED, "GBP"), (COLUMN, "EUR")])
def test_the_parser_reports_the_currency_the_file_states(
        tmp_path: Path, text: str, code: str) -> None:
    result = parse_spend_file(_file(tmp_path, text))
    assert result.detected_currencies == [code]
    assert set(result.records["currency"]) == {code}


def test_dollars_marked_canadian_or_bare_state_no_foreign_currency(tmp_path: Path) -> None:
    result = parse_spend_file(_file(tmp_path, QUEBEC))
    assert result.detected_currencies == ["CAD"]
    assert result.records["amount_cents"].tolist() == [123456, 25000]


@pytest.mark.parametrize("text", [POUNDS, TITLED, COLUMN])
def test_a_foreign_currency_file_is_not_stored_without_confirmation(
        session: Session, city: Organization, tmp_path: Path, text: str) -> None:
    outcome = import_spend(session, SYSTEM, city, _file(tmp_path, text), isolated=False,
                           accept_valid_rows=True)
    assert outcome.status == "refused"
    assert outcome.issue_counts.get("currency_needs_confirmation") == 1
    assert "--currency" in outcome.message and "CAD" in outcome.message
    assert _stored(session, city) == 0


def test_the_confirmed_currency_is_stored_on_every_line(
        session: Session, city: Organization, tmp_path: Path) -> None:
    outcome = import_spend(session, SYSTEM, city, _file(tmp_path, POUNDS), isolated=False,
                           currency="GBP")
    assert outcome.status == "imported", outcome.message
    assert str(outcome.total) == "1484.56" and outcome.currency == "GBP"
    currencies = set(session.scalars(select(PurchaseLine.currency)))
    assert currencies == {"GBP"}


def test_a_chosen_currency_that_contradicts_the_file_is_refused(
        session: Session, city: Organization, tmp_path: Path) -> None:
    outcome = import_spend(session, SYSTEM, city, _file(tmp_path, POUNDS), isolated=False,
                           currency="EUR")
    assert outcome.status == "refused"
    assert outcome.issue_counts.get("currency_needs_confirmation") == 1
    assert _stored(session, city) == 0


def test_a_file_in_the_municipalitys_currency_needs_no_question(
        session: Session, city: Organization, tmp_path: Path) -> None:
    outcome = import_spend(session, SYSTEM, city, _file(tmp_path, QUEBEC), isolated=False)
    assert outcome.status == "imported", outcome.message
