"""Spending exports as they come out of finance systems import with a clear report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from importers import parse_spend_file
from tests.factories import said

SPEND_HEADER = ["Date", "Fournisseur", "Description", "Montant"]

LINES = [
    [dt.date(2024, 1, 5), "Coop de solidarité Adirondak", "Entretien ménager", 1234.56],
    [dt.date(2024, 1, 6), "Imprimerie Lemieux", "Impression", 99.5],
    [dt.date(2024, 1, 7), "Traiteur du Coin", "Repas conseil", -45.0],
]


def test_title_rows_above_the_header_are_skipped(files: Any) -> None:
    path = files.xlsx(
        {
            "Paiements": [
                ["Ville de Trois-Rivières"],
                ["Paiements janvier 2024"],
                [],
                SPEND_HEADER,
                *LINES,
            ]
        }
    )
    result = parse_spend_file(path)
    assert result.header_row == 4
    assert result.records["source_row"].tolist() == [5, 6, 7]
    assert result.total_cents == 123456 + 9950 - 4500
    assert result.records["date"].tolist()[0] == dt.date(2024, 1, 5)


def test_credits_are_kept_and_flagged(files: Any) -> None:
    result = parse_spend_file(files.xlsx({"S": [SPEND_HEADER, *LINES]}))
    assert result.records["is_credit"].tolist() == [False, False, True]
    credit = [i for i in result.report.issues if i.code == "credit_line"]
    assert [(i.row, i.severity) for i in credit] == [(4, "warning")]
    assert not result.report.has_blocking_errors


def test_total_and_subtotal_rows_are_skipped_and_counted(files: Any) -> None:
    rows = [
        SPEND_HEADER,
        LINES[0],
        ["Sous-total Travaux publics", None, None, 1234.56],
        LINES[1],
        [None, None, None, 99.5],
        ["TOTAL GÉNÉRAL", None, None, 1334.06],
        [None, "Total", None, 1334.06],
        [dt.date(2024, 1, 8), "Total Energies", "Carburant", 10.0],
    ]
    result = parse_spend_file(files.xlsx({"S": rows}))
    assert result.skipped_rows == 4
    assert result.records["supplier_name"].tolist() == [LINES[0][1], LINES[1][1], "Total Energies"]
    counts = result.report.counts_by_code()
    assert counts["total_row_skipped"] == 3
    assert counts["amount_only_row_skipped"] == 1
    assert not result.report.has_blocking_errors


def test_semicolons_decimal_commas_and_cp1252_are_read(files: Any) -> None:
    rows = [
        ["Date de paiement", "Nom du fournisseur", "Libellé", "Montant ($)"],
        ["15/01/2024", "Société Écho", "Déneigement", "1 234,56 $"],
        ["31/01/2024", "Café Boréal", "Réunion", "(12,50)"],
    ]
    result = parse_spend_file(files.text(rows, delimiter=";", encoding="cp1252"))
    assert result.records["supplier_name"].tolist() == ["Société Écho", "Café Boréal"]
    assert result.records["amount_cents"].tolist() == [123456, -1250]
    assert result.records["date"].tolist() == [dt.date(2024, 1, 15), dt.date(2024, 1, 31)]
    assert result.date_order == "dmy"
    assert result.encoding == "cp1252"


def test_utf8_with_bom_and_tabs_are_read(files: Any) -> None:
    rows = [["Fournisseur", "Montant"], ["Énergir", "10.00"]]
    result = parse_spend_file(files.text(rows, delimiter="\t", encoding="utf-8-sig", name="x.txt"))
    assert result.columns == ["Fournisseur", "Montant"]
    assert result.records["supplier_name"].tolist() == ["Énergir"]


def test_a_header_merged_over_two_rows_is_understood(files: Any) -> None:
    rows = [
        ["Date", "Fournisseur", None, "Montant"],
        [None, "Nom", "Numéro", None],
        [dt.date(2024, 1, 5), "ACME", "42", 10.0],
    ]
    result = parse_spend_file(files.xlsx({"S": rows}, merged={"S": ["B1:C1"]}))
    assert result.header_row == 2
    assert result.mapping["supplier_name"] == "Fournisseur Nom"
    assert result.mapping["supplier_id"] == "Fournisseur Numéro"
    assert result.records["supplier_id"].tolist() == ["42"]


def test_blank_columns_between_data_are_ignored(files: Any) -> None:
    rows = [["Fournisseur", None, "Montant"], ["ACME", None, 5.0], ["Beta", None, 6.0]]
    result = parse_spend_file(files.xlsx({"S": rows}))
    assert result.columns == ["Fournisseur", "Montant"]
    assert result.total_cents == 1100


def test_the_data_sheet_is_picked_unless_the_caller_names_one(files: Any) -> None:
    path = files.xlsx({"Notes": [["Exporté le 2024-02-01"], ["par le système financier"]],
                 "Données": [SPEND_HEADER, *LINES],
                 "Autre": [SPEND_HEADER, LINES[0]]})  # fmt: skip
    picked = parse_spend_file(path)
    assert picked.sheet == "Données"
    assert picked.sheets == ["Notes", "Données", "Autre"]
    assert len(picked.records) == 3
    named = parse_spend_file(path, sheet="Autre")
    assert named.sheet == "Autre"
    assert len(named.records) == 1
    assert named.records["sheet"].tolist() == ["Autre"]
    missing = parse_spend_file(path, sheet="Nope")
    assert missing.report.counts_by_code() == {"sheet_not_found": 1}


def test_ambiguous_dates_need_confirmation_until_the_order_is_given(
    files: Any,
) -> None:
    rows = [["Date", "Fournisseur", "Montant"], ["03/04/2024", "A", "1"], ["05/06/2024", "B", "2"]]
    path = files.text(rows)
    result = parse_spend_file(path)
    assert result.needs_confirmation
    assert result.report.counts_by_code()["ambiguous_date_order"] == 1
    told = parse_spend_file(path, date_order="mdy")
    assert not told.needs_confirmation
    assert told.records["date"].tolist() == [dt.date(2024, 3, 4), dt.date(2024, 5, 6)]


def test_bad_values_refuse_their_row_with_a_clear_message(files: Any) -> None:
    rows = [
        ["Date", "Fournisseur", "Montant"],
        ["2024-01-05", "A", "12,3,4"],
        ["2024-13-45", "B", "5"],
        ["2024-01-07", "", "5"],
        ["2024-01-08", "C", ""],
        ["2024-01-09", "D", "7.125"],
    ]
    result = parse_spend_file(files.text(rows))
    report = result.report
    assert report.refused_rows == {2, 3, 4, 5}
    assert report.counts_by_code() == {
        "invalid_amount": 1, "invalid_date": 1, "missing_value": 2, "amount_rounded": 1,
    }  # fmt: skip
    bad = next(i for i in report.issues if i.code == "invalid_amount")
    assert (bad.row, bad.column, bad.value) == (2, "Montant", "12,3,4")
    assert "is not an amount; expected a number like 1 234,56 or 1,234.56" in said(bad)
    assert "n'est pas un montant" in said(bad, "fr")
    assert result.records["amount_cents"].tolist() == [712]


def test_formulas_saved_without_values_are_reported(files: Any, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "S"
    for row in [SPEND_HEADER, LINES[0], [dt.date(2024, 1, 9), "Calcul inc", "x", "=2*3"]]:
        sheet.append(row)
    path = tmp_path / "formules.xlsx"
    book.save(path)
    result = parse_spend_file(path)
    issue = next(i for i in result.report.issues if i.code == "formula_without_value")
    assert issue.row == 3
    assert result.report.refused_rows == {3}


def test_an_explicit_mapping_wins_over_detection(files: Any) -> None:
    rows = [["Qui", "Combien", "Montant"], ["ACME", "12.00", "999"]]
    result = parse_spend_file(
        files.text(rows), mapping={"supplier_name": "Qui", "amount": "Combien"}
    )
    assert result.records["amount_cents"].tolist() == [1200]
    assert result.mapping == {"supplier_name": "Qui", "amount": "Combien"}


def test_a_file_without_supplier_column_is_refused_with_the_columns_found(
    files: Any,
) -> None:
    result = parse_spend_file(files.text([["Date", "Montant"], ["2024-01-01", "5"]]))
    assert result.needs_confirmation
    assert result.report.counts_by_code() == {"missing_required_column": 1}
    assert result.columns == ["Date", "Montant"]
    assert result.records.empty


def test_empty_and_header_only_files_are_reported(files: Any, tmp_path: Path) -> None:
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    assert parse_spend_file(empty).report.counts_by_code() == {"empty_file": 1}
    header_only = files.text([SPEND_HEADER])
    assert parse_spend_file(header_only).report.counts_by_code() == {"header_only": 1}
    no_header = files.text([["1", "2"], ["3", "4"]], name="chiffres.csv")
    assert parse_spend_file(no_header).report.counts_by_code() == {"no_header": 1}


def test_the_same_data_as_csv_and_xlsx_has_the_same_content_hash(files: Any) -> None:
    book = parse_spend_file(files.xlsx({"S": [SPEND_HEADER, *LINES]}))
    text_rows = [[d.isoformat(), s, t, f"{a:.2f}"] for d, s, t, a in LINES]
    text = parse_spend_file(files.text([SPEND_HEADER, *reversed(text_rows)]))
    assert book.content_hash == text.content_hash
    assert book.file_hash != text.file_hash


def test_an_ods_spreadsheet_is_read(files: Any) -> None:
    rows = [
        ["Fournisseur", "Montant", "Numéro de fournisseur"],
        ["ACME", 12.5, 42],
        ["Beta", 3, 43],
    ]
    result = parse_spend_file(files.ods(rows))
    assert result.records["amount_cents"].tolist() == [1250, 300]
    assert result.records["supplier_id"].tolist() == ["42", "43"]


def test_an_xlsm_without_macros_is_read(files: Any) -> None:
    result = parse_spend_file(files.xlsx({"S": [SPEND_HEADER, *LINES]}, name="depenses.xlsm"))
    assert len(result.records) == 3


def test_progress_is_reported(files: Any) -> None:
    seen: list[tuple[int, int]] = []
    parse_spend_file(
        files.text([SPEND_HEADER, ["2024-01-01", "A", "x", "1"]]),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen[-1] == (4, 4)


def test_titles_matching_no_alias_are_offered_for_mapping_then_imported(tmp_path) -> None:
    path = tmp_path / "maison.csv"
    path.write_text("Qui;Combien;Quand;Quoi\nImprimerie Gagné;12,50;2025-01-03;Bulletin\n"
                    "Traiteur Laviolette;40;2025-01-04;Buffet\n", encoding="utf-8")
    first = parse_spend_file(path)
    assert first.columns == ["Qui", "Combien", "Quand", "Quoi"]
    assert first.needs_confirmation and len(first.records) == 0
    assert "missing_required_column" in first.report.counts_by_code()
    mapped = parse_spend_file(path, mapping={"supplier_name": "Qui", "amount": "Combien",
                                             "date": "Quand", "description": "Quoi"})
    assert not mapped.report.has_blocking_errors
    assert len(mapped.records) == 2 and mapped.total_cents == 5250
