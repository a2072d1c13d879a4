"""Row checks shared by spend and supplier imports: furniture rows and issue building."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from importers.headers import normalize_label
from importers.report import N_, Issue, Severity
from importers.table import Table
from importers.values import Column, Distinct, to_text

# Whole-cell labels of total rows: never a supplier name.
_STRICT_TOTAL = re.compile(
    r"^(grand |sous ?|sub ?)?totau?[lx]?( general| generale| global| globale| des depenses"
    r"| pour .*| de .*| du .*| des .*| for .*| ttc| ht)?$|^(sous|sub) ?total.*$"
)
# "Total something": a total only when the row has no valid date either.
_LOOSE_TOTAL = re.compile(r"^(grand )?totau?[lx]?\b")


def match_distinct(
    column: Column, patterns: Sequence[re.Pattern[str]], prefilter: str
) -> list[np.ndarray]:
    """Return, per pattern, True where the folded cell text matches.

    Only distinct cells holding `prefilter` are folded and matched: on a million-line
    file almost no cell contains "tot", so the costly folding runs a handful of times.
    """
    distinct = Distinct.of(column)
    codes, uniques = distinct.codes, distinct.uniques
    flags = [np.zeros(len(uniques) + 1, dtype=bool) for _ in patterns]
    texts = np.asarray(uniques, dtype=object).tolist()
    # Case-blind containment, as pandas' .str.contains(case=False, regex=False) tests it;
    # cells that are not text never match.
    wanted = prefilter.upper()
    near = np.fromiter((isinstance(t, str) and wanted in t.upper() for t in texts),
                       dtype=bool, count=len(texts))
    for position in np.flatnonzero(near).tolist():
        label = normalize_label(texts[position])
        for flag, pattern in zip(flags, patterns, strict=True):
            flag[position] = bool(pattern.match(label))
    return [flag[codes] for flag in flags]


def total_rows(table: Table, columns: Sequence[str], date_valid: np.ndarray) -> np.ndarray:
    """Find total / sub-total / grand-total rows among the data."""
    strict = np.zeros(len(table.frame), dtype=bool)
    loose = np.zeros(len(table.frame), dtype=bool)
    for column in columns:
        is_strict, is_loose = match_distinct(
            table.distinct(column), (_STRICT_TOTAL, _LOOSE_TOTAL), "tot")
        strict |= is_strict
        loose |= is_loose
    return strict | (loose & ~date_valid)


def repeated_header_rows(table: Table, columns: Sequence[str]) -> np.ndarray:
    """Find copies of the header row inside the data (page headers of printed exports)."""
    hits = np.ones(len(table.frame), dtype=bool)
    for column in columns:
        label = normalize_label(column)
        distinct = table.distinct(column)
        codes, uniques = distinct.codes, distinct.uniques
        same = np.array(
            [isinstance(u, str) and normalize_label(u) == label for u in uniques] + [False],
            dtype=bool,
        )
        hits &= same[codes]
    return hits if len(columns) else np.zeros(len(table.frame), dtype=bool)


def shown(value: object) -> str:
    """Show a cell value as the clerk typed it, shortened for messages."""
    text = to_text(value) or ""
    return text if len(text) <= 80 else text[:77] + "..."


def row_issues(
    table: Table,
    mask: np.ndarray,
    column: str | None,
    code: str,
    severity: Severity,
    text: str,
    params: Mapping[str, Any] | None = None,
) -> list[Issue]:
    """Build one issue per masked row; `text` may use %(row)s, %(column)s and %(value)s."""
    positions = np.flatnonzero(mask)
    if not len(positions):
        return []
    values = (
        table.frame[column].to_numpy(dtype=object)[positions]
        if column is not None
        else np.full(len(positions), None)
    )
    rows = table.row_numbers[positions]
    issues = []
    for row, value in zip(rows.tolist(), values, strict=True):
        shown_value = shown(value)
        filled = {"row": row, "column": column, "value": shown_value, **(params or {})}
        issues.append(
            Issue(table.sheet, row, column, shown_value if column else None, code, text,
                  filled, severity)
        )
    return issues


def skipped_issues(table: Table, mask: np.ndarray, code: str, what: str) -> list[Issue]:
    """Report furniture rows that were skipped (info: nothing refused); `what` is a msgid."""
    return row_issues(table, mask, None, code, "info",
                      N_("Ligne %(row)s : %(what_text)s, ignorée"), {"what_text": what})
