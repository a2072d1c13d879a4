"""Plain-data input of the optimizer: lots, suppliers, candidates, scenario, bands."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from optimizer.bands import RegulatoryBands
from optimizer.errors import InputError
from optimizer.scenario import ScenarioInput


@dataclass(frozen=True)
class LotInput:
    """One need to allocate: the annual spending of a category, or one contract.

    Fields:
        key: unique, stable identifier (names the variables and constraints).
        category: spending category (per-category targets, rotation groups).
        label: human-readable name for explanations.
        value_cents: annual value of the need, in cents (the status-quo cost).
        status_quo_se_cents: part of today's spending on this lot that already goes to
            social economy enterprises (counts toward the shares while it stays).
        status_quo_local_cents: part of today's spending that goes to local suppliers.
        status_quo_impact_per_dollar: impact points per dollar of today's spending
            (value-weighted over the current suppliers; 0 for ordinary market spending).
        contract_group: lots sharing a contract group are pieces of ONE need: their
            procurement band comes from the group's total value, so no split brings a
            piece under a threshold. None: the lot is its own group.
    """

    key: str
    category: str
    label: str
    value_cents: int
    status_quo_se_cents: int = 0
    status_quo_local_cents: int = 0
    status_quo_impact_per_dollar: float = 0.0
    contract_group: str | None = None


@dataclass(frozen=True)
class SupplierInput:
    """A social economy supplier of the registry (or any eligible supplier).

    Fields:
        key: unique, stable identifier (e.g. the NEQ).
        name: display name.
        capacity_cents: largest annual amount the supplier can take over all lots, in
            cents; None for no known limit.
        scores: impact scores in [0, 1] per dimension (work_integration, locality,
            governance, environment, and any extra dimension the scenario weighs).
        is_social_economy: counts toward the social economy share.
        reserved_eligible: may receive a reserved contract (work-integration or
            disability employer) where the profile allows reserved contracts.
    """

    key: str
    name: str
    capacity_cents: int | None = None
    scores: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    is_social_economy: bool = True
    reserved_eligible: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", MappingProxyType(dict(self.scores)))


@dataclass(frozen=True)
class CandidateInput:
    """A supplier eligible for a lot.

    Fields:
        lot_key, supplier_key: the pair.
        premium_pct: expected extra cost over the status quo for this lot, as a
            fraction (0.05 = 5 % dearer; negative when cheaper, not below -1).
        is_local: the supplier is local to the lot's municipality (local share).
        locality_score: locality score for this lot, overriding the supplier's own.
    """

    lot_key: str
    supplier_key: str
    premium_pct: float = 0.0
    is_local: bool = False
    locality_score: float | None = None


@dataclass(frozen=True)
class OptimizerInput:
    """Everything one optimization needs, as plain data.

    Fields:
        lots: the needs in scope (their total is the spending in scope).
        suppliers: suppliers referenced by candidates.
        candidates: eligible (lot, supplier) pairs; the market (status quo) option of
            every lot is implicit.
        scenario: the finance officer's choices.
        bands: the regulatory profile's thresholds.
        category_labels: optional (French, English) names of the categories, used in
            explanations instead of their codes.
    """

    lots: Sequence[LotInput]
    suppliers: Sequence[SupplierInput]
    candidates: Sequence[CandidateInput]
    scenario: ScenarioInput = field(default_factory=ScenarioInput)
    bands: RegulatoryBands = field(default_factory=RegulatoryBands)
    category_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def validate_input(data: OptimizerInput) -> None:
    """Raise InputError on the first inconsistency a solver would silently absorb."""
    lot_keys: set[str] = set()
    problems: list[str] = []
    for lot in data.lots:
        if lot.key in lot_keys:
            problems.append(f"lot {lot.key!r} appears twice")
        lot_keys.add(lot.key)
        if lot.value_cents < 0:
            problems.append(f"lot {lot.key!r} has a negative value")
        for name in ("status_quo_se_cents", "status_quo_local_cents"):
            amount = getattr(lot, name)
            if not 0 <= amount <= max(lot.value_cents, 0):
                problems.append(f"lot {lot.key!r}: {name} must lie between 0 and the value")
        if not math.isfinite(lot.status_quo_impact_per_dollar):
            problems.append(f"lot {lot.key!r}: status_quo_impact_per_dollar is not finite")
    supplier_keys: set[str] = set()
    for supplier in data.suppliers:
        if supplier.key in supplier_keys:
            problems.append(f"supplier {supplier.key!r} appears twice")
        supplier_keys.add(supplier.key)
        if supplier.capacity_cents is not None and supplier.capacity_cents < 0:
            problems.append(f"supplier {supplier.key!r} has a negative capacity")
        if not all(math.isfinite(float(v)) for v in supplier.scores.values()):
            problems.append(f"supplier {supplier.key!r} has a score that is not finite")
    pairs: set[tuple[str, str]] = set()
    for c in data.candidates:
        pair = (c.lot_key, c.supplier_key)
        if pair in pairs:
            problems.append(f"candidate {pair} appears twice")
        pairs.add(pair)
        if c.lot_key not in lot_keys:
            problems.append(f"candidate for unknown lot {c.lot_key!r}")
        if c.supplier_key not in supplier_keys:
            problems.append(f"candidate with unknown supplier {c.supplier_key!r}")
        if not (math.isfinite(c.premium_pct) and c.premium_pct >= -1.0):
            problems.append(f"candidate {pair}: premium_pct must be a number >= -1")
        if len(problems) > 20:
            break
    if problems:
        more = "" if len(problems) <= 10 else f" (and {len(problems) - 10} more)"
        raise InputError("; ".join(problems[:10]) + more)
