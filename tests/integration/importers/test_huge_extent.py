"""A tiny file that declares or reaches a huge rectangle of cells is refused before reading."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from importers import ImporterError, Limits, UnsafeFileError
from importers.isolation import parse_spend_file_isolated
from tests.factories import said
from tests.integration.importers.conftest import rewrite_zip, write_ods

# Before the cap these files cost gigabytes: a small memory cap makes that a quick failure.
SMALL = Limits(memory_limit_bytes=1536 * 1024**2, parse_timeout_seconds=120)
ROWS = [["Date", "Fournisseur", "Montant"], ["2024-01-05", "ACME", 10.0]]


def _refused(path: Path) -> ImporterError:
    with pytest.raises(UnsafeFileError) as caught:
        parse_spend_file_isolated(path, limits=SMALL)
    error = caught.value
    assert error.code == "too_many_cells"
    assert path.name in said(error) and path.name in said(error, "fr")
    assert "cells" in said(error) and "cellules" in said(error, "fr")
    return error


def _far_cell(files: Any, tmp_path: Path, corner: str, name: str, *, lie: bool) -> Path:
    source = files.xlsx({"S": ROWS}, name=f"source-{name}")
    with zipfile.ZipFile(source) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    row = re.sub(r"[A-Z]", "", corner)
    far = f'<row r="{row}"><c r="{corner}" t="n"><v>1</v></c></row></sheetData>'
    sheet = sheet.replace("</sheetData>", far)
    declared = "A1:C2" if lie else f"A1:{corner}"
    sheet = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{declared}"', sheet)
    return rewrite_zip(source, tmp_path / name, {"xl/worksheets/sheet1.xml": sheet.encode()})


@pytest.mark.parametrize("corner", ["CZ1048576", "XFD1048576"])
def test_a_declared_huge_dimension_is_refused_with_its_own_code(
        files: Any, tmp_path: Path, corner: str) -> None:
    path = _far_cell(files, tmp_path, corner, f"loin-{corner}.xlsx", lie=False)
    assert path.stat().st_size < 10_000
    error = _refused(path)
    assert "declares" in said(error)


@pytest.mark.parametrize("corner", ["CZ1048576", "XFD1048576", "A99999999", "A99999999999",
                                    "ZZZZ1048576", "$B$99999999", "$CZ$1048576"])
def test_a_far_cell_behind_a_small_declared_dimension_is_refused(
        files: Any, tmp_path: Path, corner: str) -> None:
    path = _far_cell(files, tmp_path, corner, f"menteur-{corner}.xlsx", lie=True)
    error = _refused(path)
    assert "reaches" in said(error)


def test_an_ordinary_wide_sheet_is_read(files: Any, tmp_path: Path) -> None:
    header = ["Date", "Fournisseur", "Montant", *[f"Col {i}" for i in range(60)]]
    rows = [header, *[["2024-01-05", f"F{i}", 10.0, *range(60)] for i in range(50)]]
    result = parse_spend_file_isolated(files.xlsx({"S": rows}, name="large.xlsx"), limits=SMALL)
    assert len(result.records) == 50


def test_an_ods_with_a_value_repeated_over_a_huge_range_is_refused(
        files: Any, tmp_path: Path) -> None:
    source = write_ods(tmp_path / "source.ods", ROWS)
    with zipfile.ZipFile(source) as archive:
        content = archive.read("content.xml").decode()
    repeated = ('<table:table-row table:number-rows-repeated="1048576">'
                '<table:table-cell table:number-columns-repeated="16384" '
                'office:value-type="float" office:value="1"><text:p>1</text:p>'
                "</table:table-cell></table:table-row></table:table>")
    content = content.replace("</table:table>", repeated)
    path = rewrite_zip(source, tmp_path / "repete.ods", {"content.xml": content.encode()})
    _refused(path)


def test_an_ods_with_libreoffice_empty_trailing_repeats_is_read(tmp_path: Path) -> None:
    source = write_ods(tmp_path / "source.ods", ROWS)
    with zipfile.ZipFile(source) as archive:
        content = archive.read("content.xml").decode()
    empty = ('<table:table-row table:number-rows-repeated="1048574">'
             '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
             "</table:table>")
    content = content.replace("</table:table>", empty)
    path = rewrite_zip(source, tmp_path / "libre.ods", {"content.xml": content.encode()})
    result = parse_spend_file_isolated(path, limits=SMALL)
    assert len(result.records) == 1
