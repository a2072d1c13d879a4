"""Procurement bands of the regulatory profile and the routes a proposal can take."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

Band = Literal["direct", "invitation", "tender"]

#: Supplier awarded by mutual agreement (lot below the direct-award limit).
ROUTE_DIRECT = "direct"
#: Supplier awarded after a written invitation (lot in the invitation band).
ROUTE_INVITATION = "invitation"
#: Lot at or above the tender threshold: public tender with social clauses; the
#: spending stays with the market in the KPIs (no shift is assumed).
ROUTE_TENDER = "tender_with_social_clauses"
#: Lot at or above the tender threshold reserved to work-integration / disability
#: employers where the law allows it (France: SIAE, EA/ESAT).
ROUTE_RESERVED = "reserved_contract"
#: Part of a direct or invitation-band lot that stays with the current suppliers.
ROUTE_STATUS_QUO = "status_quo"

ROUTES = (ROUTE_DIRECT, ROUTE_INVITATION, ROUTE_TENDER, ROUTE_RESERVED, ROUTE_STATUS_QUO)


@dataclass(frozen=True)
class RegulatoryBands:
    """Thresholds of the regulatory profile in force.

    Fields:
        currency: ISO code of the amounts ("CAD", "EUR").
        direct_award_limit_cents: a need whose whole value is below this may be
            awarded directly (Quebec: 25,000 $; France: 40,000 € HT).
        tender_threshold_cents: a need whose whole value is at or above this needs a
            public tender (Quebec: 121,200 $ from 2022-10-07; France 221,000 € HT).
        rotation_required: the invitation band requires rotating potential
            contractors (Quebec contract management by-laws).
        reserved_contracts_allowed: contracts may be reserved to work-integration and
            disability employers at any amount (France).
    """

    currency: str = "CAD"
    direct_award_limit_cents: int = 2_500_000
    tender_threshold_cents: int = 12_120_000
    rotation_required: bool = True
    reserved_contracts_allowed: bool = False

    def __post_init__(self) -> None:
        if self.direct_award_limit_cents < 0 or self.tender_threshold_cents < 0:
            raise ValueError("thresholds must be non-negative")
        if self.direct_award_limit_cents > self.tender_threshold_cents:
            raise ValueError("the direct-award limit must not exceed the tender threshold")


def band_of(value_cents: int, bands: RegulatoryBands) -> Band:
    """Return the procurement band of a need from its WHOLE value (never from a piece)."""
    if value_cents >= bands.tender_threshold_cents:
        return "tender"
    if value_cents < bands.direct_award_limit_cents:
        return "direct"
    return "invitation"


def supplier_route(band: Band) -> str:
    """Return the route of an award to a social economy supplier in a lot of this band."""
    if band == "tender":
        return ROUTE_RESERVED
    return ROUTE_DIRECT if band == "direct" else ROUTE_INVITATION


def market_route(band: Band) -> str:
    """Return the route of the part of a lot that stays with the market."""
    return ROUTE_TENDER if band == "tender" else ROUTE_STATUS_QUO


class _LotLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def value_cents(self) -> int: ...
    @property
    def contract_group(self) -> str | None: ...


def lot_bands(lots: Iterable[_LotLike], bands: RegulatoryBands) -> dict[str, Band]:
    """Return the band of every lot from the total value of its contract group.

    Lots sharing a ``contract_group`` are pieces of one need: each gets the band of
    the whole, so splitting never brings a piece under a threshold.
    """
    lots = list(lots)
    totals: dict[str, int] = {}
    for lot in lots:
        group = group_key(lot.key, lot.contract_group)
        totals[group] = totals.get(group, 0) + lot.value_cents
    return {lot.key: band_of(totals[group_key(lot.key, lot.contract_group)], bands) for lot in lots}


def group_key(lot_key: str, contract_group: str | None) -> str:
    """Return the key of the need a lot belongs to (its contract group, or itself)."""
    return f"group:{contract_group}" if contract_group is not None else f"lot:{lot_key}"
