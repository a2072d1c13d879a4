"""The municipality's purchase lines, as imported and matched."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from app.api import base
from app.api.schemas import LineFilterSchema, LineSchema
from app.auth import require
from procurement.services import overview

blp = base.ApiBlueprint("lines", __name__, url_prefix="/api/lines",
                        description="Purchase lines of the municipality.")


@blp.route("")
class LineList(MethodView):
    @require("read")
    @blp.arguments(LineFilterSchema, location="query")
    @blp.response(200, LineSchema(many=True))
    @blp.paginate(page_size=base.PAGE_SIZE, max_page_size=base.MAX_PAGE_SIZE)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> Any:
        """List purchase lines, filtered by category, supplier name or import."""
        page = overview.lines_page(base.session(), base.actor(), **filters,
                                   **base.page_window(pagination_parameters))
        return base.page_items(pagination_parameters, page)
