"""Allocation optimizer: plain data in (``OptimizerInput``), plain data out (``Solution``).

Imports nothing else of the project and never touches a database or Flask.
"""

from optimizer.bands import RegulatoryBands, band_of
from optimizer.check import check_solution
from optimizer.compare import Comparison, ComparisonRow, compare
from optimizer.errors import InputError, OptimizerError, ScenarioError, SolverUnavailableError
from optimizer.impact import DEFAULT_WEIGHTS, impact_formula, impact_per_dollar
from optimizer.inputs import CandidateInput, LotInput, OptimizerInput, SupplierInput
from optimizer.scenario import ScenarioInput, Target, scenario_from_dict, scenario_to_dict
from optimizer.sensitivity import SensitivityRow, sensitivity
from optimizer.solution import AllocationResult, Explanation, Infeasibility, Solution, Violation
from optimizer.solve import solve

__all__ = [
    "DEFAULT_WEIGHTS",
    "AllocationResult",
    "CandidateInput",
    "Comparison",
    "ComparisonRow",
    "Explanation",
    "Infeasibility",
    "InputError",
    "LotInput",
    "OptimizerError",
    "OptimizerInput",
    "RegulatoryBands",
    "ScenarioError",
    "ScenarioInput",
    "SensitivityRow",
    "Solution",
    "SolverUnavailableError",
    "SupplierInput",
    "Target",
    "Violation",
    "band_of",
    "check_solution",
    "compare",
    "impact_formula",
    "impact_per_dollar",
    "scenario_from_dict",
    "scenario_to_dict",
    "sensitivity",
    "solve",
]
