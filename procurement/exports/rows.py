"""The rows every export shares: one per allocation, in a stable order."""

from __future__ import annotations

from typing import Any

from procurement.models import Proposal

ROUTE_LABELS = {
    "direct": "Gré à gré / direct award",
    "invitation": "Invitation écrite / written invitation",
    "tender_with_social_clauses": "Appel d'offres public avec clauses sociales / "
                                  "public tender with social clauses",
    "reserved_contract": "Marché réservé / reserved contract",
    "market": "Statu quo / status quo",
    "status_quo": "Statu quo (fournisseur actuel) / status quo (current supplier)",
}
HEADERS = ["Lot", "Catégorie / Category", "Valeur du lot / Lot value", "Bande / Band",
           "Fournisseur / Supplier", "NEQ", "Montant / Amount", "Voie / Route",
           "Impact par dollar / Impact per dollar", "Décision / Decision"]


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
            alloc.decision,
        ])
    rows.sort(key=lambda r: (r[0], str(r[4])))
    return rows
