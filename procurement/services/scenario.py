"""The one scenario validator: `procure optimize --scenario`, the API and the form call it.

A scenario is a JSON object; any subset of the fields may be given, the rest take their
defaults, and `null` also means "the default". Every problem is reported at once as a
field error: a stable code and its parameters (`FieldError`), rendered in English here
for the command line and the API, and by the catalogue of the web layer on pages.
Shares and percentages are fractions (0.02 is 2 %).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import optimizer
from optimizer.impact import DIMENSIONS
from optimizer.scenario import RANGES, TARGET_FIELDS
from procurement.errors import InvalidInput
from procurement.matching import DEFAULT_MIN_EVIDENCE, EVIDENCE_LEVELS
from procurement.targets import parse_target_path

# Kinds of capability evidence, strongest first (see SupplierCategory.evidence).

# Scenario fields the engine resolves itself before the optimizer sees the rest.
ENGINE_FIELDS = {
    "name": "a short name for the scenario",
    "regulatory_profile": "the code of a regulatory profile, e.g. QC-2024",
    "period_start": "the first day of the fiscal period, YYYY-MM-DD",
    "period_end": "the last day of the fiscal period, YYYY-MM-DD",
    "assumed_premium_pct": "expected extra cost of a social economy supplier, e.g. 0.03",
    "default_capacity": "annual capacity assumed when the registry states none, in dollars",
    "min_capability_evidence": "the weakest capability evidence that may be awarded: "
                               "confirmed, activity (default), sector or name",
    "target_path": "a path to a target share by a year within a yearly extra budget, e.g. "
                   '{"share": 0.2, "year": 2028, "yearly_extra_budget": 50000}',
}
DEFAULTS: dict[str, Any] = {"assumed_premium_pct": 0.03, "default_capacity": 150_000,
                            "min_capability_evidence": DEFAULT_MIN_EVIDENCE}
OPTIMIZER_FIELDS = (
    "budget_increase_pct", "max_premium_pct", "weights", "social_economy_share",
    "social_economy_share_by_category", "local_share", "max_supplier_share", "mode", "solver",
    "time_limit_s", "rotation_max_share", "explain",
)
# Numeric fields: (low, high, low_open). The optimizer's own table is the source of its part.
NUMBER_RANGES: dict[str, tuple[float, float, bool]] = {
    **RANGES,
    "assumed_premium_pct": (0.0, 1.0, False),
    "default_capacity": (0.0, 1e12, False),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "mode": ("divisible", "indivisible"),
    "solver": ("cbc", "highs"),
    "min_capability_evidence": EVIDENCE_LEVELS,
}
TEXT_LIMITS = {"name": 200, "regulatory_profile": 40}
DATE_FIELDS = ("period_start", "period_end")
KNOWN_FIELDS = (*ENGINE_FIELDS, *OPTIMIZER_FIELDS, "targets")
MAX_WEIGHT = 1000.0

# English rendering of each code (the command line and the API); pages use the catalogue.
MESSAGES = {
    "not_an_object": "must be a JSON object, e.g. {{\"budget_increase_pct\": 0.02}}",
    "unknown_field": "unknown field",
    "unknown_field+suggestion": "unknown field (did you mean {suggestion}?)",
    "not_a_number": "{value} is not a number",
    "out_of_range": "must be a number in {interval}",
    "percent_not_fraction": ("{value} is above 1: shares are fractions, write 0.02 for 2 % "
                             "(here {fraction})"),
    "not_a_choice": "must be one of {choices}",
    "not_a_boolean": "must be true or false",
    "invalid_target_path": "{detail}",
    "not_text": "must be text",
    "too_long": "must be at most {max} characters",
    "not_a_date": "{value} is not a date; expected YYYY-MM-DD",
    "end_before_start": "must not be before period_start ({start})",
    "not_a_target": 'must be a number between 0 and 1 or {{"value": number, "hard": true|false}}',
    "unknown_category": "unknown category code {value}",
    "unknown_dimension": "unknown impact dimension; expected {choices}",
    "no_positive_weight": "at least one weight must be positive",
    "unknown_target": "unknown target; expected one of {choices}",
    "given_twice": "given twice (inside and outside targets)",
    "invalid": "{detail}",
}


@dataclass(frozen=True)
class FieldError:
    """A problem with one field: a stable code and the parameters of its message."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        """Render the problem in English."""
        key = f"{self.code}+suggestion" if self.params.get("suggestion") else self.code
        return MESSAGES.get(key, self.code).format(**self.params)

    def to_json(self) -> dict[str, Any]:
        """Return the error as data: {"code", "params"}."""
        return {"code": self.code, "params": dict(self.params)}


class ScenarioInvalid(InvalidInput):
    """The scenario has field errors; `field_errors` keeps their codes and parameters."""

    def __init__(self, field_errors: dict[str, FieldError]) -> None:
        super().__init__("The scenario is not valid; nothing was run.",
                         errors={key: err.message() for key, err in field_errors.items()})
        self.field_errors = field_errors


@dataclass
class ScenarioSettings:
    """A validated scenario: the optimizer's part and the engine's part."""

    optimizer: optimizer.ScenarioInput
    name: str
    profile_code: str | None
    period_start: dt.date | None
    period_end: dt.date | None
    assumed_premium_pct: float
    default_capacity_cents: int
    min_capability_evidence: str = DEFAULT_MIN_EVIDENCE
    raw: dict[str, Any] = field(default_factory=dict)


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _interval(low: float, high: float, low_open: bool) -> str:
    return f"{'(' if low_open else '['}{low:g}, {high:g}]"


def _suggestion(value: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, choices, n=1)
    return close[0] if close else ""


def check_number(name: str, value: Any) -> FieldError | None:
    """Check a numeric field against its interval; a share above 1 is said as such."""
    low, high, low_open = NUMBER_RANGES[name]
    if not _is_number(value):
        return FieldError("not_a_number", {"value": repr(value)})
    inside = (low < value if low_open else low <= value) and value <= high
    if inside:
        return None
    if high == 1.0 and 1 < value <= 100:
        return FieldError("percent_not_fraction",
                          {"value": f"{value:g}", "fraction": f"{value / 100:g}"})
    return FieldError("out_of_range", {"interval": _interval(low, high, low_open),
                                       "min": low, "max": high})


def _check_target(value: Any) -> FieldError | None:
    number: Any = value.get("value") if isinstance(value, Mapping) else value
    if isinstance(value, Mapping) and (set(value) - {"value", "hard"} or "value" not in value
                                       or not isinstance(value.get("hard", False), bool)):
        return FieldError("not_a_target")
    if not _is_number(number):
        return FieldError("not_a_target")
    number = float(number)
    if 0 <= number <= 1:
        return None
    if 1 < number <= 100:
        return FieldError("percent_not_fraction",
                          {"value": f"{number:g}", "fraction": f"{number / 100:g}"})
    return FieldError("out_of_range", {"interval": "[0, 1]", "min": 0.0, "max": 1.0})


def _known_categories() -> frozenset[str]:
    from procurement.services.matching import taxonomy

    return frozenset(taxonomy().categories)


def field_errors(params: Any) -> dict[str, FieldError]:
    """Return every field error of a scenario given as JSON (empty when it is valid)."""
    if not isinstance(params, Mapping):
        return {"scenario": FieldError("not_an_object")}
    errors: dict[str, FieldError] = {}
    given = {str(key): value for key, value in params.items() if value is not None}
    # Targets may be grouped: {"targets": {"social_economy_share": …, "by_category": {…}}}.
    paths = {name: name for name in given}
    grouped = given.pop("targets", None)
    if grouped is not None:
        if not isinstance(grouped, Mapping):
            errors["targets"] = FieldError("not_an_object")
        else:
            for name, value in grouped.items():
                key = "social_economy_share_by_category" if name == "by_category" else str(name)
                if key not in TARGET_FIELDS:
                    errors[f"targets.{name}"] = FieldError(
                        "unknown_target", {"choices": ", ".join((*TARGET_FIELDS, "by_category"))})
                elif key in given:
                    errors[f"targets.{name}"] = FieldError("given_twice")
                elif value is not None:
                    given[key] = value
                    paths[key] = f"targets.{name}"
    for name, value in given.items():
        path = paths.get(name, name)
        problem = _field_error(name, value, errors, path)
        if problem is not None:
            errors[path] = problem
    start, end = (_date(given.get(key)) for key in DATE_FIELDS)
    if start and end and start > end and "period_end" not in errors:
        errors["period_end"] = FieldError("end_before_start", {"start": start.isoformat()})
    return errors


def _field_error(name: str, value: Any, errors: dict[str, FieldError],
                 path: str) -> FieldError | None:
    if name in NUMBER_RANGES:
        return check_number(name, value)
    if name in CHOICES:
        if value not in CHOICES[name]:
            return FieldError("not_a_choice", {"choices": ", ".join(CHOICES[name]),
                                               "value": repr(value)})
        return None
    if name in TEXT_LIMITS:
        if not isinstance(value, str):
            return FieldError("not_text")
        if len(value) > TEXT_LIMITS[name]:
            return FieldError("too_long", {"max": TEXT_LIMITS[name]})
        return None
    if name in DATE_FIELDS:
        return None if _date(value) else FieldError("not_a_date", {"value": repr(value)})
    if name == "explain":
        return None if isinstance(value, bool) else FieldError("not_a_boolean")
    if name == "target_path":
        try:
            parse_target_path(value)
        except ValueError as exc:
            return FieldError("invalid_target_path", {"detail": str(exc)})
        return None
    if name in ("social_economy_share", "local_share"):
        return _check_target(value)
    if name == "social_economy_share_by_category":
        if not isinstance(value, Mapping):
            return FieldError("not_an_object")
        known = _known_categories()
        for category, target in value.items():
            if category not in known:
                errors[f"{path}.{category}"] = FieldError("unknown_category",
                                                          {"value": repr(category)})
            elif (problem := _check_target(target)) is not None:
                errors[f"{path}.{category}"] = problem
        return None
    if name == "weights":
        return _weights_error(value, errors)
    return FieldError("unknown_field", {"suggestion": _suggestion(name, KNOWN_FIELDS)})


def _weights_error(value: Any, errors: dict[str, FieldError]) -> FieldError | None:
    if not isinstance(value, Mapping):
        return FieldError("not_an_object")
    for dimension, weight in value.items():
        key = f"weights.{dimension}"
        if dimension not in DIMENSIONS:
            errors[key] = FieldError("unknown_dimension", {"choices": ", ".join(DIMENSIONS)})
        elif not _is_number(weight):
            errors[key] = FieldError("not_a_number", {"value": repr(weight)})
        elif not 0 <= weight <= MAX_WEIGHT:
            errors[key] = FieldError("out_of_range", {
                "interval": _interval(0, MAX_WEIGHT, False), "min": 0.0, "max": MAX_WEIGHT})
    if value and all(_is_number(w) and w == 0 for w in value.values()):
        return FieldError("no_positive_weight")
    return None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_scenario(params: Any) -> ScenarioSettings:
    """Validate a scenario given as JSON; raise ScenarioInvalid with every field error."""
    errors = field_errors({} if params is None else params)
    if errors:
        raise ScenarioInvalid(errors)
    raw = {str(k): v for k, v in dict(params or {}).items() if v is not None}
    engine = {**DEFAULTS, **{k: v for k, v in raw.items() if k in ENGINE_FIELDS}}
    solver_part = {k: v for k, v in raw.items() if k not in ENGINE_FIELDS}
    try:
        solver_scenario = optimizer.scenario_from_dict(solver_part)
    except optimizer.ScenarioError as exc:  # a rule of the optimizer this module missed
        raise ScenarioInvalid({str(k): FieldError("invalid", {"detail": str(v)})
                               for k, v in exc.errors.items()}) from exc
    return ScenarioSettings(
        optimizer=solver_scenario, name=str(engine.get("name") or "Scénario"),
        profile_code=engine.get("regulatory_profile"),
        period_start=_date(engine.get("period_start")),
        period_end=_date(engine.get("period_end")),
        assumed_premium_pct=float(engine["assumed_premium_pct"]),
        default_capacity_cents=round(float(engine["default_capacity"]) * 100),
        min_capability_evidence=str(engine["min_capability_evidence"]),
        raw=raw,
    )
