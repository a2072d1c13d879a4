"""Read models of the server-rendered pages: one call per page, scoped to the actor.

Nothing here changes data, except the small JSON note kept beside a staged upload
(the columns and the mapping proposed to the clerk), which is not domain data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.db import cents_sum
from procurement.errors import NotFound
from procurement.matching import confidence_band as band_of
from procurement.models import (
    Category,
    CategoryRule,
    IncumbentMatch,
    PurchaseLine,
)
from procurement.permissions import Actor
from procurement.services import matching, overview
from procurement.services.common import cents_to_decimal
from procurement.services.imports import staged_upload, staging_folder

CONFIDENCE_BANDS = matching.CONFIDENCE_BANDS


def confidence_band(confidence: float | None) -> str:
    """Name the band (high, medium, low) of a confidence between 0 and 1."""
    return band_of(confidence or 0.0)


def category_labels(session: Session) -> dict[str, tuple[str, str]]:
    """Return {code: (label_fr, label_en)} for the taxonomy."""
    return {code: (fr, en) for code, fr, en in session.execute(
        select(Category.code, Category.label_fr, Category.label_en))}


# --- matching -----------------------------------------------------------------------------

@dataclass
class CategoryRow:
    """A distinct (expense category, description) of the spending and how it was categorized."""

    expense_category: str | None
    description: str | None
    category_code: str | None
    confidence: float
    band: str
    method: str | None
    reason: str | None
    lines: int
    amount: Any
    rule_kind: str | None = None


@dataclass
class MatchingPage:
    """The categorization of a municipality's spending, one distinct value per row."""

    rows: list[CategoryRow]
    total_rows: int
    categories: list[Category]
    by_band: dict[str, int]
    rules: int
    pending_incumbents: int

    def label(self, code: str | None, english: bool = False) -> str:
        """Return the name of a category in one language (the code when unknown)."""
        for category in self.categories:
            if category.code == code:
                return category.label_en if english else category.label_fr
        return code or ""


def matching_page(session: Session, actor: Actor, *, band: str | None = None,
                  limit: int = 50, offset: int = 0) -> MatchingPage:
    """List the distinct spending values with their category, confidence, method and reason."""
    actor.require("read")
    org_id = overview.own_organization_id(actor)
    confidence = func.coalesce(PurchaseLine.category_confidence, 0.0)
    groups = (
        select(
            PurchaseLine.expense_category, PurchaseLine.description,
            PurchaseLine.category_code,
            func.max(confidence).label("confidence"),
            func.max(PurchaseLine.category_method).label("method"),
            func.max(PurchaseLine.category_reason).label("reason"),
            func.count().label("lines"),
            cents_sum(PurchaseLine.amount).label("cents"),
        )
        .where(PurchaseLine.organization_id == org_id)
        .group_by(PurchaseLine.expense_category, PurchaseLine.description,
                  PurchaseLine.category_code)
    ).subquery()
    floors = dict(CONFIDENCE_BANDS)
    query = select(groups)
    band_column = groups.c.confidence
    if band == "high":
        query = query.where(band_column >= floors["high"])
    elif band == "medium":
        query = query.where(band_column >= floors["medium"], band_column < floors["high"])
    elif band == "low":
        query = query.where(band_column < floors["medium"])
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = [
        CategoryRow(
            expense_category=r.expense_category, description=r.description,
            category_code=r.category_code, confidence=float(r.confidence or 0.0),
            band=confidence_band(r.confidence), method=r.method, reason=r.reason,
            lines=int(r.lines), amount=cents_to_decimal(int(r.cents or 0)),
        )
        for r in session.execute(
            query.order_by(groups.c.cents.desc(), groups.c.expense_category,
                           groups.c.description).limit(limit).offset(offset))
    ]
    counts = {name: 0 for name, _ in CONFIDENCE_BANDS}
    per_band = select(groups.c.confidence, func.count()).group_by(groups.c.confidence)
    for value, n in session.execute(per_band):
        counts[confidence_band(value)] += int(n)
    rules = int(session.scalar(select(func.count()).select_from(CategoryRule).where(
        CategoryRule.organization_id == org_id)) or 0)
    pending = int(session.scalar(select(func.count()).select_from(IncumbentMatch).where(
        IncumbentMatch.organization_id == org_id, IncumbentMatch.status == "pending")) or 0)
    return MatchingPage(rows=rows, total_rows=total, categories=overview.categories(
        session, actor), by_band=counts, rules=rules, pending_incumbents=pending)


# --- uploads waiting for the clerk ------------------------------------------------------

def _note_path(instance: Path, token: str) -> Path:
    return staging_folder(instance) / f"{token}.page.json"


def save_upload_note(instance: Path, actor: Actor, token: str, note: dict[str, Any]) -> None:
    """Keep, beside a staged upload, what the mapping page shows (columns, proposal)."""
    staged_upload(instance, actor, token)  # the token must be the actor's municipality's
    _note_path(instance, token).write_text(json.dumps(note), encoding="utf-8")


@dataclass
class StagedUpload:
    """A staged upload: where it is, its original name, and the page's note."""

    token: str
    path: Path
    name: str
    note: dict[str, Any]


def staged_with_note(instance: Path, actor: Actor, token: str) -> StagedUpload:
    """Return a staged upload of the actor's municipality with its note (NotFound if gone)."""
    actor.require("import")
    path, name = staged_upload(instance, actor, token)
    note_path = _note_path(instance, token)
    note = json.loads(note_path.read_text(encoding="utf-8")) if note_path.is_file() else {}
    return StagedUpload(token=token, path=path, name=name, note=note)


def discard_note(instance: Path, token: str) -> None:
    """Delete the note of a staged upload (the upload itself is discarded by the service)."""
    _note_path(instance, token).unlink(missing_ok=True)


def staged_for_import(instance: Path, actor: Actor, import_id: int) -> StagedUpload | None:
    """Return the still-staged upload whose reading was refused as `import_id`, if any.

    The note beside a staged upload names the import its last reading was stored as, so
    the import page finds the file again in a new session (after signing in again).
    """
    actor.require("import")
    for note_path in sorted(staging_folder(instance).glob(
            f"{actor.organization_id}-*.page.json")):
        try:
            note = json.loads(note_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if note.get("import_id") == import_id:
            token = note_path.name.removesuffix(".page.json")
            try:
                return staged_with_note(instance, actor, token)
            except NotFound:
                return None
    return None
