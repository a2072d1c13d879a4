"""Marshmallow schemas of every API body and answer; money travels as a decimal string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields, missing, validate

from app.messages import page_issue_message
from importers.headers import SPEND_FIELDS, SPEND_REQUIRED
from optimizer.impact import DIMENSIONS
from procurement.services import scenario as scenario_rules
from procurement.services.exports import FORMATS as EXPORT_FORMATS

MAX_MONEY = Decimal("999999999999.99")


MAX_ID = 2**31 - 1


class Money(fields.Decimal):
    """An amount with two decimals, sent and received as a string such as "1234.50"."""

    PATTERN = r"^-?[0-9]+\.[0-9]{2}$"

    def __init__(self, **kwargs: Any) -> None:
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("example", "1234.50")
        metadata.setdefault("pattern", self.PATTERN)
        super().__init__(places=2, as_string=True, allow_nan=False, **kwargs)


class MoneyInput(Money):
    """A non-negative amount given by a person: up to 12 digits and 2 decimals."""

    PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


def record_id(**kwargs: Any) -> fields.Int:
    """Return the field of a database id given in a query or a body."""
    return fields.Int(strict=False, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class UtcDateTime(fields.DateTime):
    """A moment in ISO 8601 with its offset; stored naive values (SQLite) are UTC."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class StrictSchema(Schema):
    """A request body: unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


# --- errors and common ------------------------------------------------------------------

class ErrorSchema(Schema):
    """The one error envelope of the API."""

    code = fields.Str(required=True, metadata={"example": "invalid_input"})
    message = fields.Str(required=True)
    errors = fields.Dict(keys=fields.Str(), metadata={
        "description": "Problems per field (field name → message or list of messages)"})


class MeSchema(Schema):
    id = fields.Int()
    email = fields.Str()
    name = fields.Str()
    role = fields.Str()
    organization_id = fields.Int(allow_none=True)
    organization_name = fields.Str()
    permissions = fields.List(fields.Str())


# --- imports -----------------------------------------------------------------------------

class IssueSchema(Schema):
    sheet = fields.Str(allow_none=True)
    row = fields.Int(allow_none=True)
    column = fields.Str(allow_none=True)
    value = fields.Raw(allow_none=True)
    code = fields.Str()
    message = fields.Method("rendered", metadata={
        "description": "the problem in the request's language (Accept-Language)"})
    severity = fields.Str(allow_none=True)

    def rendered(self, issue: dict[str, Any]) -> str:
        """Say the issue in the request's language, from its code and parameters."""
        return page_issue_message(issue)


class ImportSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    status = fields.Str(metadata={"description": "imported | refused | duplicate | withdrawn"})
    file_name = fields.Str()
    file_hash = fields.Str()
    sheet = fields.Str(allow_none=True)
    rows_read = fields.Int()
    lines = fields.Int()
    refused_rows = fields.Int()
    total = Money()
    currency = fields.Str()
    issue_counts = fields.Dict(keys=fields.Str(), values=fields.Int())
    created_at = UtcDateTime()


class ImportDetailSchema(ImportSchema):
    withdrawn_at = UtcDateTime(allow_none=True)
    withdrawn_by = fields.Str(allow_none=True)
    withdrawal_reason = fields.Str(allow_none=True)
    mapping = fields.Dict(keys=fields.Str(), values=fields.Str())
    issues = fields.List(fields.Nested(IssueSchema))


class ImportUploadSchema(StrictSchema):
    file = Upload(required=True, metadata={"description": "xlsx, xls, ods or csv file"})
    sheet = fields.Str(validate=validate.Length(max=200))
    date_order = fields.Str(validate=validate.OneOf(["dmy", "mdy"]))
    currency = fields.Str(validate=validate.Regexp(r"^[A-Z]{3}$"), metadata={
        "description": "ISO currency of the amounts; needed when the file states another "
                       "currency than the municipality's"})
    accept_valid_rows = fields.Bool(load_default=False, metadata={
        "description": "store the valid rows and report the refused ones"})


ColumnMappingSchema = StrictSchema.from_dict(
    {name: fields.Str(required=name in SPEND_REQUIRED, validate=validate.Length(min=1, max=300))
     for name in SPEND_FIELDS},
    name="ColumnMappingSchema")


class WithdrawSchema(StrictSchema):
    reason = fields.Str(validate=validate.Length(max=2000), allow_none=True, metadata={
        "description": "why the import is withdrawn (kept in the audit trail)"})


class WithdrawalSchema(Schema):
    import_id = fields.Int()
    status = fields.Str(metadata={"description": "withdrawn"})
    file_name = fields.Str()
    lines_removed = fields.Int()
    stale_proposals = fields.List(fields.Int(), metadata={
        "description": "proposals computed from the withdrawn lines, now marked stale"})


class MappingConfirmSchema(StrictSchema):
    mapping = fields.Nested(ColumnMappingSchema, required=True, metadata={
        "description": "engine field → column header of the file",
        "example": {"supplier_name": "Fournisseur", "amount": "Montant"}})
    date_order = fields.Str(validate=validate.OneOf(["dmy", "mdy"]), allow_none=True)
    sheet = fields.Str(validate=validate.Length(max=200), allow_none=True)
    currency = fields.Str(validate=validate.Regexp(r"^[A-Z]{3}$"), allow_none=True)
    accept_valid_rows = fields.Bool(load_default=False)


class ImportOutcomeSchema(Schema):
    import_id = fields.Int(allow_none=True)
    status = fields.Str(metadata={"description": "imported | refused | duplicate"})
    lines = fields.Int()
    total = Money()
    currency = fields.Str()
    message = fields.Str()
    issues = fields.List(fields.Nested(IssueSchema))
    issue_counts = fields.Dict(keys=fields.Str(), values=fields.Int())
    needs_confirmation = fields.Bool(metadata={
        "description": "the columns or the date order need a person's confirmation"})
    mapping = fields.Dict(keys=fields.Str(), values=fields.Str())
    columns = fields.List(fields.Str())
    sheets = fields.List(fields.Str())
    staged_upload = fields.Str(allow_none=True, metadata={
        "description": "when needs_confirmation: token to POST the confirmed mapping to"})


class JobResultSchema(Schema):
    import_id = fields.Int(allow_none=True)
    status = fields.Str(metadata={"description": "imported | refused | duplicate"})
    lines = fields.Int()
    total = Money()
    currency = fields.Str()
    issue_counts = fields.Dict(keys=fields.Str(), values=fields.Int())
    staged = fields.Str(allow_none=True, metadata={
        "description": "token of the upload kept for a mapping confirmation or the valid rows"})
    next = fields.Str(metadata={"description": "mapping | import | new: where a page goes on"})
    issue = fields.Method("refusal", allow_none=True, metadata={
        "description": "why an unreadable file was refused, in the request's language"})

    def refusal(self, result: dict[str, Any]) -> str | None:
        """Say why an unreadable file was refused, or None."""
        issue = result.get("issue")
        return page_issue_message(issue) if issue else None


class AsyncQuerySchema(Schema):
    """`?async=1`: answer 202 with the job at once instead of waiting for it."""

    run_async = fields.Bool(data_key="async", load_default=False, metadata={
        "description": "answer 202 with the job at once instead of waiting for it"})


class MatchingSummarySchema(Schema):
    """What a matching run found: the shape of `procure match --json`."""

    lines = fields.Int()
    by_method = fields.Dict(keys=fields.Str(), values=fields.Int())
    by_confidence = fields.Dict(keys=fields.Str(), values=fields.Int())
    baseline_social_economy_share = fields.Float()
    pending_review = fields.Int()
    incumbents = fields.Dict(keys=fields.Str(), values=fields.Int())
    opportunities = fields.List(fields.Dict())


class JobSchema(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "import_spend | match | optimize | export"})
    status = fields.Str(metadata={"description": "queued | running | done | failed"})
    phase = fields.Str(metadata={"description": "queued | reading | storing | matching | "
                                               "optimizing | exporting | done"})
    done = fields.Int(metadata={"description": "lines stored so far"})
    total = fields.Int(allow_none=True, metadata={"description": "lines to store, once known"})
    message = fields.Str()
    result = fields.Dict(metadata={"description": (
        "by kind: import_spend, the import (JobResult); match, the matching summary "
        "(procure match --json); optimize, the scenario's result (procure optimize --json); "
        "export, filename, mimetype, bytes (GET /api/jobs/{id}/download)")})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    url = fields.Str(metadata={"description": "the job's address (in a 202 answer)"})


# --- registry and categories --------------------------------------------------------------

class CategorySchema(Schema):
    code = fields.Str()
    label_fr = fields.Str()
    label_en = fields.Str()
    parent_code = fields.Str(allow_none=True)
    se_relevant = fields.Bool()


class SupplierCategorySchema(Schema):
    category_code = fields.Str()
    confidence = fields.Float()
    confirmed = fields.Function(lambda pair: pair.decision == "confirmed",
                                metadata={"type": "boolean"})
    evidence = fields.Str(metadata={"description": "confirmed | activity | sector | name"})
    decision = fields.Str(allow_none=True, metadata={
        "description": "a person's decision: confirmed, or null when nobody decided"})


class SupplierSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    neq = fields.Str(allow_none=True)
    siret = fields.Str(allow_none=True)
    company_number = fields.Str(allow_none=True)
    charity_number = fields.Str(allow_none=True)
    country = fields.Str(allow_none=True, metadata={"description": "ISO 3166 alpha-2"})
    activity_code = fields.Str(allow_none=True, metadata={
        "description": "the registry's activity code as given: NAF, SIC, SCIAN/NAICS"})
    legal_form = fields.Str(allow_none=True)
    org_type = fields.Str(allow_none=True)
    sector = fields.Str(allow_none=True)
    municipality = fields.Str(allow_none=True)
    municipality_code = fields.Str(allow_none=True)
    postal_code = fields.Str(allow_none=True)
    region = fields.Str(allow_none=True)
    website = fields.Str(allow_none=True)
    capacity = Money(allow_none=True)
    service_area = fields.Str(allow_none=True)
    active = fields.Bool()
    work_integration = fields.Bool()
    reserved_eligible = fields.Bool()
    score_overrides = fields.Dict(keys=fields.Str(), values=fields.Float())


class SupplierDetailSchema(SupplierSchema):
    activity = fields.Str(allow_none=True)
    address = fields.Str(allow_none=True)
    categories = fields.Function(
        lambda supplier: SupplierCategorySchema(many=True).dump(
            [pair for pair in supplier.categories if pair.decision != "rejected"]),
        metadata={"type": "array", "items": {"type": "object", "properties": {
            "category_code": {"type": "string"}, "confidence": {"type": "number"},
            "confirmed": {"type": "boolean"},
            "evidence": {"type": "string", "description": "confirmed | activity | sector | name"},
            "decision": {"type": "string", "nullable": True}}},
            "description": "the categories the supplier serves (rejected pairs left out)"})
    updated_at = UtcDateTime()


class SupplierCategoriesSchema(Schema):
    categories = fields.List(fields.Str(validate=validate.Length(min=1, max=60)),
                             required=True, validate=validate.Length(max=50),
                             metadata={"description": "category codes; [] for none"})


class SupplierFilterSchema(Schema):
    """Filters of the registry search (`procurement.services.registry_search`)."""

    q = fields.Str(validate=validate.Length(max=200), metadata={
        "description": "words of the name, an identifier (NEQ, SIRET, ...) or the activity; "
                       "accents and case ignored"})
    name = fields.Str(validate=validate.Length(max=200), metadata={
        "description": "words of the name only; accents and case ignored"})
    category = fields.Str(validate=validate.Length(max=60))
    evidence = fields.Str(validate=validate.OneOf(scenario_rules.EVIDENCE_LEVELS), metadata={
        "description": "a capability with this kind of evidence (of `category` when given)"})
    org_type = fields.Str(validate=validate.Length(max=200), metadata={
        "description": "the registry's type or structure, as written"})
    legal_form = fields.Str(validate=validate.Length(max=200))
    mrc = fields.Str(validate=validate.Length(max=200))
    region = fields.Str(validate=validate.Length(max=200))
    locality = fields.Str(validate=validate.OneOf(
        ["same_municipality", "same_mrc", "same_region", "same_province", "elsewhere"]),
        metadata={"description": "where the supplier is, relative to your municipality"})
    municipality = fields.Str(validate=validate.Length(max=200))
    active = fields.Bool()
    work_integration = fields.Bool()


ScoreOverridesSchema = StrictSchema.from_dict(
    {name: fields.Float(allow_nan=False, validate=validate.Range(min=0, max=1))
     for name in (*DIMENSIONS, "premium_pct")},
    name="ScoreOverridesSchema")


class SupplierPatchSchema(StrictSchema):
    capacity = MoneyInput(allow_none=True, validate=validate.Range(min=0, max=MAX_MONEY))
    active = fields.Bool()
    service_area = fields.Str(allow_none=True, validate=validate.OneOf(
        ["municipality", "mrc", "region", "province"]))
    work_integration = fields.Bool()
    reserved_eligible = fields.Bool()
    score_overrides = fields.Nested(ScoreOverridesSchema, metadata={
        "description": "impact scores (0..1) replacing the computed ones, and premium_pct"})


# --- purchase lines and matching --------------------------------------------------------

class LineSchema(Schema):
    id = fields.Int()
    import_id = fields.Int()
    source_row = fields.Int()
    date = fields.Date(allow_none=True)
    supplier_name = fields.Str()
    supplier_ref = fields.Str(allow_none=True)
    description = fields.Str(allow_none=True)
    expense_category = fields.Str(allow_none=True)
    account_code = fields.Str(allow_none=True)
    department = fields.Str(allow_none=True)
    amount = Money()
    currency = fields.Str()
    contract_ref = fields.Str(allow_none=True)
    is_credit = fields.Bool()
    category_code = fields.Str(allow_none=True)
    category_confidence = fields.Float(allow_none=True)
    category_method = fields.Str(allow_none=True)
    incumbent_supplier_id = fields.Int(allow_none=True)


class LineFilterSchema(Schema):
    category = fields.Str(validate=validate.Length(max=60))
    supplier = fields.Str(validate=validate.Length(max=300))
    import_id = record_id()


class SupplierRefSchema(Schema):
    id = fields.Int()
    name = fields.Str()


class IncumbentMatchSchema(Schema):
    id = fields.Int()
    supplier_name = fields.Str()
    supplier_ref = fields.Str()
    supplier_id = fields.Int(allow_none=True)
    supplier = fields.Nested(SupplierRefSchema, allow_none=True)
    confidence = fields.Float()
    method = fields.Str()
    reason = fields.Str()
    status = fields.Str()
    decided_at = UtcDateTime(allow_none=True)


class MatchFilterSchema(Schema):
    status = fields.Str(load_default="pending", validate=validate.OneOf(
        ["auto", "pending", "confirmed", "rejected", "none"]))


class IncumbentDecisionSchema(StrictSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(["confirm", "reject"]))
    supplier_id = record_id(allow_none=True, metadata={
        "description": "link to this registry supplier instead of the suggested one"})


class CategoryCorrectionSchema(StrictSchema):
    kind = fields.Str(required=True, validate=validate.OneOf(
        ["expense_category", "account_code", "description"]))
    pattern = fields.Str(required=True, validate=validate.Length(min=1, max=500))
    category_code = fields.Str(required=True, validate=validate.Length(min=1, max=60))


class CategoryRuleSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    pattern = fields.Str()
    category_code = fields.Str()
    created_at = UtcDateTime()


# --- scenarios ----------------------------------------------------------------------------

class ExplanationSchema(Schema):
    constraint = fields.Str()
    explanation = fields.Str()
    explanation_fr = fields.Str(metadata={"description": "the same explanation in French"})
    code = fields.Str(metadata={
        "description": "what the explanation says, as a stable code (budget_binds, "
                       "capacity_binds, supplier_share_binds, rotation_binds, target_binds, "
                       "budget_too_small, target_unreachable, target_missed, "
                       "target_missed_too)"})
    params = fields.Dict(keys=fields.Str(), metadata={
        "description": "the values of the explanation: supplier name, category code, amounts "
                       "in dollars, shares as fractions, effect of relaxing the limit"})


class InfeasibilitySchema(ExplanationSchema):
    shortfall = fields.Float(allow_none=True, metadata={"description": "gap in cents"})


class OutcomeAllocationSchema(Schema):
    lot = fields.Str()
    supplier = fields.Str(allow_none=True)
    supplier_id = fields.Int(allow_none=True)
    amount = fields.Str(metadata={"description": "decimal string"})
    route = fields.Str()
    capability_evidence = fields.Str(allow_none=True, metadata={
        "description": "confirmed | activity | sector | name; null for the market"})
    confirmed_by = fields.Str(allow_none=True)
    confirmed_at = fields.Str(allow_none=True)


class ScenarioResultSchema(Schema):
    proposal_id = fields.Int(allow_none=True, metadata={
        "description": "null unless a proposal was stored"})
    scenario_id = fields.Int()
    status = fields.Str(metadata={
        "description": "optimal | feasible | infeasible | unbounded | error"})
    objective = fields.Float(allow_none=True)
    gap = fields.Float(allow_none=True)
    kpis = fields.Dict(keys=fields.Str())
    binding = fields.List(fields.Nested(ExplanationSchema))
    infeasibility = fields.List(fields.Nested(InfeasibilitySchema))
    formula = fields.Str(allow_none=True)
    formula_fr = fields.Str(allow_none=True)
    allocations = fields.List(fields.Nested(OutcomeAllocationSchema))
    impact_units = fields.Dict(keys=fields.Str(), metadata={
        "description": "impact in units before and after: {measure: {before, after, unit}} "
                       "and by_category"})
    levers = fields.List(fields.Dict(keys=fields.Str()), metadata={
        "description": "one per lot: lot, lever, reason_code, params, reason, suppliers"})
    warnings = fields.List(fields.Dict(keys=fields.Str()), metadata={
        "description": "e.g. a threshold not confirmed by an administrator: code, params, "
                       "message"})
    fiscal_year = fields.Int(allow_none=True)


class ScenarioSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    params = fields.Dict(keys=fields.Str())
    created_at = UtcDateTime()


def _number(name: str, description: str) -> fields.Float:
    """Document a numeric scenario field with the interval the domain validator enforces."""
    low, high, low_open = scenario_rules.NUMBER_RANGES[name]
    return fields.Float(allow_none=True, validate=validate.Range(
        min=low, max=high, min_inclusive=not low_open), metadata={"description": description})


def _choice(name: str, description: str) -> fields.Str:
    return fields.Str(allow_none=True, validate=validate.OneOf(scenario_rules.CHOICES[name]),
                      metadata={"description": description})


TARGET_DOC = {
    "oneOf": [
        {"type": "number", "minimum": 0, "maximum": 1},
        {"type": "object", "required": ["value"], "additionalProperties": False,
         "properties": {"value": {"type": "number", "minimum": 0, "maximum": 1,
                                  "description": "the share to reach, e.g. 0.3"},
                        "hard": {"type": "boolean", "default": False, "description":
                                 "true: infeasible when out of reach; false: report the "
                                 "shortfall"}}},
    ],
}
TARGETS_BY_CATEGORY_DOC = {
    "type": "object", "additionalProperties": TARGET_DOC,
    "description": "a target per taxonomy category code, e.g. {\"entretien_menager\": 0.5}"}


def _target(description: str) -> fields.Raw:
    return fields.Raw(allow_none=True, metadata={
        **TARGET_DOC, "nullable": True,
        "description": f"{description}: a fraction (soft target) or {{value, hard}}"})


class ScenarioTargetsSchema(Schema):
    """Targets grouped under `targets` (the form of the README's example)."""

    social_economy_share = _target("share of the spending to social economy enterprises")
    local_share = _target("share of the spending to local suppliers")
    social_economy_share_by_category = fields.Raw(allow_none=True, metadata={
        **TARGETS_BY_CATEGORY_DOC, "nullable": True})
    by_category = fields.Raw(allow_none=True, metadata={
        **TARGETS_BY_CATEGORY_DOC, "nullable": True,
        "description": "alias of social_economy_share_by_category"})

    class Meta:
        unknown = RAISE


class ScenarioParamsSchema(Schema):
    """A scenario as JSON: any subset of the fields `procure optimize --scenario` reads.

    Shares and percentages are fractions (0.02 is 2 %); null means the default. The
    fields below document the scenario; the body is handed as it came to the domain's one
    validator (procurement.services.scenario), which answers the same field errors as the
    command line and the form.
    """

    name = fields.Str(allow_none=True, validate=validate.Length(max=200))
    regulatory_profile = fields.Str(allow_none=True, validate=validate.Length(max=40), metadata={
        "description": "code of a regulatory profile, e.g. QC-2024"})
    period_start = fields.Str(allow_none=True, validate=validate.Length(equal=10),
                              metadata={"format": "date"})
    period_end = fields.Str(allow_none=True, validate=validate.Length(equal=10),
                            metadata={"format": "date"})
    assumed_premium_pct = _number("assumed_premium_pct", "expected extra cost of a social "
                                  "economy supplier, e.g. 0.03")
    default_capacity = _number("default_capacity", "annual capacity assumed when the registry "
                               "states none, in dollars")
    min_capability_evidence = _choice(
        "min_capability_evidence", "the weakest capability evidence that may be awarded "
        "(default activity); weaker pairs are prospects to verify")
    budget_increase_pct = _number("budget_increase_pct", "allowed cost above the status quo, "
                                  "e.g. 0.02 for 2 %")
    max_premium_pct = _number("max_premium_pct", "largest premium of a candidate over a lot's "
                              "status quo, e.g. 0.10")
    weights = fields.Dict(
        keys=fields.Str(validate=validate.OneOf(DIMENSIONS)),
        values=fields.Float(validate=validate.Range(min=0, max=scenario_rules.MAX_WEIGHT)),
        allow_none=True, metadata={"description": "impact weight per dimension"})
    social_economy_share = _target("share of the spending to social economy enterprises")
    social_economy_share_by_category = fields.Raw(allow_none=True, metadata={
        **TARGETS_BY_CATEGORY_DOC, "nullable": True})
    local_share = _target("share of the spending to local suppliers")
    targets = fields.Nested(ScenarioTargetsSchema, allow_none=True, metadata={
        "description": "the targets grouped, e.g. {\"social_economy_share\": "
                       "{\"value\": 0.3, \"hard\": true}}"})
    max_supplier_share = _number("max_supplier_share", "largest share of all the spending "
                                 "one supplier may receive")
    mode = _choice("mode", "divisible (a lot may be split) or indivisible (one supplier per lot)")
    solver = _choice("solver", "cbc (default) or highs")
    time_limit_s = _number("time_limit_s", "wall-clock limit of each solver run, in seconds")
    rotation_max_share = _number("rotation_max_share", "invitation band with rotation: the "
                                 "largest share of a group one supplier may receive")
    explain = fields.Bool(allow_none=True, metadata={
        "description": "compute binding-constraint explanations"})

    class Meta:
        unknown = RAISE

    def load(self, data: Any, **kwargs: Any) -> Any:
        """Return the body untouched: the domain's validator is the one judge of a scenario."""
        return {} if data is None or data is missing else data


# --- proposals ----------------------------------------------------------------------------

class ProspectSchema(Schema):
    supplier_id = fields.Int()
    name = fields.Str()
    evidence = fields.Str(metadata={"description": "activity | sector | name: too weak to award"})
    reason = fields.Str()


class LotSchema(Schema):
    id = fields.Int()
    key = fields.Str()
    category_code = fields.Str()
    label = fields.Str()
    value = Money()
    band = fields.Str()
    line_count = fields.Int()
    status_quo_se_value = Money()
    prospects = fields.List(fields.Nested(ProspectSchema), metadata={
        "description": "suppliers whose capability must be verified before any award"})


class AllocationSchema(Schema):
    id = fields.Int()
    lot_id = fields.Int()
    lot = fields.Str(attribute="lot.key")
    supplier_id = fields.Int(allow_none=True)
    supplier = fields.Str(attribute="supplier.name", allow_none=True,
                          metadata={"description": "absent for the market (status quo)"})
    amount = Money()
    route = fields.Str()
    impact_per_dollar = fields.Float()
    decision = fields.Str()
    comment = fields.Str(allow_none=True)
    capability_evidence = fields.Str(allow_none=True, metadata={
        "description": "confirmed | activity | sector | name: the evidence that the supplier "
                       "can supply the lot's category; null for the market"})
    confirmed_by = fields.Str(attribute="capability_detail.decided_by", allow_none=True,
                              metadata={"description": "who confirmed the capability"})
    confirmed_at = fields.Str(attribute="capability_detail.decided_at", allow_none=True,
                              metadata={"description": "when (ISO 8601, UTC)"})
    capability_detail = fields.Dict(keys=fields.Str(), metadata={
        "description": "the evidence as data: detail, reason, decided_by, decided_at"})


class ProposalSchema(Schema):
    id = fields.Int()
    scenario_id = fields.Int()
    status = fields.Str(metadata={"description": "draft | submitted | approved | rejected"})
    version = fields.Int(metadata={"description": "send it back with submit and decide"})
    solver_status = fields.Str()
    solver = fields.Str()
    mode = fields.Str()
    objective = fields.Float(allow_none=True)
    currency = fields.Str()
    total_value = Money()
    kpis = fields.Dict(keys=fields.Str())
    created_at = UtcDateTime()
    submitted_at = UtcDateTime(allow_none=True)
    decided_at = UtcDateTime(allow_none=True)
    decision_comment = fields.Str(allow_none=True)
    stale_since = UtcDateTime(allow_none=True, metadata={
        "description": "set when data the proposal used was withdrawn since"})
    stale_reasons = fields.List(fields.Dict(keys=fields.Str()), metadata={
        "description": "why it is stale: {code: import_withdrawn, import_id, file_name, at}"})


class ProposalDetailSchema(ProposalSchema):
    binding = fields.List(fields.Dict(keys=fields.Str()))
    infeasibility = fields.List(fields.Dict(keys=fields.Str()))
    formula = fields.Str()
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    lots = fields.List(fields.Nested(LotSchema))
    allocations = fields.List(fields.Nested(AllocationSchema))
    fiscal_year = fields.Int(allow_none=True)
    impact_units = fields.Dict(keys=fields.Str())
    levers = fields.List(fields.Dict(keys=fields.Str()), metadata={
        "description": "one per lot: lot, lever, reason_code, params, suppliers"})
    regulatory = fields.Dict(keys=fields.Str(), metadata={
        "description": "the profile, the date and the thresholds in force with their sources"})
    warnings = fields.List(fields.Dict(keys=fields.Str()))


class ProposalFilterSchema(Schema):
    status = fields.Str(validate=validate.OneOf(["draft", "submitted", "approved", "rejected"]))


class SubmitSchema(StrictSchema):
    version = fields.Int(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))


class DecisionSchema(StrictSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(["approved", "rejected"]))
    version = fields.Int(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))
    comment = fields.Str(allow_none=True, validate=validate.Length(max=5000))
    allocations = fields.Dict(
        keys=record_id(), values=fields.Str(validate=validate.OneOf(["approved", "rejected"])),
        metadata={"description": "allocation id → approved | rejected (default: the decision)"})


class CompareQuerySchema(Schema):
    first = record_id(required=True)
    second = record_id(required=True)


class ComparisonRowSchema(Schema):
    lot = fields.Str()
    supplier = fields.Str()
    first = Money()
    second = Money()
    delta = Money()


class ComparisonSchema(Schema):
    first = fields.Int()
    second = fields.Int()
    rows = fields.List(fields.Nested(ComparisonRowSchema))
    kpis = fields.Dict(keys=fields.Str(), values=fields.Dict(keys=fields.Str()))


class SensitivityQuerySchema(Schema):
    target_shares = fields.List(
        fields.Float(validate=validate.Range(min=0, max=1)),
        validate=validate.Length(max=10),
        metadata={"description": "social economy share targets to cross with the budgets"})


class SensitivityRowSchema(Schema):
    budget_increase_pct = fields.Float()
    target_share = fields.Float(allow_none=True)
    status = fields.Str()
    objective = fields.Float(allow_none=True)
    social_economy_share = fields.Float(allow_none=True)
    proposed_cost = fields.Str(allow_none=True)
    cost_difference = fields.Str(allow_none=True)


class ExportQuerySchema(Schema):
    format = fields.Str(required=True, validate=validate.OneOf(sorted(EXPORT_FORMATS)))


# --- audit --------------------------------------------------------------------------------

class AuditEventSchema(Schema):
    id = fields.Int()
    actor = fields.Str()
    action = fields.Str()
    object_type = fields.Str()
    object_id = fields.Str(allow_none=True)
    before = fields.Dict(keys=fields.Str(), allow_none=True)
    after = fields.Dict(keys=fields.Str(), allow_none=True)
    created_at = UtcDateTime()
    hash = fields.Str()
    prev_hash = fields.Str()


class AuditFilterSchema(Schema):
    action = fields.Str(validate=validate.Length(max=60))
    object_type = fields.Str(validate=validate.Length(max=60))
    object_id = fields.Str(validate=validate.Length(max=60))


class ChainReportSchema(Schema):
    ok = fields.Bool()
    events = fields.Int()
    first_broken_id = fields.Int(allow_none=True)
    reason = fields.Str(allow_none=True)


# --- administration -----------------------------------------------------------------------

class UserSchema(Schema):
    id = fields.Int()
    email = fields.Str()
    name = fields.Str()
    role = fields.Str()
    locale = fields.Str()
    active = fields.Bool()
    created_at = UtcDateTime()


class UserCreateSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=200))
    name = fields.Str(load_default="", validate=validate.Length(max=200))
    role = fields.Str(required=True, validate=validate.OneOf(
        ["purchaser", "finance", "auditor", "admin"]))
    password = fields.Str(required=True, load_only=True,
                          validate=validate.Length(min=10, max=200))
    locale = fields.Str(load_default="fr", validate=validate.OneOf(["fr", "en"]))


class UserPatchSchema(StrictSchema):
    role = fields.Str(validate=validate.OneOf(["purchaser", "finance", "auditor", "admin"]))
    active = fields.Bool(metadata={"description": "false: the account can no longer sign in "
                                                  "nor use its tokens"})


class TokenCreateSchema(StrictSchema):
    name = fields.Str(load_default="script", validate=validate.Length(min=1, max=100))


class TokenSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    created_at = UtcDateTime()
    last_used_at = UtcDateTime(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)


class IssuedTokenSchema(Schema):
    id = fields.Int()
    user_id = fields.Int()
    name = fields.Str()
    token = fields.Str(metadata={"description": "shown once; send as 'Authorization: Bearer …'"})
    created_at = UtcDateTime()


class RegulatoryProfileSchema(Schema):
    code = fields.Str()
    jurisdiction = fields.Str()
    name = fields.Str()
    currency = fields.Str()
    direct_award_limit = Money()
    tender_threshold = Money()
    rotation_required = fields.Bool()
    reserved_contracts_allowed = fields.Bool()
    social_value_weight_min = fields.Float(allow_none=True)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    source = fields.Str()
    notes = fields.Str(allow_none=True)
    threshold_history = fields.List(fields.Dict(), metadata={
        "description": "dated thresholds: kind, amount, valid_from, valid_to, scope, source, "
                       "confirmed; the one in force on a lot's date applies"})
    impact_coefficients = fields.Dict(metadata={
        "description": "dated coefficients that turn spending into units, with their source"})
    updated_at = UtcDateTime()


class RegulatoryProfilePatchSchema(StrictSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    direct_award_limit = MoneyInput(validate=validate.Range(min=Decimal("0.01"), max=MAX_MONEY))
    tender_threshold = MoneyInput(validate=validate.Range(min=Decimal("0.01"), max=MAX_MONEY))
    rotation_required = fields.Bool()
    reserved_contracts_allowed = fields.Bool()
    social_value_weight_min = fields.Float(allow_none=True, allow_nan=False,
                                           validate=validate.Range(min=0, max=1))
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    source = fields.Str(validate=validate.Length(min=1, max=5000))
    notes = fields.Str(allow_none=True, validate=validate.Length(max=5000))
    threshold_history = fields.List(fields.Dict(), validate=validate.Length(max=200), metadata={
        "description": "the whole history, replacing the stored one; set confirmed to true "
                       "once the value is read from the official notice"})
    impact_coefficients = fields.Dict(metadata={
        "description": "insertion_rate, hourly_cost_eur, fte_month_cost_eur, eur_rate, "
                       "labour_share, proxies; each with its source and date"})


class UndoneMergeSchema(Schema):
    """What undoing a registry merge did (`procure undo-merge --json`)."""

    merge_id = fields.Int()
    supplier_id = fields.Int()
    matched_on = fields.Str(metadata={"description": "identifier or name"})
    restored = fields.Dict(keys=fields.Str(), metadata={
        "description": "facts given back to the supplier, with their restored values"})
    kept = fields.Dict(keys=fields.Str(), metadata={
        "description": "facts changed again since the merge, left as they are"})
    split_supplier_id = fields.Int(allow_none=True, metadata={
        "description": "the supplier the merged record became (name merges only)"})
    undone_at = fields.Str()


# --- capabilities -------------------------------------------------------------------------

class CapabilityFilterSchema(Schema):
    evidence = fields.Str(validate=validate.OneOf(scenario_rules.EVIDENCE_LEVELS), metadata={
        "description": "only pairs with this kind of evidence"})
    category = fields.Str(validate=validate.Length(min=1, max=60), metadata={
        "description": "only pairs of this category code"})
    decided = fields.Bool(load_default=False, metadata={
        "description": "false (default): pairs waiting for a person; true: decided pairs"})


class CapabilitySchema(Schema):
    """A (supplier, category) pair of the review queue."""

    supplier_id = fields.Int()
    supplier_name = fields.Str()
    neq = fields.Str(allow_none=True)
    municipality = fields.Str(allow_none=True)
    org_type = fields.Str(allow_none=True)
    legal_form = fields.Str(allow_none=True)
    sector = fields.Str(allow_none=True)
    activity = fields.Str(allow_none=True)
    work_integration = fields.Bool()
    category_code = fields.Str()
    category_label_fr = fields.Str()
    category_label_en = fields.Str()
    evidence = fields.Str(metadata={"description": "confirmed | activity | sector | name"})
    evidence_detail = fields.Dict(keys=fields.Str())
    reason = fields.Str()
    confidence = fields.Float()
    spending = Money(metadata={"description": "the municipality's spending in the category: "
                                              "what confirming the pair opens"})
    currency = fields.Str()
    decision = fields.Str(allow_none=True, metadata={"description": "confirmed | rejected | null"})
    decided_by = fields.Str(allow_none=True)
    decided_at = UtcDateTime(allow_none=True)


class CapabilityDecisionSchema(StrictSchema):
    supplier_id = record_id(required=True)
    category_code = fields.Str(required=True, validate=validate.Length(min=1, max=60))
    decision = fields.Str(required=True, validate=validate.OneOf(["confirmed", "rejected"]))


class CapabilityDecisionsSchema(StrictSchema):
    decisions = fields.List(fields.Nested(CapabilityDecisionSchema), required=True,
                            validate=validate.Length(min=1, max=500), metadata={
                                "description": "decided all together or not at all"})
    comment = fields.Str(allow_none=True, validate=validate.Length(max=2000))


class DecidedPairSchema(Schema):
    supplier_id = fields.Int()
    category_code = fields.Str()
    decision = fields.Str()
    evidence = fields.Str()


class CapabilityDecisionResultSchema(Schema):
    confirmed = fields.Int()
    rejected = fields.Int()
    unchanged = fields.Int()
    pairs = fields.List(fields.Nested(DecidedPairSchema))
