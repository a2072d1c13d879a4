"""Errors: one JSON envelope for the API, friendly pages for people, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, make_response, render_template, request, session
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.messages import (
    CSRF_EXPIRED,
    error_message,
    field_name,
    problem_message,
    status_message,
)
from procurement.errors import ProcurementError

log = logging.getLogger(__name__)



def wants_json() -> bool:
    """Tell whether the caller is the API (or a script asking for JSON)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str,
                   errors: dict[str, Any] | None = None, headers: Any = None) -> Any:
    """Render an error as the API envelope or as a page."""
    if wants_json():
        response = jsonify({"code": code, "message": message, "errors": errors or {}})
        response.status_code = status
    else:
        said = {field_name(str(name)): problem_message(problem)
                for name, problem in (errors or {}).items()}
        response = make_response(render_template(
            "error.html", status=status, message=message, errors=said), status)
    if headers:
        for key, value in headers:
            if key.lower() == "allow":
                response.headers[key] = value
    return response


def _english() -> bool:
    return str(get_locale() or "fr").startswith("en")


def _language() -> str:
    """The user's language without the database (it may be the thing that is down)."""
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in ("fr", "en"):
        return str(chosen)
    return request.accept_languages.best_match(("fr", "en")) or "fr"


def unavailable_response(retry_after: int) -> Any:
    """Answer 503 with Retry-After when the database cannot answer: page or JSON.

    Built without the database and without the page layout (which reads the signed-in
    user), in the user's language from the request alone.
    """
    with force_locale(_language()):
        message = status_message(503)
        title = _("Service indisponible")
    if wants_json():
        response = jsonify({"code": "database_unavailable", "message": message, "errors": {}})
        response.status_code = 503
    else:
        html = (f"<!doctype html><html lang=\"{escape(_language())}\"><head><meta "
                f"charset=\"utf-8\"><title>{escape(title)}</title></head><body><h1>"
                f"{escape(title)}</h1><p>{escape(message)}</p></body></html>")
        response = make_response(html, 503)
        response.mimetype = "text/html"
    response.headers["Retry-After"] = str(retry_after)
    return response


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(ProcurementError)
    def domain_error(exc: ProcurementError) -> Any:
        if exc.reason is None and (wants_json() or _english()):
            message = exc.message  # a reason the catalogue does not know yet: the domain's text
        else:
            message = error_message(exc, exc.http_status)
        return error_response(exc.http_status, exc.code, message, exc.errors)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        errors = data.get("messages") if isinstance(data, dict) else None
        message = status_message(status)
        if status == 400 and exc.description and "CSRF" in exc.description:
            message = _(CSRF_EXPIRED)
        flat: dict[str, Any] = {}
        for location, fields in (errors or {}).items():
            if isinstance(fields, dict):
                flat.update({str(k): v for k, v in fields.items()})
            else:
                flat[str(location)] = fields
        code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "too_large",
                422: "invalid_input", 429: "too_many_requests"}.get(status, "error")
        return error_response(status, code, message, flat, exc.get_headers())

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(exc: Exception) -> Any:
        log.warning("database unavailable on %s %s: %s", request.method, request.path,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return unavailable_response(int(app.config.get("DB_RETRY_AFTER", 30)))

    @app.errorhandler(IntegrityError)
    def conflicting_write(exc: IntegrityError) -> Any:
        # A uniqueness the database enforces (two requests at once): nothing was written.
        log.info("conflicting write on %s %s: %s", request.method, request.path,
                 str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__)
        return error_response(409, "conflict", status_message(409))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", status_message(500))
