"""Locate the table in a file: check it, pick the sheet, find the header, frame the data rows."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from importers.headers import HeaderGuess, find_header, unique_labels
from importers.limits import DEFAULT_LIMITS, Limits
from importers.readers import RawSheet, Workbook, check_shape, read_text
from importers.report import N_, Issue
from importers.sniff import FileKind, detect_kind
from importers.values import Distinct, blank_mask

PEEK_ROWS = 40
Progress = Callable[[int, int], None]


@dataclass
class Table:
    """Data rows under the header as an object DataFrame whose columns are the header labels."""

    file_name: str
    kind: FileKind
    frame: pd.DataFrame
    row_numbers: np.ndarray
    columns: list[str]
    sheet: str | None
    sheets: list[str]
    header_row: int
    file_hash: str
    rows_read: int
    issues: list[Issue] = field(default_factory=list)
    path: Path | None = None
    encoding: str | None = None
    _distinct: dict[str, Distinct] = field(default_factory=dict, repr=False)
    _blank: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def distinct(self, column: str) -> Distinct:
        """Return the column factorized, computing it once per parse."""
        if column not in self._distinct:
            self._distinct[column] = Distinct.of(self.frame[column])
        return self._distinct[column]

    def blank(self, column: str) -> np.ndarray:
        """Return where the column's cells are empty, computing it once per parse."""
        if column not in self._blank:
            self._blank[column] = blank_mask(self.distinct(column))
        return self._blank[column]


def file_sha256(path: Path) -> str:
    """Return the sha256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_issue(code: str, text: str, params: dict[str, object],
                sheet: str | None = None) -> Issue:
    return Issue(sheet, None, None, None, code, text, params, "error")


def load_table(
    path: Path,
    *,
    file_name: str,
    sheet: str | None,
    kind_of_table: str,
    limits: Limits | None = None,
    progress: Progress | None = None,
    extent_checked: bool = False,
) -> Table:
    """Read a file into a Table; file-level problems come back as issues, hostile files raise.

    `extent_checked`: the caller has run `detect_kind` on this file already (the sheets'
    extent scan is then left out here).
    """
    limits = limits or DEFAULT_LIMITS
    kind = detect_kind(path, file_name, limits, check_extent=not extent_checked)
    file_hash = file_sha256(path)
    issues: list[Issue] = []
    sheets: list[str] = []
    if kind == "csv":
        raw = read_text(path, file_name, limits)
    else:
        book = Workbook(path, file_name, kind, limits)
        sheets = book.sheet_names
        chosen = _choose_sheet(book, sheet, kind_of_table, issues)
        if chosen is None:
            return _empty(file_name, kind, sheets, file_hash, issues, path)
        raw = book.read(chosen)
    if progress:
        progress(1, 4)
    if not any(any(not _blank(cell) for cell in row) for row in raw.rows[: PEEK_ROWS * 50]):
        issues.append(
            _file_issue(
                "empty_file",
                N_("%(file)s : le fichier ne contient aucune donnée ; une ligne d'en-tête et "
                   "des lignes d'achat sont attendues"),
                {"file": file_name},
                raw.name,
            )
        )
        return _empty(file_name, kind, sheets, file_hash, issues, path, raw.name)
    guess = find_header(raw.rows, kind_of_table, raw.merged, fallback=True)
    if guess is None:
        issues.append(
            _file_issue(
                "no_header",
                N_("%(file)s : aucune ligne d'en-tête dans les %(rows)s premières lignes ; des "
                   "titres de colonnes comme Date, Fournisseur, Montant sont attendus"),
                {"file": file_name, "rows": PEEK_ROWS},
                raw.name,
            )
        )
        return _empty(file_name, kind, sheets, file_hash, issues, path, raw.name)
    table = _frame(raw, guess, file_name, kind, sheets, file_hash, limits)
    table.issues = issues
    table.path = path
    if table.frame.empty:
        table.issues.append(
            _file_issue(
                "header_only",
                N_("%(file)s : l'en-tête est à la ligne %(row)s mais aucune ligne ne le suit ; "
                   "une ligne par achat est attendue sous l'en-tête"),
                {"file": file_name, "row": table.header_row},
                raw.name,
            )
        )
    if progress:
        progress(2, 4)
    return table


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _choose_sheet(
    book: Workbook, wanted: str | None, kind_of_table: str, issues: list[Issue]
) -> str | None:
    """Return the sheet named by the caller, or the one whose header scores best."""
    if wanted is not None:
        if wanted in book.sheet_names:
            return wanted
        folded = {name.strip().lower(): name for name in book.sheet_names}
        if wanted.strip().lower() in folded:
            return folded[wanted.strip().lower()]
        names = ", ".join(repr(n) for n in book.sheet_names)
        issues.append(
            _file_issue(
                "sheet_not_found",
                N_("%(file)s : il n'y a pas de feuille « %(sheet)s » ; les feuilles sont "
                   "%(sheets)s"),
                {"file": book.file_name, "sheet": wanted, "sheets": names},
            )
        )
        return None
    if not book.sheet_names:
        return None
    if len(book.sheet_names) == 1:
        return book.sheet_names[0]
    best_name, best_key = book.sheet_names[0], (-1.0, -1)
    for name in book.sheet_names:
        peek = book.peek(name, PEEK_ROWS)
        guess = find_header(peek.rows, kind_of_table, peek.merged)
        key = (guess.score if guess else 0.0, book.height(name))
        if key > best_key:
            best_name, best_key = name, key
    return best_name


def _empty(
    file_name: str,
    kind: FileKind,
    sheets: list[str],
    file_hash: str,
    issues: list[Issue],
    path: Path,
    sheet: str | None = None,
) -> Table:
    return Table(
        file_name,
        kind,
        pd.DataFrame(),
        np.zeros(0, dtype=np.int64),
        [],
        sheet,
        sheets,
        0,
        file_hash,
        0,
        issues,
        path,
    )


def _frame(
    raw: RawSheet,
    guess: HeaderGuess,
    file_name: str,
    kind: FileKind,
    sheets: list[str],
    file_hash: str,
    limits: Limits,
) -> Table:
    """Frame the rows under the header; drop blank rows and unlabelled empty columns."""
    start = guess.last_row + 1
    data = raw.rows[start:]
    check_shape(file_name, len(data), max(len(guess.labels), 0), limits, raw.name)
    if data and min(map(len, data)) != max(map(len, data)):
        # Ragged CSV lines: pad them (pandas will stop padding them itself).
        longest = max(map(len, data))
        data = [row if len(row) == longest else [*row, *[None] * (longest - len(row))]
                for row in data]
    frame = pd.DataFrame(data, dtype=object) if data else pd.DataFrame()
    numbers = np.asarray(raw.row_numbers[start:], dtype=np.int64)
    width = max(frame.shape[1], len(guess.labels))
    labels = [*guess.labels, *[""] * (width - len(guess.labels))]
    for extra in range(frame.shape[1], width):
        frame[extra] = None
    if frame.shape[1] > limits.max_columns:
        check_shape(file_name, 0, frame.shape[1], limits, raw.name)
    positions = range(frame.shape[1])
    # Each column is factorized once here; the parse reuses it (Table.distinct).
    distinct = {col: Distinct.of(frame.iloc[:, col]) for col in positions}
    blanks = {col: blank_mask(distinct[col]) for col in positions}
    keep_columns = [
        col for col in positions if labels[col] or (len(frame) and not blanks[col].all())
    ]
    kept_rows: np.ndarray | None = None
    if len(frame):
        all_blank = np.logical_and.reduce([blanks[col] for col in positions])
        if all_blank.any():
            kept_rows = ~all_blank
            frame = frame.iloc[kept_rows, keep_columns]
            numbers = numbers[kept_rows]
        elif len(keep_columns) < frame.shape[1]:
            frame = frame.iloc[:, keep_columns]
    else:
        frame = frame.iloc[:, keep_columns] if keep_columns else pd.DataFrame()
    names = unique_labels([labels[col] for col in keep_columns])
    frame.columns = pd.Index(names, dtype=object)
    frame = frame.reset_index(drop=True)
    factorized = {
        name: _kept(distinct[col], kept_rows) for name, col in zip(names, keep_columns, strict=True)
    }
    blank = {
        name: blanks[col] if kept_rows is None else blanks[col][kept_rows]
        for name, col in zip(names, keep_columns, strict=True)
    }
    header_row = raw.row_numbers[guess.last_row] if raw.row_numbers else guess.last_row + 1
    return Table(
        file_name=file_name,
        kind=kind,
        frame=frame,
        row_numbers=numbers,
        columns=names,
        sheet=raw.name,
        sheets=sheets,
        header_row=int(header_row),
        file_hash=file_hash,
        rows_read=len(frame),
        encoding=raw.encoding,
        _distinct=factorized if len(frame) else {},
        _blank=blank if len(frame) else {},
    )


def _kept(distinct: Distinct, rows: np.ndarray | None) -> Distinct:
    """Return a column's factorization restricted to the kept rows (codes only)."""
    return distinct if rows is None else Distinct(distinct.codes[rows], distinct.uniques)
