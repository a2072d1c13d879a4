"""Matching reviewed by a person: incumbent suppliers and category corrections."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from app.api import base
from app.api.jobs import accepted, run_job
from app.api.schemas import (
    AsyncQuerySchema,
    CategoryCorrectionSchema,
    CategoryRuleSchema,
    IncumbentDecisionSchema,
    IncumbentMatchSchema,
    JobSchema,
    MatchFilterSchema,
    MatchingSummarySchema,
)
from app.auth import require
from procurement.services import matching, overview

blp = base.ApiBlueprint("matches", __name__, url_prefix="/api/matches",
                        description="Review of incumbent matches and category corrections.")


@blp.route("/incumbents")
class IncumbentQueue(MethodView):
    @require("read")
    @blp.arguments(MatchFilterSchema, location="query")
    @blp.response(200, IncumbentMatchSchema(many=True))
    @blp.paginate(page_size=base.PAGE_SIZE, max_page_size=base.MAX_PAGE_SIZE)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> Any:
        """List incumbent matches (by default those waiting for a person), most confident first."""
        page = overview.incumbent_matches_page(base.session(), base.actor(), **filters,
                                               **base.page_window(pagination_parameters))
        return base.page_items(pagination_parameters, page)


@blp.route("/incumbents/<id:match_id>")
class IncumbentDecision(MethodView):
    @require("match.correct")
    @blp.arguments(IncumbentDecisionSchema)
    @blp.response(200, IncumbentMatchSchema)
    def post(self, body: dict[str, Any], match_id: int) -> Any:
        """Confirm (optionally to another registry supplier) or reject an incumbent match."""
        match = matching.decide_incumbent(
            base.session(), base.actor(), base.organization(), match_id,
            supplier_id=body.get("supplier_id"), confirm=body["decision"] == "confirm")
        base.commit()
        return match


@blp.route("/categories")
class CategoryCorrection(MethodView):
    @require("match.correct")
    @blp.arguments(CategoryCorrectionSchema)
    @blp.response(201, CategoryRuleSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Correct the category of every line matching a pattern, now and in later imports."""
        rule = matching.correct_category(base.session(), base.actor(), base.organization(),
                                         **body)
        base.commit()
        return rule


@blp.route("/run")
class MatchingRun(MethodView):
    @require("match.correct")
    @blp.response(201, MatchingSummarySchema)
    @blp.alt_response(202, schema=JobSchema, description="The run's job, not ended yet")
    @blp.arguments(AsyncQuerySchema, location="query", as_kwargs=True)
    def post(self, run_async: bool = False) -> Any:
        """Run the categorization and incumbent recognition again on all the spending (a job).

        Ended within PROCURE_API_JOB_WAIT seconds: 201 with the summary of `procure match
        --json`; otherwise, or with `?async=1`, 202 with the job (Location: /api/jobs/{id}).
        """
        base.organization()  # an account without a municipality: 404
        state = run_job("match", run_async=run_async)
        if state.status != "done":
            return accepted(state)
        return state.result
