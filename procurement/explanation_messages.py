"""Words for the optimizer's explanations (binding limits, missed targets), French msgids.

The optimizer returns each explanation as a code and its values (supplier name, category
code, amounts in dollars, shares as fractions); the edge renders it in one language with
the project's catalogue (English in app/translations/en/LC_MESSAGES/messages.po). No
constraint name of the model ever reaches a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency, format_decimal, format_percent

from procurement.impact_messages import Gettext

HEADS = {
    "budget_binds":
        "Le budget limite le virage : la proposition peut coûter au plus %(budget)s "
        "(%(increase)s par rapport aux dépenses actuelles de %(current)s).",
    "capacity_binds":
        "Le fournisseur %(supplier)s est à pleine capacité (%(capacity)s par an).",
    "supplier_share_binds":
        "Le fournisseur %(supplier)s atteint la part maximale par fournisseur (%(share)s des "
        "dépenses visées, soit %(amount)s).",
    "rotation_binds":
        "Rotation des fournisseurs dans la bande d'invitation de « %(category)s » : "
        "%(supplier)s a atteint sa limite dans ce groupe.",
    "target_binds":
        "La cible de %(target)s de %(share)s est contraignante : elle oriente les dépenses "
        "vers des options à moindre impact.",
    "budget_too_small":
        "Le budget de %(budget)s ne peut couvrir les besoins selon les règles obligatoires : "
        "la proposition la moins chère coûte %(needed)s, soit %(missing)s de plus.",
    "target_unreachable":
        "La cible de %(target)s de %(share)s ne peut être atteinte : au plus %(reach)s est "
        "atteignable avec la capacité des fournisseurs admissibles, le budget et les autres "
        "règles ; il manque %(missing)s de dépenses.",
    "target_missed":
        "La cible de %(target)s de %(share)s n'est pas atteinte : la proposition atteint "
        "%(reach)s ; il manque %(missing)s de dépenses.",
    "target_missed_too":
        "La cible de %(target)s de %(share)s n'est pas atteinte non plus : au plus %(reach)s "
        "est atteignable ; il manque %(missing)s de dépenses.",
}
#: What relaxing a limit would buy (the ``effect`` parameter of a binding limit).
EFFECTS = {
    "points":
        "Relâcher cette limite de %(step)s ajouterait environ %(points)s points d'impact.",
    "points_estimated":
        "Relâcher cette limite de %(step)s ajouterait environ %(points)s points d'impact "
        "(estimation par une nouvelle résolution avec %(resolved)s de plus).",
    "gap":
        "Relâcher cette limite de %(step)s réduirait d'environ %(closed)s l'écart de la "
        "cible non atteinte.",
    "one_more_lot":
        "Lui permettre un lot de plus dans ce groupe ajouterait environ %(points)s points "
        "d'impact.",
}
TARGETS = {
    "target_se_share": "part à l'économie sociale",
    "target_se_share_category": "part à l'économie sociale de la catégorie « %(category)s »",
    "target_local_share": "part locale",
}
MONEY_PARAMS = {"budget", "current", "capacity", "amount", "needed", "missing", "closed",
                "resolved", "step"}
SHARE_PARAMS = {"share", "reach"}


def _identity(text: str) -> str:
    return text


def _locale(lang: str) -> str:
    return "en_CA" if lang == "en" else "fr_CA"


def percent(fraction: Any, lang: str, *, signed: bool = False) -> str:
    """Format a fraction for a sentence: "22,4 %" in French, "22.4%" in English."""
    pattern = "#,##0.#%" if lang == "en" else "#,##0.#\u00a0%"
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_percent(float(fraction), format=pattern, locale=_locale(lang))


def dollars(amount: Any, currency: str, lang: str) -> str:
    """Format a rounded amount for a sentence: "12 345 $" in French, "$12,345" in English."""
    return _dollars_text(round(float(amount)), currency, lang)


@lru_cache(maxsize=16_384)
def _dollars_text(amount: int, currency: str, lang: str) -> str:
    """Format once: the dashboard's charts say the same amounts on every visit."""
    pattern = "¤#,##0" if lang == "en" else "#,##0\u00a0¤"
    return format_currency(amount, currency, format=pattern, locale=_locale(lang),
                           currency_digits=False)


def _values(params: Mapping[str, Any], currency: str, lang: str, gettext: Gettext,
            category_name: Callable[[str | None], str]) -> dict[str, Any]:
    locale = _locale(lang)
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            out[key] = ""
        elif key in MONEY_PARAMS:
            out[key] = dollars(value, currency, lang)
        elif key in SHARE_PARAMS:
            out[key] = percent(value, lang)
        elif key == "increase":
            out[key] = percent(value, lang, signed=True)
        elif key == "points":
            out[key] = format_decimal(value, format="#,##0.#", locale=locale)
        elif key == "category":
            out[key] = category_name(str(value))
        else:
            out[key] = value
    target = params.get("target")
    if target in TARGETS:
        out["target"] = gettext(TARGETS[str(target)]) % {"category": out.get("category", "")}
    return out


def render_explanation(item: Mapping[str, Any], currency: str, lang: str = "fr",
                       gettext: Gettext = _identity,
                       category_name: Callable[[str | None], str] | None = None) -> str:
    """Return a stored explanation (binding limit or missed target) in one language.

    Explanations stored before codes existed keep their own sentence in that language.
    """
    code = item.get("code") or ""
    if code not in HEADS:
        text = item.get("explanation_fr") if lang == "fr" else None
        return str(text or item.get("explanation") or "")
    params = dict(item.get("params") or {})
    values = _values(params, currency, lang, gettext,
                     category_name or (lambda code: code or ""))
    text = gettext(HEADS[code]) % values
    effect = params.get("effect")
    if effect == "points":
        per_1000 = params.get("gain_per_1000")
        if per_1000 is None:
            return text
        estimated = params.get("step") is not None
        effect_values = {"step": dollars(1000, currency, lang),
                         "points": format_decimal(per_1000, format="#,##0.#",
                                                  locale=_locale(lang)),
                         "resolved": values.get("step", "")}
        text += " " + gettext(EFFECTS["points_estimated" if estimated else "points"]) \
            % effect_values
    elif effect == "gap":
        text += " " + gettext(EFFECTS["gap"]) % {
            "step": dollars(1000, currency, lang),
            "closed": dollars(params.get("closed_per_1000") or 0, currency, lang)}
    elif effect == "one_more_lot":
        text += " " + gettext(EFFECTS["one_more_lot"]) % {"points": values.get("points", "")}
    return text


def as_mapping(item: Any) -> Mapping[str, Any]:
    """Return a stored explanation (a dict) or a solver's (a dataclass) as a mapping."""
    if isinstance(item, Mapping):
        return item
    return {"code": getattr(item, "code", ""), "params": getattr(item, "params", {}),
            "explanation": getattr(item, "explanation", ""),
            "explanation_fr": getattr(item, "explanation_fr", "")}


def all_msgids() -> list[str]:
    """Return every msgid of this module (for the catalogue's completeness test)."""
    return [*HEADS.values(), *EFFECTS.values(), *TARGETS.values()]
