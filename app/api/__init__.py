"""JSON API (flask-smorest) with its OpenAPI 3 description at /api/openapi.json.

Authentication: a bearer token (`Authorization: Bearer pk_…`, for scripts) or the
session cookie of a signed-in person. Writes (POST, PUT, PATCH, DELETE) authenticated
by the session cookie must also carry the page's CSRF token in an `X-CSRFToken`
header: a cookie is sent by the browser on its own, a header is not, so another site
cannot make a signed-in person's browser change anything. Bearer tokens are never
sent automatically, so token requests need nothing more.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from app.api.base import IdConverter
from app.api.schemas import ErrorSchema, Money, UtcDateTime
from app.auth import authenticated_by_token
from app.errors import error_response

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SPEC_OPTIONS = {
    "info": {"description": (
        "Responsible municipal procurement engine. Authenticate scripts with "
        "`Authorization: Bearer <token>` (an administrator issues tokens). With a session "
        "cookie, writes need the `X-CSRFToken` header. Every error answers "
        "`{code, message, errors}` where `errors` maps each field to its problem. Money is "
        "a decimal string. Lists take `page` and `page_size` and answer `X-Total-Count` "
        "and `X-Pagination` headers.")},
    "security": [{"bearerAuth": []}, {"sessionCookie": []}],
}


class ProcurementApi(Api):
    """flask-smorest's Api answering errors with the application's one envelope."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """Keep app.errors' handlers: the envelope {code, message, errors} for every error."""


api = ProcurementApi()
docs = Blueprint("api_docs", __name__, template_folder="templates")


@docs.get("/api/docs")
def interactive_docs() -> Any:
    """Show the interactive API documentation (Swagger UI served from this server)."""
    if not current_user.is_authenticated:
        return redirect(url_for("web.login", next=request.full_path))
    return render_template("api_docs.html")


def refuse_cookie_writes_without_csrf() -> Any:
    """Refuse an API write authenticated by the session cookie without a valid X-CSRFToken."""
    if request.method not in WRITE_METHODS or request.blueprint not in api_blueprint_names():
        return None
    if authenticated_by_token():
        return None  # the token, not the cookie, authenticates this request
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return None
    if not current_user.is_authenticated:
        return None  # the view answers 401
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except ValidationError:
        return error_response(
            403, "csrf_failed",
            "A change made with a session cookie needs the page's X-CSRFToken header; "
            "scripts should use an API token (Authorization: Bearer …).")
    return None


def api_blueprint_names() -> frozenset[str]:
    """Return the names of the API's blueprints."""
    names: frozenset[str] = current_app.extensions["api_blueprint_names"]
    return names


def init_app(app: Flask) -> None:
    """Register the API blueprints, the docs page and the CSRF rule for cookie writes."""
    from app.api import resources
    from app.security import csrf

    app.config.setdefault("API_SPEC_OPTIONS", SPEC_OPTIONS)
    app.url_map.converters["id"] = IdConverter
    api.init_app(app)
    api.register_converter(IdConverter, integerconverter2paramschema)
    api.register_field(Money, "string", "decimal")
    api.register_field(UtcDateTime, "string", "date-time")
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "An API token issued by an administrator"})
    api.spec.components.security_scheme(
        "sessionCookie", {"type": "apiKey", "in": "cookie", "name": "session",
                          "description": "Signed-in person; writes need X-CSRFToken"})
    for blueprint in resources.BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.extensions["api_blueprint_names"] = frozenset(b.name for b in resources.BLUEPRINTS)
    app.register_blueprint(docs)
    app.before_request(refuse_cookie_writes_without_csrf)
