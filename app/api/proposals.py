"""Proposals: list, read, submit, decide (four eyes, optimistic locking), compare, export."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify
from flask.views import MethodView
from flask_babel import get_locale, gettext

from app.api import base
from app.api.jobs import accepted, run_job
from app.api.schemas import (
    CompareQuerySchema,
    ComparisonSchema,
    DecisionSchema,
    ExportQuerySchema,
    ProposalDetailSchema,
    ProposalFilterSchema,
    ProposalSchema,
    SensitivityQuerySchema,
    SensitivityRowSchema,
    SubmitSchema,
)
from app.auth import require
from procurement.services import exports, optimize, overview, review

EXPORT_DOC = {
    "description": "The proposal as a file (OCDS as a JSON release package)",
    "content": {
        mimetype.split(";")[0]: {"schema": {"type": "object"} if "json" in mimetype
                                 else {"type": "string", "format": "binary"}}
        for mimetype in exports.FORMATS.values()},
}

blp = base.ApiBlueprint("proposals", __name__, url_prefix="/api/proposals",
                        description="Allocation proposals and their review by finance.")


@blp.route("")
class ProposalList(MethodView):
    @require("read")
    @blp.arguments(ProposalFilterSchema, location="query")
    @blp.response(200, ProposalSchema(many=True))
    @blp.paginate(page_size=base.PAGE_SIZE, max_page_size=base.MAX_PAGE_SIZE)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> Any:
        """List the municipality's proposals, newest first, optionally by status."""
        page = overview.proposals_page(base.session(), base.actor(), **filters,
                                       **base.page_window(pagination_parameters))
        return base.page_items(pagination_parameters, page)


@blp.route("/compare")
class ProposalComparison(MethodView):
    @require("read")
    @blp.arguments(CompareQuerySchema, location="query")
    @blp.response(200, ComparisonSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Compare two proposals lot by lot and supplier by supplier."""
        return review.compare(base.session(), base.actor(), query["first"], query["second"])


@blp.route("/<id:proposal_id>")
class ProposalItem(MethodView):
    @require("read")
    @blp.response(200, ProposalDetailSchema)
    def get(self, proposal_id: int) -> Any:
        """Return one proposal with its lots, allocations and explanations."""
        # The answer is the same for every reader of the municipality: dumped and encoded
        # once per version of the proposal's data (a Response passes the schema untouched).
        body = overview.kept_proposal(
            base.session(), base.actor(), proposal_id, "api",
            lambda proposal: jsonify(ProposalDetailSchema().dump(proposal)).get_data())
        return current_app.response_class(body, mimetype="application/json")


@blp.route("/<id:proposal_id>/sensitivity")
class ProposalSensitivity(MethodView):
    @require("read")
    @blp.arguments(SensitivityQuerySchema, location="query")
    @blp.response(200, SensitivityRowSchema(many=True))
    def get(self, query: dict[str, Any], proposal_id: int) -> Any:
        """Re-solve the proposal's scenario for budgets −10 % … +20 % and target shares."""
        return optimize.sensitivity_table(base.session(), base.actor(), proposal_id,
                                          target_shares=tuple(query.get("target_shares", ())))


@blp.route("/<id:proposal_id>/submit")
class ProposalSubmission(MethodView):
    @require("proposal.submit")
    @blp.arguments(SubmitSchema)
    @blp.response(200, ProposalDetailSchema)
    def post(self, body: dict[str, Any], proposal_id: int) -> Any:
        """Send a draft to finance; `version` is the one you read (409 if it changed)."""
        proposal = review.submit(base.session(), base.actor(), proposal_id,
                                 version=body["version"])
        base.commit()
        return proposal


@blp.route("/<id:proposal_id>/decide")
class ProposalDecision(MethodView):
    @require("proposal.decide")
    @blp.arguments(DecisionSchema)
    @blp.response(200, ProposalDetailSchema)
    def post(self, body: dict[str, Any], proposal_id: int) -> Any:
        """Approve or reject a submitted proposal (never your own); 409 if it changed."""
        proposal = review.decide(base.session(), base.actor(), proposal_id,
                                 decision=body["decision"], version=body["version"],
                                 comment=body.get("comment"),
                                 allocation_decisions=body.get("allocations"))
        base.commit()
        return proposal


@blp.route("/<id:proposal_id>/export")
class ProposalExport(MethodView):
    @require("export")
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.doc(responses={"200": EXPORT_DOC})
    def get(self, query: dict[str, Any], proposal_id: int) -> Any:
        """Download a proposal as xlsx (with charts), csv or OCDS JSON.

        A large proposal (PROCURE_EXPORT_JOB_MIN_ALLOCATIONS allocations or more) is
        exported by a job: 202 with the job (Location: /api/jobs/{id}); once done, its file
        is at /api/jobs/{id}/download.
        """
        lang = str(get_locale() or "fr")[:2]
        if exports.is_large(base.session(), base.actor(), proposal_id, query["format"],
                            current_app.config["EXPORT_JOB_MIN_ALLOCATIONS"]):
            return accepted(run_job("export", {"proposal_id": proposal_id,
                                               "format": query["format"], "lang": lang}))
        result = exports.export_proposal(base.session(), base.actor(), proposal_id,
                                         query["format"], lang=str(get_locale() or "fr")[:2],
                                         gettext=gettext)
        base.commit()
        return Response(result.content, mimetype=result.mimetype, headers={
            "Content-Disposition": f'attachment; filename="{result.filename}"'})
