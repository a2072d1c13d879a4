"""Use cases of the supplier registry kept by administrators: capacity, flags, scores."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.audit import record_event
from procurement.errors import InvalidInput, NotFound
from procurement.models import Category, Supplier, utcnow
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
