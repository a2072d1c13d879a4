"""The real public files import completely and exactly."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from importers import parse_spend_file, parse_supplier_file
from procurement.data import REFERENCE_DIR

BRADFORD = "bradford-spend-2019-08.csv"


def _csv_rows(path: Path, encoding: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def test_bradford_maps_automatically_and_imports_every_line_to_the_cent(realdata: Path) -> None:
    path = realdata / BRADFORD
    rows = _csv_rows(path, "cp1252")
    expected_cents = int(sum(Decimal(row["Net Amount"]) for row in rows) * 100)

    result = parse_spend_file(path, default_currency="GBP")

    assert result.mapping == {
        "department": "Service Label",
        "account_code": "Expenditure code",
        "expense_category": "Expenditure category",
        "date": "Payment date",
        "amount": "Net Amount",
        "supplier_id": "Supplier Number",
        "supplier_name": "Supplier Name",
    }
    assert not result.needs_confirmation
    assert len(rows) == 9708
    assert len(result.records) == len(rows)
    assert result.total_cents == expected_cents
    assert int(result.records["amount_cents"].sum()) == expected_cents
    assert not result.report.has_blocking_errors
    assert result.header_row == 1
    assert result.records["source_row"].tolist()[:2] == [2, 3]
    assert result.records["currency"].unique().tolist() == ["GBP"]


def test_bradford_keeps_cp1252_characters_and_supplier_numbers(realdata: Path) -> None:
    path = realdata / BRADFORD
    rows = _csv_rows(path, "cp1252")
    result = parse_spend_file(path)
    expected_names = {" ".join(row["Supplier Name"].split()) for row in rows}
    assert set(result.records["supplier_name"]) == expected_names
    assert result.records["supplier_id"].iloc[0] == rows[0]["Supplier Number"]
    credits = sum(1 for row in rows if Decimal(row["Net Amount"]) < 0)
    assert int(result.records["is_credit"].sum()) == credits
    assert result.report.counts_by_code().get("credit_line", 0) == credits


def test_reimporting_the_same_file_gives_the_same_hashes(realdata: Path) -> None:
    first = parse_spend_file(realdata / BRADFORD)
    second = parse_spend_file(realdata / BRADFORD, original_name="renamed.csv")
    assert first.file_hash == second.file_hash
    assert first.content_hash == second.content_hash


def _count(path: Path) -> int:
    return len(_csv_rows(path, "utf-8-sig"))


def test_the_social_economy_directory_imports_every_enterprise(realdata: Path) -> None:
    path = REFERENCE_DIR / "mauricie-se-directory.csv"
    result = parse_supplier_file(path)
    assert _count(path) == 430
    assert len(result.records) == 430
    first = result.records.iloc[0]
    assert first["neq"] == "1142934315"
    assert first["postal_code"] == "G9A 5K8"
    assert first["municipality"] == "Trois-Rivières"
    assert result.records["neq"].notna().sum() == 264
    with_latitude = sum(1 for row in _csv_rows(path, "utf-8-sig") if row["lat"] not in ("", "NA"))
    assert result.records["lat"].notna().sum() == with_latitude


def test_the_hub_members_import_with_their_type_and_sector_slugs(realdata: Path) -> None:
    path = REFERENCE_DIR / "mauricie-se-hub-members.csv"
    result = parse_supplier_file(path)
    assert _count(path) == 81
    assert len(result.records) == 81
    assert result.mapping["sector"] == "SecteurActivite"
    assert "obnl-a-volet-marchand" in set(result.records["org_type"])


def test_the_enterprise_register_extract_imports_with_free_text_activity(realdata: Path) -> None:
    path = REFERENCE_DIR / "mauricie-req-nonprofits-coops.csv"
    result = parse_supplier_file(path)
    assert _count(path) == 2220
    assert len(result.records) == 2220
    assert result.mapping["activity"] == "SecteurActivite"
    assert set(result.records["legal_form"].dropna()) <= {"APE", "COP", "ASS"}
    assert not result.records["municipality"].str.contains("(Québec)", regex=False).any()
    assert result.records["neq"].str.fullmatch(r"\d{10}").all()
