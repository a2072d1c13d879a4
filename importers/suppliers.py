"""Parse a registry of social economy suppliers with the same machinery as spending files.

`SupplierParseResult.records` holds the VALID rows only:
  source_row: int; sheet: str | None
  name: str
  neq: str | None            Quebec enterprise number, 10 digits (spaces and `.0` removed)
  other_id: str | None       SIRET, company or charity number
  legal_form: str | None     e.g. REQ FormeJuridique APE / COP / ASS
  org_type: str | None       e.g. cooperative-de-solidarite, obnl-a-volet-marchand
  sector: str | None         a taxonomy slug (hub members' SecteurActivite)
  activity: str | None       free-text activity (REQ's SecteurActivite)
  address, municipality (" (Québec)" removed), postal_code ("G9A 5K8"), territory,
  website, categories: str | None
  lat, lon: float | None
The literal "NA" (and "N/A", "NULL") means missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from importers.headers import (
    SUPPLIER_FIELDS,
    SUPPLIER_REQUIRED,
    apply_explicit_mapping,
    detect_columns,
)
from importers.limits import Limits
from importers.report import ImportReport, Issue
from importers.spend import canonical_hash
from importers.table import load_table
from importers.validate import row_issues
from importers.values import map_distinct, to_text

MISSING_WORDS = frozenset({"na", "n/a", "null", "none", "-", "nan", "#n/a"})
TEXT_FIELDS = tuple(f for f in SUPPLIER_FIELDS if f not in ("lat", "lon"))
RECORD_COLUMNS = ("source_row", "sheet", *SUPPLIER_FIELDS)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CANADIAN_POSTAL = re.compile(r"^([A-Z]\d[A-Z])\s*-?\s*(\d[A-Z]\d)$")
_PROVINCE_SUFFIX = re.compile(r"\s*\((québec|quebec|qc)\)\s*$", re.IGNORECASE)


@dataclass
class SupplierParseResult:
    """What a registry file holds: valid supplier records, the report, and how it was read."""

    records: pd.DataFrame
    report: ImportReport
    mapping: dict[str, str]
    mapping_confidence: dict[str, float]
    needs_confirmation: bool
    content_hash: str
    file_hash: str
    sheet: str | None
    sheets: list[str]
    header_row: int
    columns: list[str]
    rows_read: int


def _clean(value: object) -> str | None:
    text = to_text(value)
    if text is None or text.lower() in MISSING_WORDS:
        return None
    return text


def normalize_neq(value: object) -> str | None:
    """Return a 10-digit NEQ from `1142934315`, `1142934315.0` or `114 293 4315`, else None."""
    text = _clean(value)
    if text is None:
        return None
    digits = re.sub(r"[\s.\-]", "", text.removesuffix(".0"))
    return digits if re.fullmatch(r"\d{10}", digits) else None


def normalize_postal_code(value: object) -> str | None:
    """Write Canadian postal codes as `G9A 5K8`; leave other codes as they are."""
    text = _clean(value)
    if text is None:
        return None
    match = _CANADIAN_POSTAL.match(text.upper())
    return f"{match.group(1)} {match.group(2)}" if match else text


def normalize_municipality(value: object) -> str | None:
    """Drop the ` (Québec)` suffix of REQ municipality names."""
    text = _clean(value)
    return _PROVINCE_SUFFIX.sub("", text) if text else None


def _coordinate(value: object) -> float | None:
    text = _clean(value)
    if text is None:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def parse_supplier_file(
    path: Path,
    *,
    original_name: str | None = None,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    limits: Limits | None = None,
) -> SupplierParseResult:
    """Read a supplier registry and return its valid suppliers, report and mapping."""
    path = Path(path)
    file_name = original_name or path.name
    table = load_table(
        path, file_name=file_name, sheet=sheet, kind_of_table="supplier", limits=limits
    )
    report = ImportReport(list(table.issues))

    def result(
        records: pd.DataFrame, fields: dict[str, str], confidence: dict[str, float], confirm: bool
    ) -> SupplierParseResult:
        return SupplierParseResult(
            records=records,
            report=report,
            mapping=fields,
            mapping_confidence=confidence,
            needs_confirmation=confirm,
            content_hash=canonical_hash(records, tuple(SUPPLIER_FIELDS)),
            file_hash=table.file_hash,
            sheet=table.sheet,
            sheets=table.sheets,
            header_row=table.header_row,
            columns=table.columns,
            rows_read=table.rows_read,
        )

    empty = pd.DataFrame({name: pd.Series(dtype=object) for name in RECORD_COLUMNS})
    if table.frame.empty:
        return result(empty, {}, {}, True)
    if mapping:
        fields, _ = apply_explicit_mapping(mapping, table.columns, SUPPLIER_FIELDS)
        confidence = dict.fromkeys(fields, 1.0)
        confirm = any(name not in fields for name in SUPPLIER_REQUIRED)
    else:
        detection = detect_columns(table.columns, table.frame.head(200), kind="supplier")
        fields, confidence, confirm = (
            detection.mapping,
            detection.confidence,
            detection.needs_confirmation,
        )
    _route_sector(table.frame, fields)
    if "name" not in fields:
        report.add(
            Issue(
                table.sheet,
                table.header_row,
                None,
                None,
                "missing_required_column",
                f"No column for the supplier name among: {', '.join(table.columns)}; expected "
                "a column titled like NomEntreprise, Nom or Name",
                f"Aucune colonne pour le nom du fournisseur parmi : {', '.join(table.columns)} ; "
                "une colonne titrée comme NomEntreprise, Nom ou Name est attendue",
            )
        )
        return result(empty, fields, confidence, True)

    frame = table.frame
    size = len(frame)
    cleaners = {
        "neq": normalize_neq,
        "postal_code": normalize_postal_code,
        "municipality": normalize_municipality,
    }
    values: dict[str, np.ndarray] = {}
    for name in SUPPLIER_FIELDS:
        if name not in fields:
            values[name] = np.full(size, None, dtype=object)
        elif name in ("lat", "lon"):
            values[name] = map_distinct(frame[fields[name]], _coordinate)
        else:
            values[name] = map_distinct(frame[fields[name]], cleaners.get(name, _clean))

    name_blank = np.array([v is None for v in values["name"]], dtype=bool)
    column = fields["name"]
    report.extend(
        row_issues(
            table,
            name_blank,
            column,
            "missing_value",
            "error",
            lambda row, _: (
                f"Row {row}, column '{column}': empty; expected the enterprise's name",
                f"Ligne {row}, colonne « {column} » : vide ; le nom de l'entreprise est attendu",
            ),
        )
    )
    if "neq" in fields:
        raw_neq = map_distinct(frame[fields["neq"]], _clean)
        bad = np.array(
            [r is not None and v is None for r, v in zip(raw_neq, values["neq"], strict=True)]
        )
        neq_column = fields["neq"]
        report.extend(
            row_issues(
                table,
                bad,
                neq_column,
                "invalid_neq",
                "warning",
                lambda row, value: (
                    f"Row {row}, column '{neq_column}': '{value}' is not a NEQ; expected "
                    "10 digits like 1142934315 (left empty)",
                    f"Ligne {row}, colonne « {neq_column} » : « {value} » n'est pas un NEQ ; "
                    "10 chiffres comme 1142934315 sont attendus (laissé vide)",
                ),
            )
        )
    valid = ~name_blank
    records = pd.DataFrame(
        {
            "source_row": pd.Series(table.row_numbers[valid], dtype=np.int64),
            "sheet": pd.Series(np.full(int(valid.sum()), table.sheet, dtype=object), dtype=object),
            **{name: pd.Series(values[name][valid], dtype=object) for name in SUPPLIER_FIELDS},
        }
    )
    return result(records, fields, confidence, confirm)


def _route_sector(frame: pd.DataFrame, fields: dict[str, str]) -> None:
    """Keep a sector column only when it holds taxonomy slugs; free text is the activity."""
    if "sector" not in fields or "activity" in fields:
        return
    distinct = [v for v in pd.unique(frame[fields["sector"]]) if _clean(v) is not None]
    slugs = sum(1 for v in distinct if isinstance(v, str) and _SLUG.match(v.strip()))
    if distinct and slugs / len(distinct) < 0.8:
        fields["activity"] = fields.pop("sector")
