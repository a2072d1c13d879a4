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

from optimizer import start
from optimizer.errors import SolverUnavailableError
from optimizer.model import Model

OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED, ERROR = (
    "optimal", "feasible", "infeasible", "unbounded", "error",
)
#: Relative gap at which an indivisible solve stops: the solver's best proposal is
#: then within 0.1 % of the best possible one, and says so (status "feasible", gap).
MIP_GAP = 1e-3
#: A MILP result is reported "optimal" only when the solver's own gap is this small
#: (HiGHS's default optimality tolerance); above it the status is "feasible".
PROVEN_GAP = 1e-4
#: Below this many seconds left, a MILP run could not improve a feasible start.
MIN_MILP_SECONDS = 1.0
#: A MILP run after a start already within MIP_GAP of the LP bound could at most prove
#: it optimal, and costs several relaxations before it stops: on the 5,000-lot
#: benchmark, with twice the relaxation's time left, CBC and HiGHS (through PuLP) both
#: ended 1 to 3 s after the deadline, having only restated the start.
RESTATE_RELAXATIONS = 4.0


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
    mip = model.integer if mip is None else mip
    solver = pulp.COIN_CMD(path=path, msg=False, timeLimit=time_limit, threads=1, mip=mip,
                           logPath=log_path, warmStart=warm_start,
                           gapRel=MIP_GAP if mip else None)
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


class _HighsFromStart(pulp.HiGHS):
    """PuLP's HiGHS interface, handing HiGHS the variables' initial values as a start."""

    def __init__(self, *, use_start: bool, **options: object) -> None:
        super().__init__(**options)
        self.use_start = use_start

    def callSolver(self, lp: pulp.LpProblem) -> None:
        """Set the start (columns are numbered by ``buildSolverModel``), then run."""
        if self.use_start:
            import highspy

            columns = lp.variables()
            values = [0.0] * len(columns)
            for var in columns:
                values[var.index] = float(var.varValue or 0.0)
            solution = highspy.HighsSolution()
            solution.col_value = values
            solution.value_valid = True
            lp.solverModel.setSolution(solution)
        lp.solverModel.run()


def _highs(model: Model, time_limit: float, *, use_start: bool = False) -> pulp.LpSolver:
    solver = _HighsFromStart(use_start=use_start, msg=False, timeLimit=time_limit, threads=1,
                             mip=model.integer, gapRel=MIP_GAP if model.integer else None,
                             output_flag=False, log_to_console=False)
    if not solver.available():
        raise SolverUnavailableError("HiGHS is not available (install highspy)")
    return solver


_CBC_GAP = re.compile(r"^Gap:\s+([-0-9.eE+]+)", re.MULTILINE)
_CBC_OBJ = re.compile(r"^Objective value:\s+([-0-9.eE+]+)", re.MULTILINE)
_CBC_BOUND = re.compile(r"^Lower bound:\s+([-0-9.eE+]+)", re.MULTILINE)
_CBC_WALL = re.compile(
    r"Total time \(CPU seconds\):\s+\S+\s+\(Wallclock seconds\):\s+([0-9.eE+-]+)")


def _cbc_wall_seconds(log_path: str) -> float | None:
    """Return the wall-clock time CBC reported for its last run in ``log_path``."""
    try:
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            found = _CBC_WALL.findall(fh.read())
    except OSError:
        return None
    return float(found[-1]) if found else None


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
    """A start for an indivisible model: its 0/1 choices, the LP bound, the time spent."""

    seconds: float
    chosen: np.ndarray | None = None
    bound: float | None = None
    objective: float | None = None
    feasible: bool = False
    relaxation: np.ndarray | None = None
    rounded: float | None = None
    overhead: float = 0.0
    relax_seconds: float = 0.0

    @property
    def gap(self) -> float | None:
        """Return the start's relative gap to the LP bound (None without either)."""
        if self.objective is None or self.bound is None:
            return None
        return abs(self.bound - self.objective) / max(abs(self.objective), 1e-9)


def relax(model: Model, time_limit: float, log_path: str) -> np.ndarray | None:
    """Solve the LP relaxation of an indivisible model; return its values or None.

    Always with CBC, also when the scenario picks HiGHS: on the 5,000-lot benchmark's
    relaxation CBC took 2.3 s of CPU where HiGHS 1.16 took about 30 s of wall-clock
    time (simplex or interior point alike, on the same loaded machine).
    """
    for var in model.variables:
        var.cat = pulp.LpContinuous
    try:
        with stdout_to_stderr():
            model.prob.solve(_cbc(model, time_limit, log_path, mip=False))
    finally:
        for var in model.variables:
            var.cat = pulp.LpInteger
    if model.prob.sol_status != pulp.LpSolutionOptimal:
        return None
    return np.array([v.varValue or 0.0 for v in model.variables], dtype=float)


def _solve_subproblem(sub: start.SubProblem, time_limit: float) -> np.ndarray | None:
    """Solve a neighbourhood with HiGHS from its start; return its 0/1 options or None.

    The arrays go to HiGHS directly: no model file, no PuLP object per variable, so
    a neighbourhood of a few hundred lots costs its search only.
    """
    import highspy

    with stdout_to_stderr():
        highs = highspy.Highs()
    for option, value in (("output_flag", False), ("threads", 1), ("time_limit", time_limit),
                          ("mip_rel_gap", MIP_GAP / 10.0)):
        highs.setOptionValue(option, value)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(sub.cost), len(sub.row_lower)
    lp.col_cost_ = sub.cost
    lp.col_lower_ = np.zeros(len(sub.cost))
    lp.col_upper_ = np.where(np.arange(len(sub.cost)) < len(sub.options), 1.0, highspy.kHighsInf)
    lp.row_lower_ = np.where(np.isfinite(sub.row_lower), sub.row_lower, -highspy.kHighsInf)
    lp.row_upper_ = np.where(np.isfinite(sub.row_upper), sub.row_upper, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = (sub.starts, sub.index,
                                                                   sub.value)
    lp.integrality_ = ([highspy.HighsVarType.kInteger] * len(sub.options)
                       + [highspy.HighsVarType.kContinuous] * sub.n_shortfalls)
    highs.passModel(lp)
    solution = highspy.HighsSolution()
    solution.col_value = sub.start.tolist()
    solution.value_valid = True
    highs.setSolution(solution)
    highs.run()
    if highs.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None
    return np.asarray(highs.getSolution().col_value[:len(sub.options)]) > 0.5


#: Neighbourhoods around the suppliers whose capacity is left idle: how many suppliers
#: each, the time each may take, and the reduced cost (in objective units, dollars of
#: impact) below which an option joins them. Measured on the 5,000-lot benchmark (a
#: loaded machine): two suppliers and 0.3 s each reached a 0.1 % gap after 12 s of
#: searches, eight and 1 s each stalled at 0.2 %; a neighbourhood of every lot
#: competing for capacity stalled CBC for its whole time.
NEIGHBOURHOOD_SUPPLIERS = 2
NEIGHBOURHOOD_SECONDS = 0.3
NEIGHBOURHOOD_REDUCED_COST = 1500.0


def _improve(model: Model, rows: start.OptionRows, chosen: np.ndarray, best: float,
             free: np.ndarray, time_limit: float) -> tuple[np.ndarray, float]:
    """Re-optimise the ``free`` options, then move single lots; keep the better choice."""
    if not free.any() or time_limit < 0.2:
        return chosen, best
    found = _solve_subproblem(start.subproblem(model, rows, chosen, free), time_limit)
    if found is None:
        return chosen, best
    tried = chosen.copy()
    tried[free] = found
    # Lots outside rarely gain a move from it, and a pass over them all costs more
    # than the neighbourhood's search.
    tried = start.improve_by_moves(model, rows, tried, lots=np.unique(model.data.opt_lot[free]))
    value = start.objective_of(model, rows, tried)
    return (tried, value) if value is not None and value > best else (chosen, best)


def warm_start(model: Model, time_limit: float, log_path: str, *,
               stop: float | None = None) -> WarmStart:
    """Build a start for an indivisible model from its LP relaxation.

    Round the relaxation (``start.round_relaxation``), move single lots to better
    options, re-optimise the lots the LP split, then, in turn, neighbourhoods around
    the suppliers whose capacity the choice leaves idle at the highest LP price (the
    lots that could go there at a small reduced cost, and those there now), each a
    small MILP solved by HiGHS with every other lot fixed, moving single lots again
    after each; until ``stop`` (a ``time.perf_counter()`` value; by default 75 % of
    the time limit), a pass that finds nothing, or a start within ``MIP_GAP`` of the
    LP bound. An integer proposal loses against the LP at full suppliers: a lot
    split between two of them, capacity whole lots cannot fill. Without a start
    CBC's feasibility pump can spend the whole time limit on 100,000 binaries without
    finding any solution, and HiGHS its whole limit in its root node. The
    start is also kept as a fallback: if the solver stops before it could even read
    it (a very short time limit), the start is the proposal, with status "feasible"
    and the gap to the LP bound. The solvers check the start themselves.
    """
    began = time.perf_counter()
    raw = relax(model, time_limit, log_path)
    relaxed = time.perf_counter() - began
    # What the relaxation cost beyond CBC's own run (writing the model, starting CBC,
    # reading the solution back): the MILP run will cost about as much again.
    inside = _cbc_wall_seconds(log_path)
    overhead = 0.0 if inside is None else max(time.perf_counter() - began - inside, 0.0)
    if raw is None:
        return WarmStart(time.perf_counter() - began, overhead=overhead, relax_seconds=relaxed)
    bound = _sign(model.prob) * float(pulp.value(model.prob.objective) or 0.0)
    reduced = np.array([v.dj or 0.0 for v in model.variables], dtype=float)
    rows = start.OptionRows.of(model)
    chosen = start.round_relaxation(model, rows, raw)
    rounded = start.objective_of(model, rows, chosen)
    chosen = start.improve_by_moves(model, rows, chosen)
    best = start.objective_of(model, rows, chosen)
    stop = began + 0.75 * time_limit if stop is None else stop

    def close() -> bool:
        return best is None or abs(bound - best) <= MIP_GAP * max(abs(best), 1e-9)

    if not close() and best is not None:
        split = np.isin(model.data.opt_lot, start.split_lots(model, raw))
        chosen, best = _improve(model, rows, chosen, best, split,
                                min(0.4 * time_limit, stop - time.perf_counter()))
    # Then the suppliers whose capacity the choice leaves idle at the highest price,
    # a few at a time, each once per pass.
    prices = start.capacity_prices(model)
    tried = np.zeros(len(prices), dtype=bool)
    at_pass_start = best
    while not close() and best is not None:
        left = stop - time.perf_counter()
        if left < 0.2:
            break
        loss = np.where(tried, 0.0, start.idle_capacity_loss(model, prices, chosen))
        pick = np.argsort(-loss, kind="stable")[:NEIGHBOURHOOD_SUPPLIERS]
        pick = pick[loss[pick] > 0]
        if len(pick) == 0:
            if not tried.any() or at_pass_start is None or best <= at_pass_start:
                break  # a whole pass found nothing: the MILP run gets the time left
            tried[:] = False  # a new pass: the lots around them may have moved
            at_pass_start = best
            continue
        tried[pick] = True
        free = start.around_suppliers(model, pick, reduced, chosen, NEIGHBOURHOOD_REDUCED_COST)
        chosen, best = _improve(model, rows, chosen, best, free,
                                min(NEIGHBOURHOOD_SECONDS, left))
    for var, on in zip(model.variables, chosen.tolist(), strict=True):
        var.setInitialValue(1 if on else 0)
    index = model.index
    for name, var in model.shortfalls.items():
        con = model.prob.constraints[name]
        activity = sum(c * float(chosen[index[v.name]]) for v, c in con.items()
                       if v.name in index)
        var.setInitialValue(min(max(-con.constant - activity, 0.0), var.upBound or 0.0))
    return WarmStart(time.perf_counter() - began, chosen, bound, best, best is not None, raw,
                     rounded, overhead, relaxed)


def run_model(model: Model, *, time_limit: float | None = None,
              deadline: float | None = None) -> RunResult:
    """Solve the model with the scenario's solver and read the solution back.

    ``time_limit`` (default: the scenario's) bounds the solver runs. With a
    ``deadline`` (a ``time.perf_counter()`` value), the MILP run after the start of
    an indivisible model gets what remains before it, less the expected cost of
    writing the model for the solver and reading its answer, so that a caller that
    already spent time preparing the model stays within its own limit; without a
    feasible start it still gets half the limit. A start within ``MIP_GAP`` of the LP
    bound is the answer when less time is left than ``RESTATE_RELAXATIONS`` times
    what the relaxation took: the MILP run would pass the model to its solver and
    solve that LP again before it could stop, outside its own time limit.
    """
    scenario = model.data.scenario
    limit = scenario.time_limit_s if time_limit is None else time_limit
    limit = max(float(limit), 0.1)
    log_text = ""
    skip = False
    start_point = WarmStart(0.0)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="optimizer-cbc-") as tmp:
        log_path = os.path.join(tmp, "cbc.log")
        try:
            if model.integer:
                # The time limit covers both runs. Without a deadline the MILP keeps
                # at least half of it so that a slow relaxation cannot starve the
                # search; with one, a feasible start is the answer when no time is
                # left for the MILP run (it would only restate its start).
                # With a deadline the neighbourhoods may use all of it (less a second
                # for the caller's own checks): they stop early once within MIP_GAP,
                # leaving the MILP run the rest.
                start_point = warm_start(
                    model, limit, log_path,
                    stop=None if deadline is None else deadline - 2.0 * MIN_MILP_SECONDS)
                floor = 0.5 * limit
                if deadline is None:
                    limit = max(limit - start_point.seconds, floor)
                else:
                    left = deadline - time.perf_counter()
                    limit = left - start_point.overhead
                    within = start_point.gap is not None and start_point.gap <= MIP_GAP
                    skip = start_point.feasible and (
                        limit < MIN_MILP_SECONDS
                        or (within and left < RESTATE_RELAXATIONS * start_point.relax_seconds))
                    limit = max(limit, MIN_MILP_SECONDS if start_point.feasible else floor)
            has_start = start_point.chosen is not None
            with stdout_to_stderr():
                if skip:
                    pass
                elif scenario.solver == "highs":
                    model.prob.solve(_highs(model, limit, use_start=has_start))
                else:
                    model.prob.solve(_cbc(model, limit, log_path, warm_start=has_start))
        except pulp.PulpSolverError as exc:
            return RunResult(ERROR, 0, 0, None, time.perf_counter() - began, None, None,
                             f"{scenario.solver.upper()} failed: {exc}")
        if scenario.solver != "highs" and os.path.exists(log_path):
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                log_text = fh.read()
    seconds = time.perf_counter() - began
    status = ERROR if skip else map_status(model.prob.status, model.prob.sol_status)
    # A start that satisfies every row proves the model feasible: CBC stopped by a
    # very short limit may still say "infeasible" (its preprocessing, interrupted,
    # reports "Cut generators found to be infeasible"), so the start wins then too.
    if (status not in (OPTIMAL, FEASIBLE) and start_point.feasible
            and start_point.chosen is not None and start_point.objective is not None):
        fallback_gap = start_point.gap
        message = ("the solver stopped at the time limit before improving its start; "
                   "the proposal is the start (the rounded and improved LP relaxation)")
        if skip and fallback_gap is not None and fallback_gap <= MIP_GAP:
            message = ("the proposal is the start (the LP relaxation, rounded and improved "
                       "lot by lot and by neighbourhood searches), within the requested gap "
                       "of the LP bound")
        if fallback_gap is not None and fallback_gap <= PROVEN_GAP:
            # The LP bound proves it, by the solvers' own optimality tolerance.
            return RunResult(OPTIMAL, model.prob.status, pulp.LpSolutionOptimal, 0.0, seconds,
                             start_point.chosen.astype(float) * model.scale,
                             start_point.objective)
        return RunResult(FEASIBLE, model.prob.status, pulp.LpSolutionIntegerFeasible, fallback_gap,
                         seconds, start_point.chosen.astype(float) * model.scale,
                         start_point.objective, message)
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

    gap: float | None = None
    if model.integer:
        if scenario.solver == "highs":
            reported = float(model.prob.solverModel.getInfo().mip_gap)
            gap = reported if np.isfinite(reported) else None
        else:
            gap = cbc_gap_from_log(log_text)
    message = "stopped at the time limit before proving optimality"
    if status == OPTIMAL and gap is not None and gap > PROVEN_GAP:
        # Stopped by MIP_GAP: near-optimal with a known gap, not proven optimal.
        status = FEASIBLE
        message = "stopped within the requested gap of the best possible proposal"
    if status == OPTIMAL:
        gap, message = 0.0, ""
    elif start_point.bound is not None:
        # The LP bound holds for this proposal too: a solver stopped before its own
        # bound passed it reports a wider gap, or none.
        within_lp = abs(start_point.bound - objective) / max(abs(objective), 1e-9)
        gap = within_lp if gap is None else min(gap, within_lp)
    return RunResult(status, model.prob.status, model.prob.sol_status, gap, seconds, values,
                     objective, message)
