"""Run a built model with CBC or HiGHS and report an honest status."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pulp

from optimizer.errors import SolverUnavailableError
from optimizer.model import MARKET, Model

OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED, ERROR = (
    "optimal", "feasible", "infeasible", "unbounded", "error",
)


@dataclass
class RunResult:
    """Outcome of one solver run.

    ``values`` are dollars per option (None without a usable solution); ``objective``
    is the solver's objective (with tie-breaks and penalties), None without solution.
    """

    status: str
    pulp_status: int
    sol_status: int
    gap: float | None
    seconds: float
    values: np.ndarray | None
    objective: float | None
    message: str = ""


def map_status(pulp_status: int, sol_status: int) -> str:
    """Map PuLP's pair of codes; only ``sol_status == 1`` is a proven optimum.

    After a time limit with a solution PuLP says status 1 ("Optimal") but sol_status
    2: that is a feasible solution, not an optimum.
    """
    if sol_status == pulp.LpSolutionOptimal:
        return OPTIMAL
    if sol_status == pulp.LpSolutionIntegerFeasible:
        return FEASIBLE
    if pulp.LpSolutionInfeasible in (pulp_status, sol_status):
        return INFEASIBLE
    if pulp.LpSolutionUnbounded in (pulp_status, sol_status):
        return UNBOUNDED
    return ERROR


def _cbc_path() -> str | None:
    path = getattr(pulp.PULP_CBC_CMD, "pulp_cbc_path", None)
    return path if path and os.access(path, os.X_OK) else None


def _cbc(model: Model, time_limit: float, log_path: str, *, mip: bool | None = None,
         warm_start: bool = False) -> pulp.LpSolver:
    # COIN_CMD on the binary bundled with PuLP: PULP_CBC_CMD itself is deprecated
    # in PuLP 3.3; without a bundled binary, fall back to a cbc on the PATH.
    path = _cbc_path()
    solver = pulp.COIN_CMD(path=path, msg=False, timeLimit=time_limit, threads=1,
                           mip=model.integer if mip is None else mip, logPath=log_path,
                           warmStart=warm_start)
    if not solver.available():
        raise SolverUnavailableError("CBC is not available (install pulp[cbc])")
    return solver


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send whatever a solver library prints on file descriptor 1 to stderr meanwhile.

    HiGHS prints its banner when its object is built, before any option can silence
    it, and straight to the process's stdout: `procure ... --json` must stay JSON.
    """
    try:
        stdout_fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
        stderr_fd = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
    except (AttributeError, OSError, ValueError):  # no real descriptors (embedded runs)
        yield
        return
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    saved = os.dup(stdout_fd)
    try:
        os.dup2(stderr_fd, stdout_fd)
        yield
    finally:
        os.dup2(saved, stdout_fd)
        os.close(saved)


def _highs(model: Model, time_limit: float) -> pulp.LpSolver:
    solver = pulp.HiGHS(msg=False, timeLimit=time_limit, threads=1, mip=model.integer,
                        output_flag=False, log_to_console=False)
    if not solver.available():
        raise SolverUnavailableError("HiGHS is not available (install highspy)")
    return solver


_CBC_GAP = re.compile(r"^Gap:\s+([-0-9.eE+]+)", re.MULTILINE)
_CBC_OBJ = re.compile(r"^Objective value:\s+([-0-9.eE+]+)", re.MULTILINE)
_CBC_BOUND = re.compile(r"^Lower bound:\s+([-0-9.eE+]+)", re.MULTILINE)


def cbc_gap_from_log(text: str) -> float | None:
    """Return the relative gap |best - bound| / |best| after CBC stopped early.

    Computed from the "Objective value" and "Lower bound" lines (CBC's own "Gap:"
    line has two decimals only); None when CBC printed no bound.
    """
    obj, bound = _CBC_OBJ.findall(text), _CBC_BOUND.findall(text)
    if obj and bound:
        best, best_bound = float(obj[-1]), float(bound[-1])
        return abs(best - best_bound) / max(abs(best), 1e-9)
    gap = _CBC_GAP.findall(text)
    return abs(float(gap[-1])) if gap else None


def _sign(prob: pulp.LpProblem) -> float:
    """Return +1 for a maximization, -1 for a minimization of the negated objective."""
    return 1.0 if prob.sense == pulp.LpMaximize else -1.0


@dataclass
class WarmStart:
    """A rounded LP relaxation: its 0/1 choices, the LP bound and the time spent."""

    seconds: float
    chosen: np.ndarray | None = None
    bound: float | None = None
    objective: float | None = None
    feasible: bool = False


def warm_start(model: Model, time_limit: float, log_path: str) -> WarmStart:
    """Give CBC a start for an indivisible model: the rounded LP relaxation.

    Without a start CBC's feasibility pump can spend the whole time limit on
    100,000 binaries without finding any solution. The start is also kept as a
    fallback: if CBC stops before it could even read it (a very short time limit),
    the rounded relaxation is the proposal, with status "feasible" and the gap to
    the LP bound. CBC checks the start itself and ignores it if infeasible.
    """
    start = time.perf_counter()
    # Relax explicitly (continuous columns) so the LP is exactly the relaxation.
    for var in model.variables:
        var.cat = pulp.LpContinuous
    try:
        with stdout_to_stderr():
            model.prob.solve(_cbc(model, time_limit, log_path, mip=False))
    finally:
        for var in model.variables:
            var.cat = pulp.LpInteger
    if model.prob.sol_status != pulp.LpSolutionOptimal:
        return WarmStart(time.perf_counter() - start)
    bound = _sign(model.prob) * float(pulp.value(model.prob.objective) or 0.0)
    raw = np.array([v.varValue or 0.0 for v in model.variables], dtype=float)
    chosen = _round_relaxation(model, raw)
    for var, on in zip(model.variables, chosen.tolist(), strict=True):
        var.setInitialValue(1 if on else 0)
    index = model.index
    for name, var in model.shortfalls.items():
        con = model.prob.constraints[name]
        lhs = sum(c * float(chosen[index[v.name]]) for v, c in con.items() if v.name in index)
        var.setInitialValue(min(max(-con.constant - lhs, 0.0), var.upBound or 0.0))
    # setInitialValue also sets varValue: the rows and objective now read the start.
    feasible = all(
        (con.value() or 0.0) <= 1e-6 if con.sense == pulp.LpConstraintLE
        else (con.value() or 0.0) >= -1e-6 if con.sense == pulp.LpConstraintGE
        else abs(con.value() or 0.0) <= 1e-6
        for con in model.prob.constraints.values()
    )
    objective = _sign(model.prob) * float(pulp.value(model.prob.objective) or 0.0)
    return WarmStart(time.perf_counter() - start, chosen, bound, objective, feasible)


def _round_relaxation(model: Model, raw: np.ndarray) -> np.ndarray:
    """Return a 0/1 choice per option from an LP relaxation, within every "≤" row.

    Lots the LP assigns whole keep their option; each split lot, largest first, takes
    the option with the largest LP share (then the most impactful) that still fits
    the residual budget, capacities, shares and rotation counts, the market failing
    that.
    """
    d = model.data
    index = model.index
    residual: list[float] = []
    touches: list[list[tuple[int, float]]] = [[] for _ in range(len(raw))]
    for name, con in model.prob.constraints.items():
        if con.sense != pulp.LpConstraintLE or name.startswith("coverage"):
            continue
        r = len(residual)
        residual.append(-con.constant)
        for v, c in con.items():
            i = index.get(v.name)
            if i is not None:
                touches[i].append((r, c))
    whole = raw > 1.0 - 1e-6
    chosen = np.zeros(len(raw), dtype=bool)
    for i in np.flatnonzero(whole).tolist():
        chosen[i] = True
        for r, c in touches[i]:
            residual[r] -= c
    assigned = np.bincount(d.opt_lot, weights=chosen.astype(float), minlength=len(d.lot_keys))
    split_lots = np.flatnonzero(assigned == 0)
    coef = d.objective_coef
    # Reserve, in every row that all options of a split lot touch (the budget), the
    # cheapest option's share, so early lots cannot spend what later lots need.
    reserve: dict[int, dict[int, float]] = {}
    lot_options = {li: np.flatnonzero(d.opt_lot == li) for li in split_lots.tolist()}
    for li, options in lot_options.items():
        per_row: dict[int, list[float]] = {}
        for i in options.tolist():
            for r, c in touches[i]:
                per_row.setdefault(r, []).append(c)
        reserve[li] = {r: min(cs) for r, cs in per_row.items() if len(cs) == len(options)}
        for r, c in reserve[li].items():
            residual[r] -= c
    for li in split_lots[np.argsort(-d.lot_value[split_lots], kind="stable")].tolist():
        options = lot_options[li]
        # Follow the LP first (its largest share), then impact.
        options = options[np.lexsort((options, -coef[options], -raw[options]))]
        for r, c in reserve[li].items():
            residual[r] += c
        pick = int(options[d.opt_sup[options] == MARKET][0])
        for i in options.tolist():
            if all(residual[r] - c >= -1e-9 for r, c in touches[i]):
                pick = i
                break
        chosen[pick] = True
        for r, c in touches[pick]:
            residual[r] -= c
    return chosen


def run_model(model: Model, *, time_limit: float | None = None) -> RunResult:
    """Solve the model with the scenario's solver and read the solution back."""
    scenario = model.data.scenario
    limit = scenario.time_limit_s if time_limit is None else time_limit
    limit = max(float(limit), 0.1)
    log_text = ""
    start_point = WarmStart(0.0)
    start = time.perf_counter()
    if scenario.solver == "highs":
        with stdout_to_stderr():
            model.prob.solve(_highs(model, limit))
    else:
        with tempfile.TemporaryDirectory(prefix="optimizer-cbc-") as tmp:
            log_path = os.path.join(tmp, "cbc.log")
            try:
                if model.integer:
                    # The time limit covers both runs, but the MILP keeps at least half
                    # of it so that a slow relaxation cannot starve the search.
                    start_point = warm_start(model, limit, log_path)
                    limit = max(limit - start_point.seconds, 0.5 * limit)
                with stdout_to_stderr():
                    model.prob.solve(_cbc(model, limit, log_path,
                                          warm_start=start_point.chosen is not None))
            except pulp.PulpSolverError as exc:
                return RunResult(ERROR, 0, 0, None, time.perf_counter() - start, None, None,
                                 f"CBC failed: {exc}")
            if os.path.exists(log_path):
                with open(log_path, encoding="utf-8", errors="replace") as fh:
                    log_text = fh.read()
    seconds = time.perf_counter() - start
    status = map_status(model.prob.status, model.prob.sol_status)
    # A start that satisfies every row proves the model feasible: CBC stopped by a
    # very short limit may still say "infeasible" (its preprocessing, interrupted,
    # reports "Cut generators found to be infeasible"), so the start wins then too.
    if (status not in (OPTIMAL, FEASIBLE) and start_point.feasible
            and start_point.chosen is not None and start_point.objective is not None):
        gap: float | None = None
        if start_point.bound is not None:
            gap = abs(start_point.bound - start_point.objective) / max(
                abs(start_point.objective), 1e-9)
        return RunResult(FEASIBLE, model.prob.status, pulp.LpSolutionIntegerFeasible, gap,
                         seconds, start_point.chosen.astype(float) * model.scale,
                         start_point.objective,
                         "the solver stopped at the time limit before using its start; the "
                         "proposal is the rounded LP relaxation")
    if status not in (OPTIMAL, FEASIBLE):
        message = {
            INFEASIBLE: "the constraints cannot all hold together",
            UNBOUNDED: "the model is unbounded (a modelling error)",
        }.get(status, "no solution found within the time limit")
        return RunResult(status, model.prob.status, model.prob.sol_status, None, seconds,
                         None, None, message)
    raw = np.array([v.varValue or 0.0 for v in model.variables], dtype=float)
    values = raw * model.scale
    objective = _sign(model.prob) * float(pulp.value(model.prob.objective) or 0.0)

    if status == OPTIMAL:
        gap = 0.0
    elif scenario.solver == "highs" and model.integer:
        gap = float(model.prob.solverModel.getInfo().mip_gap)
        gap = gap if np.isfinite(gap) else None
    elif model.integer:
        gap = cbc_gap_from_log(log_text)
    else:
        gap = None
    message = "" if status == OPTIMAL else "stopped at the time limit before proving optimality"
    return RunResult(status, model.prob.status, model.prob.sol_status, gap, seconds, values,
                     objective, message)
