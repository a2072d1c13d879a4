"""A start for an indivisible model: round the LP relaxation, then improve it.

A MILP solver given a good feasible start prunes from the first node and stops as
soon as its bound is within the requested gap of the start; without one, on 100,000
binaries, it can spend its whole time limit looking for any solution. Everything
here is plain arithmetic on the built model's rows: no solver call (``solvers``
runs the relaxation and the neighbourhood re-solve), so each step can be tested
alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pulp

from optimizer.model import MARKET, Model

#: Rows are compared with this tolerance, in the rows' own unit (dollars, counts).
TOLERANCE = 1e-9


@dataclass
class OptionRows:
    """The model's non-coverage rows as seen from the option variables.

    ``touches[i]`` lists (row, coefficient) for option ``i``; ``price[r]`` is the
    objective price of a dollar of shortfall of a soft "≥" row (None for a hard row).
    """

    sense: list[int]
    rhs: list[float]
    price: list[float | None]
    touches: list[list[tuple[int, float]]]

    @classmethod
    def of(cls, model: Model) -> OptionRows:
        """Read the rows of a built model (coverage rows are implied by one-per-lot)."""
        index = model.index
        soft = {var.name: name for name, var in model.shortfalls.items()}
        rows = cls([], [], [], [[] for _ in model.variables])
        for name, con in model.prob.constraints.items():
            if model.rows.get(name) is not None and model.rows[name].kind == "coverage":
                continue
            r = len(rows.rhs)
            rows.sense.append(con.sense)
            rows.rhs.append(-con.constant)
            price = None
            for var, coef in con.items():
                i = index.get(var.name)
                if i is not None:
                    rows.touches[i].append((r, coef))
                elif var.name in soft:
                    price = model.prices.get(soft[var.name], model.penalty)
            rows.price.append(price)
        return rows

    @cached_property
    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``touches`` as arrays: (option, row, coefficient) per entry."""
        count = [len(t) for t in self.touches]
        options = np.repeat(np.arange(len(self.touches)), count)
        flat = [entry for touches in self.touches for entry in touches]
        rows = np.array([r for r, _ in flat], dtype=np.int64)
        coefs = np.array([c for _, c in flat], dtype=float)
        return options, rows, coefs

    def activity(self, chosen: np.ndarray) -> list[float]:
        """Return each row's left-hand side (options only) for a 0/1 choice."""
        options, rows, coefs = self.entries
        on = chosen[options].astype(bool)
        return np.bincount(rows[on], weights=coefs[on], minlength=len(self.rhs)).tolist()

    def cost(self, r: int, lhs: float) -> float | None:
        """Return the penalty of row ``r`` at ``lhs``: 0 when it holds, None if it cannot."""
        if self.sense[r] == pulp.LpConstraintLE:
            return 0.0 if lhs <= self.rhs[r] + TOLERANCE else None
        missing = self.rhs[r] - lhs
        if self.sense[r] == pulp.LpConstraintEQ:
            return 0.0 if abs(missing) <= TOLERANCE else None
        if missing <= TOLERANCE:
            return 0.0
        price = self.price[r]
        return None if price is None else price * missing


def option_gain(model: Model) -> np.ndarray:
    """Return what choosing each option adds to the objective (maximized)."""
    return model.data.objective_coef * model.scale


def lot_starts(model: Model) -> list[int]:
    """Return the first option of every lot, and the end: options are sorted by lot."""
    d = model.data
    return np.searchsorted(d.opt_lot, np.arange(len(d.lot_keys) + 1)).tolist()


def round_relaxation(model: Model, rows: OptionRows, raw: np.ndarray) -> np.ndarray:
    """Return a 0/1 choice per option from an LP relaxation, within every "≤" row.

    Lots the LP assigns whole keep their option; each split lot, largest first, takes
    the option with the largest LP share (then the most impactful) that still fits
    the residual budget, capacities, shares and rotation counts, the market failing
    that.
    """
    d = model.data
    touches = rows.touches
    residual = [rhs if sense == pulp.LpConstraintLE else np.inf
                for sense, rhs in zip(rows.sense, rows.rhs, strict=True)]
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
            if all(residual[r] - c >= -TOLERANCE for r, c in touches[i]):
                pick = i
                break
        chosen[pick] = True
        for r, c in touches[pick]:
            residual[r] -= c
    return chosen


def improve_by_moves(model: Model, rows: OptionRows, chosen: np.ndarray,
                     max_passes: int = 5, lots: np.ndarray | None = None) -> np.ndarray:
    """Move single lots to a better option while every row still holds.

    A move's value is its objective gain minus the change of the soft rows'
    penalties; hard rows must hold after the move. Passes over all lots (or over
    ``lots`` only) repeat until none improves (at most ``max_passes``). Returns a new
    choice.
    """
    chosen = chosen.copy()
    gain = option_gain(model).tolist()
    lhs = rows.activity(chosen)
    starts = lot_starts(model)
    current = {int(model.data.opt_lot[i]): i for i in np.flatnonzero(chosen).tolist()}
    if lots is not None:
        current = {li: current[li] for li in lots.tolist()}
    for _ in range(max_passes):
        moved = 0
        for li, now in sorted(current.items()):
            best, best_delta = None, TOLERANCE
            for option in range(starts[li], starts[li + 1]):
                delta = gain[option] - gain[now]
                if option == now or delta <= best_delta:
                    continue
                change: dict[int, float] = {}
                for r, c in rows.touches[option]:
                    change[r] = change.get(r, 0.0) + c
                for r, c in rows.touches[now]:
                    change[r] = change.get(r, 0.0) - c
                for r, c in change.items():
                    after = rows.cost(r, lhs[r] + c)
                    if after is None:
                        break
                    delta -= after - (rows.cost(r, lhs[r]) or 0.0)
                else:
                    if delta > best_delta:
                        best, best_delta = option, delta
            if best is None:
                continue
            for r, c in rows.touches[now]:
                lhs[r] -= c
            for r, c in rows.touches[best]:
                lhs[r] += c
            chosen[now], chosen[best] = False, True
            current[li] = best
            moved += 1
        if not moved:
            break
    return chosen


def objective_of(model: Model, rows: OptionRows, chosen: np.ndarray) -> float | None:
    """Return the (maximized) objective of a choice, None when a hard row fails."""
    total = float(option_gain(model)[chosen].sum())
    for r, lhs in enumerate(rows.activity(chosen)):
        cost = rows.cost(r, lhs)
        if cost is None:
            return None
        total -= cost
    return total


def split_lots(model: Model, raw: np.ndarray, chosen: np.ndarray | None = None) -> np.ndarray:
    """Return the lots the LP relaxation splits between options (``chosen`` unused)."""
    fractional = (raw > 1e-6) & (raw < 1.0 - 1e-6)
    return np.unique(model.data.opt_lot[fractional])


@dataclass
class SubProblem:
    """A neighbourhood as arrays for a MILP solver, every option outside it fixed.

    Columns are the free options (binary, ``options``), then one shortfall per soft
    row they touch; rows are one coverage row per free lot, then the other rows the
    free options touch, their right-hand sides less what the fixed options use. The
    matrix is stored column-wise (``starts``, ``index``, ``value``); costs are minimized.
    """

    options: np.ndarray
    cost: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    starts: np.ndarray
    index: np.ndarray
    value: np.ndarray
    start: np.ndarray

    @property
    def n_shortfalls(self) -> int:
        """Return the number of shortfall columns (after the options)."""
        return len(self.cost) - len(self.options)


def subproblem(model: Model, rows: OptionRows, chosen: np.ndarray,
               free: np.ndarray) -> SubProblem:
    """Return the model restricted to the ``free`` options, the others fixed at ``chosen``.

    A lot with a free option keeps only its free options (its chosen one must be among
    them, so ``chosen`` stays a feasible start of the subproblem).
    """
    d = model.data
    options = np.flatnonzero(free)
    lots, lot_row = np.unique(d.opt_lot[options], return_inverse=True)
    fixed = rows.activity(chosen & ~np.isin(d.opt_lot, lots))
    gain = option_gain(model)
    row_of: dict[int, int] = {}
    col_rows: list[list[int]] = []
    col_values: list[list[float]] = []
    for k, i in enumerate(options.tolist()):
        touched, values = [int(lot_row[k])], [1.0]
        for r, c in rows.touches[i]:
            touched.append(len(lots) + row_of.setdefault(r, len(row_of)))
            values.append(c)
        col_rows.append(touched)
        col_values.append(values)
    lower = [1.0] * len(lots)
    upper = [1.0] * len(lots)
    cost = (-gain[options]).tolist()
    for r, j in row_of.items():
        room = rows.rhs[r] - fixed[r]
        lower.append(-np.inf if rows.sense[r] == pulp.LpConstraintLE else room)
        upper.append(np.inf if rows.sense[r] == pulp.LpConstraintGE else room)
        price = rows.price[r]
        if price is not None:  # a soft "≥" row: its shortfall is a priced column
            col_rows.append([len(lots) + j])
            col_values.append([1.0])
            cost.append(price)
    starts = np.cumsum([0] + [len(c) for c in col_rows])
    values_at_start = np.zeros(len(cost))
    values_at_start[:len(options)] = chosen[options]
    activity = np.zeros(len(lower))
    for k in range(len(options)):
        if values_at_start[k]:
            activity[col_rows[k]] += col_values[k]
    for k in range(len(options), len(cost)):
        row = col_rows[k][0]
        values_at_start[k] = max(lower[row] - activity[row], 0.0)
    return SubProblem(options, np.array(cost), np.array(lower), np.array(upper),
                      starts.astype(np.int32),
                      np.array([r for c in col_rows for r in c], dtype=np.int32),
                      np.array([v for c in col_values for v in c], dtype=float),
                      values_at_start)


def capacity_prices(model: Model) -> np.ndarray:
    """Return each supplier's price of a dollar of capacity (the capacity row's dual).

    Read after the LP relaxation; 0 for a supplier without a capacity row.
    """
    d = model.data
    index = {key: si for si, key in enumerate(d.sup_keys)}
    prices = np.zeros(len(d.sup_keys))
    for name, info in model.rows.items():
        if info.kind == "capacity" and info.subject in index:
            prices[index[info.subject]] = abs(model.prob.constraints[name].pi or 0.0)
    return prices


def idle_capacity_loss(model: Model, prices: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Return, per supplier, the capacity a choice leaves idle times its price.

    The LP fills the capacity of the suppliers with a price; whole lots rarely do, and
    what they leave idle is where an integer proposal loses against the LP bound.
    """
    d = model.data
    sup = d.opt_sup[chosen]
    on = sup != MARKET
    used = np.bincount(sup[on], weights=model.scale[chosen][on], minlength=len(d.sup_keys))
    idle = np.where(np.isfinite(d.sup_cap), d.sup_cap - used, 0.0)
    return np.maximum(idle, 0.0) * prices


def around_suppliers(model: Model, suppliers: np.ndarray, reduced_cost: np.ndarray,
                     chosen: np.ndarray, threshold: float) -> np.ndarray:
    """Return the free options of a neighbourhood around ``suppliers``.

    The lots that could go to one of them at a reduced cost of at most ``threshold``
    (or that are there now) are freed, each with its options within the threshold
    and its current one: a lot that moves to a full supplier can push another out.
    """
    d = model.data
    cheap = (reduced_cost <= threshold) | chosen
    lots = np.unique(d.opt_lot[np.isin(d.opt_sup, suppliers) & cheap])
    return np.isin(d.opt_lot, lots) & cheap
