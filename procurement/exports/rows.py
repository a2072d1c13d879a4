"""The CSV's rows: one per allocation, in a stable order, labels in French and English.

The CSV is read by people and programs alike, so its headers and words carry both
languages; the words are those of `procurement.exports.labels` (one definition).
"""

from __future__ import annotations

from typing import Any

from procurement.exports.impact_sheets import lever_label
from procurement.exports.labels import WORDS, label
from procurement.models import Allocation, Proposal


def _both(kind: str) -> dict[str, str]:
    return {code: f"{fr} / {en}" for code, (fr, en) in WORDS[kind].items()}


ROUTE_LABELS = _both("route")
EVIDENCE_LABELS = _both("evidence")
HEADERS = [f"{label(key, 'fr')} / {label(key, 'en')}" if label(key, "fr") != label(key, "en")
           else label(key, "fr")
           for key in ("lot", "category", "lot_value", "band", "supplier", "neq", "amount",
                       "route", "impact_per_dollar", "decision", "evidence", "confirmed_by",
                       "confirmed_on", "lever")]


def capability_cells(alloc: Allocation) -> list[str]:
    """Return the evidence behind an award and, when confirmed, by whom and when."""
    if alloc.supplier_id is None:
        return ["", "", ""]
    detail = alloc.capability_detail or {}
    evidence = alloc.capability_evidence or ""
    return [EVIDENCE_LABELS.get(evidence, evidence), str(detail.get("decided_by") or ""),
            str(detail.get("decided_at") or "")[:10]]


def allocation_rows(proposal: Proposal) -> list[list[Any]]:
    """Return one row per allocation, sorted by lot then supplier name."""
    levers = {lever["lot"]: lever["lever"] for lever in proposal.levers or []}
    rows = []
    for alloc in proposal.allocations:
        supplier = alloc.supplier
        lever = levers.get(alloc.lot.key)
        rows.append([
            alloc.lot.key, alloc.lot.category_code, alloc.lot.value, alloc.lot.band,
            supplier.name if supplier else "Marché (statu quo) / market (status quo)",
            supplier.neq if supplier else "", alloc.amount,
            ROUTE_LABELS.get(alloc.route, alloc.route), round(alloc.impact_per_dollar, 4),
            alloc.decision, *capability_cells(alloc),
            f"{lever_label(lever, 'fr')} / {lever_label(lever, 'en')}" if lever else "",
        ])
    rows.sort(key=lambda r: (r[0], str(r[4])))
    return rows
