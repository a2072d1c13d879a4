"""Words for the codes of levers, warnings and impact measures (French msgids).

The domain stores codes and parameters; the edge renders them in one language with the
project's catalogue (the English text is in app/translations/en/LC_MESSAGES/messages.po).
`render` takes the catalogue's gettext so that pages, the CLI and exports share the words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent

Gettext = Callable[[str], str]

LEVER_NAMES = {
    "direct_award": "Gré à gré avec un fournisseur d'économie sociale confirmé",
    "invitation": "Invitation écrite nommant des fournisseurs d'économie sociale",
    "reserved_contract": "Marché réservé ou lot réservé",
    "tender_social_clause": "Appel d'offres public avec clause sociale",
    "none": "Aucun levier: pas assez de fournisseurs capables",
}
REASONS = {
    "no_capable_supplier":
        "Aucun fournisseur d'économie sociale dont la capacité est confirmée ou attestée par "
        "son activité ne sert cette catégorie: aucun levier pour ce lot (%(value)s).",
    "direct_award_confirmed":
        "Le lot (%(value)s) est sous la limite de gré à gré (%(direct_award_limit)s) et "
        "%(supplier)s est un fournisseur d'économie sociale confirmé.",
    "invite_prospects":
        "Aucune capacité confirmée ou attestée par l'activité pour ce lot (%(value)s): "
        "inviter les %(named)s fournisseurs d'économie sociale pressentis à soumettre un "
        "prix et vérifier leur capacité avant toute attribution.",
    "invite_dependency":
        "Le lot (%(value)s) est sous la limite de gré à gré (%(direct_award_limit)s) mais il "
        "pèserait trop lourd pour les fournisseurs confirmés: inviter les %(named)s "
        "fournisseurs nommés plutôt que d'attribuer de gré à gré.",
    "invite_to_confirm":
        "Le lot (%(value)s) est sous la limite de gré à gré (%(direct_award_limit)s) mais "
        "aucun fournisseur confirmé sans risque de dépendance: demander des prix aux "
        "%(named)s fournisseurs nommés et confirmer leur capacité.",
    "invitation_rotation":
        "Le lot (%(value)s) est entre %(direct_award_limit)s et %(tender_threshold)s: "
        "invitation écrite d'au moins deux fournisseurs, en incluant les %(named)s "
        "fournisseurs d'économie sociale nommés, avec rotation selon le règlement de "
        "gestion contractuelle.",
    "invitation_named":
        "Le lot (%(value)s) est entre %(direct_award_limit)s et %(tender_threshold)s: "
        "consultation écrite incluant les %(named)s fournisseurs d'économie sociale nommés.",
    "reserved_contract":
        "Le lot (%(value)s) atteint le seuil (%(tender_threshold)s); le profil permet de le "
        "réserver et %(eligible)s employeurs admissibles (SIAE, EA/ESAT) peuvent concourir; "
        "environ %(hours)s heures d'insertion attendues.",
    "tender_social_clause":
        "Le lot (%(value)s) atteint le seuil de l'appel d'offres public "
        "(%(tender_threshold)s): appel d'offres avec une clause sociale d'environ "
        "%(hours)s heures d'insertion (part de main-d'œuvre %(labour_share)s, taux "
        "d'insertion %(insertion_rate)s).",
    "tender_clause_few_reserved":
        "Le lot (%(value)s) atteint le seuil (%(tender_threshold)s); trop peu d'employeurs "
        "admissibles à un marché réservé (%(eligible)s): appel d'offres avec une clause "
        "sociale d'environ %(hours)s heures d'insertion.",
}
DEPENDENCY_NOTE = ("Risque de dépendance économique (lot de plus de %(limit)s du chiffre "
                   "d'affaires ou de la capacité): %(names)s.")
WARNINGS = {
    "threshold_unconfirmed":
        "Le seuil %(kind)s de %(amount)s du profil %(profile)s en vigueur le %(on)s n'a pas "
        "été confirmé par un administrateur: vérifier l'avis officiel.",
    "threshold_lapsed":
        "Aucun seuil %(kind)s du profil %(profile)s ne couvre le %(on)s: la dernière valeur "
        "connue (%(amount)s, jusqu'au %(valid_to)s) a été utilisée.",
    "threshold_undated":
        "Le profil %(profile)s n'a pas de seuil %(kind)s daté pour le %(on)s: la valeur du "
        "profil (%(amount)s) a été utilisée.",
}
THRESHOLD_KINDS = {"direct_award_limit": "de gré à gré",
                   "tender_threshold": "d'appel d'offres public"}
MEASURES = {
    "total_spending": "Dépenses totales",
    "social_economy_spending": "Dépenses à l'économie sociale",
    "municipality_spending": "Dépenses gardées dans la municipalité",
    "local_spending": "Dépenses gardées dans la MRC",
    "region_spending": "Dépenses gardées dans la région",
    "democratic_spending": "Dépenses aux coopératives et OBNL",
    "reuse_recycling_spending": "Dépenses au réemploi et au recyclage",
    "work_integration_spending": "Dépenses aux entreprises d'insertion",
    "work_integration_hours": "Heures d'insertion",
    "jobs_fte_years": "Emplois d'insertion (ETP-années)",
    "social_value": "Valeur sociale monétisée",
}
UNITS = {"h": "heures", "FTE-year": "ETP-années"}
COEFFICIENTS = {
    "insertion_rate": "Taux d'insertion",
    "hourly_cost_eur": "Coût horaire chargé (€)",
    "fte_month_cost_eur": "Coût d'un mois d'insertion ETP (€)",
    "eur_rate": "Conversion de l'euro dans la devise du profil",
    "labour_share": "Part de main-d'œuvre",
}
MONEY_PARAMS = {"value", "direct_award_limit", "tender_threshold", "amount"}


def _identity(text: str) -> str:
    return text


def money(amount: Any, currency: str, lang: str) -> str:
    """Format an amount for a person (French: 133 800,00 $; English: $133,800.00)."""
    return _money_text(str(amount), currency, "fr_CA" if lang == "fr" else "en_CA")


@lru_cache(maxsize=16_384)
def _money_text(amount: str, currency: str, locale: str) -> str:
    """Format once: every reader of a proposal sees the same amounts in its reasons."""
    return format_currency(Decimal(amount), currency, locale=Locale.parse(locale))


def _params(params: Mapping[str, Any], currency: str, lang: str,
            gettext: Gettext) -> dict[str, Any]:
    locale = "fr_CA" if lang == "fr" else "en_CA"
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in MONEY_PARAMS and value is not None:
            out[key] = money(value, currency, lang)
        elif key in {"labour_share", "insertion_rate"}:
            out[key] = format_percent(value, locale=locale)
        elif key == "hours":
            out[key] = format_decimal(value, locale=locale)
        elif key == "kind":
            out[key] = gettext(THRESHOLD_KINDS.get(str(value), str(value)))
        else:
            out[key] = value
    return out


def render_lever_reason(lever: Mapping[str, Any], currency: str, lang: str = "fr",
                        gettext: Gettext = _identity) -> str:
    """Return a stored lever's reason in words, with its dependency risk when flagged."""
    params = _params(lever.get("params", {}), currency, lang, gettext)
    text = gettext(REASONS[lever["reason_code"]]) % params
    risky = lever.get("params", {}).get("dependency_risk") or []
    if risky:
        locale = "fr_CA" if lang == "fr" else "en_CA"
        limit = format_percent(lever["params"].get("dependency_limit", 0.3), locale=locale)
        text += " " + gettext(DEPENDENCY_NOTE) % {"limit": limit, "names": ", ".join(risky)}
    return text


def render_warning(warning: Mapping[str, Any], currency: str, lang: str = "fr",
                   gettext: Gettext = _identity) -> str:
    """Return a stored warning in words."""
    params = _params(warning.get("params", {}), currency, lang, gettext)
    return gettext(WARNINGS[warning["code"]]) % params


def lever_name(code: str, gettext: Gettext = _identity) -> str:
    """Return a lever's name in words."""
    return gettext(LEVER_NAMES[code])


def measure_name(code: str, gettext: Gettext = _identity) -> str:
    """Return an impact measure's name in words."""
    return gettext(MEASURES.get(code, code))


def all_msgids() -> list[str]:
    """Return every msgid of this module (for the catalogue's completeness test)."""
    return [*LEVER_NAMES.values(), *REASONS.values(), DEPENDENCY_NOTE, *WARNINGS.values(),
            *THRESHOLD_KINDS.values(), *MEASURES.values(), *UNITS.values(),
            *COEFFICIENTS.values()]
