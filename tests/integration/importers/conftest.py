"""Builders of odd and hostile files, written at test time so nothing binary is committed."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

Rows = Sequence[Sequence[Any]]


def write_xlsx(
    path: Path, sheets: dict[str, Rows], merged: dict[str, list[str]] | None = None
) -> Path:
    """Write a workbook with one sheet per entry, merging the given ranges."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        for cell_range in (merged or {}).get(name, []):
            sheet.merge_cells(cell_range)
    book.save(path)
    return path


def write_text(path: Path, rows: Rows, *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    """Write a delimited text file in the given encoding."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def rewrite_zip(
    source: Path, target: Path, replace: dict[str, bytes], *, stored: bool = False
) -> Path:
    """Copy a zip, replacing or adding members."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            if item.filename not in replace:
                new.writestr(item, old.read(item.filename))
        for name, data in replace.items():
            new.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return target


def write_ods(path: Path, rows: Rows) -> Path:
    """Write a minimal OpenDocument spreadsheet by hand (odfpy is not installed)."""

    def cell(value: Any) -> str:
        if isinstance(value, int | float):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Dépenses">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def write_encrypted_office(path: Path) -> Path:
    """Write a minimal compound file (CFB v3) with EncryptionInfo and EncryptedPackage."""
    sector = 512
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<I", header, 76, 0)
    for index in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * index, free)
    fat = [fat_sector, end, *range(3, 10), end]  # sector 2..9 hold the package
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[0 : len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, free, right, child)
        struct.pack_into("<II", raw, 116, start, size)
        return bytes(raw)

    directory = (
        entry("Root Entry", 5, free, 1, end, 0)
        + entry("EncryptedPackage", 2, 2, free, 2, 4096)
        + entry("EncryptionInfo", 2, free, free, end, 0)
        + bytes(128)
    )
    data = bytes(header) + struct.pack("<128I", *fat) + directory + bytes(4096)
    path.write_bytes(data)
    return path


class Files:
    """Build test files in one temporary folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    def xlsx(self, sheets: dict[str, Rows], name: str = "depenses.xlsx", **kwargs: Any) -> Path:
        """Write a workbook."""
        return write_xlsx(self.folder / name, sheets, **kwargs)

    def text(self, rows: Rows, name: str = "depenses.csv", **kwargs: Any) -> Path:
        """Write a delimited text file."""
        return write_text(self.folder / name, rows, **kwargs)

    def ods(self, rows: Rows, name: str = "depenses.ods") -> Path:
        """Write an OpenDocument spreadsheet."""
        return write_ods(self.folder / name, rows)

    def encrypted(self, name: str = "protege.xlsx") -> Path:
        """Write a password-protected Office container."""
        return write_encrypted_office(self.folder / name)

    def rewrite(self, source: Path, name: str, replace: dict[str, bytes]) -> Path:
        """Copy a zip under a new name with members replaced or added."""
        return rewrite_zip(source, self.folder / name, replace)


@pytest.fixture
def files(tmp_path: Path) -> Files:
    """Return a builder of odd and hostile files in the test's temporary folder."""
    return Files(tmp_path)
