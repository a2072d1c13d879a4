"""Parse a registry of social economy suppliers with the same machinery as spending files.

`SupplierParseResult.records` holds the VALID rows only:
  source_row: int; sheet: str | None
  name: str
  neq: str | None            Quebec enterprise number, 10 digits (spaces and `.0` removed)
  other_id: str | None       another registration number, as given
  siret, siren: str | None   France: 14 and 9 digits
  company_number, charity_number: str | None   UK: Companies House and charity registers
  country: str | None        ISO alpha-2: from a country column, else the row's identifiers,
                             else its postal code's shape, else the file's layout (never
                             assumed: a file without any of these leaves it empty)
  activity_code: str | None  NAF/APE `81.30Z`, UK SIC `81300`, SCIAN/NAICS digits
  legal_form: str | None     e.g. REQ FormeJuridique APE / COP / ASS
  org_type: str | None       e.g. cooperative-de-solidarite, obnl-a-volet-marchand
  sector: str | None         a taxonomy slug (hub members' SecteurActivite)
  activity: str | None       free-text activity (REQ's SecteurActivite)
  address, municipality (" (Québec)" removed), postal_code ("G9A 5K8"), territory,
  website, categories: str | None
  lat, lon: float | None
The literal "NA" (and "N/A", "NULL") means missing. Identifiers that do not have their
registry's shape are reported (warning) and left empty; the row is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from importers import identifiers as ids
from importers.headers import (
    SUPPLIER_FIELDS,
    SUPPLIER_REQUIRED,
    apply_explicit_mapping,
    detect_columns,
)
from importers.limits import Limits
from importers.report import N_, ImportReport, Issue
from importers.spend import canonical_hash
from importers.table import Table, load_table
from importers.validate import row_issues
from importers.values import map_distinct, to_text

MISSING_WORDS = frozenset({"na", "n/a", "null", "none", "-", "nan", "#n/a"})
TEXT_FIELDS = tuple(f for f in SUPPLIER_FIELDS if f not in ("lat", "lon"))
RECORD_COLUMNS = ("source_row", "sheet", *SUPPLIER_FIELDS)
# Fields a registry file held before other countries' identifiers were read: the content
# hash covers these, plus the newer ones only when a file fills them, so that an unchanged
# Quebec file is still recognised as already imported. `country` is derived: never hashed.
_HASHED_ALWAYS = (
    "name", "neq", "other_id", "legal_form", "org_type", "sector", "activity", "address",
    "municipality", "postal_code", "territory", "website", "lat", "lon", "categories",
)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


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


def _hashed_fields(records: pd.DataFrame) -> tuple[str, ...]:
    return tuple(
        name for name in SUPPLIER_FIELDS
        if name in _HASHED_ALWAYS
        or (name != "country" and name in records and records[name].notna().any())
    )


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
    match = ids.CANADIAN_POSTAL.match(text.upper())
    return f"{match.group(1)} {match.group(2)}" if match else text


def normalize_municipality(value: object) -> str | None:
    """Drop the ` (Québec)` suffix of REQ municipality names."""
    text = _clean(value)
    return ids.QUEBEC_SUFFIX.sub("", text) if text else None


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
    extent_checked: bool = False,
) -> SupplierParseResult:
    """Read a supplier registry and return its valid suppliers, report and mapping.

    `extent_checked`: `detect_kind` has accepted the file already (see `load_table`).
    """
    path = Path(path)
    file_name = original_name or path.name
    table = load_table(
        path, file_name=file_name, sheet=sheet, kind_of_table="supplier", limits=limits,
        extent_checked=extent_checked,
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
            content_hash=canonical_hash(records, _hashed_fields(records)),
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
                N_("Aucune colonne pour le nom du fournisseur parmi : %(columns)s ; une colonne "
                   "titrée comme NomEntreprise, Nom ou Name est attendue"),
                {"columns": ", ".join(table.columns)},
            )
        )
        return result(empty, fields, confidence, True)

    frame = table.frame
    size = len(frame)
    cleaners = {
        "neq": normalize_neq,
        "siret": ids.normalize_siret,
        "siren": ids.normalize_siren,
        "company_number": ids.normalize_company_number,
        "charity_number": ids.normalize_charity_number,
        "country": ids.normalize_country,
        "activity_code": ids.normalize_activity_code,
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
            N_("Ligne %(row)s, colonne « %(column)s » : vide ; le nom de l'entreprise est "
               "attendu"),
        )
    )
    _check_identifiers(table, fields, values, report)
    language = ids.header_language(table.columns)
    values["country"] = _countries(table, fields, values, language)
    _normalize_postal_codes(table, fields, values, report)
    _complete_sic_codes(values)
    valid = ~name_blank
    records = pd.DataFrame(
        {
            "source_row": pd.Series(table.row_numbers[valid], dtype=np.int64),
            "sheet": pd.Series(np.full(int(valid.sum()), table.sheet, dtype=object), dtype=object),
            **{name: pd.Series(values[name][valid], dtype=object) for name in SUPPLIER_FIELDS},
        }
    )
    return result(records, fields, confidence, confirm)


# (field, code, what is expected: a msgid)
_IDENTIFIER_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("neq", "invalid_neq", N_("un NEQ de 10 chiffres comme 1142934315")),
    ("siret", "invalid_siret", N_("un SIRET de 14 chiffres comme 732 829 320 00074")),
    ("siren", "invalid_siren", N_("un SIREN de 9 chiffres comme 732 829 320")),
    ("company_number", "invalid_company_number",
     N_("un numéro Companies House de 8 caractères comme 01234567 ou SC123456")),
    ("charity_number", "invalid_charity_number",
     N_("un numéro d'organisme de bienfaisance comme 1012345 ou SC012345")),
    ("country", "invalid_country", N_("un nom de pays ou un code ISO comme FR, CA ou GB")),
    ("activity_code", "invalid_activity_code",
     N_("un code d'activité comme 81.30Z (NAF), 81300 (SIC) ou 561730 (SCIAN)")),
)
NOT_SHAPED = N_("Ligne %(row)s, colonne « %(column)s » : « %(value)s » n'est pas "
                "%(expected_text)s (laissé vide)")
BAD_CHECK_DIGIT = N_("Ligne %(row)s, colonne « %(column)s » : « %(value)s » ne passe pas la clé "
                     "de contrôle du %(identifier)s ; gardé, mais vérifiez-le dans le répertoire "
                     "SIRENE")


def _check_identifiers(
    table: Table, fields: dict[str, str], values: dict[str, np.ndarray], report: ImportReport
) -> None:
    """Report identifiers and codes that do not have their shape (warning: left empty)."""
    frame = table.frame
    moved = np.zeros(len(frame), dtype=bool)
    if "siret" in fields:
        # A SIREN typed in the SIRET column identifies the enterprise: keep it as the SIREN.
        raw = map_distinct(frame[fields["siret"]], ids.normalize_siren)
        moved = np.array(
            [r is not None and s is None and v is None
             for r, s, v in zip(raw, values["siret"], values["siren"], strict=True)], dtype=bool)
        if moved.any():
            values["siren"] = np.where(moved, raw, values["siren"])
            siret_column = fields["siret"]
            report.extend(row_issues(
                table, moved, siret_column, "siren_in_siret_column", "info",
                N_("Ligne %(row)s, colonne « %(column)s » : « %(value)s » a 9 chiffres, un "
                   "SIREN ; gardé comme SIREN (un SIRET a 14 chiffres)")))
    for name, code, expected in _IDENTIFIER_CHECKS:
        if name not in fields:
            continue
        source = fields[name]
        raw = map_distinct(frame[source], _clean)
        bad = np.array(
            [r is not None and v is None for r, v in zip(raw, values[name], strict=True)],
            dtype=bool)
        if name == "siret":
            bad &= ~moved
        report.extend(row_issues(
            table, bad, source, code, "warning", NOT_SHAPED, {"expected_text": expected}))
    for name in ("siret", "siren"):
        if name not in fields and not (name == "siren" and "siret" in fields):
            continue
        source = fields.get(name) or fields["siret"]
        failed = np.array([v is not None and not ids.luhn_ok(v) for v in values[name]],
                          dtype=bool)
        label = name.upper()
        report.extend(row_issues(
            table, failed, source, f"{name}_checksum", "warning", BAD_CHECK_DIGIT,
            {"identifier": label}))


def _countries(
    table: Table, fields: dict[str, str], values: dict[str, np.ndarray], language: str | None
) -> np.ndarray:
    """Tell each row's country, never assuming one.

    In order: the row's country column; its identifiers; its postal code's shape (five
    digits only in a French-language file) or a `(Québec)` suffix; the file's layout (the
    country of its identifier columns, or the country of at least 80 % of its rows).
    """
    size = len(table.frame)
    raw_postal = (map_distinct(table.frame[fields["postal_code"]], _clean)
                  if "postal_code" in fields else np.full(size, None, dtype=object))
    quebec_suffix = (
        map_distinct(table.frame[fields["municipality"]],
                     lambda v: bool(ids.QUEBEC_SUFFIX.search(to_text(v) or "")))
        if "municipality" in fields else np.zeros(size, dtype=object))
    if "neq" in fields:
        language = None  # a Quebec file: five digits are a typo, not a French postal code
    evidence = np.full(size, None, dtype=object)
    for index in range(size):
        for name, country in ids.IDENTIFIER_COUNTRY.items():
            if values[name][index] is not None:
                evidence[index] = country
                break
        else:
            if quebec_suffix[index]:
                evidence[index] = "CA"
            else:
                evidence[index] = ids.postal_code_country(raw_postal[index], language)
    layout = {country for name, country in ids.IDENTIFIER_COUNTRY.items() if name in fields}
    default: str | None = next(iter(layout)) if len(layout) == 1 else None
    if default is None:
        seen = pd.Series(evidence).dropna()
        if len(seen):
            top = seen.value_counts()
            if top.iloc[0] >= 0.8 * len(seen):
                default = str(top.index[0])
    explicit = values["country"]
    return np.array(
        [c if c is not None else (e if e is not None else default)
         for c, e in zip(explicit, evidence, strict=True)], dtype=object)


def _normalize_postal_codes(
    table: Table, fields: dict[str, str], values: dict[str, np.ndarray], report: ImportReport
) -> None:
    """Write postal codes in their country's form; report those that do not fit it."""
    if "postal_code" not in fields:
        return
    codes = values["postal_code"]
    fits = np.ones(len(codes), dtype=bool)
    for index, (code, country) in enumerate(zip(codes, values["country"], strict=True)):
        codes[index], fits[index] = ids.normalize_postal_code_for(code, country)
    source = fields["postal_code"]
    report.extend(row_issues(
        table, ~fits, source, "invalid_postal_code", "warning",
        N_("Ligne %(row)s, colonne « %(column)s » : « %(value)s » n'est pas un code postal du "
           "pays du fournisseur (gardé tel quel)")))


def _complete_sic_codes(values: dict[str, np.ndarray]) -> None:
    """Give back the leading zero a spreadsheet removed from a UK SIC code (1110 -> 01110)."""
    codes = values["activity_code"]
    for index, (code, country) in enumerate(zip(codes, values["country"], strict=True)):
        if country == "GB" and code is not None and code.isdigit() and len(code) == 4:
            codes[index] = code.zfill(5)


def _route_sector(frame: pd.DataFrame, fields: dict[str, str]) -> None:
    """Keep a sector column only when it holds taxonomy slugs; free text is the activity."""
    if "sector" not in fields or "activity" in fields:
        return
    distinct = [v for v in pd.unique(frame[fields["sector"]]) if _clean(v) is not None]
    slugs = sum(1 for v in distinct if isinstance(v, str) and _SLUG.match(v.strip()))
    if distinct and slugs / len(distinct) < 0.8:
        fields["activity"] = fields.pop("sector")
