"""The optimization model: arrays prepared from the input, one ``define_*`` per block.

The model is built from numpy arrays, one variable per (lot, option) where an option
is the market (status quo) or an eligible supplier. Variables are dollars in
divisible mode (LP) and binary choices in indivisible mode (MILP); ``Model.scale``
converts either into dollars so every block is written once for both modes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pulp

from optimizer.bands import lot_bands, market_route, supplier_route
from optimizer.impact import impact_per_dollar
from optimizer.inputs import OptimizerInput, validate_input
from optimizer.scenario import ScenarioInput, Target

#: Option index of the market (status quo) in ``ModelData.opt_sup``.
MARKET = -1
#: Tie-break weights in the objective. The cost term (per dollar and per unit of
#: premium) is far below any meaningful impact difference; the rank term (per dollar,
#: supplier rank scaled to [0, 1]) is below the cost term, so ties go to the cheaper
#: option, then to the status quo, then to the supplier whose key sorts first.
COST_TIE_BREAK = 1e-5
RANK_TIE_BREAK = 1e-8
#: Safety margin per lot in a row, in dollars: rounding dollars to cents lot by lot
#: can move a row's value by up to about a cent per lot, so the LP is solved against
#: limits tightened by this much, and the rounded proposal still holds to the cent.
ROUNDING_MARGIN_PER_LOT = 0.02


@dataclass
class ModelData:
    """The input as sorted arrays: lots, suppliers, and options (lot × market/supplier)."""

    scenario: ScenarioInput
    lot_keys: list[str]
    lot_labels: list[str]
    lot_category: list[str]
    categories: list[str]
    lot_cat_idx: np.ndarray
    lot_value_cents: np.ndarray
    lot_value: np.ndarray
    lot_band: list[str]
    sq_se_frac: np.ndarray
    sq_local_frac: np.ndarray
    sq_ipd: np.ndarray
    sup_keys: list[str]
    sup_names: list[str]
    sup_cap: np.ndarray
    sup_is_se: np.ndarray
    opt_lot: np.ndarray
    opt_sup: np.ndarray
    opt_premium: np.ndarray
    opt_ipd: np.ndarray
    opt_se: np.ndarray
    opt_local: np.ndarray
    opt_route: list[str]
    rotation_required: bool
    excluded: dict[str, int]
    currency: str = "CAD"
    category_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def category_name(self, code: str | None, lang: str) -> str:
        """Return a category's name for explanations (French or English), or its code."""
        names = self.category_labels.get(code or "")
        if names is None:
            return code or ""
        return names[0] if lang == "fr" else names[1]

    @property
    def total_value(self) -> float:
        """Return the spending in scope, in dollars (also the status-quo cost)."""
        return float(self.lot_value_cents.sum()) / 100.0

    @property
    def budget(self) -> float:
        """Return the budget limit in dollars."""
        return (1.0 + self.scenario.budget_increase_pct) * self.total_value

    @property
    def opt_cost_factor(self) -> np.ndarray:
        """Return the cost of one dollar of status-quo need under each option."""
        return 1.0 + self.opt_premium

    @property
    def objective_coef(self) -> np.ndarray:
        """Return the objective coefficient per dollar of each option (with tie-breaks)."""
        n_sup = max(len(self.sup_keys), 1)
        rank = np.where(self.opt_sup == MARKET, 0.0, (self.opt_sup + 1.0) / n_sup)
        return self.opt_ipd - COST_TIE_BREAK * self.opt_premium - RANK_TIE_BREAK * rank


def prepare(data: OptimizerInput) -> ModelData:
    """Sort the input by keys and turn it into arrays; apply eligibility rules.

    Eligibility (applied here, not as constraints, so excluded pairs have no variable):
    a candidate whose premium is above ``max_premium_pct`` is dropped; in a lot whose
    band is "tender" a supplier is kept only when the profile allows reserved
    contracts and the supplier is reserved-eligible; a supplier without capacity is
    dropped. The market option is always present, so coverage is always feasible.
    """
    validate_input(data)
    scenario, bands = data.scenario, data.bands
    lots = sorted(data.lots, key=lambda lot: lot.key)
    suppliers = sorted(data.suppliers, key=lambda s: s.key)
    lot_index = {lot.key: i for i, lot in enumerate(lots)}
    sup_index = {s.key: i for i, s in enumerate(suppliers)}

    band_by_key = lot_bands(lots, bands)
    lot_band = [band_by_key[lot.key] for lot in lots]

    categories = sorted({lot.category for lot in lots})
    cat_index = {c: i for i, c in enumerate(categories)}
    value_cents = np.array([lot.value_cents for lot in lots], dtype=np.int64)
    safe = np.maximum(value_cents, 1).astype(float)

    base_ipd = [impact_per_dollar(s.scores, scenario.weights) for s in suppliers]
    excluded = {"premium_above_cap": 0, "tender_not_reserved": 0, "no_capacity": 0}
    c_lot: list[int] = []
    c_sup: list[int] = []
    c_premium: list[float] = []
    c_ipd: list[float] = []
    c_local: list[float] = []
    for c in data.candidates:
        li, si = lot_index[c.lot_key], sup_index[c.supplier_key]
        supplier = suppliers[si]
        if c.premium_pct > scenario.max_premium_pct + 1e-12:
            excluded["premium_above_cap"] += 1
            continue
        if lot_band[li] == "tender" and not (
            bands.reserved_contracts_allowed and supplier.reserved_eligible
        ):
            excluded["tender_not_reserved"] += 1
            continue
        if supplier.capacity_cents == 0:
            excluded["no_capacity"] += 1
            continue
        if lots[li].value_cents == 0:
            continue
        c_lot.append(li)
        c_sup.append(si)
        c_premium.append(float(c.premium_pct))
        c_ipd.append(
            base_ipd[si]
            if c.locality_score is None
            else impact_per_dollar(supplier.scores, scenario.weights, c.locality_score)
        )
        c_local.append(1.0 if c.is_local else 0.0)

    n_lots = len(lots)
    sup_is_se = np.array([s.is_social_economy for s in suppliers], dtype=bool)
    cand_sup = np.array(c_sup, dtype=np.int64)
    opt_lot = np.concatenate([np.arange(n_lots, dtype=np.int64), np.array(c_lot, dtype=np.int64)])
    opt_sup = np.concatenate([np.full(n_lots, MARKET, dtype=np.int64), cand_sup])
    sq_se = np.array([lot.status_quo_se_cents for lot in lots], dtype=float) / safe
    sq_local = np.array([lot.status_quo_local_cents for lot in lots], dtype=float) / safe
    sq_ipd = np.array([lot.status_quo_impact_per_dollar for lot in lots], dtype=float)
    opt_premium = np.concatenate([np.zeros(n_lots), np.array(c_premium, dtype=float)])
    opt_ipd = np.concatenate([sq_ipd, np.array(c_ipd, dtype=float)])
    opt_se = np.concatenate(
        [sq_se, sup_is_se[cand_sup].astype(float) if len(c_sup) else np.zeros(0)]
    )
    opt_local = np.concatenate([sq_local, np.array(c_local, dtype=float)])
    # Sort options by (lot, supplier) with the market first: the model, and so the
    # proposal, no longer depend on the order of the input rows.
    order = np.lexsort((opt_sup, opt_lot))
    opt_lot, opt_sup = opt_lot[order], opt_sup[order]
    opt_premium, opt_ipd = opt_premium[order], opt_ipd[order]
    opt_se, opt_local = opt_se[order], opt_local[order]
    opt_route = [
        market_route(lot_band[li]) if si == MARKET else supplier_route(lot_band[li])
        for li, si in zip(opt_lot.tolist(), opt_sup.tolist(), strict=True)
    ]
    return ModelData(
        scenario=scenario,
        lot_keys=[lot.key for lot in lots],
        lot_labels=[lot.label for lot in lots],
        lot_category=[lot.category for lot in lots],
        categories=categories,
        lot_cat_idx=np.array([cat_index[lot.category] for lot in lots], dtype=np.int64),
        lot_value_cents=value_cents,
        lot_value=value_cents.astype(float) / 100.0,
        lot_band=list(lot_band),
        sq_se_frac=sq_se,
        sq_local_frac=sq_local,
        sq_ipd=sq_ipd,
        sup_keys=[s.key for s in suppliers],
        sup_names=[s.name for s in suppliers],
        sup_cap=np.array(
            [np.inf if s.capacity_cents is None else s.capacity_cents / 100.0 for s in suppliers],
            dtype=float,
        ),
        sup_is_se=sup_is_se,
        opt_lot=opt_lot,
        opt_sup=opt_sup,
        opt_premium=opt_premium,
        opt_ipd=opt_ipd,
        opt_se=opt_se,
        opt_local=opt_local,
        opt_route=opt_route,
        rotation_required=bands.rotation_required,
        excluded=excluded,
        currency=bands.currency,
        category_labels=dict(data.category_labels),
    )


# --------------------------------------------------------------------------- names

_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")


def sanitize(key: str) -> str:
    """Return a key usable in LP/MPS names (letters, digits, underscores)."""
    return _UNSAFE.sub("_", key).strip("_") or "_"


class _Namer:
    """Hand out unique names; a collision after sanitizing gets a numeric suffix."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.used:
            n += 1
            candidate = f"{name}_{n}"
        self.used.add(candidate)
        return candidate


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class RowInfo:
    """What a constraint means, for explanations and re-solves.

    ``rhs`` is the business limit in dollars (before the rounding margin); ``scope``
    is the spending the row is about (targets), ``subject`` the supplier or category.
    """

    kind: str
    subject: str | None = None
    label: str = ""
    rhs: float = 0.0
    scope: float = 0.0
    target: Target | None = None
    category: str | None = None


@dataclass
class Model:
    """A built PuLP problem with the handles needed to read and explain it."""

    prob: pulp.LpProblem
    data: ModelData
    integer: bool
    variables: list[pulp.LpVariable] = field(default_factory=list)
    scale: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rows: dict[str, RowInfo] = field(default_factory=dict)
    shortfalls: dict[str, pulp.LpVariable] = field(default_factory=dict)
    prices: dict[str, float] = field(default_factory=dict)
    penalty: float = 1000.0
    names: _Namer = field(default_factory=_Namer)
    _index: dict[str, int] = field(default_factory=dict)

    def expression(self, idx: np.ndarray, coef: np.ndarray) -> pulp.LpAffineExpression:
        """Return Σ coef·dollars(option) over the options ``idx`` (zeros skipped)."""
        dollars = (coef * self.scale[idx]).tolist()
        variables = self.variables
        return pulp.LpAffineExpression(
            [(variables[i], c) for i, c in zip(idx.tolist(), dollars, strict=True) if c != 0.0]
        )

    @property
    def index(self) -> dict[str, int]:
        """Return the option index of each variable name."""
        if len(self._index) != len(self.variables):
            self._index = {v.name: i for i, v in enumerate(self.variables)}
        return self._index

    def margin(self, n_lots: int) -> float:
        """Return the rounding safety margin of a row touching ``n_lots`` lots.

        Indivisible proposals are whole lots in cents already: no margin.
        """
        return 0.0 if self.integer else ROUNDING_MARGIN_PER_LOT * max(n_lots, 1)

    def add(self, expr: pulp.LpAffineExpression, sense: int, rhs: float, name: str,
            info: RowInfo) -> str:
        """Add ``expr (sense) rhs`` under a unique name and remember what it means."""
        unique = self.names(name)
        self.prob.addConstraint(pulp.LpConstraint(expr, sense=sense, rhs=rhs, name=unique))
        self.rows[unique] = info
        return unique


def _groups(keys: np.ndarray, idx: np.ndarray | None = None) -> Iterable[tuple[int, np.ndarray]]:
    """Yield (key, option indices) for each distinct key, in key order."""
    if idx is None:
        idx = np.arange(len(keys))
    if len(idx) == 0:
        return
    sub = keys[idx]
    order = np.argsort(sub, kind="stable")
    sorted_keys = sub[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    for part in np.split(order, cuts):
        yield int(sub[part[0]]), idx[part]


def define_variables(model: Model) -> None:
    """Create one variable per option: dollars (LP) or a binary choice (MILP)."""
    d = model.data
    lot_names = [f"lot_{sanitize(k)}" for k in d.lot_keys]
    sup_names = [f"sup_{sanitize(k)}" for k in d.sup_keys]
    cat = pulp.LpBinary if model.integer else pulp.LpContinuous
    upper = np.ones(len(d.opt_lot)) if model.integer else d.lot_value[d.opt_lot]
    variables = []
    for li, si, ub in zip(d.opt_lot.tolist(), d.opt_sup.tolist(), upper.tolist(), strict=True):
        who = "market" if si == MARKET else sup_names[si]
        name = model.names(f"x__{lot_names[li]}__{who}")
        variables.append(pulp.LpVariable(name, lowBound=0, upBound=ub, cat=cat))
    model.variables = variables
    model.scale = d.lot_value[d.opt_lot] if model.integer else np.ones(len(d.opt_lot))


def define_coverage(model: Model) -> None:
    """Cover every lot exactly: Σ_s x[ℓ,s] = v_ℓ (MILP: exactly one option per lot)."""
    d = model.data
    for li, idx in _groups(d.opt_lot):
        name = f"coverage__lot_{sanitize(d.lot_keys[li])}"
        info = RowInfo("coverage", d.lot_keys[li], d.lot_labels[li], float(d.lot_value[li]))
        if model.integer:
            expr = pulp.LpAffineExpression([(model.variables[i], 1.0) for i in idx.tolist()])
            model.add(expr, pulp.LpConstraintEQ, 1.0, name, info)
        else:
            expr = model.expression(idx, np.ones(len(idx)))
            model.add(expr, pulp.LpConstraintEQ, float(d.lot_value[li]), name, info)


def define_budget(model: Model, *, elastic_penalty: float | None = None) -> None:
    """Keep the proposal's cost within the budget: Σ (1+premium)·x ≤ B.

    Written on the extra cost, Σ premium·x ≤ B − status-quo cost, which is the same
    row once every lot is covered, with small coefficients, and lets the rounding
    margin never make the status quo itself infeasible. ``elastic_penalty`` lets the
    budget be exceeded at that price per dollar (to diagnose an infeasible scenario).
    """
    d = model.data
    idx = np.flatnonzero(d.opt_sup != MARKET)
    expr = model.expression(idx, d.opt_premium[idx])
    room = d.budget - d.total_value
    premium = float(np.abs(d.opt_premium[idx]).max()) if len(idx) else 0.0
    margin = model.margin(len(np.unique(d.opt_lot[idx]))) * premium
    rhs = max(room - margin, min(room, 0.0))
    info = RowInfo("budget", None, "budget", d.budget, d.total_value)
    if elastic_penalty is not None:
        excess = pulp.LpVariable(model.names("excess__budget"), lowBound=0)
        expr.addterm(excess, -1.0)
        model.shortfalls["budget"] = excess
        model.prices["budget"] = elastic_penalty
    model.add(expr, pulp.LpConstraintLE, rhs, "budget", info)


def define_capacity(model: Model) -> None:
    """Keep each supplier within its capacity: Σ_ℓ x[ℓ,s] ≤ cap_s."""
    d = model.data
    idx = np.flatnonzero(d.opt_sup != MARKET)
    lot_value = d.lot_value[d.opt_lot]
    for si, sub in _groups(d.opt_sup, idx):
        cap = float(d.sup_cap[si])
        if not np.isfinite(cap) or lot_value[sub].sum() <= cap:
            continue  # cannot bind: no row, a smaller model
        name = f"capacity__sup_{sanitize(d.sup_keys[si])}"
        info = RowInfo("capacity", d.sup_keys[si], d.sup_names[si], cap)
        rhs = max(cap - model.margin(len(sub)), 0.0)
        model.add(model.expression(sub, np.ones(len(sub))), pulp.LpConstraintLE, rhs, name, info)


def define_max_supplier_share(model: Model) -> None:
    """Cap each supplier at ``max_supplier_share`` of the total spending in scope."""
    d = model.data
    share = d.scenario.max_supplier_share
    if share is None:
        return
    limit = share * d.total_value
    idx = np.flatnonzero(d.opt_sup != MARKET)
    lot_value = d.lot_value[d.opt_lot]
    for si, sub in _groups(d.opt_sup, idx):
        if lot_value[sub].sum() <= limit:
            continue
        name = f"max_share__sup_{sanitize(d.sup_keys[si])}"
        info = RowInfo("max_supplier_share", d.sup_keys[si], d.sup_names[si], limit,
                       d.total_value)
        rhs = max(limit - model.margin(len(sub)), 0.0)
        model.add(model.expression(sub, np.ones(len(sub))), pulp.LpConstraintLE, rhs, name, info)


def rotation_groups(d: ModelData) -> dict[str, np.ndarray]:
    """Return the invitation-band lots per category, for groups of at least two lots."""
    if not d.rotation_required:
        return {}
    groups: dict[str, list[int]] = {}
    for li, band in enumerate(d.lot_band):
        if band == "invitation":
            groups.setdefault(d.lot_category[li], []).append(li)
    return {c: np.array(lots) for c, lots in sorted(groups.items()) if len(lots) >= 2}


def define_rotation(model: Model) -> None:
    """Rotate contractors in the invitation band when the profile requires it.

    For each category's group of n ≥ 2 invitation-band lots, a supplier gets at most
    n − 1 of them (MILP), or at most ``rotation_max_share`` of the group's value (LP).
    """
    d = model.data
    for category, lots in rotation_groups(d).items():
        in_group = np.isin(d.opt_lot, lots) & (d.opt_sup != MARKET)
        group_value = float(d.lot_value[lots].sum())
        limit = d.scenario.rotation_max_share * group_value
        for si, sub in _groups(d.opt_sup, np.flatnonzero(in_group)):
            name = f"rotation__cat_{sanitize(category)}__sup_{sanitize(d.sup_keys[si])}"
            if model.integer:
                if len(sub) <= len(lots) - 1:
                    continue
                info = RowInfo("rotation", d.sup_keys[si], d.sup_names[si], len(lots) - 1.0,
                               group_value, category=category)
                expr = pulp.LpAffineExpression([(model.variables[i], 1.0) for i in sub.tolist()])
                model.add(expr, pulp.LpConstraintLE, len(lots) - 1.0, name, info)
            else:
                if d.lot_value[d.opt_lot[sub]].sum() <= limit:
                    continue
                info = RowInfo("rotation", d.sup_keys[si], d.sup_names[si], limit, group_value,
                               category=category)
                rhs = max(limit - model.margin(len(sub)), 0.0)
                model.add(model.expression(sub, np.ones(len(sub))), pulp.LpConstraintLE, rhs,
                          name, info)


def _define_share_target(model: Model, name: str, kind: str, target: Target, idx: np.ndarray,
                         coef: np.ndarray, scope: float, label: str, category: str | None,
                         force_soft: bool) -> None:
    info = RowInfo(kind, category, label, target.value * scope, scope, target, category)
    rhs = min(target.value * scope + model.margin(len(np.unique(model.data.opt_lot[idx]))),
              scope) if target.value > 0 else 0.0
    expr = model.expression(idx, coef)
    if not target.hard or force_soft:
        shortfall = pulp.LpVariable(model.names(f"shortfall__{name}"), lowBound=0, upBound=rhs)
        expr.addterm(shortfall, 1.0)
        model.shortfalls[name] = shortfall
    model.add(expr, pulp.LpConstraintGE, rhs, name, info)


def define_targets(model: Model, *, force_soft: bool = False) -> None:
    """Add the social economy share targets (overall, per category) and the local one.

    Share of spending = Σ over options of (share of the option going to social
    economy or local suppliers) × dollars ≥ target × spending in scope. A soft target
    gets a shortfall variable priced at ``model.penalty`` per dollar.
    """
    d = model.data
    s = d.scenario
    all_idx = np.arange(len(d.opt_lot))
    if s.social_economy_share is not None:
        _define_share_target(model, "target_se_share", "target_se_share",
                             s.social_economy_share, all_idx, d.opt_se, d.total_value,
                             "social economy share", None, force_soft)
    opt_cat = d.lot_cat_idx[d.opt_lot]
    for category, target in sorted(s.social_economy_share_by_category.items()):
        if category not in d.categories:
            continue  # no spending of that category in scope: nothing to constrain
        ci = d.categories.index(category)
        idx = np.flatnonzero(opt_cat == ci)
        scope = float(d.lot_value[d.lot_cat_idx == ci].sum())
        _define_share_target(model, f"target_se_share__cat_{sanitize(category)}",
                             "target_se_share_category", target, idx, d.opt_se[idx], scope,
                             f"social economy share of {category}", category, force_soft)
    if s.local_share is not None:
        _define_share_target(model, "target_local_share", "target_local_share", s.local_share,
                             all_idx, d.opt_local, d.total_value, "local share", None, force_soft)


def define_objective(model: Model) -> None:
    """Maximize impact (with tie-breaks) minus the penalty on every shortfall.

    Written as minimizing the negated objective: CBC mishandles a MIP start on a
    maximization (it declared the start optimal after 0 iterations, measured with
    PuLP 3.3's bundled CBC), and indivisible solves pass one.
    """
    d = model.data
    expr = model.expression(np.arange(len(d.opt_lot)), -d.objective_coef)
    for name, var in sorted(model.shortfalls.items()):
        expr.addterm(var, model.prices.get(name, model.penalty))
    model.prob.setObjective(expr)


def penalty_for(d: ModelData) -> float:
    """Return the price per dollar of a target shortfall: far above any impact gain."""
    top = float(np.abs(d.opt_ipd).max()) if len(d.opt_ipd) else 0.0
    return 1000.0 * max(1.0, top)


BLOCKS: tuple[Callable[[Model], None], ...] = (
    define_coverage,
    define_capacity,
    define_max_supplier_share,
    define_rotation,
)


def build_model(d: ModelData, *, elastic: bool = False, budget_elastic: bool = False) -> Model:
    """Build the PuLP problem from prepared data.

    ``elastic`` turns hard targets into soft ones (diagnosis of infeasibility);
    ``budget_elastic`` also lets the budget be exceeded, at a price above the targets'.
    """
    model = Model(
        prob=pulp.LpProblem("procurement", pulp.LpMinimize),
        data=d,
        integer=d.scenario.mode == "indivisible",
    )
    model.penalty = penalty_for(d)
    define_variables(model)
    for block in BLOCKS:
        block(model)
    define_budget(model, elastic_penalty=100.0 * model.penalty if budget_elastic else None)
    define_targets(model, force_soft=elastic)
    define_objective(model)
    return model
