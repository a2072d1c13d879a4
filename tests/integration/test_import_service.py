"""Importing spending files into the database: all or nothing, idempotent, exact totals."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.db import cents_sum
from procurement.models import AuditEvent, ImportBatch, Organization, PurchaseLine
from procurement.permissions import SYSTEM, Actor
from procurement.services.imports import import_spend


@pytest.fixture
def org(session: Session) -> Organization:
    city = Organization(code="37067", name="Trois-Rivières", currency="CAD")
    session.add(city)
    session.commit()
    return city


def _line_count(session: Session, org: Organization) -> int:
    return int(session.scalar(select(func.count()).select_from(PurchaseLine).where(
        PurchaseLine.organization_id == org.id)) or 0)


def _bradford_total(path: Path) -> Decimal:
    with path.open(encoding="cp1252", newline="") as handle:
        return sum((Decimal(row["Net Amount"]) for row in csv.DictReader(handle)), Decimal(0))


def test_the_real_bradford_month_imports_every_line_with_the_exact_total(
        session: Session, org: Organization, realdata: Path) -> None:
    path = realdata / "bradford-spend-2019-08.csv"
    outcome = import_spend(session, SYSTEM, org, path, currency="GBP", isolated=True)
    session.commit()
    assert outcome.status == "imported", outcome.message
    assert outcome.lines == 9708
    assert outcome.total == _bradford_total(path)
    stored = session.scalar(select(cents_sum(PurchaseLine.amount)).where(
        PurchaseLine.organization_id == org.id))
    assert Decimal(int(stored)) / 100 == _bradford_total(path)
    assert _line_count(session, org) == 9708
    assert session.scalar(select(PurchaseLine.currency).limit(1)) == "GBP"


def test_the_same_data_imported_twice_leaves_one_import(
        session: Session, org: Organization, realdata: Path, tmp_path: Path) -> None:
    path = realdata / "bradford-spend-2019-08.csv"
    first = import_spend(session, SYSTEM, org, path, isolated=False)
    session.commit()
    # Re-saved: same rows, other bytes (UTF-8 instead of cp1252, other line endings).
    resaved = tmp_path / "bradford-resaved.csv"
    resaved.write_text(path.read_text(encoding="cp1252"), encoding="utf-8", newline="\r\n")
    second = import_spend(session, SYSTEM, org, resaved, isolated=False)
    session.commit()
    assert second.status == "duplicate"
    assert second.import_id == first.import_id
    assert _line_count(session, org) == 9708
    assert session.scalar(select(func.count()).select_from(ImportBatch).where(
        ImportBatch.status == "imported")) == 1


def _workbook_with_bad_rows(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["Date", "Fournisseur", "Description", "Montant ($)"])
    sheet.append(["2025-01-10", "Imprimerie Gagné", "Bulletin municipal", "1 234,56 $"])
    sheet.append(["2025-01-11", "Traiteur Laviolette", "Buffet", "douze dollars"])
    sheet.append(["2025-01-12", "Recycle 3R Mauricie", "Collecte encombrants", "850,00"])
    book.save(path)
    return path


def test_a_file_with_a_bad_row_stores_nothing_and_names_the_row(
        session: Session, org: Organization, tmp_path: Path) -> None:
    path = _workbook_with_bad_rows(tmp_path / "janvier.xlsx")
    outcome = import_spend(session, SYSTEM, org, path, isolated=False)
    session.commit()
    assert outcome.status == "refused"
    assert _line_count(session, org) == 0
    bad = [i for i in outcome.issues if i["code"] == "invalid_amount"]
    assert bad and bad[0]["row"] == 3 and bad[0]["value"] == "douze dollars"
    assert bad[0]["column"] == "Montant ($)"


def test_the_clerk_may_store_the_valid_rows_only(
        session: Session, org: Organization, tmp_path: Path) -> None:
    path = _workbook_with_bad_rows(tmp_path / "janvier.xlsx")
    outcome = import_spend(session, SYSTEM, org, path, isolated=False, accept_valid_rows=True)
    session.commit()
    assert outcome.status == "imported"
    assert outcome.lines == 2 and outcome.total == Decimal("2084.56")
    assert any(i["code"] == "invalid_amount" for i in outcome.issues)
    assert _line_count(session, org) == 2


def test_a_renamed_pdf_is_refused_with_its_own_message(
        session: Session, org: Organization, tmp_path: Path) -> None:
    path = tmp_path / "depenses.xlsx"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    outcome = import_spend(session, SYSTEM, org, path, isolated=True)
    session.commit()
    assert outcome.status == "refused"
    assert "depenses.xlsx" in outcome.message and "PDF" in outcome.message
    assert _line_count(session, org) == 0


def test_an_auditor_cannot_import(session: Session, org: Organization, tmp_path: Path) -> None:
    from procurement.errors import PermissionDenied

    auditor = Actor(user_id=None, name="auditor", role="auditor", organization_id=org.id)
    with pytest.raises(PermissionDenied):
        import_spend(session, auditor, org, _workbook_with_bad_rows(tmp_path / "x.xlsx"))


def test_every_import_writes_an_audit_event(
        session: Session, org: Organization, tmp_path: Path) -> None:
    import_spend(session, SYSTEM, org, _workbook_with_bad_rows(tmp_path / "x.xlsx"),
                 isolated=False, accept_valid_rows=True)
    session.commit()
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "import.imported" in actions
