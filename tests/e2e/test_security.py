"""Web security: headers, sign-in throttling and its audit, cookies, sizes, error envelope."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from procurement.models import AuditEvent, User

PASSWORD = "correct horse battery staple"


def sign_in(client: FlaskClient, email: str, password: str) -> Any:
    """Post the sign-in form."""
    return client.post("/login", data={"email": email, "password": password})


def test_pages_and_api_answers_carry_the_security_headers(client: FlaskClient, world: Any):
    for answer in (client.get("/login"), client.get("/api/openapi.json"),
                   client.get("/api/me", headers=world.a.headers("auditor")),
                   client.get("/api/me")):
        csp = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert answer.headers["X-Frame-Options"] == "DENY"


def test_the_api_docs_page_is_self_hosted_and_needs_no_inline_script(
        client: FlaskClient, world: Any):
    anonymous = client.get("/api/docs")
    assert anonymous.status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = str(world.a.users["auditor"])
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<script>" not in html and "http" not in html.replace("http-equiv", "")
    for asset in ("swagger/swagger-ui-bundle.js", "swagger/swagger-ui.css", "swagger/init.js"):
        assert asset in html
        assert client.get(f"/static/{asset}").status_code == 200


def test_signing_in_sets_a_session_cookie_that_scripts_cannot_read(
        client: FlaskClient, world: Any):
    answer = sign_in(client, world.a.emails["auditor"], PASSWORD)
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert client.get("/api/me").json["role"] == "auditor"


def test_repeated_wrong_passwords_lock_the_account_and_are_audited(
        app: Flask, client: FlaskClient, world: Any):
    email = world.a.emails["finance"]
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert sign_in(client, email, "wrong password!").status_code == 401
    locked = sign_in(client, email, PASSWORD)
    assert locked.status_code == 401
    assert sign_in(client, "nobody@example.org", "whatever").status_code == 401
    with app.extensions["db_factory"]() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None and user.locked_until is not None
        failures = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login.failed", AuditEvent.actor == email))
        unknown = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login.failed", AuditEvent.actor == "nobody@example.org"))
    assert failures == limit + 1
    assert unknown == 1


def test_a_too_large_upload_answers_413_with_the_json_envelope(make_app: Any, make_world: Any):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    world = make_world(app)
    with app.test_client() as client:
        answer = client.post("/api/imports", headers=world.a.headers("purchaser"),
                             content_type="multipart/form-data",
                             data={"file": (io.BytesIO(b"x" * 4096), "big.csv")})
    assert answer.status_code == 413
    assert answer.json["code"] == "too_large"
    assert answer.json["message"]


def test_a_wrong_method_answers_405_with_allow_and_the_envelope(
        client: FlaskClient, world: Any):
    answer = client.put("/api/proposals", headers=world.a.headers("auditor"))
    assert answer.status_code == 405
    assert answer.json["code"] == "method_not_allowed"
    assert "GET" in answer.headers["Allow"]


def test_invalid_input_is_reported_per_field_in_the_envelope(client: FlaskClient, world: Any):
    answer = client.post(f"/api/proposals/{world.a.submitted_id}/decide",
                         headers=world.a.headers("finance"),
                         json={"decision": "maybe", "version": "one", "extra": 1})
    assert answer.status_code == 422
    assert answer.json["code"] == "invalid_input"
    assert set(answer.json["errors"]) == {"decision", "version", "extra"}
    listing = client.get("/api/proposals?page_size=100000", headers=world.a.headers("auditor"))
    assert listing.status_code == 422
    assert "page_size" in listing.json["errors"]
