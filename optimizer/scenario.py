"""Scenario of a proposal: budget, premium cap, weights, targets, mode and solver."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal

from optimizer.errors import ScenarioError
from optimizer.impact import DEFAULT_WEIGHTS

Mode = Literal["divisible", "indivisible"]
SolverName = Literal["cbc", "highs"]


@dataclass(frozen=True)
class Target:
    """A share to reach, as a fraction in [0, 1].

    Fields:
        value: the share to reach (0.30 means 30 % of the spending in scope).
        hard: True makes the target a constraint (the scenario is infeasible when it
            cannot be met, with an explanation); False (soft) lets the optimizer fall
            short at a large penalty and reports the shortfall.
    """

    value: float
    hard: bool = False


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class ScenarioInput:
    """What the finance officer chooses for one proposal.

    Fields:
        budget_increase_pct: allowed cost above the status quo, as a fraction
            (0.02: the proposal may cost 2 % more than today's spending in scope).
        max_premium_pct: a candidate whose expected premium over the status quo of a
            lot is above this fraction is not proposed for that lot.
        weights: impact weight per score dimension (see ``optimizer.impact``).
        social_economy_share: target share of the spending in scope going to social
            economy enterprises (status quo included), or None.
        social_economy_share_by_category: the same target per spending category.
        local_share: target share of the spending going to local suppliers, or None.
        max_supplier_share: no supplier receives more than this fraction of the total
            spending in scope (all lots), or None for no limit.
        mode: "divisible" (LP: a lot may be split among suppliers) or "indivisible"
            (MILP: one supplier, or the market, per lot).
        solver: "cbc" (bundled with PuLP, default) or "highs" (highspy).
        time_limit_s: wall-clock limit of a solve, in seconds. In indivisible mode
            it counts from the start of ``solve``: preparing the model, its start
            (LP relaxation and heuristics) and the MILP run share it, though the
            MILP gets half of it when there is no feasible start. Explanations by
            re-solving have their own budget.
        rotation_max_share: divisible mode, invitation band with rotation required:
            the largest fraction of a (category, band) group's value one supplier may
            receive when the group has at least two lots. Indivisible mode uses the
            count rule instead (at most n − 1 of the n lots).
        explain: compute binding-constraint explanations (re-solves in MILP mode).
    """

    budget_increase_pct: float = 0.02
    max_premium_pct: float = 0.10
    weights: Mapping[str, float] = field(default_factory=lambda: _frozen(DEFAULT_WEIGHTS))
    social_economy_share: Target | None = None
    social_economy_share_by_category: Mapping[str, Target] = field(
        default_factory=lambda: _frozen({})
    )
    local_share: Target | None = None
    max_supplier_share: float | None = None
    mode: Mode = "divisible"
    solver: SolverName = "cbc"
    time_limit_s: float = 30.0
    rotation_max_share: float = 0.5
    explain: bool = True

    def __post_init__(self) -> None:
        # Freeze the mappings so a scenario can be shared between threads and hashed
        # into a cache key without surprises.
        object.__setattr__(self, "weights", _frozen(self.weights))
        object.__setattr__(
            self,
            "social_economy_share_by_category",
            _frozen(self.social_economy_share_by_category),
        )
        errors = validate_scenario(self)
        if errors:
            raise ScenarioError(errors)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _range_error(value: Any, low: float, high: float, *, low_open: bool = False) -> str | None:
    ok = _is_number(value) and (low < value if low_open else low <= value) and value <= high
    if ok:
        return None
    bracket = "(" if low_open else "["
    return f"must be a number in {bracket}{low:g}, {high:g}]"


#: The allowed interval of each numeric field: (low, high, low_open). Shares and
#: percentages are fractions (0.02 is 2 %); callers that validate scenarios read this table.
RANGES: Mapping[str, tuple[float, float, bool]] = MappingProxyType({
    "budget_increase_pct": (-0.5, 1.0, False),
    "max_premium_pct": (0.0, 1.0, False),
    "time_limit_s": (0.0, 3600.0, True),
    "rotation_max_share": (0.0, 1.0, True),
    "max_supplier_share": (0.0, 1.0, True),
})


def validate_scenario(s: ScenarioInput) -> dict[str, str]:
    """Return a message per invalid field of a scenario (empty when valid)."""
    errors: dict[str, str] = {}
    checks = {
        name: _range_error(getattr(s, name), low, high, low_open=low_open)
        for name, (low, high, low_open) in RANGES.items()
        if getattr(s, name) is not None or name != "max_supplier_share"
    }
    for name, message in checks.items():
        if message:
            errors[name] = message
    if not s.weights or not all(
        isinstance(k, str) and _is_number(v) and v >= 0 for k, v in s.weights.items()
    ):
        errors["weights"] = "must map dimension names to non-negative numbers"
    elif sum(s.weights.values()) <= 0:
        errors["weights"] = "at least one weight must be positive"
    for name in ("social_economy_share", "local_share"):
        target = getattr(s, name)
        if target is not None and not _valid_target(target):
            errors[name] = "must be a target with a value between 0 and 1"
    for category, target in s.social_economy_share_by_category.items():
        if not isinstance(category, str) or not _valid_target(target):
            errors["social_economy_share_by_category"] = (
                "must map category names to targets with a value between 0 and 1"
            )
            break
    if s.mode not in ("divisible", "indivisible"):
        errors["mode"] = 'must be "divisible" or "indivisible"'
    if s.solver not in ("cbc", "highs"):
        errors["solver"] = 'must be "cbc" or "highs"'
    if not isinstance(s.explain, bool):
        errors["explain"] = "must be true or false"
    return errors


def _valid_target(target: Any) -> bool:
    return (
        isinstance(target, Target)
        and _is_number(target.value)
        and 0.0 <= target.value <= 1.0
        and isinstance(target.hard, bool)
    )


def _target_from_json(value: Any) -> Target | str:
    """Read {"value": 0.3, "hard": true} or a bare number (soft); return an error text."""
    message = 'must be a number between 0 and 1 or {"value": number, "hard": true|false}'
    if _is_number(value):
        return Target(float(value), hard=False) if 0 <= value <= 1 else message
    if isinstance(value, Mapping):
        if set(value) - {"value", "hard"} or "value" not in value:
            return message
        hard = value.get("hard", False)
        if not _is_number(value["value"]) or not 0 <= value["value"] <= 1:
            return message
        if not isinstance(hard, bool):
            return message
        return Target(float(value["value"]), hard=hard)
    return message


_FIELD_NAMES = tuple(f.name for f in fields(ScenarioInput))


TARGET_FIELDS = ("social_economy_share", "local_share", "social_economy_share_by_category")


def scenario_from_dict(data: Mapping[str, Any] | None) -> ScenarioInput:
    """Validate a JSON scenario (any subset of fields, defaults for the rest).

    Raises ScenarioError with one message per faulty field; unknown fields are refused.
    """
    data = dict(data or {})
    errors: dict[str, str] = {}
    # Targets may be grouped as {"targets": {"social_economy_share": …, "local_share": …,
    # "social_economy_share_by_category": {…}}}, the form scenario files use.
    grouped = data.pop("targets", None)
    if grouped is not None:
        if not isinstance(grouped, Mapping):
            errors["targets"] = ("must be an object such as {\"social_economy_share\": "
                                 "{\"value\": 0.3, \"hard\": true}}")
        else:
            for name, value in grouped.items():
                key = "social_economy_share_by_category" if name == "by_category" else name
                if key not in TARGET_FIELDS:
                    errors[f"targets.{name}"] = (
                        f"unknown target; expected one of {', '.join(TARGET_FIELDS)}")
                elif key in data:
                    errors[f"targets.{name}"] = "given twice (inside and outside targets)"
                else:
                    data[key] = value
    for unknown in sorted(set(data) - set(_FIELD_NAMES)):
        errors[unknown] = "unknown field"
    values: dict[str, Any] = {}
    for name in ("social_economy_share", "local_share"):
        if name in data and data[name] is not None:
            target = _target_from_json(data[name])
            if isinstance(target, str):
                errors[name] = target
            else:
                values[name] = target
        elif name in data:
            values[name] = None
    if "social_economy_share_by_category" in data:
        raw = data["social_economy_share_by_category"]
        if not isinstance(raw, Mapping):
            errors["social_economy_share_by_category"] = "must be an object {category: target}"
        else:
            by_category: dict[str, Target] = {}
            for category, value in raw.items():
                target = _target_from_json(value)
                if isinstance(target, str) or not isinstance(category, str):
                    errors["social_economy_share_by_category"] = f"{category}: {target}"
                    break
                by_category[category] = target
            values["social_economy_share_by_category"] = by_category
    if "weights" in data:
        raw = data["weights"]
        if not isinstance(raw, Mapping):
            errors["weights"] = "must map dimension names to non-negative numbers"
        else:
            values["weights"] = dict(raw)
    for name in ("budget_increase_pct", "max_premium_pct", "time_limit_s",
                 "rotation_max_share", "max_supplier_share", "mode", "solver", "explain"):
        if name in data:
            values[name] = data[name]
    if errors:
        # Also run the field checks so the caller sees every problem at once.
        try:
            ScenarioInput(**{k: v for k, v in values.items() if k not in errors})
        except ScenarioError as more:
            errors.update({k: v for k, v in more.errors.items() if k not in errors})
        except TypeError:
            pass
        raise ScenarioError(errors)
    try:
        return ScenarioInput(**values)
    except TypeError as exc:  # a wrongly typed value that the checks above let through
        raise ScenarioError({"scenario": str(exc)}) from exc


def scenario_to_dict(s: ScenarioInput) -> dict[str, Any]:
    """Return the JSON form of a scenario (the inverse of ``scenario_from_dict``)."""

    def target(t: Target | None) -> dict[str, Any] | None:
        return None if t is None else {"value": t.value, "hard": t.hard}

    return {
        "budget_increase_pct": s.budget_increase_pct,
        "max_premium_pct": s.max_premium_pct,
        "weights": dict(s.weights),
        "social_economy_share": target(s.social_economy_share),
        "social_economy_share_by_category": {
            k: target(v) for k, v in sorted(s.social_economy_share_by_category.items())
        },
        "local_share": target(s.local_share),
        "max_supplier_share": s.max_supplier_share,
        "mode": s.mode,
        "solver": s.solver,
        "time_limit_s": s.time_limit_s,
        "rotation_max_share": s.rotation_max_share,
        "explain": s.explain,
    }
