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
    assert path.name in caught.value.message
    assert path.name in caught.value.message_fr
    return caught.value


def test_a_renamed_pdf_is_called_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "depenses.xlsx"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")
    error = _refused(path, UnsupportedFormatError)
    assert "this is a PDF document, not a spreadsheet" in error.message


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
    assert "password" in error.message and "mot de passe" in error.message_fr


def test_a_workbook_with_macros_is_refused(files: Any, tmp_path: Path) -> None:
    source = files.xlsx({"S": ROWS})
    macro = files.rewrite(
        source, "macros.xlsm", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(600)}
    )
    error = _refused(macro, MacroFileError)
    assert "macros" in error.message


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
    assert caught.value.message.startswith("registre.xlsx:")
