"""Errors of the procurement domain, each with the HTTP status the web layer answers with."""

from __future__ import annotations

from typing import Any


class ProcurementError(Exception):
    """Base of the domain's errors: a message a clerk can act on, and a status.

    `message` is the English text for logs and scripts; people read the sentence the edge's
    catalogue renders from `reason` (a stable code) and `params`, in their own language.
    """

    http_status = 400
    code = "procurement_error"

    def __init__(self, message: str, *, errors: dict[str, Any] | None = None,
                 codes: dict[str, dict[str, Any]] | None = None,
                 reason: str | None = None, params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        # The same field errors as data for the catalogue: {field: {"code", "params"}};
        # `errors` keeps the English sentences the API has always answered with.
        self.codes = codes or {}
        # What went wrong as a code and its parameters, said in words by the catalogue.
        self.reason = reason
        self.params = params or {}


class NotFound(ProcurementError):
    """The object does not exist, or belongs to another municipality."""

    http_status = 404
    code = "not_found"


class PermissionDenied(ProcurementError):
    """The user's role does not allow this action."""

    http_status = 403
    code = "forbidden"


class InvalidInput(ProcurementError):
    """A field or argument is invalid; `errors` names each field."""

    http_status = 422
    code = "invalid_input"


class Conflict(ProcurementError):
    """The object changed since the user read it, or its state forbids the action."""

    http_status = 409
    code = "conflict"


class ImportRefused(ProcurementError):
    """A file could not be imported; the report says why."""

    http_status = 422
    code = "import_refused"

    def __init__(self, message: str, *, report: Any = None, errors: dict[str, Any] | None = None,
                 reason: str | None = None, params: dict[str, Any] | None = None):
        super().__init__(message, errors=errors, reason=reason, params=params)
        self.report = report


class FieldProblems:
    """Collect field errors: the English sentence and its stable code with parameters."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.codes: dict[str, dict[str, Any]] = {}

    def add(self, key: str, code: str, english: str, **params: Any) -> None:
        """Record the first problem of a field (later ones for the same field are dropped)."""
        if key not in self.errors:
            self.errors[key] = english
            self.codes[key] = {"code": code, "params": params}

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, message: str) -> None:
        """Raise InvalidInput with every problem collected, if there is one."""
        if self.errors:
            raise InvalidInput(message, errors=self.errors, codes=self.codes)
