"""The audit trail: the municipality's events and the verification of the hash chain."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from app.api import base
from app.api.schemas import AuditEventSchema, AuditFilterSchema, ChainReportSchema
from app.auth import require
from procurement.services import overview

blp = base.ApiBlueprint("audit", __name__, url_prefix="/api/audit",
                        description="Append-only, hash-chained audit trail.")


@blp.route("/events")
class AuditEventList(MethodView):
    @require("read")
    @blp.arguments(AuditFilterSchema, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    @blp.paginate(page_size=base.PAGE_SIZE, max_page_size=base.MAX_PAGE_SIZE)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> Any:
        """List the municipality's audit events, newest first."""
        page = overview.audit_page(base.session(), base.actor(), **filters,
                                   **base.page_window(pagination_parameters))
        return base.page_items(pagination_parameters, page)


@blp.route("/verify")
class AuditVerification(MethodView):
    @require("read")
    @blp.response(200, ChainReportSchema)
    def get(self) -> Any:
        """Recompute the hash chain and name the first broken event, if any."""
        return overview.verify_audit_chain(base.session(), base.actor()).to_dict()
