"""Words for levers, warnings and impact measures on pages, from the domain's codes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, render_template
from markupsafe import Markup

from app.i18n import page_gettext as gettext
from app.web.labels import is_english
from procurement import impact_messages

# Measures shown on a proposal, in this order (the rest stay in the JSON and exports).
PAGE_MEASURES = ("social_economy_spending", "local_spending", "region_spending",
                 "democratic_spending", "reuse_recycling_spending", "work_integration_hours",
                 "jobs_fte_years", "social_value")


def _lang() -> str:
    return "en" if is_english() else "fr"


def lever_reason(lever: Mapping[str, Any], currency: str) -> str:
    """Return a stored lever's reason in the page's language."""
    return impact_messages.render_lever_reason(lever, currency, _lang(), gettext)


def lever_name(code: str) -> str:
    """Return a lever's name in the page's language."""
    return impact_messages.lever_name(code, gettext)


def warning_text(warning: Mapping[str, Any], currency: str) -> str:
    """Return a stored warning in the page's language."""
    return impact_messages.render_warning(warning, currency, _lang(), gettext)


def measure_rows(units: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the proposal's measures as rows: name, before, after, unit kind, shares."""
    rows = []
    for key in PAGE_MEASURES:
        item = units.get(key)
        if not item:
            continue
        unit = item.get("unit")
        rows.append({"key": key, "name": impact_messages.measure_name(key, gettext),
                     "before": item["before"], "after": item["after"],
                     "money": unit not in impact_messages.UNITS,
                     "unit": gettext(impact_messages.UNITS.get(unit, "")) if unit in
                     impact_messages.UNITS else unit,
                     "share_before": item.get("share_before"),
                     "share_after": item.get("share_after")})
    return rows


# Rendered lever tables by what they show. A proposal's levers never change once computed,
# and the key is the content itself (levers, lots' names, currency, language): the same
# content gives the same HTML, other content another key, whatever the proposal.
_LEVER_TABLES: dict[str, Markup] = {}
_LEVER_TABLES_SIZE = 256


def levers_table(levers: Sequence[Mapping[str, Any]], lot_names: Mapping[str, str],
                 currency: str) -> Markup:
    """Return the table of a proposal's levers (one row per lot) in the page's language.

    Fifty lots make a third of the proposal page's HTML; it is rendered once per content.
    """
    key = hashlib.sha256(json.dumps([_lang(), currency, levers, lot_names], sort_keys=True,
                                    default=str).encode()).hexdigest()
    found = _LEVER_TABLES.get(key)
    if found is None:
        found = Markup(render_template("_levers.html", levers=levers, lot_names=lot_names,
                                       currency=currency))
        if len(_LEVER_TABLES) >= _LEVER_TABLES_SIZE:
            _LEVER_TABLES.clear()
        _LEVER_TABLES[key] = found
    return found


def init_app(app: Flask) -> None:
    """Make the helpers available to templates."""
    app.jinja_env.globals.update(lever_reason=lever_reason, lever_name=lever_name,
                                 warning_text=warning_text, measure_rows=measure_rows,
                                 levers_table=levers_table)
