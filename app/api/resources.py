"""API resources, one blueprint per kind of object."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.auth import current_actor, require
from app.database import get_session
from procurement.services import overview, review


class AllocationSchema(Schema):
    id = fields.Int()
    lot = fields.Function(lambda a: a.lot.key)
    supplier_id = fields.Int(allow_none=True)
    supplier = fields.Function(lambda a: a.supplier.name if a.supplier else None)
    amount = fields.Decimal(as_string=True)
    route = fields.Str()
    decision = fields.Str()


class ProposalSchema(Schema):
    id = fields.Int()
    status = fields.Str()
    solver_status = fields.Str()
    version = fields.Int()
    total_value = fields.Decimal(as_string=True)
    kpis = fields.Dict()
    binding = fields.List(fields.Dict())
    formula = fields.Str()
    created_at = fields.DateTime()


class ProposalDetailSchema(ProposalSchema):
    allocations = fields.List(fields.Nested(AllocationSchema))


proposals = Blueprint("proposals", __name__, url_prefix="/api/proposals",
                      description="Allocation proposals")


@proposals.route("")
class ProposalList(MethodView):
    @require("read")
    @proposals.response(200, ProposalSchema(many=True))
    def get(self) -> Any:
        """List the municipality's proposals."""
        return review.list_proposals(get_session(), current_actor().organization_id or 0)


@proposals.route("/<int:proposal_id>")
class ProposalItem(MethodView):
    @require("read")
    @proposals.response(200, ProposalDetailSchema)
    def get(self, proposal_id: int) -> Any:
        """Return one proposal with its allocations."""
        return overview.proposal(get_session(), current_actor(), proposal_id)


BLUEPRINTS = [proposals]
