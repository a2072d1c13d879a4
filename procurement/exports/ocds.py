"""OCDS 1.1 JSON export: one planning release per lot of a proposal, in a release package.

A proposal is a plan, not an award: each lot becomes a contracting process at the
planning stage, with the procurement method its band requires (direct award,
invitation = limited, public tender = open) and, once finance approved it, the
proposed suppliers as pending awards. Supplier parties are classified as social
economy and each lot's lever is its procurement method (see impact_ocds). Validated
against the vendored OCDS 1.1.5 schema.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from procurement.exports.impact_ocds import lever_fields, party_details
from procurement.models import Organization, Proposal

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "ocds-release-schema-1.1.5.json"
OCID_PREFIX = "ocds-procure"
METHODS = {"direct": "direct", "invitation": "limited", "tender": "open"}
METHOD_DETAILS = {
    "direct": "Gré à gré / direct award below the direct-award limit",
    "invitation": "Invitation écrite d'au moins deux fournisseurs / written invitation",
    "tender": "Appel d'offres public avec clauses sociales / public tender with social clauses",
}
GOODS = {"mobilier", "vetements_travail", "fournitures_bureau", "informatique", "carburant"}


@lru_cache(maxsize=1)
def release_schema() -> dict[str, Any]:
    """Return the vendored OCDS release schema."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _amount(value: Decimal) -> float:
    # OCDS amounts are JSON numbers; two decimals survive the float round trip.
    return float(Decimal(value).quantize(Decimal("0.01")))


def _party_id(supplier_id: int | None, org: Organization) -> str:
    return f"supplier-{supplier_id}" if supplier_id else f"buyer-{org.code}"


def proposal_releases(proposal: Proposal, org: Organization) -> list[dict[str, Any]]:
    """Build one OCDS release per lot of the proposal."""
    date = (proposal.decided_at or proposal.created_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    buyer = {"id": f"buyer-{org.code}", "name": org.name}
    # The releases are in French ("language": "fr"): the French formula when stored.
    formula = (proposal.kpis or {}).get("formula_fr") or proposal.formula
    releases = []
    by_lot: dict[int, list[Any]] = {}
    for alloc in proposal.allocations:
        by_lot.setdefault(alloc.lot_id, []).append(alloc)
    for lot in sorted(proposal.lots, key=lambda item: item.key):
        allocations = by_lot.get(lot.id, [])
        parties: dict[str, dict[str, Any]] = {
            buyer["id"]: {**buyer, "roles": ["buyer", "procuringEntity"],
                          "address": {"postalCode": org.postal_code or None,
                                      "region": org.region or None, "countryName": "Canada"}},
        }
        awards = []
        for alloc in allocations:
            if alloc.supplier is None:
                continue
            party_id = _party_id(alloc.supplier_id, org)
            identifier = ({"scheme": "CA-NEQ", "id": alloc.supplier.neq}
                          if alloc.supplier.neq else {})
            parties[party_id] = {"id": party_id, "name": alloc.supplier.name,
                                 "roles": ["supplier"] if proposal.status == "approved"
                                 else ["tenderer"],
                                 **({"identifier": identifier} if identifier else {}),
                                 "details": party_details(alloc.supplier)}
            if proposal.status == "approved" and alloc.decision == "approved":
                awards.append({
                    "id": f"{proposal.id}-{alloc.id}",
                    "status": "pending",
                    "value": {"amount": _amount(alloc.amount), "currency": proposal.currency},
                    "suppliers": [{"id": party_id, "name": alloc.supplier.name}],
                })
        release: dict[str, Any] = {
            "ocid": f"{OCID_PREFIX}-{org.code}-{proposal.id}-{lot.id}",
            "id": f"{proposal.id}-{lot.id}-{proposal.status}",
            "date": date,
            "tag": ["planning"] + (["award"] if awards else []),
            "initiationType": "tender",
            "language": "fr",
            "buyer": buyer,
            "parties": list(parties.values()),
            "planning": {
                "rationale": f"Proposition #{proposal.id}: {formula}",
                "budget": {"amount": {"amount": _amount(lot.value),
                                      "currency": proposal.currency},
                           "description": f"{lot.label} ({lot.line_count} lines)"},
            },
            "tender": {
                "id": f"{proposal.id}-{lot.id}",
                "title": lot.label,
                "status": "planning",
                "procurementMethod": METHODS.get(lot.band, "open"),
                "procurementMethodDetails": METHOD_DETAILS.get(lot.band, lot.band),
                "mainProcurementCategory": "goods" if lot.category_code in GOODS else "services",
                "value": {"amount": _amount(lot.value), "currency": proposal.currency},
            },
        }
        release["tender"].update(lever_fields(proposal, lot.key))
        if awards:
            release["awards"] = awards
        releases.append(release)
    return releases


def proposal_package(proposal: Proposal, org: Organization) -> bytes:
    """Return the OCDS release package of a proposal as UTF-8 JSON."""
    published = (proposal.decided_at or proposal.created_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    package = {
        "uri": f"urn:procure:{org.code}:proposal:{proposal.id}",
        "version": "1.1",
        "publishedDate": published,
        "publisher": {"name": org.name},
        "releases": proposal_releases(proposal, org),
    }
    return json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
