"""The PDF's impact section: measures in units before and after, warnings, lever counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from procurement import impact_messages as words
from procurement.exports.impact_sheets import MEASURES_EN, SUMMARY_MEASURES
from procurement.impact_units import MONEY_MEASURES
from procurement.models import Proposal


def _number(value: Any, digits: int) -> str:
    return f"{Decimal(str(value)):,.{digits}f}".replace(",", " ").replace(".", ",")


def impact_lines(proposal: Proposal) -> list[str]:
    """Return the impact section as lines of text (French / English labels)."""
    units = proposal.impact_units or {}
    if not units:
        return []
    year = f" - exercice / fiscal year {proposal.fiscal_year}" if proposal.fiscal_year else ""
    lines = [f"Impact en unités / Impact in units{year} (avant -> après / before -> after)"]
    for measure in ("total_spending", *SUMMARY_MEASURES):
        item = units.get(measure)
        if not item:
            continue
        label = f"{words.measure_name(measure)} / {MEASURES_EN[measure]}"
        if measure in MONEY_MEASURES or measure == "social_value":
            text = (f"{_number(item['before'], 2)} $ -> {_number(item['after'], 2)} $"
                    if proposal.currency == "CAD" else
                    f"{_number(item['before'], 2)} -> {_number(item['after'], 2)} "
                    f"{proposal.currency}")
        else:
            text = f"{_number(item['before'], 1)} -> {_number(item['after'], 1)} {item['unit']}"
        lines.append(f"  {label}: {text}")
    counts = Counter(lever["lever"] for lever in proposal.levers or [])
    if counts:
        lines.append("Leviers / Levers: " + "; ".join(
            f"{words.lever_name(code)}: {n}" for code, n in sorted(counts.items())))
    for warning in proposal.warnings or []:
        lines.append("Avertissement / Warning: "
                     + words.render_warning(warning, proposal.currency, "fr"))
    return lines


def write_impact(write: Callable[[str], None], proposal: Proposal) -> None:
    """Write the impact section with the PDF's paragraph writer."""
    for line in impact_lines(proposal):
        write(line)
