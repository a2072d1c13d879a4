"""The import report is data: counts, groups, CSV and dicts with stable keys."""

from __future__ import annotations

import pickle

from importers import ImportReport, Issue, UnsafeFileError
from importers.safety import assert_defused_openpyxl


def _report() -> ImportReport:
    return ImportReport(
        [
            Issue("S", 14, "Montant", "12,3,4", "invalid_amount", "« %(value)s » : mauvais",
                  {"value": "12,3,4"}, "error"),
            Issue("S", 15, "Montant", "-5", "credit_line", "avoir", {}, "warning"),
            Issue("S", 16, "Montant", "x", "invalid_amount", "« %(value)s » : mauvais",
                  {"value": "x"}, "error"),
        ]
    )


def test_counts_and_refused_rows_come_from_the_issues() -> None:
    report = _report()
    assert report.counts_by_code() == {"invalid_amount": 2, "credit_line": 1}
    assert report.refused_rows == {14, 16}
    assert report.has_blocking_errors


def test_grouped_lists_the_most_frequent_code_first_with_examples() -> None:
    groups = _report().grouped(examples=1)
    assert groups[0]["code"] == "invalid_amount"
    assert groups[0]["count"] == 2
    assert groups[0]["examples"][0]["row"] == 14


def test_dicts_carry_the_documented_keys() -> None:
    report = _report()
    first = report.to_dicts()[0]
    assert list(first) == ["sheet", "row", "column", "value", "code", "text", "params",
                           "severity"]
    assert len(report.to_dicts()) == 3
    assert first["value"] == "12,3,4"
    assert first["params"] == {"value": "12,3,4"} and "message" not in first


def test_a_report_with_only_warnings_does_not_block() -> None:
    report = ImportReport([Issue(None, 2, "A", "1", "credit_line", "m", {}, "warning")])
    assert not report.has_blocking_errors


def test_errors_keep_their_code_and_parameters_across_processes() -> None:
    error = UnsafeFileError("budget.xlsx", "%(count)s parties", {"count": 3}, code="zip_bomb")
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, UnsafeFileError)
    assert copy.code == "zip_bomb"
    assert (copy.text, copy.params) == ("%(count)s parties", {"count": 3, "file": "budget.xlsx"})
    assert copy.message == "budget.xlsx : 3 parties"


def test_openpyxl_uses_defusedxml() -> None:
    assert_defused_openpyxl()
