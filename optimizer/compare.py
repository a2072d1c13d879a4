"""Compare two proposals line by line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from optimizer.solution import Solution


@dataclass(frozen=True)
class ComparisonRow:
    """One (lot, supplier) line present in either proposal.

    Fields:
        lot_key, supplier_key (None for the market), amount_a_cents, amount_b_cents,
        delta_cents (b − a), route_a, route_b (None when absent from that proposal).
    """

    lot_key: str
    supplier_key: str | None
    amount_a_cents: int
    amount_b_cents: int
    delta_cents: int
    route_a: str | None
    route_b: str | None


@dataclass(frozen=True)
class Comparison:
    """Line-by-line differences and KPI differences between proposals a and b.

    Fields:
        rows: every line of either proposal, sorted by lot then supplier (market first).
        changed: the rows whose amount differs.
        kpi_deltas: b − a for every numeric top-level KPI both proposals carry.
        objective_delta: b − a in impact points (None if either has no objective).
    """

    rows: tuple[ComparisonRow, ...]
    changed: tuple[ComparisonRow, ...]
    kpi_deltas: dict[str, float]
    objective_delta: float | None


def _sort_key(key: tuple[str, str | None]) -> tuple[str, int, str]:
    lot, supplier = key
    return (lot, 0 if supplier is None else 1, supplier or "")


def compare(solution_a: Solution, solution_b: Solution) -> Comparison:
    """Return the differences between two proposals, line by line."""
    a = {(x.lot_key, x.supplier_key): x for x in solution_a.allocations}
    b = {(x.lot_key, x.supplier_key): x for x in solution_b.allocations}
    rows = []
    for key in sorted(set(a) | set(b), key=_sort_key):
        amount_a = a[key].amount_cents if key in a else 0
        amount_b = b[key].amount_cents if key in b else 0
        rows.append(ComparisonRow(key[0], key[1], amount_a, amount_b, amount_b - amount_a,
                                  a[key].route if key in a else None,
                                  b[key].route if key in b else None))
    deltas: dict[str, float] = {}
    for name, value in solution_a.kpis.items():
        other: Any = solution_b.kpis.get(name)
        if isinstance(value, int | float) and isinstance(other, int | float) \
                and not isinstance(value, bool):
            deltas[name] = other - value
    objective_delta = (None if solution_a.objective is None or solution_b.objective is None
                       else solution_b.objective - solution_a.objective)
    return Comparison(tuple(rows), tuple(r for r in rows if r.delta_cents != 0), deltas,
                      objective_delta)
