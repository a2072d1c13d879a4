"""Parse a municipal spending export into valid purchase lines and an ImportReport.

`SpendParseResult.records` holds the VALID rows only, one per purchase line:
  source_row: int        row number as the clerk sees it (header counts; CSV: line number)
  sheet: str | None      sheet name (None for CSV)
  date: datetime.date | None
  supplier_name: str
  supplier_id, description, expense_category, account_code, department: str | None
  amount_cents: int64    negative for credits
  currency: str          ISO code: the currency column, else the amount's mark (£, €, $ CA,
                         GBP...), else the amount column's title (Amount GBP), else the default
  contract_ref: str | None
  is_credit: bool
  supplier_ids: dict[str, str] | None   every identifier of the payee by registry, from the
                         columns naming one (Company Number, Charity Number, NEQ, SIRET...);
                         supplier_id falls back to the first of them when its own cell is empty
Refused rows are in `report` (severity "error") with the reason; furniture rows (totals,
repeated headers, amount-only lines) are skipped and counted in `skipped_rows`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from importers.headers import (
    SPEND_FIELDS,
    SPEND_REQUIRED,
    ColumnDetection,
    apply_explicit_mapping,
    column_samples,
    detect_columns,
    identifier_scheme,
)
from importers.limits import Limits
from importers.readers import xlsx_formula_rows
from importers.report import N_, ImportReport, Issue
from importers.table import Table, load_table
from importers.validate import repeated_header_rows, row_issues, skipped_issues, total_rows
from importers.values import (
    DateColumn,
    currency_of_mark,
    format_cents,
    label_currency,
    map_distinct,
    parse_amounts,
    parse_dates,
    text_column,
)

TEXT_FIELDS = (
    "supplier_name",
    "supplier_id",
    "description",
    "expense_category",
    "account_code",
    "department",
    "contract_ref",
)
RECORD_COLUMNS = (
    "source_row",
    "sheet",
    "date",
    "supplier_name",
    "supplier_id",
    "description",
    "expense_category",
    "account_code",
    "department",
    "amount_cents",
    "currency",
    "contract_ref",
    "is_credit",
    "supplier_ids",
)
# supplier_ids repeats identifier cells already hashed (and keeps older hashes unchanged).
HASHED_COLUMNS = tuple(
    c for c in RECORD_COLUMNS if c not in ("source_row", "sheet", "is_credit", "supplier_ids")
)
DATE_ORDERS = ("dmy", "mdy")
CURRENCY_SYMBOLS = {
    "€": "EUR",
    "£": "GBP",
    "EURO": "EUR",
    "EUROS": "EUR",
    "$CA": "CAD",
    "CA$": "CAD",
}
SAMPLE_ROWS = 200


@dataclass
class SpendParseResult:
    """What a spending file holds: valid records, the report, and how it was read."""

    records: pd.DataFrame
    report: ImportReport
    sheet: str | None
    sheets: list[str]
    header_row: int
    mapping: dict[str, str]
    mapping_confidence: dict[str, float]
    columns: list[str]
    needs_confirmation: bool
    content_hash: str
    file_hash: str
    rows_read: int
    skipped_rows: int
    total_cents: int
    date_order: str | None = None
    encoding: str | None = None
    file_kind: str | None = None
    ambiguous_columns: dict[str, list[str]] = field(default_factory=dict)
    # Currencies the file itself states (marks, a currency column, the amount's title);
    # empty when it states none, so the caller's or the municipality's currency applies.
    detected_currencies: list[str] = field(default_factory=list)
    # Per column: its first non-blank values and what it holds (date, amount, identifier,
    # text), for the person who confirms the mapping.
    samples: dict[str, dict[str, Any]] = field(default_factory=dict)


def empty_records() -> pd.DataFrame:
    """Return an empty records frame with the documented columns and dtypes."""
    frame = pd.DataFrame({name: pd.Series(dtype=object) for name in RECORD_COLUMNS})
    return frame.astype({"source_row": np.int64, "amount_cents": np.int64, "is_credit": bool})


def canonical_hash(records: pd.DataFrame, columns: tuple[str, ...]) -> str:
    """Hash the normalized rows in sorted order, so xlsx and csv copies of the data match.

    Each row gets pandas' keyed SipHash (fixed key, vectorized) of its cells, combined as
    `pandas.util.hash_pandas_object` combines a frame's columns; the sorted row hashes are
    then digested with sha256. A pandas upgrade that changed that hash would only make an
    identical re-import look new once.
    """
    digest = hashlib.sha256(("procure-rows-v1|" + "|".join(columns)).encode())
    if records.empty:
        return digest.hexdigest()
    hashes = []
    for name in columns:
        values = records[name].to_numpy()
        if name == "date":
            values = map_distinct(
                pd.Series(values, dtype=object),
                lambda d: d.isoformat() if d is not None else None,
            )
        hashes.append(_cell_hashes(values))
    row_hashes = np.sort(_combine_hashes(hashes))
    digest.update(row_hashes.tobytes())
    return digest.hexdigest()


_MISSING_HASH = np.iinfo(np.uint64).max


def _cell_hashes(values: np.ndarray) -> np.ndarray:
    """Return pandas' hash of each cell, hashing each distinct text once (as pandas does)."""
    if values.dtype != object:
        return np.asarray(pd.util.hash_array(values), dtype=np.uint64)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not len(uniques):
        return np.full(len(values), _MISSING_HASH, dtype=np.uint64)
    hashed = np.asarray(pd.util.hash_array(np.asarray(uniques, dtype=object), categorize=False),
                        dtype=np.uint64)
    out = hashed.take(codes)
    out[codes < 0] = _MISSING_HASH
    return out


def _combine_hashes(hashes: list[np.ndarray]) -> np.ndarray:
    """Combine column hashes into row hashes (CPython's tuple hash, as pandas does)."""
    mult = np.uint64(1000003)
    out = np.zeros_like(hashes[0]) + np.uint64(0x345678)
    for index, column in enumerate(hashes):
        inverse = len(hashes) - index
        out ^= column
        out *= mult
        mult += np.uint64(82520 + inverse + inverse)
    out += np.uint64(97531)
    return out


def parse_spend_file(
    path: Path,
    *,
    original_name: str | None = None,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
    default_currency: str = "CAD",
    limits: Limits | None = None,
    progress: Callable[[int, int], None] | None = None,
    extent_checked: bool = False,
) -> SpendParseResult:
    """Read a spending export and return its valid lines, report and mapping.

    `extent_checked`: `detect_kind` has accepted the file already (see `load_table`).
    """
    path = Path(path)
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {DATE_ORDERS}, not {date_order!r}")
    file_name = original_name or path.name
    table = load_table(
        path,
        file_name=file_name,
        sheet=sheet,
        kind_of_table="spend",
        limits=limits,
        progress=progress,
        extent_checked=extent_checked,
    )
    report = ImportReport(list(table.issues))
    if table.frame.empty:
        return _result(table, report, {}, {}, True, empty_records(), 0)

    detection = _mapping(table, mapping, report)
    if detection.missing_required:
        _report_missing(table, detection, report)
        return _result(
            table,
            report,
            detection.mapping,
            detection.confidence,
            True,
            empty_records(),
            0,
            ambiguous=detection.ambiguous,
        )
    builder = _SpendRows(table, detection.mapping, report, date_order, default_currency.upper())
    records = builder.build()
    if progress:
        progress(4, 4)
    needs_confirmation = detection.needs_confirmation or builder.date_ambiguous
    result = _result(
        table,
        report,
        detection.mapping,
        detection.confidence,
        needs_confirmation,
        records,
        builder.skipped,
        date_order=builder.date_order,
        ambiguous=detection.ambiguous,
    )
    result.detected_currencies = sorted(builder.detected_currencies)
    return result


def _result(
    table: Table,
    report: ImportReport,
    mapping: dict[str, str],
    confidence: dict[str, float],
    needs_confirmation: bool,
    records: pd.DataFrame,
    skipped: int,
    *,
    date_order: str | None = None,
    ambiguous: dict[str, list[str]] | None = None,
) -> SpendParseResult:
    return SpendParseResult(
        records=records,
        report=report,
        sheet=table.sheet,
        sheets=table.sheets,
        header_row=table.header_row,
        mapping=mapping,
        mapping_confidence=confidence,
        columns=table.columns,
        needs_confirmation=needs_confirmation,
        content_hash=canonical_hash(records, HASHED_COLUMNS),
        file_hash=table.file_hash,
        rows_read=table.rows_read,
        skipped_rows=skipped,
        total_cents=int(records["amount_cents"].sum()) if len(records) else 0,
        date_order=date_order,
        encoding=table.encoding,
        file_kind=table.kind,
        ambiguous_columns=ambiguous or {},
        samples=column_samples(table.columns, table.frame.head(SAMPLE_ROWS), mapping),
    )


def _mapping(
    table: Table, explicit: dict[str, str] | None, report: ImportReport
) -> ColumnDetection:
    """Detect a mapping from labels and content; the caller's fields override only themselves."""
    detection = detect_columns(table.columns, table.frame.head(SAMPLE_ROWS), kind="spend")
    absent: list[str] = []
    if explicit:
        named, absent = apply_explicit_mapping(explicit, table.columns, SPEND_FIELDS)
        for header in absent:
            report.add(
                Issue(
                    table.sheet,
                    table.header_row,
                    header,
                    None,
                    "mapped_column_not_found",
                    N_("Le profil enregistré nomme la colonne « %(column)s », absente de ce "
                       "fichier ; les colonnes sont : %(columns)s"),
                    {"column": header, "columns": ", ".join(table.columns)},
                    "warning",
                )
            )
        taken = set(named.values())
        kept = {
            name: header
            for name, header in detection.mapping.items()
            if name not in named and header not in taken
        }
        mapping = {**kept, **named}
        detection = ColumnDetection(
            mapping=mapping,
            confidence={
                name: 1.0 if name in named else detection.confidence[name] for name in mapping
            },
            needs_confirmation=False,
            ambiguous={n: h for n, h in detection.ambiguous.items() if n in kept},
            weak=[name for name in detection.weak if name in kept],
        )
    for name, headers in detection.ambiguous.items():
        report.add(
            Issue(
                table.sheet,
                table.header_row,
                headers[0],
                None,
                "ambiguous_column",
                N_("Plusieurs colonnes peuvent contenir le champ « %(field)s » : %(columns)s ; "
                   "« %(column)s » a été retenue, veuillez confirmer"),
                {"field": name, "columns": ", ".join(headers), "column": headers[0]},
                "warning",
            )
        )
    for name in detection.weak:
        if name in detection.ambiguous:
            continue
        header = detection.mapping[name]
        report.add(
            Issue(
                table.sheet,
                table.header_row,
                header,
                None,
                "weak_column_mapping",
                N_("La colonne « %(column)s » semble contenir le champ « %(field)s » d'après son "
                   "contenu ; veuillez confirmer"),
                {"column": header, "field": name},
                "warning",
            )
        )
    detection.missing_required = [n for n in SPEND_REQUIRED if n not in detection.mapping]
    detection.needs_confirmation = bool(
        detection.missing_required or absent or detection.ambiguous or detection.weak
    )
    return detection


def _report_missing(table: Table, detection: ColumnDetection, report: ImportReport) -> None:
    expected = {
        "supplier_name": "Fournisseur / Nom du fournisseur / Supplier Name / Payee",
        "amount": "Montant / Montant ($) / Amount / Net Amount",
    }
    for name in detection.missing_required:
        report.add(
            Issue(
                table.sheet,
                table.header_row,
                None,
                None,
                "missing_required_column",
                N_("Aucune colonne pour le champ « %(field)s » parmi : %(columns)s ; une colonne "
                   "titrée comme %(titles)s est attendue, ou choisissez-la dans l'association "
                   "des colonnes"),
                {"field": name, "columns": ", ".join(table.columns),
                 "titles": expected.get(name, name)},
                "error",
            )
        )


class _SpendRows:
    """Validate the data rows column by column and assemble the valid records."""

    def __init__(
        self,
        table: Table,
        mapping: dict[str, str],
        report: ImportReport,
        date_order: str | None,
        default_currency: str,
    ):
        self.table, self.mapping, self.report = table, mapping, report
        self.requested_order = date_order
        self.default_currency = default_currency
        self.detected_currencies: set[str] = set()
        self.date_ambiguous = False
        self.date_order: str | None = None
        self.skipped = 0

    def build(self) -> pd.DataFrame:
        table, mapping = self.table, self.mapping
        frame = table.frame
        size = len(frame)
        amounts = parse_amounts(table.distinct(mapping["amount"]))
        dates = self._dates(size)
        date_valid = (
            ~dates.blank & ~dates.invalid if dates is not None else np.zeros(size, dtype=bool)
        )
        texts = {
            name: text_column(table.distinct(mapping[name]))
            if name in mapping
            else np.full(size, None)
            for name in TEXT_FIELDS
        }
        supplier_blank = table.blank(mapping["supplier_name"])
        identifiers = self._identifiers(texts)

        furniture = self._furniture(amounts.blank, supplier_blank, date_valid)
        live = ~furniture
        refused = np.zeros(size, dtype=bool)
        refused |= self._required(live & supplier_blank, "supplier_name")
        formula_rows = self._formula_rows(live & amounts.blank)
        refused |= self._formulas(live & amounts.blank, formula_rows)
        refused |= self._required(live & amounts.blank & ~formula_rows, "amount")
        refused |= self._invalid_amounts(live & amounts.invalid)
        if dates is not None:
            refused |= self._invalid_dates(live & dates.invalid)
            self._warn_month_only(live & dates.month_only)
        credit = live & ~amounts.invalid & ~amounts.blank & (amounts.cents < 0)
        self._warn_credits(credit & ~refused, amounts.cents)
        self._warn_rounded(live & amounts.rounded & ~refused)

        valid = live & ~refused
        currency = self._currency(amounts.currency_mark, valid)
        count = int(valid.sum())

        def objects(values: np.ndarray) -> pd.Series:
            # Object dtype keeps None for missing text (pandas' str dtype would turn it into NaN).
            return pd.Series(values, dtype=object)

        records = pd.DataFrame(
            {
                "source_row": pd.Series(table.row_numbers[valid], dtype=np.int64),
                "sheet": objects(np.full(count, table.sheet, dtype=object)),
                "date": objects(dates.dates[valid] if dates is not None else np.full(count, None)),
                **{name: objects(texts[name][valid]) for name in TEXT_FIELDS},
                "amount_cents": pd.Series(amounts.cents[valid], dtype=np.int64),
                "currency": objects(currency[valid]),
                "is_credit": pd.Series(credit[valid], dtype=bool),
                "supplier_ids": objects(
                    identifiers[valid] if identifiers is not None else np.full(count, None)
                ),
            }
        )
        return records[list(RECORD_COLUMNS)].reset_index(drop=True)

    def _identifiers(self, texts: dict[str, np.ndarray]) -> np.ndarray | None:
        """Gather every registry identifier per row; fill an empty supplier_id from them."""
        columns = [
            (scheme, text_column(self.table.distinct(header)))
            for header in self.table.columns
            if (scheme := identifier_scheme(header)) is not None
        ]
        if not columns:
            return None
        size = len(self.table.frame)
        gathered = np.empty(size, dtype=object)
        first = np.full(size, None, dtype=object)
        for index in range(size):
            found = {}
            for scheme, values in columns:
                value = values[index]
                if value is not None and scheme not in found:
                    found[scheme] = value
                    if first[index] is None:
                        first[index] = value
            gathered[index] = found or None
        supplier_id = texts["supplier_id"]
        texts["supplier_id"] = np.where(pd.isna(supplier_id), first, supplier_id)
        return gathered

    def _dates(self, size: int) -> DateColumn | None:
        if "date" not in self.mapping:
            return None
        column = self.mapping["date"]
        dates = parse_dates(self.table.distinct(column), self.requested_order)
        self.date_order = dates.order
        if dates.ambiguous:
            self.date_ambiguous = True
            self.report.add(
                Issue(
                    self.table.sheet,
                    self.table.header_row,
                    column,
                    None,
                    "ambiguous_date_order",
                    N_("Colonne « %(column)s » : toutes les dates se lisent jour/mois comme "
                       "mois/jour (par exemple 03/04/2024) ; elles ont été lues jour/mois, "
                       "veuillez confirmer l'ordre"),
                    {"column": column},
                    "warning",
                )
            )
        return dates

    def _furniture(
        self, amount_blank: np.ndarray, supplier_blank: np.ndarray, date_valid: np.ndarray
    ) -> np.ndarray:
        """Find total rows, repeated headers and amount-only rows; report and count them."""
        frame, table = self.table.frame, self.table
        # Total labels often sit in the first column, whatever that column holds.
        text_columns = [c for f, c in self.mapping.items() if f != "amount"]
        unmapped = [c for c in frame.columns if c not in self.mapping.values()]
        totals = total_rows(table, [*text_columns, *unmapped], date_valid)
        headers = repeated_header_rows(
            table, [self.mapping["supplier_name"], self.mapping["amount"]]
        )
        others = [c for f, c in self.mapping.items() if f != "amount"]
        others_blank = np.logical_and.reduce([table.blank(c) for c in others])
        amount_only = ~amount_blank & others_blank & ~totals
        issues = skipped_issues(table, totals, "total_row_skipped", N_("ligne de total"))
        issues += skipped_issues(table, headers & ~totals, "repeated_header_skipped",
                                 N_("en-tête répété"))
        issues += skipped_issues(
            table,
            amount_only & ~headers,
            "amount_only_row_skipped",
            N_("montant sans fournisseur, date ni description (un sous-total)"),
        )
        self.report.extend(issues)
        furniture = totals | headers | amount_only
        self.skipped = int(furniture.sum())
        return furniture

    def _required(self, mask: np.ndarray, name: str) -> np.ndarray:
        column = self.mapping[name]
        what = N_("un nom de fournisseur") if name == "supplier_name" else N_("un montant")
        self.report.extend(
            row_issues(
                self.table,
                mask,
                column,
                "missing_value",
                "error",
                N_("Ligne %(row)s, colonne « %(column)s » : vide ; %(what_text)s est attendu"),
                {"what_text": what},
            )
        )
        return mask

    def _formula_rows(self, amount_blank: np.ndarray) -> np.ndarray:
        """Mark blank amounts that are formulas saved without their computed value (xlsx)."""
        table = self.table
        result = np.zeros(len(amount_blank), dtype=bool)
        if table.kind != "xlsx" or not amount_blank.any() or table.path is None or not table.sheet:
            return result
        rows = xlsx_formula_rows(table.path, table.sheet)
        if rows:
            result = amount_blank & np.isin(table.row_numbers, np.fromiter(rows, dtype=np.int64))
        return result

    def _refuse_rows(self, mask: np.ndarray, field: str, code: str, message: str
                     ) -> np.ndarray:
        """Report each row of `mask` as an error on the column mapped to `field`."""
        self.report.extend(
            row_issues(self.table, mask, self.mapping[field], code, "error", message))
        return mask

    def _formulas(self, _: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self._refuse_rows(
            mask, "amount", "formula_without_value",
            N_("Ligne %(row)s, colonne « %(column)s » : une formule dont le résultat n'a "
               "jamais été enregistré (fichier produit par un programme) ; ouvrez-le dans "
               "Excel ou LibreOffice, enregistrez-le et importez-le de nouveau"))

    def _invalid_amounts(self, mask: np.ndarray) -> np.ndarray:
        return self._refuse_rows(
            mask, "amount", "invalid_amount",
            N_("Ligne %(row)s, colonne « %(column)s » : « %(value)s » n'est pas un "
               "montant ; un nombre comme 1 234,56 ou 1,234.56 est attendu"))

    def _invalid_dates(self, mask: np.ndarray) -> np.ndarray:
        return self._refuse_rows(
            mask, "date", "invalid_date",
            N_("Ligne %(row)s, colonne « %(column)s » : « %(value)s » n'est pas une date ; "
               "une date comme 2024-01-31, 31/01/2024 ou 31 janvier 2024 est attendue"))

    def _warn_month_only(self, mask: np.ndarray) -> None:
        column = self.mapping["date"]
        self.report.extend(
            row_issues(
                self.table,
                mask,
                column,
                "date_month_only",
                "warning",
                N_("Ligne %(row)s, colonne « %(column)s » : « %(value)s » ne donne que le "
                   "mois ; le premier jour du mois a été retenu"),
            )
        )

    def _warn_credits(self, mask: np.ndarray, cents: np.ndarray) -> None:
        column = self.mapping["amount"]
        self.report.extend(
            row_issues(
                self.table,
                mask,
                column,
                "credit_line",
                "warning",
                N_("Ligne %(row)s, colonne « %(column)s » : %(value)s est négatif, conservé "
                   "comme un avoir (remboursement ou annulation)"),
            )
        )

    def _warn_rounded(self, mask: np.ndarray) -> None:
        column = self.mapping["amount"]
        self.report.extend(
            row_issues(
                self.table,
                mask,
                column,
                "amount_rounded",
                "warning",
                N_("Ligne %(row)s, colonne « %(column)s » : %(value)s a plus de deux "
                   "décimales ; arrondi au cent"),
            )
        )

    def _currency(self, marks: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Take the currency column, else the amount's mark, else the title's, else the default.

        Records in `detected_currencies` what the file states on its valid rows; a bare `$`
        states no currency (Canadian, American and other dollars look alike).
        """
        titled = label_currency(self.mapping["amount"])
        default = titled or self.default_currency
        if titled:
            self.detected_currencies.add(titled)
        size = len(marks)
        result = (
            np.array(
                [default if m is None or m == "$" else m for m in marks.tolist()], dtype=object
            )
            if size
            else np.zeros(0, dtype=object)
        )
        stated = {m for m in marks[valid].tolist() if m is not None and m != "$"}
        if "currency" in self.mapping:
            column = text_column(self.table.distinct(self.mapping["currency"]))
            codes, uniques = pd.factorize(pd.Series(column, dtype=object), use_na_sentinel=True)
            normalized = []
            for value in uniques:
                text = str(value).strip().upper()
                text = CURRENCY_SYMBOLS.get(text, currency_of_mark(text))
                normalized.append(None if text in ("$", "") or len(text) != 3 else text)
            lookup = np.array([*normalized, None], dtype=object)
            chosen = lookup[codes]
            stated |= {c for c in chosen[valid].tolist() if c is not None}
            result = np.where(pd.isna(chosen), result, chosen)
        self.detected_currencies |= stated
        return result


__all__ = [
    "RECORD_COLUMNS",
    "SpendParseResult",
    "empty_records",
    "format_cents",
    "parse_spend_file",
]
