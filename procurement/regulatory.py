"""Regulatory profiles: dated procurement thresholds per jurisdiction, with their source.

The values are data, seeded here and editable by an administrator afterwards; the
optimizer only ever sees the bands derived from the profile in force.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.errors import InvalidInput, NotFound
from procurement.models import RegulatoryProfile

DEFAULT_PROFILES: tuple[dict[str, Any], ...] = (
    {
        "code": "QC-2024",
        "jurisdiction": "QC",
        "name": "Québec — municipalités (Loi sur les cités et villes, art. 573 et suiv.)",
        "currency": "CAD",
        "direct_award_limit": Decimal("25000.00"),
        "tender_threshold": Decimal("121200.00"),
        "rotation_required": True,
        "reserved_contracts_allowed": False,
        "social_value_weight_min": None,
        "valid_from": dt.date(2022, 10, 7),
        "valid_to": None,
        "source": "Arrêté ministériel du 2022-10-07 (seuil de la demande de soumissions "
        "publique: 121 200 $); gré à gré sous 25 000 $; invitation écrite d'au moins deux "
        "fournisseurs entre les deux, avec rotation selon le règlement de gestion "
        "contractuelle. Depuis 2024 le seuil suit les accords intergouvernementaux, "
        "ajusté aux deux ans: vérifier la valeur en vigueur.",
        "notes": "History: 101,100 $ (2018), 105,700 $ (2020), 121,200 $ (from 2022-10-07).",
    },
    {
        "code": "FR-2026",
        "jurisdiction": "FR",
        "name": "France — collectivités territoriales (Code de la commande publique)",
        "currency": "EUR",
        "direct_award_limit": Decimal("60000.00"),
        "tender_threshold": Decimal("216000.00"),
        "rotation_required": False,
        "reserved_contracts_allowed": True,
        "social_value_weight_min": None,
        "valid_from": dt.date(2026, 4, 1),
        "valid_to": dt.date(2027, 12, 31),
        "source": "Code de la commande publique: dispense de procédure sous 60 000 € HT pour "
        "fournitures et services depuis le 2026-04-01 (40 000 € HT auparavant); procédure "
        "formelle à partir de 216 000 € HT (2026-2027); marchés réservés SIAE/EA-ESAT "
        "(art. L2113-12 à L2113-15) à tout montant.",
        "notes": "Formal threshold 221,000 € HT in 2024-2025.",
    },
    {
        "code": "UK-2025",
        "jurisdiction": "UK",
        "name": "United Kingdom — local authorities (Procurement Act 2023)",
        "currency": "GBP",
        "direct_award_limit": Decimal("30000.00"),
        "tender_threshold": Decimal("214904.00"),
        "rotation_required": False,
        "reserved_contracts_allowed": True,
        "social_value_weight_min": 0.10,
        "valid_from": dt.date(2025, 2, 24),
        "valid_to": None,
        "source": "Procurement Act 2023 thresholds for sub-central authorities (goods and "
        "services, incl. VAT); social value weighting of at least 10% per central "
        "government guidance (PPN 06/20), which councils may apply.",
        "notes": "Reserved contracts for supported employment providers (s.32).",
    },
)

EDITABLE_FIELDS = {
    "name", "direct_award_limit", "tender_threshold", "rotation_required",
    "reserved_contracts_allowed", "social_value_weight_min", "valid_from", "valid_to",
    "source", "notes",
}


def seed_profiles(session: Session) -> None:
    """Insert the default profiles that are not in the database yet."""
    existing = set(session.scalars(select(RegulatoryProfile.code)))
    for data in DEFAULT_PROFILES:
        if data["code"] not in existing:
            session.add(RegulatoryProfile(**data))
    session.flush()


def get_profile(session: Session, code: str) -> RegulatoryProfile:
    """Return the profile with `code`, or raise NotFound."""
    profile = session.scalar(select(RegulatoryProfile).where(RegulatoryProfile.code == code))
    if profile is None:
        raise NotFound(f"Regulatory profile {code!r} does not exist.")
    return profile


def validate_profile_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Check an administrator's edit of a profile; raise InvalidInput per field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in EDITABLE_FIELDS:
            errors[key] = "unknown or read-only field"
            continue
        if key in {"direct_award_limit", "tender_threshold"}:
            try:
                amount = Decimal(str(value)).quantize(Decimal("0.01"))
            except ArithmeticError:
                errors[key] = f"{value!r} is not an amount; expected e.g. 121200.00"
                continue
            if amount <= 0:
                errors[key] = "must be a positive amount"
                continue
            clean[key] = amount
        elif key in {"valid_from", "valid_to"}:
            try:
                clean[key] = None if value in (None, "") else dt.date.fromisoformat(str(value))
            except ValueError:
                errors[key] = f"{value!r} is not a date; expected YYYY-MM-DD"
        else:
            clean[key] = value
    limit = clean.get("direct_award_limit")
    threshold = clean.get("tender_threshold")
    if limit is not None and threshold is not None and limit >= threshold:
        errors["direct_award_limit"] = "must be lower than the tender threshold"
    if errors:
        raise InvalidInput("The regulatory profile was not changed.", errors=errors)
    return clean
