"""The one cell writer of every export and report: text stays text, numbers stay numbers.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` (and, after a
tab or carriage return, sometimes too) as a formula: a supplier renamed
`=HYPERLINK("http://x","y")` would become a live link in the auditor's workbook. So:
- in a workbook, text is stored as a text cell (never a formula) with Excel's quote
  prefix, which shows the text exactly as written;
- in a CSV, text that starts with a trigger character gets a leading apostrophe, the
  convention spreadsheets use for "this is text"; `restore_text` removes it again;
- numbers (int, float, Decimal) are written as numbers, negative amounts included.
OCDS JSON needs none of this (JSON values are typed) and PDF text is never evaluated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
NUMBER_TYPES = (int, float, Decimal)


def is_number(value: object) -> bool:
    """Tell whether a value is a real number (booleans are not amounts)."""
    return isinstance(value, NUMBER_TYPES) and not isinstance(value, bool)


def csv_text(value: object) -> str:
    """Render one value for a CSV cell: numbers as numbers, risky text neutralised."""
    if value is None:
        return ""
    if is_number(value):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS) or text.startswith(TEXT_MARK):
        # A text that already starts with the mark gets one more, so restore_text is exact.
        return TEXT_MARK + text
    return text


def restore_text(cell: str) -> str:
    """Return the text a person wrote from a CSV cell written by `csv_text`."""
    return cell[1:] if cell.startswith(TEXT_MARK) else cell


def csv_document(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Return a CSV document (UTF-8 with BOM so Excel reads accents) with every cell safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(header) for header in headers])
    for row in rows:
        writer.writerow([csv_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def put_cell(sheet: Any, row: int, column: int, value: object) -> Any:
    """Write one openpyxl cell: numbers and dates typed, anything else as plain text."""
    cell = sheet.cell(row=row, column=column)
    cleaned = _workbook_value(value)
    cell.value = cleaned
    _keep_text(cell, cleaned)
    return cell


def append_row(sheet: Any, values: Sequence[Any]) -> None:
    """Append a row of safe cells to an openpyxl sheet (an empty list adds a blank row)."""
    cleaned = [_workbook_value(value) for value in values]
    sheet.append(cleaned)
    if not any(value is not None for value in cleaned):
        return
    row = sheet.max_row
    for column, value in enumerate(cleaned, start=1):
        _keep_text(sheet.cell(row=row, column=column), value)


def _workbook_value(value: object) -> object:
    if value is None or is_number(value) or isinstance(value, dt.datetime | dt.date):
        return value
    return workbook_text(str(value))


def workbook_text(text: str) -> str:
    """Return the text a workbook can hold: XML drops control characters and reads CR as LF."""
    # openpyxl would refuse the whole export over one control character.
    return ILLEGAL_CHARACTERS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _keep_text(cell: Any, value: object) -> None:
    if not isinstance(value, str):
        return
    # openpyxl turns a string starting with "=" into a formula: force a text cell, and
    # Excel's quote prefix keeps it text when someone edits the cell.
    cell.data_type = "s"
    if value.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
