"""Resume a form after signing in again: the choices typed survive an expired session.

When a session ends in the middle of a flow (the upload's options, the column mapping,
"store the valid rows only", a scenario), the form's POST can no longer be honoured: its
CSRF token went with the session, and nobody is signed in. Instead of an error page, the
person is sent to the login page with `next` set to the same form, as a GET whose query
carries the choices they had made; the form shows them again, to be sent once more.
Nothing is done on their behalf: the GET only fills the form.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

import importers

SCENARIO_FIELDS = (
    "name", "budget_increase_pct", "max_premium_pct", "max_supplier_share",
    "social_economy_share", "social_economy_share_hard", "local_share", "local_share_hard",
    "mode", "solver", "min_capability_evidence", "time_limit_s", "period_start", "period_end",
    "scenario_json",
)
# The form a POST came from: (endpoint of its page, the fields kept in the address).
RESUMABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "web.import_new": ("web.import_new", ("accept_valid_rows", "review_mapping", "currency",
                                          "date_order")),
    "web.import_mapping": ("web.import_mapping", (
        "accept_valid_rows", "save_mapping", "currency", "date_order",
        *(f"map_{name}" for name in importers.SPEND_FIELDS))),
    "web.import_accept_valid": ("web.import_detail", ()),
    "web.scenario_run": ("web.scenario_new", SCENARIO_FIELDS),
    "web.proposal_decide": ("web.proposal_detail", ()),
}
MAX_KEPT = 2000  # characters of one field kept in the address


def resume_target() -> str | None:
    """Return the page (with the choices made) to go back to after signing in, if any."""
    spec = RESUMABLE.get(request.endpoint or "")
    if spec is None or request.method == "GET":
        return None
    endpoint, fields = spec
    kept = {name: value for name in fields
            if (value := request.form.get(name, "")) and len(value) <= MAX_KEPT}
    values: dict[str, Any] = {**(request.view_args or {}), **kept}
    return url_for(endpoint, **values)


def _expired_form(exc: CSRFError) -> Any:
    """Send a signed-out person back to the login page, then to their form; else 400."""
    target = None if current_user.is_authenticated else resume_target()
    if target is None:
        generic = current_app.error_handler_spec[None][None].get(HTTPException)
        if generic is None:  # pragma: no cover - app.errors registers it
            return exc
        return generic(exc)
    return redirect(url_for("web.login", next=target))


def init_app(app: Flask) -> None:
    """Answer expired forms of the resumable flows with the way back to them."""
    app.register_error_handler(CSRFError, _expired_form)
    app.extensions["resume_after_login"] = resume_target
