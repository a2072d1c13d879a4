"""Persistent domain objects (SQLAlchemy 2 typed models).

Money is `Numeric(14, 2)` with the currency beside it; shares are fractions 0..1.
Every row that belongs to a municipality carries `organization_id`, which is how
tenant scoping is enforced in one place (see `procurement.services.common.get_owned`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

MONEY = Numeric(14, 2)


def utcnow() -> dt.datetime:
    """Return the current time in UTC (aware)."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every model."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class RegulatoryProfile(Base):
    """Procurement thresholds of a jurisdiction, dated and sourced, editable by an admin."""

    __tablename__ = "regulatory_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    jurisdiction: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    direct_award_limit: Mapped[Decimal] = mapped_column(MONEY)
    tender_threshold: Mapped[Decimal] = mapped_column(MONEY)
    rotation_required: Mapped[bool] = mapped_column(Boolean, default=False)
    reserved_contracts_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    social_value_weight_min: Mapped[float | None] = mapped_column(Float)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # Dated thresholds with their source: [{"kind", "amount", "valid_from", "valid_to",
    # "scope", "source", "confirmed"}]; the one in force on a lot's date applies.
    threshold_history: Mapped[list[Any]] = mapped_column(JSON, default=list,
                                                         server_default="[]")
    # Dated coefficients that turn spending into units (labour share, insertion rate,
    # hourly cost, FTE conversion, proxies), each with its source: see procurement.impact_units.
    impact_coefficients: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                                server_default="{}")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Organization(Base):
    """A municipality (tenant). `code` is the MAMH mcode in Quebec."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    mrc: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    population: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="CAD")
    regulatory_profile_id: Mapped[int | None] = mapped_column(ForeignKey("regulatory_profile.id"))
    # The council's target share of spending to the social economy (0..1) and its year.
    se_target_share: Mapped[float | None] = mapped_column(Float)
    se_target_year: Mapped[int | None] = mapped_column(Integer)
    # First month of the fiscal year (1: calendar year, as for Quebec municipalities).
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    regulatory_profile: Mapped[RegulatoryProfile | None] = relationship()


class User(Base):
    """A person using the engine, with one role in one municipality."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization | None] = relationship()


class AdminMembership(Base):
    """A further municipality an administrator of a shared instance manages."""

    __tablename__ = "admin_membership"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship()


class ApiToken(Base):
    """A revocable token for scripts; only its hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class Category(Base):
    """A spending category of the bilingual taxonomy."""

    __tablename__ = "category"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(60))
    naics: Mapped[list[Any]] = mapped_column(JSON, default=list)
    keywords_fr: Mapped[list[Any]] = mapped_column(JSON, default=list)
    keywords_en: Mapped[list[Any]] = mapped_column(JSON, default=list)
    se_relevant: Mapped[bool] = mapped_column(Boolean, default=False)


class ImportBatch(Base):
    """One uploaded file: who, when, hashes, counts and the problem report."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # spend | suppliers
    # imported | refused | duplicate (an older copy of an imported content, see 0005)
    # | withdrawn (its lines removed from the spending, see services.imports.withdraw_import)
    status: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300))
    file_hash: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    sheet: Mapped[str | None] = mapped_column(String(200))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    refused_rows: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="CAD")
    # The fiscal year holding most of the file's dated spending (null without dates).
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    issue_counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    issues: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


# One stored import per municipality, kind and content: two uploads of the same data at
# once cannot both be stored. Registry imports have no municipality (0 stands for it).
Index("uq_import_batch_imported_content", func.coalesce(ImportBatch.organization_id, 0),
      ImportBatch.kind, ImportBatch.content_hash, unique=True,
      sqlite_where=ImportBatch.status == "imported",
      postgresql_where=ImportBatch.status == "imported")


class MappingProfile(Base):
    """A confirmed column mapping, reused for the next file with the same headers."""

    __tablename__ = "mapping_profile"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "headers_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    kind: Mapped[str] = mapped_column(String(20))
    headers_key: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    date_order: Mapped[str | None] = mapped_column(String(3))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Supplier(Base):
    """A registry entry: a social economy enterprise that could supply a municipality."""

    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    normalized_name: Mapped[str] = mapped_column(String(300), index=True)
    neq: Mapped[str | None] = mapped_column(String(20), index=True)
    other_id: Mapped[str | None] = mapped_column(String(40))
    # Identifiers of other registries: France's SIRET, the UK's company and charity numbers.
    siret: Mapped[str | None] = mapped_column(String(14), index=True)
    company_number: Mapped[str | None] = mapped_column(String(20))
    charity_number: Mapped[str | None] = mapped_column(String(20))
    # ISO 3166 alpha-2 country, when the source file tells it (CA, FR, GB).
    country: Mapped[str | None] = mapped_column(String(2))
    # An activity code of the source registry (SCIAN/NAICS, CAE, NAF, SIC), as given.
    activity_code: Mapped[str | None] = mapped_column(String(20))
    legal_form: Mapped[str | None] = mapped_column(String(60))
    org_type: Mapped[str | None] = mapped_column(String(100))
    sector: Mapped[str | None] = mapped_column(String(200))
    activity: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    municipality: Mapped[str | None] = mapped_column(String(200))
    municipality_code: Mapped[str | None] = mapped_column(String(20))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    region: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[Decimal | None] = mapped_column(MONEY)
    # Annual turnover when known: the denominator of a lot's economic dependency.
    annual_turnover: Mapped[Decimal | None] = mapped_column(MONEY)
    service_area: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    work_integration: Mapped[bool] = mapped_column(Boolean, default=False)
    reserved_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    score_overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Accent- and case-folded copies for the registry search (see `search_columns`): the
    # name (also the sort key, so that "Écho" sorts with "E") and name + identifiers +
    # activity. Filled on every insert and ORM update, bulk inserts included.
    search_name: Mapped[str | None] = mapped_column(
        Text, index=True, default=lambda ctx: _search_default(ctx, "search_name"))
    search_text: Mapped[str | None] = mapped_column(
        Text, default=lambda ctx: _search_default(ctx, "search_text"))

    categories: Mapped[list[SupplierCategory]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan"
    )


def _search_default(context: Any, column: str) -> str:
    from procurement.matching.normalize import search_columns

    return search_columns(context.get_current_parameters())[column]


@event.listens_for(Supplier, "before_update")
def _refresh_search_columns(_mapper: Any, _connection: Any, supplier: Supplier) -> None:
    """Keep the folded search copies in step with the facts a person or an import changed."""
    from procurement.matching.normalize import SEARCH_FACTS, search_columns

    state = inspect(supplier)
    if not any(state.attrs[attr].history.has_changes() for attr in SEARCH_FACTS):
        return  # localizing or flagging a supplier leaves its words as they are
    facts = {attr: getattr(supplier, attr) for attr in SEARCH_FACTS}
    for column, value in search_columns(facts).items():
        setattr(supplier, column, value)


class SupplierCategory(Base):
    """A capability: a category a supplier serves, with the kind of evidence behind it.

    `evidence` is the strongest evidence found: confirmed (a person), activity (the
    registry's activity text or code), sector (a member hub's sector) or name (words of the
    name alone). `decision` is a person's word on the pair: confirmed, rejected or none; a
    rejected pair is kept so that inference never brings it back.
    """

    __tablename__ = "supplier_category"
    __table_args__ = (UniqueConstraint("supplier_id", "category_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id", ondelete="CASCADE"))
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"))
    confidence: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(String(20), default="name")
    # What the evidence was, as data for the catalogues: {"field", "keyword", "code"}.
    evidence_detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    supplier: Mapped[Supplier] = relationship(back_populates="categories")
    decided_by: Mapped[User | None] = relationship()


class SupplierMerge(Base):
    """A registry record merged into an existing supplier: what changed, from which file."""

    __tablename__ = "supplier_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id", ondelete="CASCADE"),
                                             index=True)
    matched_on: Mapped[str] = mapped_column(String(20))  # identifier | name
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class PurchaseLine(Base):
    """One line of a municipality's spending, as imported, with its matching results."""

    __tablename__ = "purchase_line"
    # Integer indexes only: text indexes would triple the cost of a million-line import,
    # and matching reads a municipality's lines whole and writes back by primary key.
    __table_args__ = (Index("ix_line_org", "organization_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    import_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    source_row: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date | None] = mapped_column(Date)
    supplier_name: Mapped[str] = mapped_column(String(300))
    supplier_ref: Mapped[str | None] = mapped_column(String(60))
    # Further identifiers of the payee a file may give (UK: company and charity numbers).
    supplier_ids: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    description: Mapped[str | None] = mapped_column(Text)
    expense_category: Mapped[str | None] = mapped_column(String(300))
    account_code: Mapped[str | None] = mapped_column(String(60))
    department: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    contract_ref: Mapped[str | None] = mapped_column(String(100))
    is_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    category_code: Mapped[str | None] = mapped_column(String(60))
    category_confidence: Mapped[float | None] = mapped_column(Float)
    category_method: Mapped[str | None] = mapped_column(String(30))
    category_reason: Mapped[str | None] = mapped_column(Text)
    incumbent_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))


class CategoryRule(Base):
    """A clerk's confirmation or correction, applied to every matching line from then on."""

    __tablename__ = "category_rule"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "pattern"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    kind: Mapped[str] = mapped_column(String(30))  # expense_category | account_code | description
    pattern: Mapped[str] = mapped_column(String(500))
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IncumbentMatch(Base):
    """Whether a current supplier of a municipality is a registry enterprise."""

    __tablename__ = "incumbent_match"
    __table_args__ = (UniqueConstraint("organization_id", "supplier_name", "supplier_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    supplier_name: Mapped[str] = mapped_column(String(300))
    supplier_ref: Mapped[str] = mapped_column(String(60), default="")
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    method: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))  # auto | pending | confirmed | rejected | none
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    supplier: Mapped[Supplier | None] = relationship()


class Scenario(Base):
    """A stored set of optimization parameters."""

    __tablename__ = "scenario"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Proposal(Base):
    """An allocation proposed by the optimizer, reviewed by finance staff."""

    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    solver_status: Mapped[str] = mapped_column(String(20))
    solver: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20))
    objective: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    total_value: Mapped[Decimal] = mapped_column(MONEY)
    kpis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    binding: Mapped[list[Any]] = mapped_column(JSON, default=list)
    infeasibility: Mapped[list[Any]] = mapped_column(JSON, default=list)
    formula: Mapped[str] = mapped_column(Text, default="")
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    # Impact in units before/after (see procurement.impact_units), one lever per lot
    # (procurement.levers), the thresholds used with their dates and sources, and
    # warnings as codes + parameters (e.g. a threshold not confirmed).
    impact_units: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                         server_default="{}")
    levers: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    regulatory: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    # Set when data the proposal was computed from was withdrawn: each reason is
    # {"code": "import_withdrawn", "import_id", "file_name", "at"}.
    stale_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    stale_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")

    scenario: Mapped[Scenario] = relationship()
    lots: Mapped[list[Lot]] = relationship(back_populates="proposal", cascade="all, delete-orphan")
    allocations: Mapped[list[Allocation]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Allocation.id"
    )

    __mapper_args__ = {"version_id_col": version}


class Lot(Base):
    """A need (one category over the period, or one contract), with its procurement band."""

    __tablename__ = "lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    category_code: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(300))
    value: Mapped[Decimal] = mapped_column(MONEY)
    band: Mapped[str] = mapped_column(String(20))
    line_count: Mapped[int] = mapped_column(Integer)
    status_quo_se_value: Mapped[Decimal] = mapped_column(MONEY)
    # Suppliers whose capability for this lot's category is too weakly evidenced to award:
    # names to verify or invite, [{"supplier_id", "name", "evidence", "reason"}].
    prospects: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")

    proposal: Mapped[Proposal] = relationship(back_populates="lots")


class Allocation(Base):
    """A piece of a lot proposed for one supplier (or left to the market/tender)."""

    __tablename__ = "allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id", ondelete="CASCADE"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    route: Mapped[str] = mapped_column(String(40))
    impact_per_dollar: Mapped[float] = mapped_column(Float, default=0.0)
    # The capability behind the award when it was made: its evidence kind (confirmed,
    # activity, sector, name) and {"detail", "decided_by", "decided_at"}; null for the market.
    capability_evidence: Mapped[str | None] = mapped_column(String(20))
    capability_detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                              server_default="{}")
    decision: Mapped[str] = mapped_column(String(20), default="pending")
    comment: Mapped[str | None] = mapped_column(Text)

    proposal: Mapped[Proposal] = relationship(back_populates="allocations")
    lot: Mapped[Lot] = relationship()
    supplier: Mapped[Supplier | None] = relationship()


class AuditEvent(Base):
    """An append-only, hash-chained record of a change: who, what, when, before/after."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditAnchor(Base):
    """The signed head of the audit chain (one row): a keyed hash of its id, hash and count."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    events: Mapped[int] = mapped_column(Integer)
    mac: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    """A long task run in the background (an import), with its phase, progress and result.

    Written by the runner in short transactions of its own, apart from the task's work,
    so that a page can show where the task is while the work's transaction stays open.
    """

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # import_spend
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|done|failed
    # queued, then reading | storing | matching | done
    phase: Mapped[str] = mapped_column(String(20), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DataVersion(Base):
    """A counter per table and municipality, moved by every write (`procurement.data_versions`).

    `scope` is "<table>:<organization id>" for a municipality's rows, "<table>:*" for a
    write whose municipality is unknown, "<table>" for the shared tables (the registry).
    """

    __tablename__ = "data_version"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
