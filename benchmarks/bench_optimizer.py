"""Scale and speed of the optimizer, against the per-line baseline.

1. 1,000,000 spending lines in 400 categories, 10,000 suppliers, 5–40 candidates per
   category (numpy, seeded): aggregate lines into lots with pandas and solve the
   divisible model end to end (goal < 30 s).
2. The per-line formulation (one PuLP variable per line and option, Python loops)
   on 50,000 of those lines against the aggregated model on the same lines: both
   times, the ratio (goal ≥ 20×) and both objectives (relative difference < 1e-6).
3. Indivisible: 5,000 lots × 20 candidates with CBC (the default solver) and with
   HiGHS, each against the LP relaxation of the same model solved in the same run
   (its time and bound): goal, a gap ≤ 0.1 % within 30 s. Wall-clock and CPU seconds
   (this process and the solver processes) are both printed: on a shared machine the
   wall clock also counts other people's work.

Run: ``python benchmarks/bench_optimizer.py`` (or ``make bench``); ``run()`` returns
the figures as a dict. ``python -m benchmarks.bench_optimizer indivisible`` runs the
third benchmark alone (about 1 min instead of 7).
"""

from __future__ import annotations

import dataclasses
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer import (
    CandidateInput,
    LotInput,
    OptimizerInput,
    RegulatoryBands,
    ScenarioInput,
    SupplierInput,
    Target,
    solve,
)
from optimizer.model import build_model, prepare
from optimizer.naive import SpendingLine, solve_per_line
from optimizer.solvers import MIP_GAP, relax, run_model

SEED = 20261123
#: Goal of the indivisible benchmark: a gap of at most MIP_GAP within this time.
MILP_SECONDS = 30.0
DIMENSIONS = ("work_integration", "locality", "governance", "environment")
#: Status-quo classes of a line: (already social economy, local, impact per dollar).
CLASSES = ((False, False, 0.0), (False, True, 0.30), (True, True, 0.55))
BANDS = RegulatoryBands(currency="CAD", direct_award_limit_cents=2_500_000,
                        tender_threshold_cents=12_120_000, rotation_required=True,
                        reserved_contracts_allowed=True)


def generate(n_lines: int = 1_000_000, n_categories: int = 400, n_suppliers: int = 10_000,
             seed: int = SEED) -> dict[str, Any]:
    """Generate spending lines, suppliers and per-category candidates (numpy, seeded)."""
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, 1.3, n_categories)
    category = rng.choice(n_categories, size=n_lines, p=weights / weights.sum())
    amount = np.maximum(np.round(rng.lognormal(3.6, 1.3, n_lines) * 100), 1).astype(np.int64)
    klass = rng.choice(len(CLASSES), size=n_lines, p=(0.70, 0.20, 0.10))
    lines = pd.DataFrame({"category": category, "klass": klass, "amount_cents": amount})
    scores = rng.uniform(0.0, 1.0, (n_suppliers, len(DIMENSIONS)))
    capacity = np.round(rng.lognormal(np.log(150_000), 1.0, n_suppliers) * 100).astype(np.int64)
    reserved = rng.uniform(size=n_suppliers) < 0.3
    n_cand = rng.integers(5, 41, n_categories)
    cand_cat = np.repeat(np.arange(n_categories), n_cand)
    cand_sup = np.concatenate([rng.choice(n_suppliers, k, replace=False) for k in n_cand])
    premium = np.round(rng.uniform(-0.02, 0.14, len(cand_cat)), 4)
    local = rng.uniform(size=len(cand_cat)) < 0.5
    locality = np.where(local, rng.uniform(0.6, 1.0, len(cand_cat)),
                        rng.uniform(0.0, 0.4, len(cand_cat)))
    candidates = pd.DataFrame({"category": cand_cat, "supplier": cand_sup, "premium": premium,
                               "local": local, "locality": np.round(locality, 4)})
    suppliers = [
        SupplierInput(key=f"S{i:05d}", name=f"Supplier {i:05d}", capacity_cents=int(capacity[i]),
                      scores=dict(zip(DIMENSIONS, np.round(scores[i], 4).tolist(), strict=True)),
                      reserved_eligible=bool(reserved[i]))
        for i in range(n_suppliers)
    ]
    return {"lines": lines, "candidates": candidates, "suppliers": suppliers}


def lots_from_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Aggregate interchangeable lines: one lot per (category, status-quo class)."""
    lots = lines.groupby(["category", "klass"], as_index=False)["amount_cents"].sum()
    lots["key"] = ("C" + lots["category"].astype(str).str.zfill(3) + "-K"
                   + lots["klass"].astype(str))
    return lots


def build_input(lots: pd.DataFrame, data: dict[str, Any],
                scenario: ScenarioInput) -> OptimizerInput:
    """Turn aggregated lots and per-category candidates into an ``OptimizerInput``."""
    lot_inputs = []
    for key, cat, klass, value in zip(lots["key"], lots["category"], lots["klass"],
                                      lots["amount_cents"], strict=True):
        is_se, is_local, ipd = CLASSES[int(klass)]
        lot_inputs.append(LotInput(
            key=key, category=f"C{int(cat):03d}", label=f"category {int(cat)}",
            value_cents=int(value), status_quo_se_cents=int(value) if is_se else 0,
            status_quo_local_cents=int(value) if is_local else 0,
            status_quo_impact_per_dollar=ipd, contract_group=f"C{int(cat):03d}",
        ))
    pairs = lots[["key", "category"]].merge(data["candidates"], on="category")
    candidates = [
        CandidateInput(lot_key=k, supplier_key=f"S{int(s):05d}", premium_pct=float(p),
                       is_local=bool(loc), locality_score=float(ls))
        for k, s, p, loc, ls in zip(pairs["key"], pairs["supplier"], pairs["premium"],
                                    pairs["local"], pairs["locality"], strict=True)
    ]
    used = set(pairs["supplier"].tolist())
    suppliers = [s for i, s in enumerate(data["suppliers"]) if i in used]
    return OptimizerInput(lot_inputs, suppliers, candidates, scenario, BANDS)


def scenario(**changes: Any) -> ScenarioInput:
    """Return the benchmark scenario."""
    base = ScenarioInput(budget_increase_pct=0.02, max_premium_pct=0.10,
                         social_economy_share=Target(0.35), local_share=Target(0.5),
                         max_supplier_share=0.02, time_limit_s=60)
    return dataclasses.replace(base, **changes)


def bench_end_to_end(data: dict[str, Any]) -> dict[str, Any]:
    """Aggregate 1,000,000 lines into lots and solve the divisible model."""
    start = time.perf_counter()
    lots = lots_from_lines(data["lines"])
    problem = build_input(lots, data, scenario())
    prepared = time.perf_counter()
    sol = solve(problem)
    total = time.perf_counter() - start
    return {
        "lines": len(data["lines"]), "lots": len(problem.lots),
        "candidates": len(problem.candidates), "status": sol.status,
        "violations": len(sol.violations), "objective": sol.objective,
        "se_share_before": sol.kpis["social_economy_share_before"],
        "se_share_after": sol.kpis["social_economy_share_after"],
        "aggregate_seconds": prepared - start, "solve_seconds": sol.solve_seconds,
        "total_seconds": total,
    }


def bench_naive(data: dict[str, Any], n_lines: int = 50_000) -> dict[str, Any]:
    """Compare the per-line baseline with the aggregated model on the same lines."""
    lines = data["lines"].iloc[:n_lines]
    lots = lots_from_lines(lines)
    # A generous limit: the baseline must reach its optimum to be compared.
    problem = build_input(lots, data, scenario(explain=False, time_limit_s=600))

    start = time.perf_counter()
    aggregated = build_model(prepare(problem))
    run = run_model(aggregated)
    aggregated_seconds = time.perf_counter() - start

    keys = ("C" + lines["category"].astype(str).str.zfill(3) + "-K"
            + lines["klass"].astype(str)).tolist()
    spending = [SpendingLine(f"L{i}", k, int(v))
                for i, (k, v) in enumerate(zip(keys, lines["amount_cents"].tolist(),
                                               strict=True))]
    start = time.perf_counter()
    naive = solve_per_line(problem, spending)
    naive_seconds = time.perf_counter() - start
    a, b = run.objective or 0.0, naive.objective or 0.0
    return {
        "lines": n_lines, "lots": len(problem.lots), "naive_variables": naive.n_variables,
        "aggregated_variables": len(aggregated.variables),
        "aggregated_status": run.status, "naive_status": naive.status,
        "aggregated_seconds": aggregated_seconds, "naive_seconds": naive_seconds,
        "naive_build_seconds": naive.build_seconds, "naive_solve_seconds": naive.solve_seconds,
        "speedup": naive_seconds / aggregated_seconds,
        "aggregated_objective": a, "naive_objective": b,
        "relative_difference": abs(a - b) / max(abs(a), abs(b), 1e-9),
    }


def indivisible_input(n_lots: int = 5_000, n_candidates: int = 20,
                      seed: int = SEED) -> OptimizerInput:
    """Return 5,000 lots × 20 candidates for the indivisible benchmark."""
    rng = np.random.default_rng(seed + 1)
    n_suppliers = 2_000
    value = np.round(rng.lognormal(np.log(30_000), 0.8, n_lots) * 100).astype(np.int64)
    klass = rng.choice(len(CLASSES), size=n_lots, p=(0.70, 0.20, 0.10))
    scores = np.round(rng.uniform(0, 1, (n_suppliers, len(DIMENSIONS))), 4)
    capacity = np.round(rng.lognormal(np.log(300_000), 0.7, n_suppliers) * 100).astype(np.int64)
    lots = []
    for i in range(n_lots):
        is_se, is_local, ipd = CLASSES[int(klass[i])]
        v = int(value[i])
        lots.append(LotInput(f"L{i:05d}", f"C{i % 250:03d}", f"lot {i}", v,
                             v if is_se else 0, v if is_local else 0, ipd))
    suppliers = [SupplierInput(f"S{j:05d}", f"Supplier {j}", int(capacity[j]),
                               dict(zip(DIMENSIONS, scores[j].tolist(), strict=True)))
                 for j in range(n_suppliers)]
    candidates = []
    for i in range(n_lots):
        for j in rng.choice(n_suppliers, n_candidates, replace=False).tolist():
            candidates.append(CandidateInput(f"L{i:05d}", f"S{j:05d}",
                                             round(float(rng.uniform(-0.02, 0.10)), 4),
                                             bool(rng.uniform() < 0.5)))
    return OptimizerInput(lots, suppliers, candidates,
                          scenario(mode="indivisible", explain=False,
                                   time_limit_s=MILP_SECONDS,
                                   max_supplier_share=None, local_share=None),
                          dataclasses.replace(BANDS, rotation_required=False))


def cpu_seconds() -> float:
    """Return the CPU time of this process and of its finished children (the solvers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_relaxation(problem: OptimizerInput) -> dict[str, Any]:
    """Solve the LP relaxation of the indivisible model: the same-run baseline."""
    model = build_model(prepare(problem))
    with tempfile.TemporaryDirectory(prefix="bench-lp-") as tmp:
        start, cpu = time.perf_counter(), cpu_seconds()
        raw = relax(model, 600.0, f"{tmp}/cbc.log")
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    bound = None if raw is None else float(-(model.prob.objective.value() or 0.0))
    return {"seconds": seconds, "cpu_seconds": cpu, "bound": bound}


def bench_indivisible(solver: str = "cbc") -> dict[str, Any]:
    """Solve 5,000 indivisible lots × 20 candidates; the goal is a gap ≤ 0.1 % in 30 s."""
    problem = indivisible_input()
    problem = dataclasses.replace(problem,
                                  scenario=dataclasses.replace(problem.scenario, solver=solver))
    start, cpu = time.perf_counter(), cpu_seconds()
    sol = solve(problem)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    met = sol.gap is not None and sol.gap <= MIP_GAP + 1e-12 and seconds <= MILP_SECONDS
    return {"lots": len(problem.lots), "candidates": len(problem.candidates), "solver": solver,
            "status": sol.status, "gap": sol.gap, "violations": len(sol.violations),
            "objective": sol.objective, "solver_objective": sol.solver_objective,
            "seconds": seconds, "cpu_seconds": cpu, "goal_gap": MIP_GAP,
            "goal_seconds": MILP_SECONDS, "goal_met": met}


def describe_indivisible(milp: dict[str, Any], lp: dict[str, Any]) -> str:
    """Return the line of one indivisible run, next to the LP relaxation baseline."""
    gap = "n/a" if milp["gap"] is None else f"{milp['gap']:.3%}"
    return (f"[3] indivisible {milp['lots']:,} lots x 20 candidates, {milp['solver']}: status "
            f"{milp['status']}, gap {gap}, {milp['violations']} violations, "
            f"{milp['seconds']:.1f} s wall / {milp['cpu_seconds']:.1f} s CPU = "
            f"{milp['seconds'] / max(lp['seconds'], 1e-9):.1f}x the LP relaxation "
            f"({lp['seconds']:.1f} s wall / {lp['cpu_seconds']:.1f} s CPU); goal gap <= "
            f"{milp['goal_gap']:.1%} within {milp['goal_seconds']:.0f} s: "
            f"{'met' if milp['goal_met'] else 'MISSED'}")


def run() -> dict[str, Any]:
    """Run the three benchmarks, print and return their figures."""
    t0 = time.perf_counter()
    data = generate()
    print(f"generated {len(data['lines']):,} lines in {time.perf_counter() - t0:.1f} s")
    e2e = bench_end_to_end(data)
    print(f"[1] end to end: {e2e['lines']:,} lines -> {e2e['lots']:,} lots, "
          f"{e2e['candidates']:,} candidates; status {e2e['status']}, "
          f"{e2e['violations']} violations; SE share {e2e['se_share_before']:.1%} -> "
          f"{e2e['se_share_after']:.1%}; aggregate {e2e['aggregate_seconds']:.1f} s + "
          f"solve {e2e['solve_seconds']:.1f} s = {e2e['total_seconds']:.1f} s (goal < 30 s)")
    naive = bench_naive(data)
    print(f"[2] {naive['lines']:,} lines: per-line model {naive['naive_variables']:,} "
          f"variables ({naive['naive_status']}), aggregated ({naive['aggregated_status']}): "
          f"per-line "
          f"{naive['naive_seconds']:.1f} s (build {naive['naive_build_seconds']:.1f}"
          f" s, solve {naive['naive_solve_seconds']:.1f} s); aggregated "
          f"{naive['aggregated_variables']:,} variables, {naive['aggregated_seconds']:.2f} s; "
          f"speed-up {naive['speedup']:.0f}x (goal >= 20x); objectives "
          f"{naive['aggregated_objective']:.6f} vs {naive['naive_objective']:.6f}, relative "
          f"difference {naive['relative_difference']:.1e} (goal < 1e-6)")
    figures = run_indivisible()
    total = time.perf_counter() - t0
    print(f"total {total:.1f} s")
    return {"end_to_end": e2e, "naive": naive, **figures, "total_seconds": total}


def run_indivisible() -> dict[str, Any]:
    """Run the third benchmark alone: the LP relaxation baseline, then CBC and HiGHS."""
    relaxation = bench_relaxation(indivisible_input())
    print(f"[3] baseline: LP relaxation of the indivisible model, {relaxation['seconds']:.1f} s "
          f"wall / {relaxation['cpu_seconds']:.1f} s CPU, bound {relaxation['bound']:,.0f}")
    milp = bench_indivisible("cbc")
    print(describe_indivisible(milp, relaxation))
    milp_highs = bench_indivisible("highs")
    print(describe_indivisible(milp_highs, relaxation))
    return {"indivisible": milp, "indivisible_highs": milp_highs, "relaxation": relaxation}


def main() -> None:
    """Run the benchmarks (console entry); ``indivisible`` runs the third one alone."""
    if sys.argv[1:] == ["indivisible"]:
        run_indivisible()
    else:
        run()


if __name__ == "__main__":
    main()
