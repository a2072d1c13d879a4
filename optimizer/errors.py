"""Errors raised by the optimizer: one base class, one subclass per kind of fault."""

from __future__ import annotations

from collections.abc import Mapping


class OptimizerError(Exception):
    """Base of every error the optimizer raises on purpose."""


class InputError(OptimizerError):
    """Refuse inconsistent plain-data input (unknown keys, negative amounts, duplicates)."""


class ScenarioError(OptimizerError):
    """Refuse an invalid scenario; ``errors`` maps each field name to a message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors: dict[str, str] = dict(errors)
        detail = "; ".join(f"{field}: {message}" for field, message in sorted(self.errors.items()))
        super().__init__(f"invalid scenario: {detail}")


class SolverUnavailableError(OptimizerError):
    """Signal that the requested solver cannot run on this machine."""
