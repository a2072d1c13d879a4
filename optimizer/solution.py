"""What a solve returns: the proposal, its KPIs and the reasons behind it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class AllocationResult:
    """One line of the proposal.

    Fields:
        lot_key: the lot.
        supplier_key: the social economy supplier, or None for the market (the
            spending stays with today's suppliers, or goes to a public tender).
        amount_cents: status-quo value of the need allocated here, in cents (the
            expected cost is ``amount_cents × (1 + premium_pct)``).
        route: "direct", "invitation", "reserved_contract",
            "tender_with_social_clauses" or "status_quo" (see ``optimizer.bands``).
        category: the lot's category.
        band: the lot's procurement band ("direct", "invitation", "tender").
        premium_pct: expected premium of this option (0 for the market).
        impact_per_dollar: impact points per dollar of this option.
    """

    lot_key: str
    supplier_key: str | None
    amount_cents: int
    route: str
    category: str = ""
    band: str = ""
    premium_pct: float = 0.0
    impact_per_dollar: float = 0.0


@dataclass(frozen=True)
class Explanation:
    """A constraint that shapes the proposal, in words for a finance officer.

    Fields:
        constraint: the model's constraint name (e.g. "budget", "capacity__sup_…").
        explanation: one or two sentences in plain language.
        shadow_price_per_1000: impact points one more 1,000 $ of this limit would add
            (from the LP duals, or estimated by re-solving in indivisible mode); None
            when not measured.
        kind: "budget", "capacity", "max_supplier_share", "rotation",
            "target_se_share", "target_se_share_category" or "target_local_share".
        subject: the supplier or category key the constraint is about, if any.
        limit_cents: the limit itself, in cents (a count for MILP rotation).
        explanation_fr: the same sentences in Quebec French ("" when not given).
        code: what the statement says, as a stable code a catalogue renders in the
            reader's language ("budget_binds", "capacity_binds", …; see
            ``procurement.explanation_messages``).
        params: the statement's values: supplier name, category code, amounts in
            dollars, shares as fractions, and the effect of relaxing the limit.
    """

    constraint: str
    explanation: str
    shadow_price_per_1000: float | None = None
    kind: str = ""
    subject: str | None = None
    limit_cents: int | None = None
    explanation_fr: str = ""
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Infeasibility:
    """A target or limit that cannot hold (hard), or is missed (soft), and by how much.

    Fields:
        constraint: the constraint name ("target_se_share", "budget", …).
        explanation: plain-language statement with the reachable level.
        shortfall: the gap in cents (missing spending for a target, budget excess).
        shortfall_share: the gap in share points as a fraction (0.076 = 7.6 points),
            None for the budget.
        target: the target share (None for the budget).
        reachable: the share (or, for the budget, the cost in cents) reachable.
        hard: the target was hard (the scenario is infeasible) or soft (reported only).
        explanation_fr: the same statement in Quebec French ("" when not given).
        code: the statement as a stable code ("budget_too_small", "target_unreachable",
            "target_missed", "target_missed_too").
        params: its values (target kind, category code, shares, amounts in dollars).
    """

    constraint: str
    explanation: str
    shortfall: int
    shortfall_share: float | None = None
    target: float | None = None
    reachable: float | None = None
    hard: bool = True
    explanation_fr: str = ""
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Violation:
    """A rule the proposal breaks when re-checked to the cent.

    Fields:
        constraint: the rule ("coverage__lot_…", "budget", "tender__lot_…", …).
        message: what is wrong, with the amounts.
        excess_cents: by how much (0 for rules that are not amounts).
    """

    constraint: str
    message: str
    excess_cents: float = 0.0


@dataclass(frozen=True)
class Solution:
    """The proposal for one scenario.

    Fields:
        status: "optimal" (proved by the solver), "feasible" (stopped at the time
            limit with a solution; see ``gap``), "infeasible", "unbounded" or "error"
            (no solution, a solver failure, or a solution that failed the re-check).
        objective: total impact points of the proposal (Σ impact per dollar ×
            dollars, after rounding to cents); None without a solution.
        gap: relative optimality gap (0.0 when proved; None when unknown).
        allocations: the proposal, sorted by lot then supplier (market first).
        kpis: indicators, see ``optimizer.kpis.compute_kpis``.
        binding: the constraints that limit the proposal, most valuable first.
        infeasibility: hard targets that cannot hold (status "infeasible") and soft
            targets that are missed, with shortfalls.
        violations: rules the rounded proposal breaks (empty for a valid proposal).
        solver: "cbc" or "highs".
        solve_seconds: wall-clock time of the whole call.
        formula: the impact formula in words, with the scenario's weights.
        mode: "divisible" or "indivisible".
        message: a short note on the status (time limit, solver error, …).
        solver_objective: the solver's own objective (with tie-breaks and penalties).
        formula_fr: the impact formula in Quebec French.
    """

    status: str
    objective: float | None
    gap: float | None
    allocations: tuple[AllocationResult, ...]
    kpis: dict[str, Any]
    binding: tuple[Explanation, ...] = ()
    infeasibility: tuple[Infeasibility, ...] = ()
    violations: tuple[Violation, ...] = ()
    solver: str = "cbc"
    solve_seconds: float = 0.0
    formula: str = ""
    mode: str = "divisible"
    message: str = ""
    solver_objective: float | None = None
    formula_fr: str = ""

    @property
    def ok(self) -> bool:
        """Return True when the proposal may be stored (optimal or feasible)."""
        return self.status in ("optimal", "feasible")

    def amounts(self) -> dict[tuple[str, str | None], int]:
        """Return amount_cents per (lot, supplier or None for the market)."""
        return {(a.lot_key, a.supplier_key): a.amount_cents for a in self.allocations}

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (money stays in integer cents)."""
        return asdict(self)
