"""A UK council file in the transparency-code layout imports with no option, to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from importers import parse_spend_file
from procurement.models import Organization, PurchaseLine
from procurement.permissions import SYSTEM
from procurement.services.imports import import_spend

HEADER = "Payment Date,Amount,Organisational Unit,Beneficiary Name,Company Number,Charity Number"
LINES = [
    "01/04/2024,\"1,234.56\",Adult Social Care,Bradford Community Trust,09876543,1123456",
    "02/04/2024,250.00,Highways,Pothole Fixers Ltd,01234567,",
    "15/04/2024,-45.10,Libraries,Reading Together,,1099887",
    "30/04/2024,0.99,Highways,Sole Trader,,",
]


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "council-spend-april-2024.csv"
    path.write_text("\r\n".join([HEADER, *LINES]) + "\r\n", encoding="utf-8")
    return path


def test_the_transparency_layout_maps_without_a_question(tmp_path: Path) -> None:
    result = parse_spend_file(_file(tmp_path), default_currency="GBP")
    assert not result.needs_confirmation, result.report.to_dicts()
    assert result.mapping["supplier_id"] == "Company Number"
    assert result.mapping["department"] == "Organisational Unit"
    assert "ambiguous_column" not in result.report.counts_by_code()
    ids = result.records["supplier_ids"].tolist()
    assert ids[0] == {"company_number": "09876543", "charity_number": "1123456"}
    assert ids[2] == {"charity_number": "1099887"}
    assert ids[3] is None
    assert result.records["supplier_id"].tolist() == ["09876543", "01234567", "1099887", None]


def test_the_transparency_layout_imports_to_the_cent_with_both_identifiers(
        session: Session, tmp_path: Path) -> None:
    council = Organization(code="E08000032", name="Bradford", currency="GBP")
    session.add(council)
    session.commit()
    outcome = import_spend(session, SYSTEM, council, _file(tmp_path), isolated=False)
    session.commit()
    assert outcome.status == "imported", outcome.message
    assert outcome.lines == 4
    assert outcome.total == Decimal("1234.56") + Decimal("250.00") - Decimal("45.10") \
        + Decimal("0.99")
    lines = session.scalars(select(PurchaseLine).order_by(PurchaseLine.source_row)).all()
    assert [line.supplier_ref for line in lines] == ["09876543", "01234567", "1099887", None]
    stored = [line.supplier_ids if isinstance(line.supplier_ids, dict)
              else json.loads(line.supplier_ids) for line in lines]
    assert stored[0] == {"company_number": "09876543", "charity_number": "1123456"}
    assert stored[1] == {"company_number": "01234567"}
    assert stored[3] == {}
    assert {line.currency for line in lines} == {"GBP"}
    assert lines[0].department == "Adult Social Care"


def test_an_explicit_mapping_overrides_only_the_fields_it_names(tmp_path: Path) -> None:
    result = parse_spend_file(_file(tmp_path), mapping={"supplier_id": "Charity Number"})
    assert result.mapping["supplier_id"] == "Charity Number"
    assert result.mapping["amount"] == "Amount"
    assert result.mapping["supplier_name"] == "Beneficiary Name"
    assert result.mapping["date"] == "Payment Date"
    assert "missing_required_column" not in result.report.counts_by_code()
    assert len(result.records) == 4
    # A column the caller gives to a field is no longer used for the field it was guessed for.
    moved = parse_spend_file(_file(tmp_path), mapping={"description": "Organisational Unit"})
    assert moved.mapping["description"] == "Organisational Unit"
    assert "department" not in moved.mapping
