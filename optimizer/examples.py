"""Small ready-made inputs: for tests, documentation and demonstrations."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from optimizer.bands import RegulatoryBands
from optimizer.inputs import CandidateInput, LotInput, OptimizerInput, SupplierInput
from optimizer.scenario import ScenarioInput

#: Quebec-like thresholds without rotation, so small examples stay in one band rule.
PLAIN_BANDS = RegulatoryBands(currency="CAD", direct_award_limit_cents=2_500_000,
                              tender_threshold_cents=12_120_000, rotation_required=False,
                              reserved_contracts_allowed=False)

ALL_ONE = {"work_integration": 1.0, "locality": 1.0, "governance": 1.0, "environment": 1.0}


def scores(level: float) -> dict[str, float]:
    """Return the same score on every dimension (impact per dollar = level)."""
    return {d: level for d in ALL_ONE}


def lot(key: str, dollars: float, category: str = "cleaning", **fields: Any) -> LotInput:
    """Return a lot worth ``dollars``."""
    return LotInput(key=key, category=category, label=f"{category} {key}",
                    value_cents=round(dollars * 100), **fields)


def supplier(key: str, level: float = 1.0, capacity: float | None = None,
             **fields: Any) -> SupplierInput:
    """Return a supplier with the same score ``level`` on every dimension."""
    cap = None if capacity is None else round(capacity * 100)
    return SupplierInput(key=key, name=f"Coop {key}", capacity_cents=cap, scores=scores(level),
                         **fields)


def problem(lots: Sequence[LotInput], suppliers: Sequence[SupplierInput],
            candidates: Sequence[CandidateInput], bands: RegulatoryBands = PLAIN_BANDS,
            **scenario: Any) -> OptimizerInput:
    """Return an input with a scenario built from keyword arguments."""
    return OptimizerInput(tuple(lots), tuple(suppliers), tuple(candidates),
                          ScenarioInput(**scenario), bands)


def with_scenario(data: OptimizerInput, **changes: Any) -> OptimizerInput:
    """Return ``data`` with some scenario fields changed."""
    return dataclasses.replace(data, scenario=dataclasses.replace(data.scenario, **changes))
