"""The allocation rows of the exports: one per allocation, in a stable order, in one language.

The workbook's allocation sheet and the CSV show the same columns with the same words,
those of `procurement.exports.labels` (one definition), in the requester's language.
"""

from __future__ import annotations

from typing import Any

from procurement.exports.impact_sheets import lever_label
from procurement.exports.labels import category_label, label, lot_label, word
from procurement.models import Allocation, Proposal

COLUMNS = ("lot", "category", "lot_value", "band", "supplier", "neq", "amount", "route",
           "lever", "impact_per_dollar", "decision", "evidence", "confirmed_by", "confirmed_on")


def headers(lang: str) -> list[str]:
    """Return the column titles in the language."""
    return [label(key, lang) for key in COLUMNS]


def capability_cells(alloc: Allocation, lang: str) -> list[str]:
    """Return the evidence behind an award and, when confirmed, by whom and when."""
    if alloc.supplier_id is None:
        return ["", "", ""]
    detail = alloc.capability_detail or {}
    return [word("evidence", alloc.capability_evidence, lang),
            str(detail.get("decided_by") or ""), str(detail.get("decided_at") or "")[:10]]


def allocation_rows(proposal: Proposal, lang: str) -> list[list[Any]]:
    """Return one row per allocation, sorted by lot then supplier name."""
    levers = {lever["lot"]: lever["lever"] for lever in proposal.levers or []}
    rows = []
    for alloc in proposal.allocations:
        lot, supplier = alloc.lot, alloc.supplier
        rows.append([
            lot_label(lot.key, lot.category_code, lang), category_label(lot.category_code, lang),
            lot.value, word("band", lot.band, lang),
            supplier.name if supplier else label("market", lang),
            (supplier.neq or "") if supplier else "", alloc.amount,
            word("route", alloc.route, lang),
            lever_label(levers[lot.key], lang) if lot.key in levers else "",
            round(alloc.impact_per_dollar, 4), word("status", alloc.decision, lang),
            *capability_cells(alloc, lang),
        ])
    rows.sort(key=lambda r: (r[0], str(r[4])))
    return rows
