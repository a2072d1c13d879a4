"""Use cases of the supplier registry kept by administrators: capacity, flags, scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.audit import record_event
from procurement.errors import Conflict, InvalidInput, NotFound
from procurement.models import Category, Supplier, SupplierMerge, utcnow
from procurement.permissions import Actor
from procurement.services.capabilities import decide_capabilities

SERVICE_AREAS = ("municipality", "mrc", "region", "province")
SCORE_KEYS = ("work_integration", "locality", "governance", "environment", "premium_pct")
EDITABLE_FIELDS = ("capacity", "active", "service_area", "work_integration",
                   "reserved_eligible", "score_overrides")
MAX_CAPACITY = Decimal("999999999999.99")


def supplier_facts(supplier: Supplier) -> dict[str, Any]:
    """Return the administrator-editable facts of a supplier, as JSON-ready data."""
    return {
        "capacity": None if supplier.capacity is None else f"{supplier.capacity:.2f}",
        "active": supplier.active,
        "service_area": supplier.service_area,
        "work_integration": supplier.work_integration,
        "reserved_eligible": supplier.reserved_eligible,
        "score_overrides": dict(supplier.score_overrides or {}),
    }


def _clean_capacity(value: Any, errors: dict[str, str]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors["capacity"] = f"{value!r} is not an amount; expected e.g. 150000.00"
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_CAPACITY:
        errors["capacity"] = "must be an amount between 0 and 999999999999.99"
        return None
    return amount


def _clean_scores(value: Any, errors: dict[str, str]) -> dict[str, float]:
    if not isinstance(value, dict):
        errors["score_overrides"] = "must be an object such as {\"work_integration\": 1.0}"
        return {}
    clean: dict[str, float] = {}
    for key, score in value.items():
        if key not in SCORE_KEYS:
            errors[f"score_overrides.{key}"] = f"unknown score; use {', '.join(SCORE_KEYS)}"
        elif isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
            errors[f"score_overrides.{key}"] = "must be a number between 0 and 1"
        else:
            clean[key] = float(score)
    return clean


def validate_supplier_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Check an administrator's edit of a supplier; raise InvalidInput per field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in EDITABLE_FIELDS:
            errors[key] = "unknown or read-only field"
        elif key == "capacity":
            clean[key] = _clean_capacity(value, errors)
        elif key in {"active", "work_integration", "reserved_eligible"}:
            if not isinstance(value, bool):
                errors[key] = "must be true or false"
            clean[key] = value
        elif key == "service_area":
            if value is not None and value not in SERVICE_AREAS:
                errors[key] = f"must be one of {', '.join(SERVICE_AREAS)} (or null)"
            clean[key] = value
        else:
            clean[key] = _clean_scores(value, errors)
    if errors:
        raise InvalidInput("The supplier was not changed.", errors=errors)
    return clean


def update_supplier(session: Session, actor: Actor, supplier_id: int,
                    changes: dict[str, Any]) -> Supplier:
    """Change a registry supplier's capacity, flags or scores, recording before and after."""
    actor.require("registry.edit")
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"Supplier {supplier_id} was not found.")
    clean = validate_supplier_changes(changes)
    before = supplier_facts(supplier)
    for key, value in clean.items():
        setattr(supplier, key, value)
    supplier.updated_at = utcnow()
    session.flush()
    after = supplier_facts(supplier)
    changed = {key for key in after if after[key] != before[key]}
    if changed:
        record_event(session, actor=actor.name, action="supplier.updated",
                     object_type="supplier", object_id=supplier.id,
                     organization_id=actor.organization_id,
                     before={k: before[k] for k in sorted(changed)},
                     after={k: after[k] for k in sorted(changed)})
    return supplier


@dataclass
class UndoneMerge:
    """What undoing a registry merge did, shaped like `procure undo-merge --json`."""

    merge_id: int
    supplier_id: int
    matched_on: str
    restored: dict[str, Any] = field(default_factory=dict)
    kept: dict[str, Any] = field(default_factory=dict)
    split_supplier_id: int | None = None
    undone_at: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of the CLI and the API."""
        return {
            "merge_id": self.merge_id, "supplier_id": self.supplier_id,
            "matched_on": self.matched_on, "restored": self.restored, "kept": self.kept,
            "split_supplier_id": self.split_supplier_id,
            "undone_at": self.undone_at.isoformat() if self.undone_at else None,
        }


def _same_value(current: Any, recorded: Any) -> bool:
    if isinstance(current, float | Decimal) and isinstance(recorded, int | float):
        return abs(float(current) - float(recorded)) < 1e-9
    return bool(current == recorded)


def undo_merge(session: Session, actor: Actor, merge_id: int) -> UndoneMerge:
    """Undo a registry merge: give the supplier back the facts it had before.

    A fact changed again since the merge (by a later import or a person) is kept and
    reported. A merge made on the name alone also sets the merged record apart as its own
    supplier (from the facts the file gave), so that nothing is lost; a merge on the same
    identifier does not (the next import would merge them again).
    """
    from procurement.matching import normalize_company_name
    from procurement.services import matching

    actor.require("registry.edit")
    merge = session.get(SupplierMerge, merge_id)
    if merge is None:
        raise NotFound(f"Registry merge {merge_id} was not found.")
    if merge.undone_at is not None:
        raise Conflict(f"Registry merge {merge_id} was already undone on "
                       f"{merge.undone_at:%Y-%m-%d %H:%M}.")
    supplier = session.get(Supplier, merge.supplier_id)
    if supplier is None:
        raise NotFound(f"Supplier {merge.supplier_id} of merge {merge_id} was not found.")
    outcome = UndoneMerge(merge_id=merge.id, supplier_id=supplier.id,
                          matched_on=merge.matched_on)
    changed_back: dict[str, Any] = {}
    for attr, before in merge.before.items():
        after = merge.after.get(attr)
        unchanged = after is None if before is None else _same_value(before, after)
        if unchanged:
            continue  # the merge did not change this fact
        current = getattr(supplier, attr)
        if _same_value(current, after):
            changed_back[attr] = current if not isinstance(current, Decimal) else float(current)
            setattr(supplier, attr, before)
            outcome.restored[attr] = before
        else:
            outcome.kept[attr] = current if not isinstance(current, Decimal) else float(current)
    if merge.matched_on == "name" and merge.after.get("name"):
        record = {attr: value for attr, value in merge.after.items()
                  if hasattr(Supplier, attr) and attr != "id"}
        apart = Supplier(normalized_name=normalize_company_name(record["name"])
                         or str(record["name"]).lower(), **record)
        session.add(apart)
        session.flush()
        outcome.split_supplier_id = apart.id
    supplier.updated_at = utcnow()
    merge.undone_at, merge.undone_by_id = utcnow(), actor.user_id
    outcome.undone_at = merge.undone_at
    session.flush()
    matching.localize_suppliers(session)
    matching.refresh_supplier_categories(session)
    record_event(session, actor=actor.name, action="supplier.merge_undone",
                 object_type="supplier", object_id=supplier.id,
                 organization_id=actor.organization_id, before=changed_back,
                 after={"merge_id": merge.id, "import_id": merge.import_id,
                        "restored": outcome.restored, "kept": sorted(outcome.kept),
                        "split_supplier_id": outcome.split_supplier_id})
    return outcome


def set_supplier_categories(session: Session, actor: Actor, supplier_id: int,
                            category_codes: list[str]) -> Supplier:
    """Replace a supplier's categories by the ones a person confirmed.

    The listed categories are confirmed and every other pair the supplier has is rejected,
    through the capability decision of the review queue (one rule): decisions survive
    every later inference, and an empty list says the supplier serves none of them.
    """
    actor.require("registry.edit")
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"Supplier {supplier_id} was not found.")
    codes = list(dict.fromkeys(code.strip() for code in category_codes))
    known = set(session.scalars(select(Category.code).where(Category.code.in_(codes))))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidInput("The categories were not changed.", errors={
            "categories": f"unknown category code(s): {', '.join(unknown)}"})
    decisions = [(supplier.id, code, "confirmed") for code in codes]
    decisions += [(supplier.id, pair.category_code, "rejected") for pair in supplier.categories
                  if pair.category_code not in codes and pair.decision != "rejected"]
    if decisions:
        decide_capabilities(session, actor, decisions)
    supplier.updated_at = utcnow()
    session.flush()
    session.refresh(supplier)
    return supplier
