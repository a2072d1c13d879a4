"""Checks that refuse hostile archives and XML before any parser touches them."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from importers.errors import UnsafeFileError
from importers.limits import Limits
from importers.report import N_

XML_SUFFIXES = (".xml", ".rels", ".vml")
# A DOCTYPE can only sit in the prolog, so big members are scanned up to their root element.
FULL_SCAN_MAX_BYTES = 8 * 1024 * 1024
PROLOG_SCAN_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
FORBIDDEN_MARKUP = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")


def check_zip_bomb(path: Path, file_name: str, limits: Limits) -> list[zipfile.ZipInfo]:
    """Refuse an archive whose member count, total size or expansion ratio is abnormal."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    if len(members) > limits.zip_max_members:
        raise UnsafeFileError(
            file_name,
            N_("l'archive contient %(count)s parties (limite %(limit)s) ; elle semble conçue "
               "pour saturer le serveur et n'a pas été ouverte"),
            {"count": len(members), "limit": limits.zip_max_members},
            code="zip_bomb",
        )
    total = sum(member.file_size for member in members)
    if total > limits.zip_max_total_uncompressed:
        raise UnsafeFileError(
            file_name,
            N_("le classeur se décompresse en %(size)s Mio (limite %(limit)s Mio) ; il n'a pas "
               "été ouvert"),
            {"size": total // 1_048_576, "limit": limits.zip_max_total_uncompressed // 1_048_576},
            code="zip_bomb",
        )
    for member in members:
        if member.file_size < limits.zip_ratio_min_size:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.zip_max_ratio:
            raise UnsafeFileError(
                file_name,
                N_("la partie « %(part)s » se décompresse %(ratio)s fois (limite %(limit)s) ; "
                   "c'est la signature d'une bombe zip, le fichier n'a pas été ouvert"),
                {"part": member.filename, "ratio": round(ratio),
                 "limit": round(limits.zip_max_ratio)},
                code="zip_bomb",
            )
    return members


def check_xml_members(path: Path, file_name: str, limits: Limits) -> None:
    """Refuse XML parts that declare a DOCTYPE or entities (billion laughs, external entities)."""
    scanned = 0
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.filename.lower().endswith(XML_SUFFIXES):
                continue
            budget = member.file_size if member.file_size <= FULL_SCAN_MAX_BYTES else None
            scanned += _scan_member(archive, member, file_name, budget)
            if scanned > limits.max_xml_scan_bytes:
                raise UnsafeFileError(
                    file_name,
                    N_("le XML du classeur dépasse la limite d'import ; il n'a pas été ouvert"),
                    code="zip_bomb",
                )


def _scan_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, file_name: str, budget: int | None
) -> int:
    """Stream one member looking for forbidden markup; return the bytes read."""
    read = 0
    tail = b""
    limit = budget if budget is not None else PROLOG_SCAN_BYTES
    with archive.open(member) as stream:
        while read < limit:
            chunk = stream.read(min(CHUNK_BYTES, limit - read))
            if not chunk:
                break
            read += len(chunk)
            window = tail + chunk
            if any(marker in window for marker in FORBIDDEN_MARKUP):
                raise UnsafeFileError(
                    file_name,
                    N_("la partie « %(part)s » déclare un DOCTYPE ou des entités XML, inutiles "
                       "dans un tableur et utilisés par des attaques ; le fichier n'a pas été "
                       "ouvert"),
                    {"part": member.filename},
                    code="xml_entities",
                )
            tail = window[-16:]
    return read


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Za-z0-9:$]+)\"")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_REF = re.compile(r"^\$?([A-Za-z]{1,10})\$?([0-9]{1,12})$")
# Readers accept column letters beyond Excel's XFD: match any run of two or more.
# A literal `r="` prefix keeps the scan near memory speed (no attempt per tag); anything
# else ending in `r="` can only make the check stricter.
_WIDE_COLUMN = re.compile(rb"r=\"\$?([A-Za-z]{2,})\$?[0-9]")
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
SCAN_OVERLAP = 64


def column_number(letters: str) -> int:
    """Return the 1-based number of a column from its letters (A -> 1, CZ -> 104)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _corner(reference: str) -> tuple[int, int] | None:
    """Return (row, column) of a cell reference such as CZ1048576, or None."""
    match = _REF.match(reference)
    if not match:
        return None
    return int(match.group(2)), column_number(match.group(1))


def _too_many_cells(
    file_name: str, rows: int, columns: int, limits: Limits, where: str, declared: bool
) -> UnsafeFileError:
    cells = rows * columns
    text = N_("la feuille « %(sheet)s » déclare %(rows)s lignes sur %(columns)s colonnes "
              "(%(cells)s cellules, limite %(limit)s) ; la lire saturerait le serveur. "
              "Supprimez les lignes et colonnes vides après les données (ou copiez les données "
              "dans une nouvelle feuille) et enregistrez de nouveau") if declared else \
        N_("la feuille « %(sheet)s » atteint %(rows)s lignes sur %(columns)s colonnes "
           "(%(cells)s cellules, limite %(limit)s) ; la lire saturerait le serveur. "
           "Supprimez les lignes et colonnes vides après les données (ou copiez les données "
           "dans une nouvelle feuille) et enregistrez de nouveau")
    return UnsafeFileError(
        file_name, text,
        {"sheet": where, "rows": rows, "columns": columns, "cells": cells,
         "limit": limits.max_cells},
        code="too_many_cells",
    )


def check_xlsx_extent(path: Path, file_name: str, limits: Limits) -> None:
    """Refuse a worksheet whose declared or real rectangle of cells exceeds the cell cap.

    Both are read from the zip before any spreadsheet reader runs: the declared
    `<dimension ref>` from the prolog, the real extent from the cell references (the
    widest column and the deepest row), matching only references big enough to matter,
    so that an ordinary sheet costs one decompression and almost no matches.
    """
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            name = member.filename.lower()
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            where = member.filename.rsplit("/", 1)[-1].removesuffix(".xml")
            # Rows below a million cannot break the cap unless the sheet is wide.
            widest, deepest = _scan_worksheet(archive, member, file_name, limits, where, 7)
            if widest * EXCEL_MAX_ROWS > limits.max_cells:
                digits = len(str(max(limits.max_cells // widest, 1)))
                _, deepest = _scan_worksheet(archive, member, file_name, limits, where, digits)
            if widest > EXCEL_MAX_COLUMNS or deepest * widest > limits.max_cells:
                raise _too_many_cells(file_name, max(deepest, 1), widest, limits, where, False)


def _scan_worksheet(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    file_name: str,
    limits: Limits,
    where: str,
    row_digits: int,
) -> tuple[int, int]:
    """Return (widest column, deepest row with at least `row_digits` digits) of a sheet."""
    rows = re.compile(
        rb"r=\"\$?[A-Za-z]*\$?([0-9]{%d,})\"" % row_digits
    )
    # One pass finds any reference either search below could match (two letters or
    # more, or `row_digits` digits): an ordinary sheet has none, so its chunks cost
    # one regex scan instead of two.
    either = re.compile(
        rb"r=\"\$?(?:[A-Za-z]{2,}\$?[0-9]|[A-Za-z]?\$?[0-9]{%d})" % row_digits
    )
    prolog = b""
    declared_checked = False
    widest = 26  # any sheet may use A..Z; only wider columns are matched
    deepest = 0
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            window = tail + chunk
            if not declared_checked:
                prolog += chunk
                data_start = _SHEET_DATA.search(prolog)
                if data_start is not None or len(prolog) > PROLOG_SCAN_BYTES:
                    declared_checked = True
                    head = prolog[: data_start.start()] if data_start else prolog
                    if found := _DIMENSION.search(head):
                        _check_declared(found.group(1).decode("ascii"), file_name, limits, where)
                    prolog = b""
            if either.search(window) is None:
                tail = window[-SCAN_OVERLAP:]
                continue
            for letters in set(_WIDE_COLUMN.findall(window)):
                # Ten letters already exceed any cap; do not compute a giant number.
                widest = max(widest, column_number(letters[:10].decode("ascii")))
            for number in set(rows.findall(window)):
                deepest = max(deepest, int(number))
            if widest > EXCEL_MAX_COLUMNS or deepest * widest > limits.max_cells:
                raise _too_many_cells(file_name, max(deepest, 1), widest, limits, where, False)
            tail = window[-SCAN_OVERLAP:]
    return widest, deepest


_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = f"{{{_TABLE_NS}}}table"
_ROW = f"{{{_TABLE_NS}}}table-row"
_CELLS = (f"{{{_TABLE_NS}}}table-cell", f"{{{_TABLE_NS}}}covered-table-cell")
_ROWS_REPEATED = f"{{{_TABLE_NS}}}number-rows-repeated"
_COLUMNS_REPEATED = f"{{{_TABLE_NS}}}number-columns-repeated"
_VALUE_TYPE = f"{{{_OFFICE_NS}}}value-type"
_NAME = f"{{{_TABLE_NS}}}name"


def _repeat(element: Any, attribute: str) -> int:
    try:
        return max(int(element.get(attribute, "1")), 1)
    except ValueError:
        return 1


def check_ods_extent(path: Path, file_name: str, limits: Limits) -> None:
    """Refuse an OpenDocument sheet whose repeated rows and columns exceed the cell cap.

    A row or a cell may say "repeated 1,048,576 times"; empty repeats (LibreOffice writes
    them after the data) cost nothing, repeats holding a value are counted.
    """
    import xml.etree.ElementTree as ElementTree  # DOCTYPE/entities were refused earlier

    with zipfile.ZipFile(path) as archive:
        if "content.xml" not in archive.namelist():
            return
        with archive.open("content.xml") as stream:
            rows = widest = 0
            where = "?"
            for event, element in ElementTree.iterparse(stream, events=("start", "end")):
                if event == "start":
                    if element.tag == _TABLE:
                        rows = widest = 0
                        where = element.get(_NAME, "?")
                    continue
                if element.tag == _ROW:
                    width = position = 0
                    for cell in element:
                        if cell.tag not in _CELLS:
                            continue
                        position += _repeat(cell, _COLUMNS_REPEATED)
                        if cell.get(_VALUE_TYPE) is not None or len(cell):
                            width = position
                    repeat = _repeat(element, _ROWS_REPEATED)
                    rows += repeat
                    if width:
                        widest = max(widest, width)
                        if rows * widest > limits.max_cells:
                            raise _too_many_cells(file_name, rows, widest, limits, where, False)
                    elif repeat > 1 and not widest:
                        rows -= repeat  # empty rows before any data: readers skip them
                    element.clear()


def _check_declared(ref: str, file_name: str, limits: Limits, where: str) -> None:
    first, _, last = ref.partition(":")
    start = _corner(first)
    end = _corner(last or first)
    if start is None or end is None:
        return
    rows = abs(end[0] - start[0]) + 1
    columns = abs(end[1] - start[1]) + 1
    if rows * columns > limits.max_cells:
        raise _too_many_cells(file_name, rows, columns, limits, where, declared=True)


def assert_defused_openpyxl() -> None:
    """Raise RuntimeError unless openpyxl parses XML through defusedxml."""
    from openpyxl import xml as openpyxl_xml

    if not getattr(openpyxl_xml, "DEFUSEDXML", False):
        raise RuntimeError(
            "openpyxl is not using defusedxml: install defusedxml so uploaded workbooks "
            "cannot use XML entity expansion"
        )
