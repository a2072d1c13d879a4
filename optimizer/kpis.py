"""Indicators of a proposal, computed from the input and the allocations alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from optimizer.bands import ROUTES, Band, lot_bands
from optimizer.impact import impact_per_dollar
from optimizer.inputs import CandidateInput, LotInput, OptimizerInput, SupplierInput
from optimizer.solution import AllocationResult


@dataclass
class Lookup:
    """The input indexed by key, shared by the KPIs and the re-check."""

    data: OptimizerInput
    lots: dict[str, LotInput]
    suppliers: dict[str, SupplierInput]
    candidates: dict[tuple[str, str], CandidateInput]
    bands: dict[str, Band]

    @classmethod
    def of(cls, data: OptimizerInput) -> Lookup:
        """Index an input."""
        return cls(
            data=data,
            lots={lot.key: lot for lot in data.lots},
            suppliers={s.key: s for s in data.suppliers},
            candidates={(c.lot_key, c.supplier_key): c for c in data.candidates},
            bands=lot_bands(data.lots, data.bands),
        )

    @property
    def total_value_cents(self) -> int:
        """Return the spending in scope in cents."""
        return sum(lot.value_cents for lot in self.lots.values())

    def premium(self, lot_key: str, supplier_key: str | None) -> float:
        """Return the premium of an option (0 for the market)."""
        if supplier_key is None:
            return 0.0
        return self.candidates[(lot_key, supplier_key)].premium_pct

    def impact(self, lot_key: str, supplier_key: str | None) -> float:
        """Return the impact points per dollar of an option."""
        lot = self.lots[lot_key]
        if supplier_key is None:
            return lot.status_quo_impact_per_dollar
        cand = self.candidates[(lot_key, supplier_key)]
        supplier = self.suppliers[supplier_key]
        return impact_per_dollar(supplier.scores, self.data.scenario.weights, cand.locality_score)

    def se_cents(self, lot_key: str, supplier_key: str | None, amount: int) -> float:
        """Return the part of an allocation going to social economy enterprises."""
        lot = self.lots[lot_key]
        if supplier_key is None:
            return amount * lot.status_quo_se_cents / lot.value_cents if lot.value_cents else 0.0
        return float(amount) if self.suppliers[supplier_key].is_social_economy else 0.0

    def local_cents(self, lot_key: str, supplier_key: str | None, amount: int) -> float:
        """Return the part of an allocation going to local suppliers."""
        lot = self.lots[lot_key]
        if supplier_key is None:
            return amount * lot.status_quo_local_cents / lot.value_cents if lot.value_cents else 0.0
        return float(amount) if self.candidates[(lot_key, supplier_key)].is_local else 0.0


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def compute_kpis(look: Lookup, allocations: Iterable[AllocationResult]) -> dict[str, Any]:
    """Return the indicators of a proposal.

    Keys (money in integer cents, shares as fractions 0..1, impact in points):
        total_value_cents, status_quo_cost_cents, budget_cents, proposed_cost_cents,
        cost_difference_cents, cost_difference_pct,
        social_economy_cents_before/after, social_economy_share_before/after,
        local_share_before/after, impact_before, impact_after, impact_gain,
        shifted_cents (value moved from the market to suppliers), lots,
        lots_by_route {route: number of lots with an allocation on that route},
        lots_by_band {band: number of lots}, suppliers_awarded,
        by_category {category: {value_cents, social_economy_share_before/after,
        local_share_before/after}}.
    """
    allocations = list(allocations)
    scenario = look.data.scenario
    total = look.total_value_cents
    se_before = sum(lot.status_quo_se_cents for lot in look.lots.values())
    local_before = sum(lot.status_quo_local_cents for lot in look.lots.values())
    impact_before = sum(
        lot.status_quo_impact_per_dollar * lot.value_cents / 100.0 for lot in look.lots.values()
    )
    cost = se_after = local_after = impact_after = 0.0
    shifted = 0
    cat: dict[str, dict[str, float]] = {}
    for lot in look.lots.values():
        row = cat.setdefault(lot.category, {"value": 0.0, "se_b": 0.0, "se_a": 0.0,
                                             "loc_b": 0.0, "loc_a": 0.0})
        row["value"] += lot.value_cents
        row["se_b"] += lot.status_quo_se_cents
        row["loc_b"] += lot.status_quo_local_cents
    routes: dict[str, set[str]] = {route: set() for route in ROUTES}
    awarded: set[str] = set()
    for a in allocations:
        if a.amount_cents <= 0:
            continue
        se = look.se_cents(a.lot_key, a.supplier_key, a.amount_cents)
        local = look.local_cents(a.lot_key, a.supplier_key, a.amount_cents)
        cost += (1.0 + look.premium(a.lot_key, a.supplier_key)) * a.amount_cents
        se_after += se
        local_after += local
        impact_after += look.impact(a.lot_key, a.supplier_key) * a.amount_cents / 100.0
        row = cat[look.lots[a.lot_key].category]
        row["se_a"] += se
        row["loc_a"] += local
        routes.setdefault(a.route, set()).add(a.lot_key)
        if a.supplier_key is not None:
            shifted += a.amount_cents
            awarded.add(a.supplier_key)
    bands_count = {"direct": 0, "invitation": 0, "tender": 0}
    for band in look.bands.values():
        bands_count[band] += 1
    proposed = round(cost)
    return {
        "total_value_cents": total,
        "status_quo_cost_cents": total,
        "budget_cents": round((1.0 + scenario.budget_increase_pct) * total),
        "proposed_cost_cents": proposed,
        "cost_difference_cents": proposed - total,
        "cost_difference_pct": _share(proposed - total, total),
        "social_economy_cents_before": se_before,
        "social_economy_cents_after": round(se_after),
        "social_economy_share_before": _share(se_before, total),
        "social_economy_share_after": _share(se_after, total),
        "local_share_before": _share(local_before, total),
        "local_share_after": _share(local_after, total),
        "impact_before": impact_before,
        "impact_after": impact_after,
        "impact_gain": impact_after - impact_before,
        "shifted_cents": shifted,
        "lots": len(look.lots),
        "lots_by_route": {route: len(keys) for route, keys in routes.items()},
        "lots_by_band": bands_count,
        "suppliers_awarded": len(awarded),
        "by_category": {
            c: {
                "value_cents": int(r["value"]),
                "social_economy_share_before": _share(r["se_b"], r["value"]),
                "social_economy_share_after": _share(r["se_a"], r["value"]),
                "local_share_before": _share(r["loc_b"], r["value"]),
                "local_share_after": _share(r["loc_a"], r["value"]),
            }
            for c, r in sorted(cat.items())
        },
    }
