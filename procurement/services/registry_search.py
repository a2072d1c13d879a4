"""Search the shared supplier registry: one function for the registry pages and the API.

The text search ignores accents and case ("cooperative" finds "Coopérative", "coop" too):
it reads the folded copies the model keeps (`Supplier.search_name`, `search_text`, see
`procurement.matching.normalize.search_columns`), every word of the query must appear,
and results are sorted by the folded name. Locality is the candidate rule's
(`procurement.matching.locality_levels`): the supplier's municipality relative to the
actor's, by the MAMH directory of municipalities.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from procurement import matching
from procurement.errors import InvalidInput
from procurement.matching.normalize import search_terms
from procurement.matching.taxonomy import FALLBACK_CODE
from procurement.models import Organization, Supplier, SupplierCategory
from procurement.permissions import Actor
from procurement.services.overview import Page, page_of
from procurement.services.scenario import EVIDENCE_LEVELS

# Locality to the actor's municipality, nearest first; "elsewhere" is every supplier whose
# municipality is not in the directory (another province or country, or no address).
LOCALITIES = ("same_municipality", "same_mrc", "same_region", "same_province", "elsewhere")
MAX_QUERY = 200
MAX_TERMS = 10


@dataclass(frozen=True)
class RegistryFilters:
    """What a person or a script searches the registry for; None means any."""

    text: str | None = None  # words of the name, an identifier or the activity
    name: str | None = None  # words of the name only
    category: str | None = None  # a taxonomy code the supplier serves (not rejected)
    evidence: str | None = None  # with this kind of evidence (with `category`: that pair)
    org_type: str | None = None  # the registry's type or structure, as written
    legal_form: str | None = None
    mrc: str | None = None
    region: str | None = None
    locality: str | None = None  # one of LOCALITIES, relative to the actor's municipality
    municipality: str | None = None  # part of the supplier's municipality name
    active: bool | None = None
    work_integration: bool | None = None


def _like(text: str) -> str:
    """Escape LIKE wildcards so a search matches the text literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _words_in(column: Any, query: str) -> list[Any]:
    return [column.like(f"%{_like(term)}%", escape="\\")
            for term in search_terms(query)[:MAX_TERMS]]


def check_filters(filters: RegistryFilters) -> None:
    """Raise InvalidInput naming every filter that cannot be used."""
    from procurement.services.matching import taxonomy

    errors: dict[str, str] = {}
    for key in ("text", "name", "municipality", "org_type", "legal_form", "mrc", "region"):
        value = getattr(filters, key)
        if value is not None and len(value) > MAX_QUERY:
            errors[key] = f"must be at most {MAX_QUERY} characters"
    if filters.category is not None and filters.category not in taxonomy().categories:
        errors["category"] = f"unknown category code {filters.category!r}"
    if filters.evidence is not None and filters.evidence not in EVIDENCE_LEVELS:
        errors["evidence"] = f"must be one of {', '.join(EVIDENCE_LEVELS)}"
    if filters.locality is not None and filters.locality not in LOCALITIES:
        errors["locality"] = f"must be one of {', '.join(LOCALITIES)}"
    if errors:
        raise InvalidInput("The registry search filters are not valid.", errors=errors)


def municipality_frame(session: Session) -> pd.DataFrame:
    """Return the directory of municipalities as the candidate rule reads it."""
    return pd.DataFrame(session.execute(select(
        Organization.code, Organization.mrc, Organization.region)).all(),
        columns=["code", "mrc", "region"])


def locality_by_code(session: Session, org_code: str) -> dict[str, str]:
    """Return each directory municipality's locality level relative to `org_code`."""
    directory = municipality_frame(session)
    levels = matching.locality_levels(directory["code"], directory, org_code)
    return dict(zip(directory["code"].astype(str), levels.astype(str), strict=True))


def locality_of(levels: dict[str, str], municipality_code: str | None) -> str:
    """Return a supplier's locality (one of LOCALITIES) from `locality_by_code`'s map."""
    level = levels.get(str(municipality_code)) if municipality_code else None
    return level if level in LOCALITIES else "elsewhere"


def _actor_org_code(session: Session, actor: Actor) -> str:
    org = session.get(Organization, actor.organization_id) if actor.organization_id else None
    if org is None:
        raise InvalidInput("The registry search filters are not valid.", errors={
            "locality": "needs a municipality to compare with; your account has none"})
    return org.code


def _locality_condition(session: Session, actor: Actor, locality: str) -> Any:
    levels = locality_by_code(session, _actor_org_code(session, actor))
    if locality == "elsewhere":
        known = [code for code, level in levels.items() if level in LOCALITIES]
        return or_(Supplier.municipality_code.is_(None), Supplier.municipality_code.not_in(known))
    return Supplier.municipality_code.in_([code for code, level in levels.items()
                                           if level == locality])


def search_query(session: Session, actor: Actor, filters: RegistryFilters) -> Select[Any]:
    """Return the query of the suppliers matching `filters`, sorted by folded name."""
    check_filters(filters)
    query = select(Supplier)
    conditions: list[Any] = []
    if filters.text:
        conditions += _words_in(Supplier.search_text, filters.text)
    if filters.name:
        conditions += _words_in(Supplier.search_name, filters.name)
    if filters.municipality:
        conditions.append(Supplier.municipality.ilike(f"%{_like(filters.municipality)}%",
                                                      escape="\\"))
    if filters.category or filters.evidence:
        pair = [SupplierCategory.decision.is_distinct_from("rejected")]
        if filters.category:
            pair.append(SupplierCategory.category_code == filters.category)
        if filters.evidence:
            pair.append(SupplierCategory.evidence == filters.evidence)
        conditions.append(Supplier.id.in_(select(SupplierCategory.supplier_id).where(*pair)))
    for attr in ("org_type", "legal_form", "region"):
        value = getattr(filters, attr)
        if value:
            conditions.append(getattr(Supplier, attr) == value)
    if filters.mrc:
        conditions.append(Supplier.municipality_code.in_(
            select(Organization.code).where(Organization.mrc == filters.mrc)))
    if filters.locality:
        conditions.append(_locality_condition(session, actor, filters.locality))
    if filters.active is not None:
        conditions.append(Supplier.active.is_(filters.active))
    if filters.work_integration is not None:
        conditions.append(Supplier.work_integration.is_(filters.work_integration))
    if conditions:
        query = query.where(and_(*conditions))
    return query.order_by(Supplier.search_name, Supplier.id)


def search_suppliers(session: Session, actor: Actor, filters: RegistryFilters, *,
                     limit: int = 50, offset: int = 0) -> Page[Supplier]:
    """Return one page of the registry suppliers matching `filters`, and their number."""
    actor.require("read")
    return page_of(session, search_query(session, actor, filters), limit, offset)


@dataclass(frozen=True)
class FilterOptions:
    """The values the registry's filters offer, each list sorted by its words."""

    org_types: list[str]
    legal_forms: list[str]
    mrcs: list[str]
    regions: list[str]


def _distinct(session: Session, column: Any, *where: Any) -> list[str]:
    values = session.scalars(select(column).where(column.is_not(None), *where).distinct())
    return sorted((str(v) for v in values if str(v).strip()), key=lambda v: (
        matching.normalize_text(v), v))


def filter_options(session: Session, actor: Actor) -> FilterOptions:
    """Return the types, legal forms, MRCs and regions found in the registry."""
    actor.require("read")
    return FilterOptions(
        org_types=_distinct(session, Supplier.org_type),
        legal_forms=_distinct(session, Supplier.legal_form),
        mrcs=_distinct(session, Organization.mrc, Organization.code.in_(
            select(Supplier.municipality_code).where(Supplier.municipality_code.is_not(None)))),
        regions=_distinct(session, Supplier.region))


@dataclass
class RegistryRow:
    """One supplier of a results page, with what the list shows beside its facts."""

    supplier: Supplier
    locality: str
    mrc: str | None
    capabilities: list[tuple[str, str]] = field(default_factory=list)  # (code, evidence)


def describe(session: Session, actor: Actor, suppliers: Iterable[Supplier]) -> list[RegistryRow]:
    """Add to a page of suppliers their locality to the actor's municipality, MRC and
    capabilities (strongest evidence first; rejected pairs left out)."""
    actor.require("read")
    suppliers = list(suppliers)
    org = session.get(Organization, actor.organization_id) if actor.organization_id else None
    levels = locality_by_code(session, org.code) if org is not None else {}
    codes = {s.municipality_code for s in suppliers if s.municipality_code}
    mrcs = dict(session.execute(select(Organization.code, Organization.mrc).where(
        Organization.code.in_(codes))).all()) if codes else {}
    rank = {kind: i for i, kind in enumerate(EVIDENCE_LEVELS)}
    pairs: dict[int, list[tuple[str, str]]] = {}
    ids = [s.id for s in suppliers]
    if ids:
        for sid, code, evidence in session.execute(select(
                SupplierCategory.supplier_id, SupplierCategory.category_code,
                SupplierCategory.evidence).where(
                SupplierCategory.supplier_id.in_(ids),
                SupplierCategory.decision.is_distinct_from("rejected"),
                SupplierCategory.category_code != FALLBACK_CODE)):
            pairs.setdefault(sid, []).append((code, evidence))
    return [RegistryRow(
        supplier=s, locality=locality_of(levels, s.municipality_code) if org else "elsewhere",
        mrc=mrcs.get(s.municipality_code or ""),
        capabilities=sorted(pairs.get(s.id, []), key=lambda p: (rank.get(p[1], 9), p[0])))
        for s in suppliers]


