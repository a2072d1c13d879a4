"""The PDF's impact section: measures in units before and after, warnings, lever counts."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal, format_percent

from procurement import impact_messages as words
from procurement.exports.impact_sheets import (
    SUMMARY_MEASURES,
    is_money_measure,
    lever_label,
    measure_label,
)
from procurement.exports.labels import Gettext, label, unit_name
from procurement.models import Proposal


def _identity(text: str) -> str:
    return text


def locale_of(lang: str) -> str:
    """Return the number-formatting locale of a language."""
    return "fr_CA" if lang == "fr" else "en_CA"


def money_text(amount: Any, currency: str, lang: str) -> str:
    """Format an amount in the language (French: 1 234,56 $; English: $1,234.56)."""
    return words.money(amount, currency, lang)


def share_text(value: Any, lang: str) -> str:
    """Format a share in the language (French: 12,3 %; English: 12.3%)."""
    pattern = "#,##0.0\u00a0%" if lang == "fr" else "#,##0.0%"
    return format_percent(float(value or 0), pattern, locale=locale_of(lang))


def quantity_text(value: Any, unit: str, lang: str) -> str:
    """Format a quantity with its unit in words (hours, FTE-years)."""
    number = format_decimal(Decimal(str(value)), "#,##0.0", locale=locale_of(lang))
    return f"{number} {unit_name(unit, lang)}"


def impact_rows(proposal: Proposal, lang: str = "fr") -> list[tuple[str, str, str]]:
    """Return (measure, before, after) in words and locale numbers, one per measure."""
    units = proposal.impact_units or {}
    rows = []
    for measure in ("total_spending", *SUMMARY_MEASURES):
        item = units.get(measure)
        if not item:
            continue
        if is_money_measure(measure):
            before = money_text(item["before"], proposal.currency, lang)
            after = money_text(item["after"], proposal.currency, lang)
        else:
            before = quantity_text(item["before"], item["unit"], lang)
            after = quantity_text(item["after"], item["unit"], lang)
        if item.get("share_before") is not None:
            before += f" ({share_text(item['share_before'], lang)})"
            after += f" ({share_text(item['share_after'], lang)})"
        rows.append((measure_label(measure, lang), before, after))
    return rows


def impact_lines(proposal: Proposal, lang: str = "fr",
                 gettext: Gettext | None = None) -> list[str]:
    """Return the impact section as lines of text in one language."""
    if not proposal.impact_units:
        return []
    translate = gettext or _identity
    lines = [f"{measure}: {before} -> {after}"
             for measure, before, after in impact_rows(proposal, lang)]
    counts = Counter(lever["lever"] for lever in proposal.levers or [])
    if counts:
        lines.append(f"{label('sheet.levers', lang)}: " + "; ".join(
            f"{lever_label(code, lang)}: {n}" for code, n in sorted(counts.items())))
    for warning in proposal.warnings or []:
        lines.append(f"{label('warning', lang)}: "
                     + words.render_warning(warning, proposal.currency, lang, translate))
    return lines
