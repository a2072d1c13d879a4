"""What a change of budget or target would buy: a table of re-solved scenarios."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.inputs import OptimizerInput
from optimizer.scenario import Target
from optimizer.solve import solve


@dataclass(frozen=True)
class SensitivityRow:
    """One scenario of the table.

    Fields:
        budget_increase_pct: the budget tried (fraction over the status quo).
        target_share: the social economy share target tried (None: the scenario's).
        status: the solve status.
        objective: impact points (None without a solution).
        social_economy_share: share after the proposal (None without a solution).
        proposed_cost_cents, cost_difference_cents: cost of the proposal and its
            difference with the status quo (None without a solution).
    """

    budget_increase_pct: float
    target_share: float | None
    status: str
    objective: float | None
    social_economy_share: float | None
    proposed_cost_cents: int | None
    cost_difference_cents: int | None


def sensitivity(
    data: OptimizerInput,
    budget_steps: Sequence[float] = (-0.10, -0.05, 0.0, 0.05, 0.10, 0.20),
    target_shares: Sequence[float] | None = None,
) -> tuple[SensitivityRow, ...]:
    """Re-solve the scenario for each budget step (added to its budget increase).

    With ``target_shares``, every budget step is crossed with each social economy
    share target; the target keeps the scenario's hardness (soft if it had none).
    Explanations are skipped to keep the table quick.
    """
    base = data.scenario
    hard = bool(base.social_economy_share and base.social_economy_share.hard)
    targets: Sequence[float | None] = list(target_shares) if target_shares else [None]
    rows = []
    for step in budget_steps:
        increase = min(max(base.budget_increase_pct + step, -0.5), 1.0)
        for share in targets:
            scenario = dataclasses.replace(
                base,
                budget_increase_pct=increase,
                explain=False,
                social_economy_share=(base.social_economy_share if share is None
                                      else Target(float(share), hard)),
            )
            sol = solve(dataclasses.replace(data, scenario=scenario))
            ok = sol.ok
            rows.append(SensitivityRow(
                budget_increase_pct=increase,
                target_share=share,
                status=sol.status,
                objective=sol.objective if ok else None,
                social_economy_share=sol.kpis["social_economy_share_after"] if ok else None,
                proposed_cost_cents=sol.kpis["proposed_cost_cents"] if ok else None,
                cost_difference_cents=sol.kpis["cost_difference_cents"] if ok else None,
            ))
    return tuple(rows)
