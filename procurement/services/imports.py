"""Use cases: import a spending file, import a supplier registry file.

Parsing (untrusted files) happens in `importers`, in a child process by default;
storing happens here, in one transaction: all lines or none.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import delete, exists, insert, select
from sqlalchemy.orm import Session

import importers
from importers import Limits, SpendParseResult, SupplierParseResult
from importers.report import N_
from procurement.audit import record_event
from procurement.db import insert_sqlite_rows
from procurement.errors import Conflict, InvalidInput
from procurement.matching import identity
from procurement.matching.structures import structure_facts
from procurement.models import (
    ImportBatch,
    MappingProfile,
    Organization,
    Proposal,
    PurchaseLine,
    Supplier,
    SupplierMerge,
    utcnow,
)
from procurement.permissions import Actor
from procurement.services.common import cents_to_decimal, get_owned, scope_of
from procurement.targets import predominant_fiscal_year

Progress = Callable[[int, int], None]
PhaseHook = Callable[[str, int], None]  # (phase, lines it handles)


@dataclass
class ImportOutcome:
    """What an import did, shaped like the CLI contract's JSON."""

    import_id: int | None
    status: str  # imported | refused | duplicate
    lines: int = 0
    total: Decimal = Decimal("0.00")
    currency: str = "CAD"
    issues: list[dict[str, Any]] = field(default_factory=list)
    issue_counts: dict[str, int] = field(default_factory=dict)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    message: str = ""
    needs_confirmation: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    # Per column of the file: its first values and what it holds (the mapping page's help).
    samples: dict[str, dict[str, Any]] = field(default_factory=dict)

    def spend_json(self) -> dict[str, Any]:
        """Return the `procure import-spend --json` object."""
        return {
            "import_id": self.import_id,
            "status": self.status,
            "lines": self.lines,
            "total": f"{self.total:.2f}",
            "currency": self.currency,
            "issues": self.issues,
            "issue_counts": self.issue_counts,
            "message": self.message,
        }

    def suppliers_json(self) -> dict[str, Any]:
        """Return the `procure import-suppliers --json` object.

        `merged` counts the records merged into a known supplier (each one changed it);
        `merges` lists them: merge_id (for `procure undo-merge`), supplier_id, supplier,
        matched_on ("identifier" or "name"), identifier (its kind), row, changed (the
        facts it changed), before and after (those facts' values).
        """
        return {
            "import_id": self.import_id,
            "status": self.status,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "merged": len(self.merges),
            "merges": self.merges,
            "issues": self.issues,
            "issue_counts": self.issue_counts,
            "message": self.message,
        }


@dataclass(frozen=True)
class ImportSettings:
    """How imports run on this instance, built once from configuration.

    The command line, the API, the pages and the background jobs all pass the same
    object, so a limit set for the instance holds whichever way a file comes in.
    """

    limits: Limits = field(default_factory=Limits)
    isolated: bool = True  # parse in a child process

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImportSettings:
        """Build the settings from the configuration (`app.config.from_env` keys)."""
        defaults = Limits()
        return cls(limits=dataclasses.replace(
                       defaults, max_rows=int(config.get("MAX_IMPORT_ROWS",
                                                         defaults.max_rows))),
                   isolated=bool(config.get("PARSE_IN_SUBPROCESS", True)))


def headers_key(columns: list[str]) -> str:
    """Fingerprint a file's headers so next month's file finds its saved mapping."""
    normalized = "\x1f".join(str(c).strip().lower() for c in columns)
    return hashlib.sha256(normalized.encode()).hexdigest()


def _issue_dicts(result: SpendParseResult | SupplierParseResult) -> list[dict[str, Any]]:
    return list(result.report.to_dicts())


def _parse_spend(path: Path, *, isolated: bool, **kwargs: Any) -> SpendParseResult:
    if isolated:
        result: SpendParseResult = importers.parse_spend_file_isolated(path, **kwargs)
        return result
    return importers.parse_spend_file(path, **kwargs)


def import_spend(
    session: Session,
    actor: Actor,
    org: Organization,
    path: Path,
    *,
    original_name: str | None = None,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    date_order: str | None = None,
    accept_valid_rows: bool = False,
    save_mapping: bool = False,
    review_mapping: bool = False,
    currency: str | None = None,
    limits: Limits | None = None,
    isolated: bool = True,
    progress: Progress | None = None,
    on_phase: PhaseHook | None = None,
    settings: ImportSettings | None = None,
) -> ImportOutcome:
    """Import a spending file for `org`: all-or-nothing unless `accept_valid_rows`.

    `review_mapping` stops before storing, as for columns that need a person, so that the
    clerk confirms the detected mapping first (unless a mapping is given).
    `progress` is called with (lines stored, lines to store) while storing, and with the
    parser's steps (step, 4) while reading when not isolated; `on_phase("storing", n)`
    tells when the storing of n lines starts.
    """
    actor.require("import")
    file_name = original_name or path.name
    if settings is not None:  # the instance's settings win over the single arguments
        limits, isolated = settings.limits, settings.isolated
    limits = limits or Limits()
    saved = None
    parse_kwargs: dict[str, Any] = {
        "original_name": file_name, "sheet": sheet, "mapping": mapping, "date_order": date_order,
        "default_currency": currency or org.currency, "limits": limits,
    }
    if not isolated:
        parse_kwargs["progress"] = progress
    try:
        result = _parse_spend(path, isolated=isolated, **parse_kwargs)
        if mapping is None:
            saved = session.scalar(select(MappingProfile).where(
                MappingProfile.organization_id == org.id, MappingProfile.kind == "spend",
                MappingProfile.headers_key == headers_key(result.columns)))
            if saved is not None and (saved.mapping != result.mapping
                                      or (saved.date_order and not date_order)):
                parse_kwargs.update(mapping=saved.mapping,
                                    date_order=date_order or saved.date_order)
                result = _parse_spend(path, isolated=isolated, **parse_kwargs)
    except importers.ImporterError as exc:
        return _refuse_unreadable(session, actor, org, path, file_name, exc)

    outcome = ImportOutcome(
        import_id=None, status="refused", currency=currency or org.currency,
        issues=_issue_dicts(result), issue_counts=result.report.counts_by_code(),
        mapping=dict(result.mapping), columns=list(result.columns), sheets=list(result.sheets),
        samples=dict(result.samples),
        needs_confirmation=bool((result.needs_confirmation or review_mapping)
                                and (saved is None or review_mapping) and mapping is None),
    )
    duplicate = session.scalar(select(ImportBatch).where(
        ImportBatch.organization_id == org.id, ImportBatch.kind == "spend",
        ImportBatch.status == "imported",
        (ImportBatch.content_hash == result.content_hash)
        | (ImportBatch.file_hash == result.file_hash)))
    if duplicate is not None and len(result.records):
        return _as_duplicate(outcome, duplicate, file_name)

    currency_question = _currency_question(result, file_name, org, currency)
    if currency_question is not None:
        result.report.add(currency_question)
        outcome.issues = _issue_dicts(result)
        outcome.issue_counts = result.report.counts_by_code()
        outcome.needs_confirmation = True
    blocking = result.report.has_blocking_errors or outcome.needs_confirmation
    if (len(result.records) == 0 or currency_question is not None
            or (blocking and not accept_valid_rows)):
        refused = _store_batch(session, actor, org, result, file_name, status="refused",
                               currency=currency or org.currency)
        outcome.import_id = refused.id if refused is not None else None
        outcome.message = (
            f"{file_name}: the amounts are in {currency_question.value}, not in "
            f"{currency or org.currency}; nothing was stored. Confirm the file's currency: "
            f"--currency {currency_question.params['foreign']} on the command line, or choose "
            "it on the import page"
            if currency_question is not None
            else _refusal_message(file_name, result, outcome.needs_confirmation))
        return outcome

    if on_phase:
        on_phase("storing", len(result.records))
    claimed = _store_batch(session, actor, org, result, file_name, status="imported",
                           currency=currency or org.currency)
    if claimed is None:  # the same data was stored meanwhile (another upload at once)
        return _duplicate_of(session, org, result, file_name, outcome)
    batch = claimed
    store_lines(session, org, batch.id, result.records, progress=progress)
    if save_mapping:
        remember_mapping(session, actor, org, result.columns, result.mapping, date_order)
    _record_import(session, actor, batch)
    outcome.import_id, outcome.status = batch.id, "imported"
    outcome.lines, outcome.total = batch.lines, batch.total
    outcome.message = (f"{file_name}: {batch.lines} line{'s' if batch.lines != 1 else ''} "
                       f"imported, total {batch.total:.2f} {batch.currency}.")
    if batch.refused_rows:
        outcome.message += f" {batch.refused_rows} rows refused (see the report)."
    return outcome


def _as_duplicate(outcome: ImportOutcome, duplicate: ImportBatch,
                  file_name: str) -> ImportOutcome:
    """Turn the outcome into the "duplicate" answer naming the import already stored."""
    outcome.import_id, outcome.status = duplicate.id, "duplicate"
    outcome.lines, outcome.total = duplicate.lines, duplicate.total
    outcome.message = (f"{file_name}: the same data was already imported on "
                       f"{duplicate.created_at:%Y-%m-%d} (import #{duplicate.id}); "
                       "nothing was added.")
    return outcome


def _duplicate_of(session: Session, org: Organization, result: SpendParseResult,
                  file_name: str, outcome: ImportOutcome) -> ImportOutcome:
    """Answer "duplicate" when the database refused a second copy of the same content."""
    duplicate = session.scalar(select(ImportBatch).where(
        ImportBatch.organization_id == org.id, ImportBatch.kind == "spend",
        ImportBatch.status == "imported", ImportBatch.content_hash == result.content_hash))
    if duplicate is None:  # pragma: no cover - the index named it a moment ago
        raise InvalidInput(f"{file_name}: the same data is being imported right now; "
                           "try again in a moment.")
    return _as_duplicate(outcome, duplicate, file_name)


def _insert_unique_batch(session: Session, values: dict[str, Any]) -> ImportBatch | None:
    """Insert an imported batch unless the same content is stored already; None then.

    The unique index on (municipality, kind, content hash) of imported batches decides,
    so two uploads of the same data at once store one import: the second insert waits
    for the first transaction and then inserts nothing (no error, nothing half-written).
    """
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert_(ImportBatch).values(**values).on_conflict_do_nothing()
                 .returning(ImportBatch.id))
    new_id = session.execute(statement).scalar_one_or_none()
    return None if new_id is None else session.get(ImportBatch, new_id)


def _currency_question(result: SpendParseResult, file_name: str, org: Organization,
                       currency: str | None) -> importers.Issue | None:
    """Return the question to ask when the file states another currency than the one expected.

    The currency is never assumed: amounts marked £ or €, a currency column or a title such
    as "Amount GBP" that disagree with the municipality's currency (or with the one the
    clerk chose) stop the import until a person confirms the file's currency.
    """
    expected = currency or org.currency
    foreign = [code for code in result.detected_currencies if code != expected]
    if not foreign or not len(result.records):
        return None
    stated = ", ".join(result.detected_currencies)
    if currency is None:
        text = N_("%(file)s : les montants sont en %(stated)s et non en %(expected)s, la devise "
                  "de la municipalité ; rien n'a été enregistré. Confirmez la devise du "
                  "fichier : --currency %(foreign)s en ligne de commande, ou choisissez-la sur "
                  "la page d'import")
    else:
        text = N_("%(file)s : les montants sont en %(stated)s mais la devise choisie est "
                  "%(expected)s ; rien n'a été enregistré. Choisissez la devise indiquée dans "
                  "le fichier")
    return importers.Issue(result.sheet, None, result.mapping.get("amount"), stated,
                           "currency_needs_confirmation", text,
                           {"file": file_name, "stated": stated, "expected": expected,
                            "foreign": foreign[0]}, "error")


def _refusal_message(file_name: str, result: SpendParseResult, needs_mapping: bool) -> str:
    if needs_mapping:
        return (f"{file_name}: the columns or the date format need your confirmation "
                "before import; nothing was stored.")
    if len(result.records) == 0:
        return f"{file_name}: no valid line was found; nothing was stored."
    refused = len(result.report.refused_rows)
    return (f"{file_name}: {refused} rows have blocking problems; nothing was stored. Fix them, "
            "or import the valid rows only (--accept-valid-rows).")


def _refuse_unreadable(session: Session, actor: Actor, org: Organization | None, path: Path,
                       file_name: str, exc: importers.ImporterError) -> ImportOutcome:
    issue = {"sheet": None, "row": None, "column": None, "value": file_name,
             "code": exc.code, "text": exc.text, "params": exc.params, "severity": "error"}
    file_hash = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
    batch = ImportBatch(
        organization_id=org.id if org else None, kind="spend" if org else "suppliers",
        status="refused", file_name=file_name, file_hash=file_hash, content_hash=None,
        issues=[issue], issue_counts={exc.code: 1}, created_by_id=actor.user_id,
        currency=org.currency if org else "CAD",
    )
    session.add(batch)
    session.flush()
    record_event(session, actor=actor.name, action="import.refused", object_type="import",
                 object_id=batch.id, organization_id=batch.organization_id,
                 after={"file_name": file_name, "code": exc.code})
    return ImportOutcome(import_id=batch.id, status="refused", issues=[issue],
                         issue_counts={exc.code: 1}, message=exc.message)


def _store_batch(session: Session, actor: Actor, org: Organization, result: SpendParseResult,
                 file_name: str, *, status: str, currency: str) -> ImportBatch | None:
    """Store the batch row and its audit event; None when the content is stored already."""
    stored = status == "imported"
    total = cents_to_decimal(int(result.records["amount_cents"].sum())) if stored else Decimal(0)
    values: dict[str, Any] = dict(
        organization_id=org.id, kind="spend", status=status, file_name=file_name,
        file_hash=result.file_hash, content_hash=result.content_hash, sheet=result.sheet,
        mapping=dict(result.mapping), rows_read=result.rows_read,
        lines=len(result.records) if stored else 0,
        refused_rows=len(result.report.refused_rows), total=total, currency=currency,
        fiscal_year=predominant_fiscal_year(result.records["date"], result.records["amount_cents"],
                                            org.fiscal_year_start_month or 1)
        if stored and "date" in result.records else None,
        issue_counts=result.report.counts_by_code(), issues=_issue_dicts(result)[:5000],
        created_by_id=actor.user_id,
    )
    if stored:
        claimed = _insert_unique_batch(session, values)
        if claimed is None:
            return None
        batch = claimed
    else:
        batch = ImportBatch(**values)
        session.add(batch)
        session.flush()
    if not stored:
        _record_import(session, actor, batch)
    return batch


def _record_import(session: Session, actor: Actor, batch: ImportBatch) -> None:
    """Record the import's audit event.

    A stored import records it after its lines: the audit chain's head is one lock that
    every writer takes, so it is taken last, never held while thousands of lines are written.
    """
    record_event(session, actor=actor.name, action=f"import.{batch.status}",
                 object_type="import", object_id=batch.id, organization_id=batch.organization_id,
                 after={"file_name": batch.file_name, "lines": batch.lines,
                        "total": str(batch.total), "file_hash": batch.file_hash,
                        "content_hash": batch.content_hash})


LINE_COLUMNS = (
    "organization_id", "import_id", "source_row", "date", "supplier_name", "supplier_ref",
    "description", "expense_category", "account_code", "department", "amount", "currency",
    "contract_ref", "is_credit", "supplier_ids",
)


def _column(series: pd.Series) -> list[Any]:
    """Return a column as a list with None for missing values, which every driver takes."""
    missing = series.isna()
    if missing.any():
        series = series.astype(object).where(~missing, None)
    return series.tolist()


def _iso_dates(series: pd.Series) -> list[str | None]:
    """Render dates as ISO text, converting each distinct date once."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    rendered = np.array([d.isoformat() for d in uniques] + [None], dtype=object)
    return rendered[codes].tolist()  # code -1 (missing) picks the trailing None


def _identifier_maps(records: pd.DataFrame, *, as_json: bool) -> list[Any]:
    """Return each line's identifiers by registry ({} when none), as JSON text for SQLite."""
    if "supplier_ids" not in records:
        values: list[Any] = [None] * len(records)
    else:
        values = records["supplier_ids"].tolist()
    if as_json:
        return ["{}" if not v else json.dumps(v, ensure_ascii=False, sort_keys=True)
                for v in values]
    return [v or {} for v in values]


def store_lines(session: Session, org: Organization, import_id: int, records: pd.DataFrame,
                *, progress: Progress | None = None, chunk: int = 50_000) -> int:
    """Insert parsed records as purchase lines: multi-row INSERTs on SQLite, the driver's
    bulk path elsewhere; in the caller's transaction, so a failure writes nothing.

    Rows are built column-wise (C-level list operations, no per-row pandas access);
    this is the hot path of a million-line import.
    """
    total = len(records)
    if total == 0:
        return 0
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    cents = records["amount_cents"].astype("int64")
    # SQLite stores NUMERIC as REAL: cents/100 is the exact stored form of a 2-decimal
    # value; other databases get exact Decimals.
    amounts = (cents / 100.0).tolist() if sqlite else [cents_to_decimal(c) for c in cents]
    dates = _iso_dates(records["date"]) if sqlite else _column(records["date"])
    text = {name: _column(records[name]) for name in (
        "supplier_name", "supplier_id", "description", "expense_category", "account_code",
        "department", "currency", "contract_ref")}
    columns = [
        [org.id] * total, [import_id] * total, records["source_row"].astype("int64").tolist(),
        dates, text["supplier_name"], text["supplier_id"], text["description"],
        text["expense_category"], text["account_code"], text["department"], amounts,
        text["currency"], text["contract_ref"], records["is_credit"].astype(bool).tolist(),
        _identifier_maps(records, as_json=sqlite),
    ]
    def rows(start: int) -> Any:
        """Yield one chunk of row tuples without materializing the whole file's rows."""
        return zip(*(column[start:start + chunk] for column in columns), strict=True)

    if sqlite:
        insert_sqlite_rows(session, PurchaseLine.__tablename__, LINE_COLUMNS, columns, total,
                           organization_id=org.id, chunk=chunk, progress=progress)
    else:
        for start in range(0, total, chunk):
            part = [dict(zip(LINE_COLUMNS, row, strict=True)) for row in rows(start)]
            session.execute(insert(PurchaseLine), part)
            if progress:
                progress(min(start + chunk, total), total)
    return total


def remember_mapping(session: Session, actor: Actor, org: Organization, columns: list[str],
                     mapping: dict[str, str], date_order: str | None) -> MappingProfile:
    """Save a confirmed column mapping for the next file with the same headers."""
    actor.require("import")
    unknown = {field for field in mapping if field not in importers.SPEND_FIELDS}
    missing = [h for h in mapping.values() if h not in columns]
    if unknown or missing:
        errors = {f: "unknown field" for f in unknown}
        errors.update({f"column:{h}": "not a column of this file" for h in missing})
        raise InvalidInput("The column mapping is not valid for this file.", errors=errors)
    key = headers_key(columns)
    profile = session.scalar(select(MappingProfile).where(
        MappingProfile.organization_id == org.id, MappingProfile.kind == "spend",
        MappingProfile.headers_key == key))
    before = dict(profile.mapping) if profile else None
    if profile is None:
        profile = MappingProfile(organization_id=org.id, kind="spend", headers_key=key,
                                 mapping=dict(mapping), date_order=date_order,
                                 created_by_id=actor.user_id)
        session.add(profile)
    else:
        profile.mapping, profile.date_order = dict(mapping), date_order
    session.flush()
    record_event(session, actor=actor.name, action="mapping.confirmed", object_type="mapping",
                 object_id=profile.id, organization_id=org.id, before=before,
                 after={"mapping": mapping, "date_order": date_order})
    return profile


# --- withdrawing an import ----------------------------------------------------------------

@dataclass
class Withdrawal:
    """What withdrawing an import did: the lines removed and the proposals made stale."""

    import_id: int
    file_name: str
    lines_removed: int
    stale_proposals: list[int]

    def to_json(self) -> dict[str, Any]:
        """Return the withdrawal as the API's JSON."""
        return {"import_id": self.import_id, "status": "withdrawn", "file_name": self.file_name,
                "lines_removed": self.lines_removed, "stale_proposals": self.stale_proposals}


def proposals_using(session: Session, batch: ImportBatch) -> list[Proposal]:
    """Return the proposals computed from lines of `batch`, oldest first.

    A proposal read the lines of its municipality dated within its period (all of them
    without a period) that existed when it was made: it used the import when it came
    later and one of the import's lines falls in its period.
    """
    line = PurchaseLine.import_id == batch.id
    in_period = exists().where(
        line,
        (Proposal.period_start.is_(None)) | (PurchaseLine.date >= Proposal.period_start),
        (Proposal.period_end.is_(None)) | (PurchaseLine.date <= Proposal.period_end),
    )
    return list(session.scalars(select(Proposal).where(
        Proposal.organization_id == batch.organization_id,
        Proposal.created_at >= batch.created_at, in_period).order_by(Proposal.id)))


def withdraw_import(session: Session, actor: Actor, import_id: int, *,
                    reason: str | None = None) -> Withdrawal:
    """Withdraw an imported spending file: remove its lines, mark stale the proposals that
    used them, and log who did it; the file's record and report stay in the history.

    The same data may then be imported again (only imported content counts as a duplicate).
    """
    actor.require("import")
    batch = get_owned(session, ImportBatch, import_id, scope_of(actor))
    if batch.kind != "spend" or batch.status != "imported":
        raise Conflict(f"Import #{batch.id} is {batch.status}; only an imported spending file "
                       "can be withdrawn.", errors={"status": batch.status})
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 2000:
        raise InvalidInput("The reason is too long.", errors={"reason": "at most 2000 characters"})
    stale = proposals_using(session, batch)
    removed = session.execute(delete(PurchaseLine).where(PurchaseLine.import_id == batch.id)
                              .execution_options(synchronize_session=False))
    lines_removed = int(getattr(removed, "rowcount", 0) or 0)
    now = utcnow()
    mark = {"code": "import_withdrawn", "import_id": batch.id, "file_name": batch.file_name,
            "at": now.isoformat()}
    for proposal in stale:
        proposal.stale_since = proposal.stale_since or now
        proposal.stale_reasons = [*(proposal.stale_reasons or []), mark]
    batch.status, batch.withdrawn_at, batch.withdrawn_by = "withdrawn", now, actor.name
    batch.withdrawal_reason = reason
    session.flush()
    record_event(session, actor=actor.name, action="import.withdrawn", object_type="import",
                 object_id=batch.id, organization_id=batch.organization_id,
                 before={"status": "imported", "lines": batch.lines, "total": str(batch.total)},
                 after={"status": "withdrawn", "lines_removed": lines_removed,
                        "stale_proposals": [p.id for p in stale], "reason": reason})
    return Withdrawal(import_id=batch.id, file_name=batch.file_name,
                      lines_removed=lines_removed, stale_proposals=[p.id for p in stale])


# --- supplier registry -------------------------------------------------------------------

def _registry_duplicate(session: Session, result: SupplierParseResult, file_name: str,
                        issues: list[dict[str, Any]], counts: dict[str, int]
                        ) -> ImportOutcome | None:
    """Return the "duplicate" answer when this registry content is stored already."""
    duplicate = session.scalar(select(ImportBatch).where(
        ImportBatch.kind == "suppliers", ImportBatch.status == "imported",
        ImportBatch.content_hash == result.content_hash))
    if duplicate is None:
        return None
    return ImportOutcome(import_id=duplicate.id, status="duplicate", issues=issues,
                         issue_counts=counts,
                         message=f"{file_name}: this registry content was already imported "
                                 f"(import #{duplicate.id}).")


SUPPLIER_ATTRS = (
    "name", "neq", "other_id", "siret", "company_number", "charity_number", "country",
    "activity_code", "legal_form", "org_type", "sector", "activity", "address",
    "municipality", "postal_code", "region", "website", "lat", "lon",
)
# Facts a merge may change, and that undoing it restores.
MERGE_FACTS = (*SUPPLIER_ATTRS, "work_integration", "reserved_eligible")


def import_suppliers(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    original_name: str | None = None,
    limits: Limits | None = None,
    isolated: bool = True,
    normalize_name: Callable[[str], str],
) -> ImportOutcome:
    """Merge a registry file into the registry: see `merge_suppliers` for when two are one."""
    actor.require("registry.edit")
    file_name = original_name or path.name
    try:
        if isolated:
            result: SupplierParseResult = importers.parse_supplier_file_isolated(
                path, original_name=file_name, limits=limits)
        else:
            result = importers.parse_supplier_file(path, original_name=file_name, limits=limits)
    except importers.ImporterError as exc:
        return _refuse_unreadable(session, actor, None, path, file_name, exc)

    issues = _issue_dicts(result)
    counts = result.report.counts_by_code()
    duplicate = _registry_duplicate(session, result, file_name, issues, counts)
    if duplicate is not None:
        return duplicate
    if result.report.has_blocking_errors or len(result.records) == 0:
        batch = ImportBatch(organization_id=None, kind="suppliers", status="refused",
                            file_name=file_name, file_hash=result.file_hash,
                            content_hash=result.content_hash, issues=issues[:5000],
                            issue_counts=counts, created_by_id=actor.user_id)
        session.add(batch)
        session.flush()
        return ImportOutcome(import_id=batch.id, status="refused", issues=issues,
                             issue_counts=counts,
                             message=f"{file_name}: the registry file has blocking problems; "
                                     "nothing was stored.")

    # The unique index decides between two imports of the same content at once: the second
    # waits for the first, stores nothing and answers "duplicate", as it would after it.
    claimed = _insert_unique_batch(session, dict(
        organization_id=None, kind="suppliers", status="imported", file_name=file_name,
        file_hash=result.file_hash, content_hash=result.content_hash,
        rows_read=result.rows_read, lines=len(result.records), issues=[], issue_counts={},
        created_by_id=actor.user_id))
    if claimed is None:
        duplicate = _registry_duplicate(session, result, file_name, issues, counts)
        if duplicate is None:  # pragma: no cover - the index named it a moment ago
            raise InvalidInput(f"{file_name}: the same registry content is being imported "
                               "right now; try again in a moment.")
        return duplicate
    batch = claimed
    merged = merge_suppliers(session, result.records, normalize_name, import_id=batch.id,
                             sheet=result.sheet)
    issues += merged.issues
    for issue in merged.issues:
        counts[issue["code"]] = counts.get(issue["code"], 0) + 1
    batch.added, batch.updated, batch.unchanged = merged.added, merged.updated, merged.unchanged
    batch.issues, batch.issue_counts = issues[:5000], counts
    session.flush()
    record_event(session, actor=actor.name, action="registry.imported", object_type="import",
                 object_id=batch.id,
                 after={"file_name": file_name, "added": merged.added, "updated": merged.updated,
                        "unchanged": merged.unchanged, "merged": len(merged.merges)})
    return ImportOutcome(import_id=batch.id, status="imported", added=merged.added,
                         updated=merged.updated, unchanged=merged.unchanged, issues=issues,
                         issue_counts=counts, merges=merged.merges,
                         message=f"{file_name}: {merged.added} added, {merged.updated} updated, "
                                 f"{merged.unchanged} unchanged.")


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


@dataclass
class RegistryMerge:
    """What merging a file's records did: counts, each merge (JSON-ready) and notes."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    merges: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)


class _Registry:
    """The suppliers known so far, indexed by identifier and by normalized name."""

    def __init__(self, suppliers: list[Supplier]) -> None:
        self.by_identifier: dict[tuple[str, str], Supplier] = {}
        self.by_name: dict[str, list[Supplier]] = {}
        for supplier in suppliers:
            self.add(supplier)

    def add(self, supplier: Supplier) -> None:
        self.index_identifiers(supplier)
        self.by_name.setdefault(supplier.normalized_name, []).append(supplier)

    def index_identifiers(self, supplier: Supplier) -> None:
        for kind, value in identity.identifiers(supplier_record(supplier)).items():
            self.by_identifier.setdefault((kind, value), supplier)

    def same_identifier(self, record: dict[str, Any]) -> tuple[Supplier | None, str | None]:
        for kind, value in identity.identifiers(record).items():
            found = self.by_identifier.get((kind, value))
            if found is not None:
                return found, kind
        return None, None


def supplier_record(supplier: Supplier) -> dict[str, Any]:
    """Return a supplier's mergeable facts as a plain mapping."""
    return {attr: getattr(supplier, attr) for attr in MERGE_FACTS}


def _json_value(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def merge_suppliers(session: Session, records: pd.DataFrame,
                    normalize_name: Callable[[str], str], *, import_id: int,
                    sheet: str | None = None) -> RegistryMerge:
    """Add new registry entries and merge known ones, logging every merge.

    A record is the same organisation as a known supplier on the same identifier, or on
    the same normalized name when no other fact contradicts it (`procurement.matching.
    identity`); otherwise it is a new supplier, and a same-named one kept apart is noted
    (info `name_match_kept_apart`). A merge fills or replaces facts from the file (an
    empty cell never erases) and is written to `SupplierMerge` with the facts before and
    after, so that `registry.undo_merge` can restore them. Structure types set the
    work-integration and reserved-eligible facts (never unset them).
    """
    registry = _Registry(list(session.scalars(select(Supplier))))
    outcome = RegistryMerge()
    logged: list[SupplierMerge] = []
    rows = cast(list[dict[str, Any]], records.to_dict("records"))
    for row in rows:
        data = {attr: _clean(row.get(attr)) for attr in SUPPLIER_ATTRS}
        if not data["name"]:
            continue
        siren = _clean(row.get("siren"))
        if siren and not data["siret"] and not data["other_id"]:
            data["other_id"] = siren
        facts = structure_facts(data["org_type"], data["legal_form"], data["country"])
        if facts.work_integration:
            data["work_integration"] = True
        if facts.reserved_eligible:
            data["reserved_eligible"] = True
        normalized = normalize_name(data["name"]) or data["name"].lower()
        match, kind = registry.same_identifier({**data, "siren": siren})
        matched_on = "identifier"
        if match is None:
            match = _same_name(registry, normalized, data, outcome, row, sheet)
            matched_on = "name"
        if match is None:
            supplier = Supplier(normalized_name=normalized, **data)
            session.add(supplier)
            registry.add(supplier)
            outcome.added += 1
            continue
        given = {attr: value for attr, value in data.items() if value is not None}
        changed = [attr for attr, value in given.items() if getattr(match, attr) != value]
        if not changed:
            outcome.unchanged += 1
            continue
        # The whole record is kept (after), with the supplier's facts it met (before): what
        # changed is where they differ, and undoing a name merge can set the record apart.
        before = {attr: _json_value(getattr(match, attr)) for attr in given}
        after = {attr: _json_value(value) for attr, value in given.items()}
        if match.id is None:
            session.flush()
        for attr in changed:
            setattr(match, attr, data[attr])
        match.updated_at = utcnow()
        registry.index_identifiers(match)
        merge = SupplierMerge(import_id=import_id, supplier_id=match.id, matched_on=matched_on,
                              before=before, after=after)
        session.add(merge)
        logged.append(merge)
        outcome.updated += 1
        outcome.merges.append({
            "merge_id": None, "supplier_id": match.id, "supplier": match.name,
            "matched_on": matched_on, "identifier": kind, "row": int(row["source_row"]),
            "changed": changed, "before": {attr: before[attr] for attr in changed},
            "after": {attr: after[attr] for attr in changed}})
    session.flush()
    for entry, merge in zip(outcome.merges, logged, strict=True):
        entry["merge_id"] = merge.id
    return outcome


def _same_name(registry: _Registry, normalized: str, data: dict[str, Any],
               outcome: RegistryMerge, row: dict[str, Any], sheet: str | None) -> Supplier | None:
    """Return the one same-named supplier no fact contradicts; note the ones kept apart."""
    candidates = registry.by_name.get(normalized, [])
    if not candidates:
        return None
    fitting: list[Supplier] = []
    for supplier in candidates:
        reason = identity.contradiction(data, supplier_record(supplier))
        if reason is None:
            fitting.append(supplier)
        elif supplier.id is not None:
            outcome.issues.append(_kept_apart(row, sheet, supplier, reason))
    if len(fitting) <= 1:
        return fitting[0] if fitting else None
    scores = [identity.agreement(data, supplier_record(s)) for s in fitting]
    best = max(scores)
    chosen = [s for s, score in zip(fitting, scores, strict=True) if score == best]
    return chosen[0] if len(chosen) == 1 or best > 0 else None


_REASONS = {
    "country": N_("un autre pays"),
    "postal_code": N_("un autre code postal"),
    "municipality": N_("une autre municipalité"),
}


def _kept_apart(row: dict[str, Any], sheet: str | None, supplier: Supplier,
                reason: str) -> dict[str, Any]:
    """Note a same-named supplier kept apart because a fact contradicts the name match."""
    name = str(row.get("name"))
    row_number = int(row["source_row"])
    return {
        "sheet": sheet, "row": row_number, "column": None, "value": name,
        "code": "name_match_kept_apart", "severity": "info",
        "supplier_id": supplier.id, "reason": reason,
        "text": N_("Ligne %(row)s : « %(name)s » porte le nom du fournisseur n° %(supplier_id)s "
                   "du registre (%(supplier)s) mais %(reason_text)s ; gardé comme fournisseur "
                   "distinct") if reason in _REASONS else
        N_("Ligne %(row)s : « %(name)s » porte le nom du fournisseur n° %(supplier_id)s du "
           "registre (%(supplier)s) mais un autre %(identifier)s ; gardé comme fournisseur "
           "distinct"),
        "params": {"row": row_number, "name": name, "supplier_id": supplier.id,
                   "supplier": supplier.name, "reason_text": _REASONS.get(reason, ""),
                   "identifier": reason.upper()},
    }


# --- uploads waiting for a mapping confirmation ------------------------------------

def staging_folder(instance: Path) -> Path:
    """Return the folder where uploads wait for the clerk's confirmation."""
    folder = instance / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stage_upload(instance: Path, actor: Actor, source: Path, original_name: str) -> str:
    """Keep an uploaded file until the clerk confirms its mapping; return its token."""
    import secrets
    import shutil

    token = f"{actor.organization_id}-{secrets.token_hex(12)}"
    folder = staging_folder(instance)
    shutil.copyfile(source, folder / token)
    (folder / f"{token}.name").write_text(original_name, encoding="utf-8")
    return token


def staged_upload(instance: Path, actor: Actor, token: str) -> tuple[Path, str]:
    """Return the path and original name of a staged upload of the actor's municipality."""
    from procurement.errors import NotFound

    valid = (token.replace("-", "").isalnum()
             and token.split("-", 1)[0] == str(actor.organization_id))
    path = staging_folder(instance) / token
    if not valid or not path.is_file():
        raise NotFound("This upload is no longer available; upload the file again.")
    name = (path.parent / f"{token}.name").read_text(encoding="utf-8")
    return path, name


def discard_staged(instance: Path, token: str) -> None:
    """Delete a staged upload once imported or abandoned."""
    folder = staging_folder(instance)
    (folder / token).unlink(missing_ok=True)
    for path in folder.glob(f"{token}.*"):
        path.unlink(missing_ok=True)
