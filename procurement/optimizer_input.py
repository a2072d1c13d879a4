"""Frames -> `optimizer.OptimizerInput`: lots, status quo, candidates and prospects of one run.

Pure: pandas frames in (what the optimization service reads from the database), plain
data out. The candidates come from `procurement.matching.candidate_pipeline`, the one
place the candidate rule lives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import optimizer
from procurement.impact import supplier_scores
from procurement.lots import build_lots, lot_keys
from procurement.matching import CandidateRules, candidate_pipeline, locality_levels
from procurement.matching.eligibility import LOCAL_LEVELS
from procurement.matching.locality import locality_score
from procurement.matching.normalize import is_missing

LINE_COLUMNS = ["category_code", "contract_ref", "amount", "incumbent", "date"]
SUPPLIER_COLUMNS = [
    "key", "name", "municipality_code", "lat", "lon", "active", "capacity_cents",
    "service_area", "activity", "org_type", "legal_form", "work_integration",
    "reserved_eligible", "score_overrides", "annual_turnover_cents",
]


@dataclass
class OptimizationFrames:
    """What one run needs, as frames.

    - lines: category_code, contract_ref, amount (dollars), incumbent (supplier key or None),
      date.
    - suppliers: SUPPLIER_COLUMNS (the registry, inactive ones included).
    - capabilities: supplier_key, category_code, confidence, evidence, decision, reason,
      evidence_detail, decided_by, decided_at.
    - municipalities: code, mrc, region; org_code: the buying municipality.
    """

    org_code: str
    lines: pd.DataFrame
    suppliers: pd.DataFrame
    capabilities: pd.DataFrame
    municipalities: pd.DataFrame


@dataclass
class PreparedInput:
    """The optimizer's input, with the frames the proposal stores beside the solution."""

    input: optimizer.OptimizerInput
    lots: pd.DataFrame  # procurement.lots.LOT_COLUMNS
    candidates: pd.DataFrame  # eligibility.CANDIDATE_COLUMNS
    prospects: pd.DataFrame  # eligibility.PROSPECT_COLUMNS
    supplier_names: dict[str, str] = field(default_factory=dict)
    # The run's lines with their lot `key` and `amount_cents`, and the registry's facts
    # indexed by supplier key with their `locality_level` (for impact in units and levers).
    lines: pd.DataFrame = field(default_factory=pd.DataFrame)
    suppliers: pd.DataFrame = field(default_factory=pd.DataFrame)
    _by_pair: dict[tuple[str, str], dict[str, Any]] | None = field(
        default=None, init=False, repr=False)

    def capability(self, lot_key: str, supplier_key: str) -> dict[str, Any]:
        """Return the candidate row behind an award (evidence, reason, who confirmed)."""
        if self._by_pair is None:
            self._by_pair = {(str(r["lot_key"]), str(r["supplier_key"])): {
                str(k): v for k, v in r.items()} for r in self.candidates.to_dict("records")}
        return self._by_pair.get((lot_key, supplier_key), {})


def _key(value: Any) -> str | None:
    if value is None or is_missing(value):
        return None
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    return str(value)


def _scores(row: Mapping[Any, Any]) -> dict[str, float]:
    overrides = row.get("score_overrides")
    return supplier_scores(
        name=str(row.get("name") or ""), activity=row.get("activity"),
        org_type=row.get("org_type"), legal_form=row.get("legal_form"),
        work_integration=bool(row.get("work_integration") or False),
        overrides=overrides if isinstance(overrides, dict) else None)


def build_optimizer_input(
    frames: OptimizationFrames,
    *,
    scenario: optimizer.ScenarioInput,
    bands: optimizer.RegulatoryBands,
    rules: CandidateRules,
    default_capacity_cents: int,
    category_labels: Mapping[str, tuple[str, str]] | None = None,
) -> PreparedInput:
    """Build lots, status quo and candidates from the frames, vectorized over lines.

    The status quo of a lot counts the lines whose incumbent is an active registry
    supplier as social economy spending (local when it is in the municipality or its MRC),
    with that supplier's impact per dollar. A supplier without a stated capacity gets
    `default_capacity_cents`; its premium is its `premium_pct` override, else the rules'.
    """
    suppliers = frames.suppliers.copy()
    for column in SUPPLIER_COLUMNS:
        if column not in suppliers:
            suppliers[column] = None
    suppliers["key"] = suppliers["key"].map(_key)
    suppliers = suppliers.drop_duplicates("key").set_index("key", drop=False)
    active = suppliers["active"].map(lambda v: True if is_missing(v) else bool(v))
    suppliers["locality_level"] = locality_levels(suppliers["municipality_code"],
                                                  frames.municipalities, frames.org_code)
    suppliers["premium_pct"] = suppliers["score_overrides"].map(
        lambda o: float(o["premium_pct"]) if isinstance(o, dict) and "premium_pct" in o
        else np.nan)
    weights = dict(scenario.weights)
    facts = dict(zip(suppliers.index, suppliers[SUPPLIER_COLUMNS].to_dict("records"),
                     strict=True))
    base_scores: dict[str, dict[str, float]] = {}

    def scores_of(key: str) -> dict[str, float]:
        if key not in base_scores:
            base_scores[key] = _scores(facts[key])
        return base_scores[key]

    lines = frames.lines.copy()
    lines["amount_cents"] = (pd.to_numeric(lines["amount"].astype(float)) * 100).round().astype(
        "int64")
    # Per distinct incumbent (a year has few), then spread to the lines by their codes.
    codes, uniques = pd.factorize(lines["incumbent"], use_na_sentinel=True)
    social = set(suppliers.index[active.to_numpy(bool)])
    incumbents = [key if key in social else None for key in map(_key, uniques)]
    level_of = suppliers["locality_level"]
    is_se = np.array([key is not None for key in incumbents] + [False])
    is_local = np.array([key is not None and level_of[key] in LOCAL_LEVELS
                         for key in incumbents] + [False])
    impact = np.array([
        0.0 if key is None else float(optimizer.impact_per_dollar(
            {**scores_of(key), "locality": locality_score(str(level_of[key]))}, weights))
        for key in incumbents] + [0.0])
    lines["incumbent_is_se"] = is_se[codes]
    lines["incumbent_is_local"] = is_local[codes]
    lines["impact_cents"] = impact[codes] * lines["amount_cents"].to_numpy()
    lines["key"] = lot_keys(lines)
    lots = build_lots(lines)
    impact_by_lot = lines.groupby("key")["impact_cents"].sum()

    found = candidate_pipeline(
        lots.rename(columns={"key": "lot_key"}), suppliers.reset_index(drop=True),
        frames.capabilities, frames.municipalities, frames.org_code, rules)
    candidates = found.candidates
    lot_inputs = []
    for lot in lots.to_dict("records"):
        value = int(lot["value_cents"])
        key, category = str(lot["key"]), str(lot["category_code"])
        lot_inputs.append(optimizer.LotInput(
            key=key, category=category, label=category, value_cents=value,
            status_quo_se_cents=int(lot["se_cents"]),
            status_quo_local_cents=int(lot["local_cents"]),
            status_quo_impact_per_dollar=(float(impact_by_lot.get(key, 0.0)) / value
                                          if value else 0.0),
            contract_group=None,
        ))
    supplier_inputs = []
    for key in sorted(set(candidates["supplier_key"])):
        row = facts[key]
        capacity = row["capacity_cents"]
        supplier_inputs.append(optimizer.SupplierInput(
            key=key, name=str(row["name"]),
            capacity_cents=default_capacity_cents if is_missing(capacity) else int(capacity),
            scores=scores_of(key), is_social_economy=True,
            reserved_eligible=bool(row["reserved_eligible"] or False),
        ))
    candidate_inputs = [
        optimizer.CandidateInput(lot_key=str(lot_key), supplier_key=str(supplier_key),
                                 premium_pct=float(premium), is_local=bool(local),
                                 locality_score=float(score))
        for lot_key, supplier_key, premium, local, score in candidates[
            ["lot_key", "supplier_key", "premium_pct", "is_local", "locality_score"]
        ].itertuples(index=False)
    ]
    data = optimizer.OptimizerInput(
        lots=tuple(lot_inputs), suppliers=tuple(supplier_inputs),
        candidates=tuple(candidate_inputs), scenario=scenario, bands=bands,
        category_labels=dict(category_labels or {}),
    )
    names = {str(k): str(v) for k, v in suppliers["name"].items()}
    return PreparedInput(input=data, lots=lots, candidates=candidates,
                         prospects=found.prospects, supplier_names=names, lines=lines,
                         suppliers=suppliers)
