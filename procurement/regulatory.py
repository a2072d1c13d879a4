"""Regulatory profiles: dated procurement thresholds per jurisdiction, with their source.

The values are data, seeded here and editable by an administrator afterwards; the
optimizer only ever sees the bands derived from the profile in force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.errors import FieldProblems, NotFound
from procurement.impact_units import DEFAULT_COEFFICIENTS, validate_coefficients
from procurement.models import RegulatoryProfile

THRESHOLD_KINDS = ("direct_award_limit", "tender_threshold")
# Lots are supplies and services; an entry for works only never applies to them.
SCOPES = ("all", "supplies_services", "works")
MAMH_TO_CONFIRM = ("Seuil des accords intergouvernementaux pour les organismes municipaux "
                   "(arrêté ministériel du 2023-12-04, C-19, r. 5: le règlement ne nomme plus "
                   "de montant); à confirmer par l'administrateur selon l'avis Muni-Express "
                   "du MAMH.")


def _entry(kind: str, amount: str, valid_from: str, valid_to: str | None, source: str,
           *, confirmed: bool, scope: str = "all") -> dict[str, Any]:
    return {"kind": kind, "amount": amount, "valid_from": valid_from, "valid_to": valid_to,
            "scope": scope, "source": source, "confirmed": confirmed}


# Dated thresholds per profile code. Values not read from the official notice itself are
# marked unconfirmed: a proposal that uses them carries a warning until an administrator
# confirms them.
THRESHOLD_HISTORY: dict[str, list[dict[str, Any]]] = {
    "QC-2024": [
        _entry("direct_award_limit", "25000.00", "2022-10-07", None,
               "Loi sur les cités et villes, art. 573 et suiv.: gré à gré sous 25 000 $.",
               confirmed=True),
        _entry("tender_threshold", "121200.00", "2022-10-07", "2023-12-31",
               "Arrêté ministériel du 2022-10-07: seuil de la demande de soumissions "
               "publique 121 200 $.", confirmed=True),
        _entry("tender_threshold", "133800.00", "2024-01-01", "2025-12-31",
               "133 800 $ pour 2024-2025. " + MAMH_TO_CONFIRM, confirmed=False),
        _entry("tender_threshold", "139000.00", "2026-01-01", "2027-12-31",
               "139 000 $ pour 2026-2027. " + MAMH_TO_CONFIRM, confirmed=False),
    ],
    "FR-2026": [
        _entry("direct_award_limit", "40000.00", "2020-01-01", "2026-03-31",
               "Code de la commande publique, art. R2122-8: marchés sans publicité ni mise "
               "en concurrence préalables sous 40 000 € HT.", confirmed=True),
        _entry("direct_award_limit", "60000.00", "2026-04-01", None,
               "Dispense de procédure sous 60 000 € HT pour les fournitures et services "
               "à compter du 2026-04-01.", confirmed=True, scope="supplies_services"),
        _entry("direct_award_limit", "100000.00", "2026-01-01", None,
               "Décret 2025-1386: travaux dispensés de procédure jusqu'à 100 000 € HT.",
               confirmed=True, scope="works"),
        _entry("tender_threshold", "221000.00", "2024-01-01", "2025-12-31",
               "Seuil de procédure formalisée des collectivités territoriales, fournitures "
               "et services, 2024-2025: 221 000 € HT.", confirmed=True),
        _entry("tender_threshold", "216000.00", "2026-01-01", "2027-12-31",
               "Seuil de procédure formalisée des collectivités territoriales, fournitures "
               "et services, 2026-2027: 216 000 € HT.", confirmed=True),
    ],
    "UK-2025": [
        _entry("direct_award_limit", "30000.00", "2025-02-24", None,
               "Procurement Act 2023 regime from 2025-02-24; the profile's low-value limit, "
               "to be checked against the council's contract standing orders.",
               confirmed=False),
        _entry("tender_threshold", "214904.00", "2024-01-01", "2025-12-31",
               "Sub-central authorities, goods and services, incl. VAT, 2024-2025.",
               confirmed=True),
    ],
}

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
    "source", "notes", "threshold_history", "impact_coefficients",
}


def seed_profiles(session: Session) -> None:
    """Insert the default profiles that are not in the database yet.

    A profile stored before thresholds were dated gets the default history and
    coefficients once; an administrator's own history is never overwritten.
    """
    existing = {p.code: p for p in session.scalars(select(RegulatoryProfile))}
    for data in DEFAULT_PROFILES:
        code = data["code"]
        profile = existing.get(code)
        if profile is None:
            profile = RegulatoryProfile(**data)
            session.add(profile)
        if not profile.threshold_history and code in THRESHOLD_HISTORY:
            profile.threshold_history = [dict(e) for e in THRESHOLD_HISTORY[code]]
        if not profile.impact_coefficients and data["jurisdiction"] in DEFAULT_COEFFICIENTS:
            profile.impact_coefficients = DEFAULT_COEFFICIENTS[data["jurisdiction"]]
    session.flush()


# --- thresholds in force on a date --------------------------------------------------

@dataclass(frozen=True)
class ThresholdsInForce:
    """The thresholds that apply on a date, the entries they come from, and warnings.

    `warnings` are codes + parameters for the catalogue: threshold_unconfirmed (the value
    was never confirmed by an administrator) and threshold_lapsed (no dated value covers
    the date: the last one known is used).
    """

    on: dt.date
    direct_award_limit: Decimal
    tender_threshold: Decimal
    entries: tuple[dict[str, Any], ...]
    warnings: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        """Return the facts a proposal stores and its method sheet prints."""
        return {"on": self.on.isoformat(),
                "direct_award_limit": f"{self.direct_award_limit:.2f}",
                "tender_threshold": f"{self.tender_threshold:.2f}",
                "entries": [dict(e) for e in self.entries]}


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def threshold_in_force(history: list[dict[str, Any]], kind: str, on: dt.date, *,
                       scope: str = "supplies_services") -> tuple[dict[str, Any] | None, bool]:
    """Return the entry of `kind` in force on `on` (latest start wins) and whether it covers it.

    When no entry covers the date, the most recent one that started before it is returned
    with False (the value has lapsed); (None, False) when nothing started before the date.
    """
    usable = [e for e in history if e.get("kind") == kind
              and e.get("scope", "all") in {"all", scope}]
    started = [e for e in usable if (_date(e["valid_from"]) or dt.date.min) <= on]
    started.sort(key=lambda e: (_date(e["valid_from"]) or dt.date.min))
    covering = [e for e in started if (_date(e.get("valid_to")) or dt.date.max) >= on]
    if covering:
        return covering[-1], True
    return (started[-1], False) if started else (None, False)


def thresholds_on(profile_code: str, history: list[dict[str, Any]], on: dt.date, *,
                  fallback_direct: Decimal, fallback_threshold: Decimal) -> ThresholdsInForce:
    """Return the thresholds in force on `on`, with a warning per doubtful value."""
    amounts: dict[str, Decimal] = {}
    entries: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    fallbacks = {"direct_award_limit": fallback_direct, "tender_threshold": fallback_threshold}
    for kind in THRESHOLD_KINDS:
        entry, covers = threshold_in_force(history, kind, on)
        if entry is None:
            amounts[kind] = fallbacks[kind]
            warnings.append({"code": "threshold_undated", "params": {
                "profile": profile_code, "kind": kind, "on": on.isoformat(),
                "amount": f"{fallbacks[kind]:.2f}"}})
            continue
        amounts[kind] = Decimal(str(entry["amount"]))
        entries.append(entry)
        params = {"profile": profile_code, "kind": kind, "on": on.isoformat(),
                  "amount": f"{amounts[kind]:.2f}", "valid_from": entry.get("valid_from"),
                  "valid_to": entry.get("valid_to")}
        if not covers:
            warnings.append({"code": "threshold_lapsed", "params": params})
        if not entry.get("confirmed"):
            warnings.append({"code": "threshold_unconfirmed", "params": params})
    return ThresholdsInForce(on=on, direct_award_limit=amounts["direct_award_limit"],
                             tender_threshold=amounts["tender_threshold"],
                             entries=tuple(entries), warnings=tuple(warnings))


def profile_thresholds_on(profile: RegulatoryProfile, on: dt.date) -> ThresholdsInForce:
    """Return a stored profile's thresholds in force on `on`."""
    return thresholds_on(profile.code, list(profile.threshold_history or []), on,
                         fallback_direct=profile.direct_award_limit,
                         fallback_threshold=profile.tender_threshold)


def history_problems(value: Any) -> tuple[list[dict[str, Any]], FieldProblems]:
    """Check an administrator's threshold history: the clean entries and every problem.

    Problems are keyed `threshold_history.N.field` (N from 1), all of them at once, so
    that a form can show each next to its cell.
    """
    problems = FieldProblems()
    if not isinstance(value, list):
        problems.add("threshold_history", "not_a_list", "expected a list of dated thresholds")
        return [], problems
    clean = []
    for number, item in enumerate(value, start=1):
        where = f"entry {number}"

        def note(field: str, code: str, english: str, _n: int = number,
                 _where: str = where, **params: Any) -> None:
            problems.add(f"threshold_history.{_n}.{field}", code, f"{_where}: {english}",
                         **params)

        if not isinstance(item, dict):
            note("kind", "not_an_object", "expected an object")
            continue
        kind = item.get("kind")
        if kind not in THRESHOLD_KINDS:
            note("kind", "not_a_choice", f"kind must be one of {', '.join(THRESHOLD_KINDS)}",
                 choices=", ".join(THRESHOLD_KINDS))
        amount: Decimal | None = None
        try:
            amount = Decimal(str(item.get("amount")).strip()).quantize(Decimal("0.01"))
        except ArithmeticError:
            note("amount", "not_an_amount", f"amount {item.get('amount')!r} is not an "
                 "amount; expected e.g. 139000.00", value=str(item.get("amount") or ""),
                 example="139000.00")
        else:
            if not amount.is_finite() or amount <= 0:
                note("amount", "not_positive", "amount must be positive")
        start = end = None
        try:
            start = _date(item.get("valid_from"))
        except ValueError:
            note("valid_from", "not_a_date", "dates must be YYYY-MM-DD",
                 value=str(item.get("valid_from")))
        else:
            if start is None:
                note("valid_from", "required", "valid_from is required (YYYY-MM-DD)")
        try:
            end = _date(item.get("valid_to"))
        except ValueError:
            note("valid_to", "not_a_date", "dates must be YYYY-MM-DD",
                 value=str(item.get("valid_to")))
        if start is not None and end is not None and end < start:
            note("valid_to", "end_before_start", "valid_to must not be before valid_from",
                 start=start.isoformat())
        scope = item.get("scope", "all")
        if scope not in SCOPES:
            note("scope", "not_a_choice", f"scope must be one of {', '.join(SCOPES)}",
                 choices=", ".join(SCOPES))
        source = str(item.get("source") or "").strip()
        if not source:
            note("source", "source_required",
                 "source is required (the text or notice it comes from)")
        if amount is not None and start is not None and not any(
                key.startswith(f"threshold_history.{number}.") for key in problems.errors):
            clean.append({"kind": kind, "amount": f"{amount:.2f}",
                          "valid_from": start.isoformat(),
                          "valid_to": end.isoformat() if end else None, "scope": scope,
                          "source": source, "confirmed": bool(item.get("confirmed", False))})
    return clean, problems


def validate_history(value: Any) -> list[dict[str, Any]]:
    """Check an administrator's threshold history; raise ValueError with what is expected."""
    clean, problems = history_problems(value)
    if problems:
        raise ValueError("; ".join(problems.errors.values()))
    return clean


def get_profile(session: Session, code: str) -> RegulatoryProfile:
    """Return the profile with `code`, or raise NotFound."""
    profile = session.scalar(select(RegulatoryProfile).where(RegulatoryProfile.code == code))
    if profile is None:
        raise NotFound(f"Regulatory profile {code!r} does not exist.")
    return profile


def validate_profile_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Check an administrator's edit of a profile; raise InvalidInput with every field's
    problem at once (English sentences in `errors`, codes and parameters in `codes`)."""
    problems = FieldProblems()
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in EDITABLE_FIELDS:
            problems.add(key, "unknown_field", "unknown or read-only field")
            continue
        if key in {"direct_award_limit", "tender_threshold"}:
            try:
                amount = Decimal(str(value).strip()).quantize(Decimal("0.01"))
            except ArithmeticError:
                problems.add(key, "not_an_amount",
                             f"{value!r} is not an amount; expected e.g. 121200.00",
                             value=str(value), example="121200.00")
                continue
            if not amount.is_finite() or amount <= 0:
                problems.add(key, "not_positive", "must be a positive amount")
                continue
            clean[key] = amount
        elif key == "threshold_history":
            entries, found = history_problems(value)
            if found:
                problems.add(key, "invalid_history", "; ".join(found.errors.values()))
                for where, code in found.codes.items():
                    if where != key:
                        problems.add(where, code["code"], found.errors[where], **code["params"])
            else:
                clean[key] = entries
        elif key == "impact_coefficients":
            try:
                clean[key] = validate_coefficients(value)
            except ValueError as exc:
                problems.add(key, "invalid_coefficients", str(exc), detail=str(exc))
        elif key in {"valid_from", "valid_to"}:
            try:
                clean[key] = None if value in (None, "") else dt.date.fromisoformat(str(value))
            except ValueError:
                problems.add(key, "not_a_date", f"{value!r} is not a date; expected YYYY-MM-DD",
                             value=str(value))
                continue
            if key == "valid_from" and clean[key] is None:
                problems.add(key, "required", "a start date is required (YYYY-MM-DD)")
        elif key == "social_value_weight_min":
            if value in (None, ""):
                clean[key] = None
                continue
            try:
                weight = float(str(value).strip())
            except ValueError:
                weight = float("nan")
            if not 0 <= weight <= 1:  # NaN fails too
                problems.add(key, "not_a_fraction", f"{value!r} must be a fraction from 0 to 1",
                             value=str(value))
                continue
            clean[key] = weight
        elif key in {"rotation_required", "reserved_contracts_allowed"}:
            if not isinstance(value, bool):
                problems.add(key, "not_a_boolean", "expected true or false")
                continue
            clean[key] = value
        elif key in {"name", "source"}:
            text = str(value or "").strip()
            if not text:
                problems.add(key, "required", "must not be empty")
                continue
            clean[key] = text
        else:
            clean[key] = value
    start, end = clean.get("valid_from"), clean.get("valid_to")
    if start is not None and end is not None and end < start:
        problems.add("valid_to", "end_before_start", "must not be before valid_from",
                     start=start.isoformat())
    limit = clean.get("direct_award_limit")
    threshold = clean.get("tender_threshold")
    if limit is not None and threshold is not None and limit >= threshold:
        problems.add("direct_award_limit", "limit_not_below_threshold",
                     "must be lower than the tender threshold")
    problems.raise_if_any("The regulatory profile was not changed.")
    return clean
