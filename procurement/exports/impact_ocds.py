"""The lever of a lot in OCDS terms: the procurement method's details and rationale."""

from __future__ import annotations

from typing import Any

from procurement import impact_messages as words
from procurement.models import Proposal


def lever_fields(proposal: Proposal, lot_key: str) -> dict[str, Any]:
    """Return tender fields stating the lot's lever (French, as the releases), if any."""
    lever = next((item for item in proposal.levers or [] if item.get("lot") == lot_key), None)
    if lever is None:
        return {}
    return {"procurementMethodDetails": words.lever_name(lever["lever"]),
            "procurementMethodRationale": words.render_lever_reason(
                lever, proposal.currency, "fr")}
