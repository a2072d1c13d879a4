"""Solve a scenario end to end: prepare, build, solve, round, re-check, explain."""

from __future__ import annotations

import time

import numpy as np

from optimizer.check import check_solution
from optimizer.explain import (
    diagnose_infeasibility,
    explain_by_resolve,
    explain_from_duals,
    shortfall_report,
)
from optimizer.impact import impact_formula, impact_formula_fr
from optimizer.inputs import OptimizerInput
from optimizer.kpis import Lookup, compute_kpis
from optimizer.model import MARKET, ModelData, build_model, prepare
from optimizer.solution import (
    AllocationResult,
    Explanation,
    Infeasibility,
    Solution,
    Violation,
)
from optimizer.solvers import ERROR, FEASIBLE, INFEASIBLE, OPTIMAL, run_model


def round_to_cents(d: ModelData, values: np.ndarray, integer: bool) -> np.ndarray:
    """Return integer cents per option whose sum is exactly each lot's value.

    Divisible mode floors every amount and hands the missing cents of each lot to
    its options with the largest remainders (ties: option order, so deterministic).
    Indivisible mode gives the whole lot to the option the solver chose.
    """
    lot_cents = d.lot_value_cents
    if integer:
        chosen = values > 0.5 * d.lot_value[d.opt_lot]
        return np.where(chosen, lot_cents[d.opt_lot], 0).astype(np.int64)
    exact = np.clip(values, 0.0, None) * 100.0
    # Amounts within a millionth of a cent of an integer are that integer: solver
    # noise must not decide who gets the spare cents.
    nearest = np.round(exact)
    exact = np.where(np.abs(exact - nearest) < 1e-6, nearest, exact)
    floor = np.floor(exact).astype(np.int64)
    remainder = exact - floor
    n_lots = len(lot_cents)
    missing = lot_cents - np.bincount(d.opt_lot, weights=floor, minlength=n_lots).astype(np.int64)
    # Rank options inside each lot by decreasing remainder, then by option order.
    order = np.lexsort((np.arange(len(exact)), -remainder, d.opt_lot))
    first = np.searchsorted(d.opt_lot[order], np.arange(n_lots))
    rank = np.empty(len(exact), dtype=np.int64)
    rank[order] = np.arange(len(exact)) - first[d.opt_lot[order]]
    cents = floor + (rank < missing[d.opt_lot]).astype(np.int64)
    # A lot whose solver values were off by more than a cent per option: settle the
    # difference on its largest option, and let the re-check judge the result.
    off = lot_cents - np.bincount(d.opt_lot, weights=cents, minlength=n_lots).astype(np.int64)
    for li in np.flatnonzero(off):
        idx = np.flatnonzero(d.opt_lot == li)
        biggest = idx[np.argmax(cents[idx])]
        cents[biggest] = max(cents[biggest] + off[li], 0)
    return cents


DUST_CENTS = 100  # pieces under 1 $ are solver residue, not a purchase anyone would make


def _violations(data: OptimizerInput, d: ModelData, cents: np.ndarray) -> list[Violation]:
    allocations = allocations_of(d, cents)
    probe = Solution(status=OPTIMAL, objective=None, gap=None, allocations=allocations,
                     kpis={}, solver=data.scenario.solver, mode=data.scenario.mode)
    return check_solution(data, probe)


#: Repairs tried per lot: each moves one supplier's excess to another lot's other piece.
MAX_REPAIRS = 4


def _over_limit_supplier(violation: Violation) -> str | None:
    """Return the supplier key of a supplier-limit violation (capacity, share, rotation)."""
    kind, _sep, rest = violation.constraint.partition("__")
    if kind in ("capacity", "max_share"):
        return rest
    if kind == "rotation":
        return rest.rpartition("__")[2]
    return None


def _repair(data: OptimizerInput, d: ModelData, cents: np.ndarray,
            exclude_lot: int) -> np.ndarray | None:
    """Move the excess of suppliers over a limit to other pieces of their other lots.

    A supplier over its limit by e cents gives e cents of one of its pieces (in another
    lot, worth at least 1 $ + e) to the largest other piece of that lot worth at least
    1 $: the supplier's total comes back under its limit and nobody gets dust. Returns
    the repaired amounts, or None when the proposal still fails a check.
    """
    for _ in range(MAX_REPAIRS):
        violations = _violations(data, d, cents)
        if not violations:
            return cents
        violation = violations[0]
        supplier = _over_limit_supplier(violation)
        if supplier is None or supplier not in d.sup_keys:
            return None
        si = d.sup_keys.index(supplier)
        excess = int(np.ceil(violation.excess_cents))
        if excess <= 0:
            return None
        moved = False
        for j in np.flatnonzero((d.opt_sup == si) & (cents >= DUST_CENTS + excess)).tolist():
            lot = int(d.opt_lot[j])
            if lot == exclude_lot:
                continue
            others = np.flatnonzero((d.opt_lot == lot) & (cents >= DUST_CENTS))
            others = others[others != j]
            if not len(others):
                continue
            receiver = int(others[np.argmax(cents[others])])
            cents = cents.copy()
            cents[j] -= excess
            cents[receiver] += excess
            moved = True
            break
        if not moved:
            return None
    return cents if not _violations(data, d, cents) else None


def consolidate_dust(data: OptimizerInput, d: ModelData, cents: np.ndarray) -> np.ndarray:
    """Fold pieces of a lot worth less than 1 $ into the lot's other pieces.

    The LP may leave a few cents with another option: limits are tightened by a margin so
    that rounding stays feasible, and two suppliers capped by rotation then leave the
    margins' cents of a lot to a third option. Nobody awards a contract for 0.12 $. Each
    lot tries its pieces worth at least 1 $ (largest first), one at a time, then shared
    evenly; when the receiver goes over one of its limits by a few cents, the excess is
    moved to another lot where it shares a piece (``_repair``). A fold is kept only when
    the whole proposal passes every check; a piece with no cents never receives dust.
    """
    dust = (cents > 0) & (cents < DUST_CENTS)
    for li in np.unique(d.opt_lot[dust]).tolist():
        idx = np.flatnonzero(d.opt_lot == li)
        pieces = idx[(cents[idx] > 0) & (cents[idx] < DUST_CENTS)]
        others = idx[cents[idx] >= DUST_CENTS]
        if not len(pieces) or not len(others):
            continue
        ordered = others[np.argsort(-cents[others], kind="stable")].tolist()
        total = int(cents[pieces].sum())
        shares = [[(keep, total)] for keep in ordered]
        if len(ordered) > 1:
            even = [total // len(ordered)] * len(ordered)
            even[0] += total - sum(even)
            shares.append(list(zip(ordered, even, strict=True)))
        for plan in shares:
            moved = cents.copy()
            moved[pieces] = 0
            for keep, amount in plan:
                moved[keep] += amount
            repaired = _repair(data, d, moved, exclude_lot=li)
            if repaired is not None:
                cents = repaired
                break
    return cents


def allocations_of(d: ModelData, cents: np.ndarray) -> tuple[AllocationResult, ...]:
    """Return the proposal lines (non-zero amounts), sorted by lot then option."""
    out = []
    for k in np.flatnonzero(cents > 0).tolist():
        li, si = int(d.opt_lot[k]), int(d.opt_sup[k])
        out.append(AllocationResult(
            lot_key=d.lot_keys[li],
            supplier_key=None if si == MARKET else d.sup_keys[si],
            amount_cents=int(cents[k]),
            route=d.opt_route[k],
            category=d.lot_category[li],
            band=d.lot_band[li],
            premium_pct=float(d.opt_premium[k]),
            impact_per_dollar=float(d.opt_ipd[k]),
        ))
    return tuple(out)


def solve(data: OptimizerInput) -> Solution:
    """Propose allocations for a scenario, with KPIs, explanations and a re-check.

    The status is "optimal" only when the solver proved it, "feasible" when it
    stopped at the time limit with a solution (``gap`` says how far from proven it
    may be), and "error" when the rounded proposal fails the re-check.
    """
    start = time.perf_counter()
    scenario = data.scenario
    d = prepare(data)
    model = build_model(d)
    # The scenario's time limit counts from here: preparing and building the model
    # of a large indivisible scenario takes seconds of it.
    run = run_model(model, deadline=start + scenario.time_limit_s)
    look = Lookup.of(data)
    formula = impact_formula(scenario.weights)
    formula_fr = impact_formula_fr(scenario.weights)

    if run.values is None or run.status not in (OPTIMAL, FEASIBLE):
        infeasibility: tuple[Infeasibility, ...] = ()
        message = run.message
        if run.status == INFEASIBLE:
            found, message = diagnose_infeasibility(d)
            infeasibility = tuple(found)
        kpis = compute_kpis(look, ())
        kpis["excluded_candidates"] = dict(d.excluded)
        return Solution(status=run.status, objective=None, gap=None, allocations=(),
                        kpis=kpis, infeasibility=infeasibility,
                        solve_seconds=time.perf_counter() - start, message=message,
                        solver=scenario.solver, formula=formula, formula_fr=formula_fr,
                        mode=scenario.mode)

    cents = round_to_cents(d, run.values, model.integer)
    if not model.integer:
        cents = consolidate_dust(data, d, cents)
    allocations = allocations_of(d, cents)
    kpis = compute_kpis(look, allocations)
    kpis["excluded_candidates"] = dict(d.excluded)
    missed = tuple(shortfall_report(model, hard=False))
    kpis["target_shortfalls_cents"] = {m.constraint: m.shortfall for m in missed}
    binding: list[Explanation] = []
    if scenario.explain:
        if model.integer:
            budget = min(max(2.0, scenario.time_limit_s), 30.0)
            binding = explain_by_resolve(model, run.values, time_budget=budget)
        else:
            binding = explain_from_duals(model)
    draft = Solution(status=run.status, objective=kpis["impact_after"], gap=run.gap,
                     allocations=allocations, kpis=kpis, binding=tuple(binding),
                     infeasibility=missed, solver_objective=run.objective,
                     message=run.message, solver=scenario.solver, formula=formula,
                     formula_fr=formula_fr, mode=scenario.mode)
    violations = tuple(check_solution(data, draft))
    status, message = draft.status, draft.message
    if violations:
        status = ERROR
        message = f"the proposal fails {len(violations)} checks after rounding"
    return Solution(status=status, objective=draft.objective, gap=draft.gap,
                    allocations=allocations, kpis=kpis, binding=draft.binding,
                    infeasibility=missed, violations=violations,
                    solve_seconds=time.perf_counter() - start, message=message,
                    solver_objective=run.objective, solver=scenario.solver, formula=formula,
                    formula_fr=formula_fr, mode=scenario.mode)
