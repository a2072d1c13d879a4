"""Use cases of matching: categorize lines, recognise incumbents, review queue, rules.

The algorithms live in `procurement.matching` (pure, on data frames); this module
reads from and writes to the database, always for one municipality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Float, cast, delete, func, insert, select, update
from sqlalchemy.orm import Session

from procurement import matching
from procurement.audit import record_event
from procurement.db import fetch_tuples, update_by_id
from procurement.errors import InvalidInput, NotFound
from procurement.matching.locality import municipality_key, normalize_postal_code
from procurement.models import (
    Category,
    CategoryRule,
    IncumbentMatch,
    Organization,
    PurchaseLine,
    Supplier,
    SupplierCategory,
    utcnow,
)
from procurement.permissions import Actor
from procurement.services.common import get_owned

CONFIDENCE_BANDS = (("high", matching.HIGH_CONFIDENCE), ("medium", matching.MEDIUM_CONFIDENCE),
                    ("low", 0.0))
# The one threshold below which an inferred capability is neither stored nor proposed.
SUPPLIER_CATEGORY_MIN_CONFIDENCE = matching.DEFAULT_MIN_CONFIDENCE


@lru_cache(maxsize=1)
def taxonomy() -> matching.Taxonomy:
    """Load the shipped taxonomy once per process."""
    return matching.load_taxonomy()


def seed_categories(session: Session) -> int:
    """Insert or refresh the taxonomy's categories in the database."""
    existing = {c.code: c for c in session.scalars(select(Category))}
    for cat in taxonomy().categories.values():
        row = existing.get(cat.code) or Category(code=cat.code)
        row.label_fr, row.label_en, row.parent_code = cat.label_fr, cat.label_en, cat.parent
        row.naics = list(cat.naics)
        row.keywords_fr, row.keywords_en = list(cat.keywords_fr), list(cat.keywords_en)
        row.se_relevant = bool(cat.se_relevant)
        session.add(row)
    session.flush()
    return len(taxonomy().categories)


def registry_frame(session: Session) -> pd.DataFrame:
    """Return the registry as the data frame the matching functions expect.

    Beside the Quebec columns: `activity_code` (NAF, SIC or SCIAN as the registry gave
    it), `country` (ISO alpha-2, or None when no file told it), `siret`, `company_number`
    and `charity_number`, and the `work_integration` and `reserved_eligible` facts.
    """
    # `other_id` falls back on the other registries' identifiers, which incumbent matching
    # compares with the identifier a spending line carries.
    other_id = func.coalesce(Supplier.other_id, Supplier.siret, Supplier.company_number,
                             Supplier.charity_number)
    rows = session.execute(select(
        Supplier.id, Supplier.name, Supplier.neq, other_id, Supplier.postal_code,
        Supplier.municipality, Supplier.activity, Supplier.org_type, Supplier.legal_form,
        Supplier.sector, Supplier.lat, Supplier.lon, Supplier.activity_code, Supplier.country,
        Supplier.siret, Supplier.company_number, Supplier.charity_number,
        Supplier.work_integration, Supplier.reserved_eligible,
    ).where(Supplier.active.is_(True))).all()
    frame = pd.DataFrame(rows, columns=[
        "key", "name", "neq", "other_id", "postal_code", "municipality", "activity",
        "org_type", "legal_form", "sector", "lat", "lon", "activity_code", "country",
        "siret", "company_number", "charity_number", "work_integration",
        "reserved_eligible"])
    return frame


def refresh_supplier_categories(session: Session) -> int:
    """Infer capabilities for every supplier; a person's decisions always win.

    Every decided pair is kept as it is; a rejected pair is never inferred again; the other
    categories of a supplier with decided pairs are still inferred. Returns the number of
    inferred pairs stored.
    """
    frame = registry_frame(session)
    if frame.empty:
        return 0
    inferred = matching.infer_supplier_categories(frame, taxonomy())
    inferred = inferred[inferred["confidence"] >= SUPPLIER_CATEGORY_MIN_CONFIDENCE]
    decided = {
        (sid, code) for sid, code in session.execute(select(
            SupplierCategory.supplier_id, SupplierCategory.category_code
        ).where(SupplierCategory.decision.is_not(None)))
    }
    session.execute(delete(SupplierCategory).where(SupplierCategory.decision.is_(None)))
    rows = [
        {"supplier_id": int(r["key"]), "category_code": str(r["category_code"]),
         "confidence": float(r["confidence"]), "reason": str(r["reason"]),
         "evidence": str(r["evidence"]), "evidence_detail": dict(r["evidence_detail"])}
        for r in inferred.to_dict("records")
        if (int(r["key"]), str(r["category_code"])) not in decided
    ]
    if rows:
        session.execute(insert(SupplierCategory), rows)
    session.flush()
    return len(rows)


LINE_FRAME_COLUMNS = (
    "id", "expense_category", "account_code", "description", "supplier_name", "supplier_ref",
    "amount", "category_code", "category_confidence", "category_method",
    "incumbent_supplier_id")
CATEGORY_COLUMNS = ("category_code", "category_confidence", "category_method",
                    "category_reason")


def _lines_frame(session: Session, org_id: int) -> pd.DataFrame:
    """Read a municipality's lines for matching on the driver's cursor.

    Ids are integers and amounts floats; the other columns keep the driver's values (text
    or None, numbers or None) as objects: inferring a dtype for each of them costs more,
    on a million lines, than the matching that only compares and groups them.
    """
    rows = fetch_tuples(session, select(
        PurchaseLine.id, PurchaseLine.expense_category, PurchaseLine.account_code,
        PurchaseLine.description, PurchaseLine.supplier_name, PurchaseLine.supplier_ref,
        cast(PurchaseLine.amount, Float), PurchaseLine.category_code,
        PurchaseLine.category_confidence, PurchaseLine.category_method,
        PurchaseLine.incumbent_supplier_id,
    ).where(PurchaseLine.organization_id == int(org_id)))
    frame = pd.DataFrame(rows, columns=list(LINE_FRAME_COLUMNS), dtype=object)
    return frame.astype({"id": "int64", "amount": float})


def _nullable(values: pd.Series, convert: Any) -> list[Any]:
    """Return a column as a list for the driver: `convert(value)`, None where missing."""
    return [None if v is None or v != v else convert(v) for v in values.tolist()]


def _plain(values: pd.Series) -> list[Any]:
    """Return a text or float column as a list of Python values, None where missing."""
    missing = values.isna()
    if missing.any():
        values = values.astype(object).where(~missing, None)
    return values.tolist()


def _write_lines(session: Session, lines: pd.DataFrame, mask: np.ndarray,
                 columns: tuple[str, ...]) -> None:
    """Write `columns` of the masked lines back by primary key, in one executemany."""
    if not mask.any():
        return
    # Only the written columns are sliced: the first run rewrites every line.
    todo = lines[[*columns, "id"]]
    if not mask.all():
        todo = todo.loc[mask]
    values = [_nullable(todo[name], int) if name == "incumbent_supplier_id"
              else _plain(todo[name]) for name in columns]
    ids = todo["id"].astype("int64").tolist()
    update_by_id(session, PurchaseLine.__tablename__, columns, zip(*values, ids, strict=True))


def _text_changed(old: pd.Series, new: np.ndarray) -> np.ndarray:
    """Tell, line by line, whether a text result changed (a missing value counts as "")."""
    return np.asarray(old.to_numpy(dtype=object, na_value="") != new, dtype=bool)


def _objects(values: np.ndarray, index: pd.Index) -> pd.Series:
    """Wrap a column of Python values as they are (no text dtype inferred, no conversion)."""
    return pd.Series(values, index=index, dtype=object)


def _number_or(values: pd.Series | np.ndarray, missing: float) -> np.ndarray:
    """Return a nullable numeric column as floats, `missing` where it has no value."""
    numbers = pd.Series(values).to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(numbers), missing, numbers)


def org_rules(session: Session, org_id: int) -> list[matching.Rule]:
    """Return the municipality's confirmed categorization rules."""
    return [
        matching.Rule(kind=r.kind, pattern=r.pattern,  # type: ignore[arg-type]
                      category_code=r.category_code,
                      source=f"rule #{r.id}")
        for r in session.scalars(select(CategoryRule).where(
            CategoryRule.organization_id == org_id).order_by(CategoryRule.id))
    ]


@dataclass
class MatchSummary:
    """Counts of a matching run, shaped like `procure match --json`."""

    lines: int
    by_method: dict[str, int]
    by_confidence: dict[str, int]
    baseline_social_economy_share: float
    pending_review: int
    incumbents: dict[str, int] = field(default_factory=dict)
    opportunities: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the CLI contract's object."""
        return {
            "lines": self.lines,
            "by_method": self.by_method,
            "by_confidence": self.by_confidence,
            "baseline_social_economy_share": self.baseline_social_economy_share,
            "pending_review": self.pending_review,
            "incumbents": self.incumbents,
            "opportunities": self.opportunities,
        }


def confidence_bands(confidences: pd.Series) -> pd.Series:
    """Name the band of every confidence at once (matching.confidence_band, vectorized)."""
    values = confidences.fillna(0).to_numpy(dtype=float)
    names = np.select([values >= matching.HIGH_CONFIDENCE, values >= matching.MEDIUM_CONFIDENCE],
                      ["high", "medium"], default="low")
    return pd.Series(names, index=confidences.index)


def categorize_lines(session: Session, org_id: int, lines: pd.DataFrame) -> pd.DataFrame:
    """Categorize the lines (on their distinct values) and write changed results back."""
    lines, changed = _categorized(session, org_id, lines)
    _write_lines(session, lines, changed, CATEGORY_COLUMNS)
    return lines


def _categorized(session: Session, org_id: int, lines: pd.DataFrame
                 ) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the lines with their categorization, and which lines it changed.

    Each distinct (expense category, account, description) is categorized once and its
    result spread to its lines by position (no per-line work in Python).
    """
    if lines.empty:
        return lines, np.zeros(len(lines), dtype=bool)
    distinct, inverse = matching.distinct_rows(lines, matching.INPUT_COLUMNS)
    result = matching.categorize(distinct, taxonomy(), org_rules(session, org_id))
    code = result["category_code"].to_numpy(dtype=object)[inverse]
    method = result["method"].to_numpy(dtype=object)[inverse]
    confidence = result["confidence"].to_numpy(dtype=float)[inverse]
    changed = (
        _text_changed(lines["category_code"], code)
        | _text_changed(lines["category_method"], method)
        | (_number_or(lines["category_confidence"], -1).round(4)
           != _number_or(confidence, -1).round(4))
    )
    reason = result["reason"].to_numpy(dtype=object)[inverse]
    lines = lines.assign(category_code=_objects(code, lines.index),
                         category_confidence=confidence,
                         category_method=_objects(method, lines.index),
                         category_reason=_objects(reason, lines.index))
    return lines, changed


def recognise_incumbents(session: Session, org_id: int, lines: pd.DataFrame) -> pd.DataFrame:
    """Match the municipality's suppliers to the registry and link confident matches."""
    lines, changed = _recognised(session, org_id, lines)
    _write_lines(session, lines, changed, ("incumbent_supplier_id",))
    return lines


def _recognised(session: Session, org_id: int, lines: pd.DataFrame
                ) -> tuple[pd.DataFrame, np.ndarray]:
    """Link the lines to their recognised incumbents; return them and which links changed."""
    if lines.empty:
        return lines, np.zeros(len(lines), dtype=bool)
    names, inverse = matching.distinct_rows(lines, ("supplier_name", "supplier_ref"))
    registry = registry_frame(session)
    found = matching.match_incumbents(names.rename(columns={"supplier_ref": "supplier_id"}),
                                      registry)
    decided = {
        (m.supplier_name, m.supplier_ref): m
        for m in session.scalars(select(IncumbentMatch).where(
            IncumbentMatch.organization_id == org_id))
    }
    links: dict[tuple[str, str], int | None] = {}
    for row in found.to_dict("records"):
        key = (str(row["supplier_name"]), str(row["supplier_id"] or ""))
        registry_key = None if pd.isna(row["registry_key"]) else int(row["registry_key"])
        existing = decided.get(key)
        if existing is not None and existing.status in {"confirmed", "rejected"}:
            links[key] = existing.supplier_id if existing.status == "confirmed" else None
            continue
        status = {"auto": "auto", "review": "pending"}.get(str(row["decision"]), "none")
        if existing is None:
            existing = IncumbentMatch(organization_id=org_id, supplier_name=key[0],
                                      supplier_ref=key[1])
            session.add(existing)
        existing.supplier_id = registry_key
        existing.confidence = float(row["confidence"] or 0)
        existing.method = str(row["method"])
        existing.reason = str(row["reason"])
        existing.status = status
        links[key] = registry_key if status == "auto" else None
    session.flush()
    # Spread the per-supplier decisions to the lines by position (no per-line loop).
    link_of = np.array([links[(str(name), str(ref))] for name, ref in zip(
        names["supplier_name"].tolist(), names["supplier_ref"].tolist(), strict=True)],
        dtype=object)
    new_links = link_of[inverse]
    changed = (_number_or(lines["incumbent_supplier_id"], -1)
               != _number_or(new_links, -1))
    lines = lines.assign(incumbent_supplier_id=_objects(new_links, lines.index))
    return lines, changed


def run_matching(session: Session, actor: Actor, org: Organization) -> MatchSummary:
    """Categorize every line of `org`, recognise incumbents, and summarize."""
    actor.require("read")
    lines = _lines_frame(session, org.id)
    lines, recategorized = _categorized(session, org.id, lines)
    lines, relinked = _recognised(session, org.id, lines)
    # One pass over the changed lines: a line rewritten once costs half of twice. The link
    # is written only where it changed: setting a foreign key, even to the same value or to
    # NULL, costs SQLite a constraint check per statement.
    _write_lines(session, lines, recategorized & relinked,
                 (*CATEGORY_COLUMNS, "incumbent_supplier_id"))
    _write_lines(session, lines, recategorized & ~relinked, CATEGORY_COLUMNS)
    _write_lines(session, lines, relinked & ~recategorized, ("incumbent_supplier_id",))
    summary = summarize(session, org, lines)
    record_event(session, actor=actor.name, action="matching.run", object_type="organization",
                 object_id=org.code, organization_id=org.id,
                 after={"lines": summary.lines, "pending_review": summary.pending_review})
    return summary


def summarize(session: Session, org: Organization, lines: pd.DataFrame | None = None
              ) -> MatchSummary:
    """Summarize the matching state of a municipality."""
    if lines is None:
        lines = _lines_frame(session, org.id)
    if lines.empty:
        return MatchSummary(0, {}, {}, 0.0, 0)
    amounts = lines["amount"].astype(float)
    positive = amounts.clip(lower=0)
    se = positive[lines["incumbent_supplier_id"].notna()].sum()
    share = float(se / positive.sum()) if positive.sum() > 0 else 0.0
    by_method = {str(k): int(v) for k, v in lines["category_method"].value_counts().items()}
    bands = confidence_bands(lines["category_confidence"])
    by_confidence = {str(k): int(v) for k, v in bands.value_counts().items()}
    statuses = dict(session.execute(select(IncumbentMatch.status, func.count()).where(
        IncumbentMatch.organization_id == org.id).group_by(IncumbentMatch.status)).all())
    low_distinct = lines.loc[bands == "low", ["expense_category", "account_code",
                                               "description"]].drop_duplicates()
    pending = int(statuses.get("pending", 0)) + len(low_distinct)
    return MatchSummary(
        lines=len(lines), by_method=by_method, by_confidence=by_confidence,
        baseline_social_economy_share=round(share, 6), pending_review=pending,
        incumbents={str(k): int(v) for k, v in statuses.items()},
        opportunities=opportunities(session, org, lines),
    )


def opportunities(session: Session, org: Organization, lines: pd.DataFrame,
                  limit: int = 20) -> list[dict[str, Any]]:
    """Rank the categories where the municipality spends and no local SE supplier serves."""
    spend = (lines.assign(amount_cents=(lines["amount"].astype(float) * 100).round())
             .groupby("category_code", dropna=True)["amount_cents"].sum().reset_index())
    counts = candidate_counts(session, org)
    ranked = matching.unmet_needs(spend, counts, taxonomy())
    return [
        {"category": r["category_code"], "label_fr": r["label_fr"], "label_en": r["label_en"],
         "amount": f"{int(r['amount_cents']) / 100:.2f}",
         "local_candidates": int(r["n_local_candidates"])}
        for r in ranked.head(limit).to_dict("records")
    ]


def candidate_counts(session: Session, org: Organization) -> pd.DataFrame:
    """Count, per category, the active registry suppliers of the municipality's region."""
    rows = session.execute(select(SupplierCategory.category_code, Supplier.region,
                                  Supplier.municipality_code).join(Supplier).where(
        Supplier.active.is_(True), SupplierCategory.decision.is_distinct_from("rejected"))).all()
    frame = pd.DataFrame(rows, columns=["category_code", "region", "municipality_code"])
    local = frame[frame["region"].fillna("") == (org.region or "")]
    counts = local.groupby("category_code").size().rename("n_local_candidates").reset_index()
    return counts


# --- corrections by a person -----------------------------------------------------------

RULE_KINDS = ("expense_category", "account_code", "description")


def correct_category(session: Session, actor: Actor, org: Organization, *, kind: str,
                     pattern: str, category_code: str) -> CategoryRule:
    """Record a clerk's categorization as a rule and apply it to every matching line now."""
    actor.require("match.correct")
    errors = {}
    if kind not in RULE_KINDS:
        errors["kind"] = f"must be one of {', '.join(RULE_KINDS)}"
    if not pattern or not pattern.strip():
        errors["pattern"] = "must not be empty"
    if session.get(Category, category_code) is None:
        errors["category_code"] = f"{category_code!r} is not a category of the taxonomy"
    if errors:
        raise InvalidInput("The correction was not recorded.", errors=errors)
    pattern = pattern.strip()
    rule = session.scalar(select(CategoryRule).where(
        CategoryRule.organization_id == org.id, CategoryRule.kind == kind,
        CategoryRule.pattern == pattern))
    before = {"category_code": rule.category_code} if rule else None
    if rule is None:
        rule = CategoryRule(organization_id=org.id, kind=kind, pattern=pattern,
                            category_code=category_code, created_by_id=actor.user_id)
        session.add(rule)
    else:
        rule.category_code = category_code
    session.flush()
    lines = _lines_frame(session, org.id)
    categorize_lines(session, org.id, lines)
    record_event(session, actor=actor.name, action="match.category_corrected",
                 object_type="category_rule", object_id=rule.id, organization_id=org.id,
                 before=before, after={"kind": kind, "pattern": pattern,
                                       "category_code": category_code})
    return rule


def decide_incumbent(session: Session, actor: Actor, org: Organization, match_id: int, *,
                     supplier_id: int | None, confirm: bool) -> IncumbentMatch:
    """Confirm (optionally to another registry supplier) or reject an incumbent match."""
    actor.require("match.correct")
    match = get_owned(session, IncumbentMatch, match_id, org.id)
    if confirm:
        target = supplier_id if supplier_id is not None else match.supplier_id
        if target is None or session.get(Supplier, target) is None:
            raise InvalidInput("Choose the registry supplier to link.",
                               errors={"supplier_id": "a registry supplier is required"})
    before = {"status": match.status, "supplier_id": match.supplier_id}
    match.status = "confirmed" if confirm else "rejected"
    if confirm:
        match.supplier_id = target
    match.decided_by_id = actor.user_id
    match.decided_at = utcnow()
    link = match.supplier_id if confirm else None
    session.execute(update(PurchaseLine).where(
        PurchaseLine.organization_id == org.id,
        PurchaseLine.supplier_name == match.supplier_name,
        (PurchaseLine.supplier_ref == match.supplier_ref) if match.supplier_ref
        else PurchaseLine.supplier_ref.is_(None),
        # Only the lines whose link changes: a decision taken again changes no line.
        PurchaseLine.incumbent_supplier_id.is_distinct_from(link),
    ).values(incumbent_supplier_id=link))
    session.flush()
    record_event(session, actor=actor.name, action="match.incumbent_decided",
                 object_type="incumbent_match", object_id=match.id, organization_id=org.id,
                 before=before, after={"status": match.status, "supplier_id": match.supplier_id})
    return match


def review_queue(session: Session, org: Organization, limit: int = 200) -> list[IncumbentMatch]:
    """Return the incumbent matches waiting for a person, most confident first."""
    found = session.scalars(select(IncumbentMatch).where(
        IncumbentMatch.organization_id == org.id, IncumbentMatch.status == "pending"
    ).order_by(IncumbentMatch.confidence.desc()).limit(limit))
    return list(found)


def get_category(session: Session, code: str) -> Category:
    """Return a category or NotFound."""
    category = session.get(Category, code)
    if category is None:
        raise NotFound(f"Category {code!r} does not exist.")
    return category


def localize_suppliers(session: Session) -> int:
    """Link each supplier to its municipality of the MAMH reference (name, then postal code)."""
    orgs = session.execute(select(Organization.code, Organization.name, Organization.region,
                                  Organization.postal_code)).all()
    by_name: dict[str, list[tuple[str, str | None]]] = {}
    by_postal: dict[str, tuple[str, str | None]] = {}
    for code, name, region, postal in orgs:
        by_name.setdefault(municipality_key(name), []).append((code, region))
        if postal:
            by_postal[normalize_postal_code(postal)] = (code, region)
    linked = 0
    # The reference lists Quebec municipalities: a supplier of another country (Nantes,
    # Montpellier in France) must not be linked to its Quebec namesake.
    quebec = Supplier.country.is_(None) | (Supplier.country == "CA")
    for supplier in session.scalars(select(Supplier).where(quebec)):
        found = by_name.get(municipality_key(supplier.municipality), [])
        choice = found[0] if len(found) == 1 else None
        if choice is None and supplier.postal_code:
            choice = by_postal.get(normalize_postal_code(supplier.postal_code))
        if choice is None and len(found) > 1 and supplier.region:
            choice = next((f for f in found if f[1] == supplier.region), None)
        if choice is not None:
            supplier.municipality_code, supplier.region = choice
            linked += 1
    session.flush()
    return linked
