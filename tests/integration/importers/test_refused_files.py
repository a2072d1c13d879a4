"""Hostile, encrypted and foreign files are refused before parsing, naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from importers import (
    EncryptedFileError,
    FileTooLargeError,
    ImporterError,
    Limits,
    MacroFileError,
    UnreadableFileError,
    UnsafeFileError,
    UnsupportedFormatError,
    parse_spend_file,
    parse_supplier_file,
)
from tests.factories import said

SPEND_HEADER = ["Date", "Fournisseur", "Description", "Montant"]

ROWS = [SPEND_HEADER, ["2024-01-05", "ACME", "x", 10.0]]

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""


def _refused(path: Path, error: type[ImporterError], **kwargs: object) -> ImporterError:
    with pytest.raises(error) as caught:
        parse_spend_file(path, **kwargs)  # type: ignore[arg-type]
    assert path.name in said(caught.value)
    assert path.name in said(caught.value, "fr")
    return caught.value


def test_a_renamed_pdf_is_called_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "depenses.xlsx"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")
    error = _refused(path, UnsupportedFormatError)
    assert "this is a PDF document, not a spreadsheet" in said(error)


def test_a_zip_bomb_is_refused_before_parsing(files: Any, tmp_path: Path) -> None:
    source = files.xlsx({"S": ROWS})
    bomb = files.rewrite(source, "bombe.xlsx", {"xl/media/image1.bin": bytes(50 * 1024 * 1024)})
    error = _refused(bomb, UnsafeFileError)
    assert error.code == "zip_bomb"


def test_an_entity_expansion_sheet_is_refused(files: Any, tmp_path: Path) -> None:
    source = files.xlsx({"S": ROWS})
    attack = files.rewrite(source, "rires.xlsx", {"xl/worksheets/sheet1.xml": BILLION_LAUGHS})
    error = _refused(attack, UnsafeFileError)
    assert error.code == "xml_entities"


def test_a_password_protected_file_is_refused(files: Any) -> None:
    path = files.encrypted()
    error = _refused(path, EncryptedFileError)
    assert "password" in said(error) and "mot de passe" in said(error, "fr")


def test_a_workbook_with_macros_is_refused(files: Any, tmp_path: Path) -> None:
    source = files.xlsx({"S": ROWS})
    macro = files.rewrite(
        source, "macros.xlsm", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(600)}
    )
    error = _refused(macro, MacroFileError)
    assert "macros" in said(error)


def test_too_many_rows_are_refused_with_small_limits(files: Any) -> None:
    rows = [SPEND_HEADER, *[["2024-01-05", f"S{i}", "x", "1"] for i in range(50)]]
    error = _refused(files.text(rows), FileTooLargeError, limits=Limits(max_rows=10))
    assert error.code == "too_many_rows"


def test_too_many_columns_are_refused(files: Any) -> None:
    rows = [SPEND_HEADER + [f"c{i}" for i in range(20)], ["2024-01-05", "A", "x", "1"] + ["0"] * 20]
    error = _refused(files.text(rows), FileTooLargeError, limits=Limits(max_columns=10))
    assert error.code == "too_many_columns"


def test_too_many_bytes_are_refused(files: Any) -> None:
    _refused(files.text(ROWS), FileTooLargeError, limits=Limits(max_bytes=10))


def test_a_truncated_workbook_is_unreadable(files: Any, tmp_path: Path) -> None:
    source = files.xlsx({"S": ROWS})
    broken = tmp_path / "coupe.xlsx"
    broken.write_bytes(source.read_bytes()[:300])
    _refused(broken, UnreadableFileError)


def test_a_web_page_saved_as_xls_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_bytes(b"<html><body><table><tr><td>Fournisseur</td></tr></table></body></html>")
    error = _refused(path, UnsupportedFormatError)
    assert error.code == "html_file"


def test_the_original_name_is_used_in_messages(files: Any, tmp_path: Path) -> None:
    path = tmp_path / "upload-123.tmp"
    shutil.copy(files.encrypted("x.bin"), path)
    with pytest.raises(EncryptedFileError) as caught:
        parse_supplier_file(path, original_name="registre.xlsx")
    assert said(caught.value).startswith("registre.xlsx:")


def test_a_csv_field_over_the_csv_limit_is_refused_with_its_own_code(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("Date;Fournisseur;Montant\n2024-01-01;" + "x" * 140_000 + ";1\n")
    error = _refused(path, FileTooLargeError)
    assert error.code == "field_too_long"
    assert "131,072" in said(error) and "guillemet" in said(error, "fr")


def test_a_csv_with_an_unclosed_quote_swallowing_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "guillemet.csv"
    body = "".join(f"2024-01-{i % 28 + 1:02d},Fournisseur {i},{i}.50\n" for i in range(6_000))
    path.write_text('Date,Fournisseur,Montant\n2024-01-01,"ACME,1\n' + body)
    assert _refused(path, FileTooLargeError).code == "field_too_long"


@pytest.mark.parametrize("value", ["²", "٢٠٢٤-٠١-٠٥", "１２３", "2024-01-٥"])
def test_a_unicode_digit_in_a_date_is_an_invalid_date_not_a_crash(
        tmp_path: Path, value: str) -> None:
    path = tmp_path / "chiffres.csv"
    path.write_text(f"Date;Fournisseur;Montant\n{value};ACME;10\n2024-01-02;B;5\n")
    result = parse_spend_file(path)
    assert result.report.counts_by_code().get("invalid_date") == 1


@pytest.mark.parametrize("value", ["١٢٣", "１２３"])
def test_a_unicode_digit_in_an_amount_is_an_invalid_amount(tmp_path: Path, value: str) -> None:
    path = tmp_path / "montants.csv"
    path.write_text(f"Date;Fournisseur;Montant\n2024-01-01;ACME;{value}\n2024-01-02;B;5\n")
    result = parse_spend_file(path)
    assert result.report.counts_by_code().get("invalid_amount") == 1


def test_a_workbook_with_bad_deflate_data_is_refused_as_damaged(files: Any, tmp_path: Path) -> None:
    import zipfile

    source = files.xlsx({"S": ROWS})
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start, start + info.compress_size):
        data[offset] ^= 0x5A
    broken = tmp_path / "deflate.xlsx"
    broken.write_bytes(bytes(data))
    assert _refused(broken, UnreadableFileError).code == "damaged_archive"


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9, 0.99])
def test_a_workbook_cut_anywhere_is_refused_as_damaged(
        files: Any, tmp_path: Path, cut: float) -> None:
    data = files.xlsx({"S": ROWS}).read_bytes()
    broken = tmp_path / "coupe.xlsx"
    broken.write_bytes(data[: int(len(data) * cut)])
    error = _refused(broken, UnreadableFileError)
    assert error.code in {"damaged_archive", "damaged_file"}
