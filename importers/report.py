"""Problems found in a file, as data: one Issue per problem, gathered in an ImportReport.

Issue codes are stable (clients and translations key on them); ISSUE_CODES lists them:
  file level: empty_file, no_header, header_only, sheet_not_found, missing_required_column,
    ambiguous_column, weak_column_mapping, mapped_column_not_found, ambiguous_date_order,
    currency_needs_confirmation
  row level (error, the row is refused): missing_value, invalid_amount, invalid_date,
    formula_without_value, invalid_neq
  row level (warning, the row is kept): credit_line, amount_rounded, date_month_only,
    currency_mismatch, invalid_postal_code, invalid_coordinates; registry identifiers and
    codes left empty: invalid_siret, invalid_siren, invalid_company_number,
    invalid_charity_number, invalid_country, invalid_activity_code; kept but doubtful:
    siret_checksum, siren_checksum
  info (nothing refused): total_row_skipped, amount_only_row_skipped,
    repeated_header_skipped, siren_in_siret_column; and, from the registry merge,
    name_match_kept_apart (a same-named supplier that another fact tells apart)
A whole file that cannot be read is refused with an ImporterError instead; its codes are
importers.errors.REFUSAL_CODES.

An issue says what is wrong as data: its code, and `text`, the French sentence with
%(name)s placeholders that the edge's catalogue translates (it is the gettext msgid),
filled with `params`. Nothing here is a finished sentence in one language or another.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

ISSUE_CODES = frozenset(
    {
        "empty_file", "no_header", "header_only", "sheet_not_found", "missing_required_column",
        "ambiguous_column", "weak_column_mapping", "mapped_column_not_found",
        "ambiguous_date_order", "currency_needs_confirmation", "missing_value",
        "invalid_amount", "invalid_date", "formula_without_value", "invalid_neq",
        "credit_line", "amount_rounded", "date_month_only", "currency_mismatch",
        "invalid_postal_code", "invalid_coordinates", "total_row_skipped",
        "amount_only_row_skipped", "repeated_header_skipped", "invalid_siret",
        "invalid_siren", "invalid_company_number", "invalid_charity_number", "invalid_country",
        "invalid_activity_code", "siret_checksum", "siren_checksum", "siren_in_siret_column",
        "name_match_kept_apart",
    }
)
ISSUE_KEYS = ("sheet", "row", "column", "value", "code", "text", "params", "severity")


def N_(msgid: str) -> str:  # the marker gettext extraction looks for
    """Mark a sentence for the catalogue; the edge translates it where it is shown."""
    return msgid


def fill(text: str, params: Mapping[str, Any]) -> str:
    """Fill a sentence's placeholders as they are (French; for logs and tests)."""
    return text % dict(params) if params else text.replace("%%", "%")


@dataclass(frozen=True)
class Issue:
    """One problem at a place in the file; `row` is the row number the clerk sees."""

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    code: str
    text: str
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity = "error"

    @property
    def sentence(self) -> str:
        """The sentence filled in French, untranslated (for logs and tests)."""
        return fill(self.text, self.params)

    def to_dict(self) -> dict[str, Any]:
        """Return the issue as a plain dict, as `dataclasses.asdict` would.

        Built directly when every value is immutable (the common case: a million-line
        file can carry tens of thousands of credit-line notes), where asdict would walk
        and copy each one.
        """
        params = self.params
        if (type(params) is dict
                and all(type(v) in _ATOMS for v in params.values())
                and all(type(v) in _ATOMS for v in (self.sheet, self.row, self.column,
                                                    self.value))):
            return {"sheet": self.sheet, "row": self.row, "column": self.column,
                    "value": self.value, "code": self.code, "text": self.text,
                    "params": dict(params), "severity": self.severity}
        return asdict(self)


_ATOMS = frozenset({str, int, float, bool, type(None)})


@dataclass
class ImportReport:
    """Collect the issues of one import and summarise them."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        """Record one issue."""
        self.issues.append(issue)

    def extend(self, issues: list[Issue]) -> None:
        """Record several issues."""
        self.issues.extend(issues)

    @property
    def errors(self) -> list[Issue]:
        """Return the issues that refuse a row or the file."""
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Return the issues that keep the row but deserve a look."""
        return [issue for issue in self.issues if issue.severity == "warning"]

    @property
    def has_blocking_errors(self) -> bool:
        """Tell whether any row or the whole file is refused."""
        return any(issue.severity == "error" for issue in self.issues)

    @property
    def refused_rows(self) -> set[int]:
        """Return the row numbers refused by an error."""
        return {i.row for i in self.issues if i.severity == "error" and i.row is not None}

    def counts_by_code(self) -> dict[str, int]:
        """Count the issues per code."""
        return dict(Counter(issue.code for issue in self.issues))

    def grouped(self, examples: int = 5) -> list[dict[str, Any]]:
        """Group issues by code, most frequent first, with counts and first examples."""
        groups: dict[str, list[Issue]] = {}
        for issue in self.issues:
            groups.setdefault(issue.code, []).append(issue)
        ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
        return [
            {
                "code": code,
                "severity": items[0].severity,
                "count": len(items),
                "text": items[0].text,
                "params": dict(items[0].params),
                "examples": [issue.to_dict() for issue in items[:examples]],
            }
            for code, items in ordered
        ]

    def to_dicts(self) -> list[dict[str, Any]]:
        """Return the issues as plain dicts (sheet, row, column, value, code, text, params...)."""
        return [issue.to_dict() for issue in self.issues]
