"""The lever of a lot and the social economy of a party, in OCDS terms.

A lot's lever becomes its procurement method (direct award: direct; written invitation:
limited; reserved contract: selective; public tender with a social clause: open), with
the lever's name as the method's details and its reason as the method's rationale.
A supplier party is classified as social economy (and work integration, when it is one)
in `details.classifications`, the field of OCDS's organisation classification extension;
the core schema leaves `details` open, so the release still validates against it.
"""

from __future__ import annotations

from typing import Any

from procurement import impact_messages as words
from procurement.models import Proposal, Supplier

LEVER_METHODS = {"direct_award": "direct", "invitation": "limited",
                 "reserved_contract": "selective", "tender_social_clause": "open"}
CLASSIFICATION_SCHEME = "procure-social-economy"


def lever_fields(proposal: Proposal, lot_key: str) -> dict[str, Any]:
    """Return tender fields stating the lot's lever (French, as the releases), if any."""
    lever = next((item for item in proposal.levers or [] if item.get("lot") == lot_key), None)
    if lever is None:
        return {}
    fields = {"procurementMethodDetails": words.lever_name(lever["lever"]),
              "procurementMethodRationale": words.render_lever_reason(
                  lever, proposal.currency, "fr")}
    if lever["lever"] in LEVER_METHODS:
        fields["procurementMethod"] = LEVER_METHODS[lever["lever"]]
    return fields


def party_details(supplier: Supplier) -> dict[str, Any]:
    """Return a supplier party's `details`: its social economy classifications."""
    classes = [{"scheme": CLASSIFICATION_SCHEME, "id": "social_economy",
                "description": "Entreprise d'économie sociale"}]
    if supplier.work_integration:
        classes.append({"scheme": CLASSIFICATION_SCHEME, "id": "work_integration",
                        "description": "Entreprise d'insertion"})
    if supplier.org_type:
        classes.append({"scheme": CLASSIFICATION_SCHEME, "id": "organisation_type",
                        "description": supplier.org_type})
    return {"classifications": classes}
