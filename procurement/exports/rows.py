"""The rows every export shares: one per allocation, in a stable order."""

from __future__ import annotations

from typing import Any

from procurement.models import Allocation, Proposal

ROUTE_LABELS = {
    "direct": "Gré à gré / direct award",
    "invitation": "Invitation écrite / written invitation",
    "tender_with_social_clauses": "Appel d'offres public avec clauses sociales / "
                                  "public tender with social clauses",
    "reserved_contract": "Marché réservé / reserved contract",
    "market": "Statu quo / status quo",
    "status_quo": "Statu quo (fournisseur actuel) / status quo (current supplier)",
}
EVIDENCE_LABELS = {
    "confirmed": "Confirmée par une personne / confirmed by a person",
    "activity": "Activité au registre / registry activity",
    "sector": "Secteur du pôle / hub sector",
    "name": "Nom seulement / name only",
}
HEADERS = ["Lot", "Catégorie / Category", "Valeur du lot / Lot value", "Bande / Band",
           "Fournisseur / Supplier", "NEQ", "Montant / Amount", "Voie / Route",
           "Impact par dollar / Impact per dollar", "Décision / Decision",
           "Preuve de capacité / Capability evidence", "Confirmée par / Confirmed by",
           "Confirmée le / Confirmed on"]


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
    rows = []
    for alloc in proposal.allocations:
        supplier = alloc.supplier
        rows.append([
            alloc.lot.key, alloc.lot.category_code, alloc.lot.value, alloc.lot.band,
            supplier.name if supplier else "Marché (statu quo) / market (status quo)",
            supplier.neq if supplier else "", alloc.amount,
            ROUTE_LABELS.get(alloc.route, alloc.route), round(alloc.impact_per_dollar, 4),
            alloc.decision, *capability_cells(alloc),
        ])
    rows.sort(key=lambda r: (r[0], str(r[4])))
    return rows
