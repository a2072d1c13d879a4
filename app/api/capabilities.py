"""The capability review queue: which supplier can supply which category, decided by a person."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from app.api import base
from app.api.schemas import (
    CapabilityDecisionResultSchema,
    CapabilityDecisionsSchema,
    CapabilityFilterSchema,
    CapabilitySchema,
)
from app.auth import require
from procurement.services import capabilities

blp = base.ApiBlueprint("capabilities", __name__, url_prefix="/api/capabilities",
                        description="Review of supplier capabilities (supplier × category).")


@blp.route("")
class CapabilityQueue(MethodView):
    @require("read")
    @blp.arguments(CapabilityFilterSchema, location="query")
    @blp.response(200, CapabilitySchema(many=True))
    @blp.paginate(page_size=base.PAGE_SIZE, max_page_size=base.MAX_PAGE_SIZE)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> Any:
        """List the pairs waiting for a person, the most spending they would open first.

        Only suppliers that can reach the municipality are listed; `spending` is the
        municipality's spending in the pair's category (a decimal string).
        """
        page = capabilities.capability_queue(base.session(), base.actor(), base.organization(),
                                             **filters, **base.page_window(pagination_parameters))
        return base.page_items(pagination_parameters, page)


@blp.route("/decisions")
class CapabilityDecisions(MethodView):
    @require("capability.decide")
    @blp.arguments(CapabilityDecisionsSchema)
    @blp.response(200, CapabilityDecisionResultSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Confirm or reject pairs, all or none (purchasers and administrators).

        A pair the registry does not show is created: a person may add a capability.
        Decisions are audited and survive every re-import of the registry.
        """
        outcome = capabilities.decide_capabilities(
            base.session(), base.actor(),
            [(d["supplier_id"], d["category_code"], d["decision"]) for d in body["decisions"]],
            comment=body.get("comment"))
        base.commit()
        return outcome.to_json()
