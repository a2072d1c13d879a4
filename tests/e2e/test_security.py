"""Web security: headers, sign-in throttling and its audit, cookies, sizes, error envelope."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from procurement.models import AuditEvent, User

PASSWORD = "correct horse battery staple"


def sign_in(client: FlaskClient, email: str, password: str, address: str = "127.0.0.1",
            next_: str | None = None) -> Any:
    """Post the sign-in form from `address`."""
    url = "/login" if next_ is None else f"/login?next={next_}"
    return client.post(url, data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


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


def _failures(app: Flask, actor: str) -> int:
    with app.extensions["db_factory"]() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login.failed", AuditEvent.actor == actor)) or 0)


def _locked(app: Flask, email: str) -> bool:
    with app.extensions["db_factory"]() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user.locked_until is not None


def test_one_address_is_throttled_on_an_account_but_cannot_lock_it_for_its_owner(
        app: Flask, client: FlaskClient, world: Any):
    email = world.a.emails["finance"]
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert sign_in(client, email, "wrong password!", "203.0.113.9").status_code == 401
    throttled = sign_in(client, email, PASSWORD, "203.0.113.9")
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert not _locked(app, email)
    owner = app.test_client()
    assert sign_in(owner, email, PASSWORD, "198.51.100.4").status_code == 302
    assert _failures(app, email) == limit  # each wrong password audited, the 429 is not


def test_failures_from_several_addresses_lock_the_account(
        app: Flask, client: FlaskClient, world: Any):
    email = world.a.emails["finance"]
    limit = app.config["LOGIN_MAX_FAILURES"]
    addresses = [f"203.0.113.{n}" for n in range(1, app.config["LOGIN_LOCK_ADDRESSES"] + 1)]
    for address in addresses[:-1]:
        for _ in range(limit):
            sign_in(client, email, "wrong password!", address)
    assert not _locked(app, email)
    assert sign_in(client, email, "wrong password!", addresses[-1]).status_code == 401
    assert _locked(app, email)
    assert sign_in(app.test_client(), email, PASSWORD, "198.51.100.4").status_code == 401


def test_one_address_is_throttled_across_accounts_and_anonymous_failures_are_bounded(
        make_app: Any, make_world: Any):
    app = make_app(LOGIN_MAX_PER_ADDRESS=8)
    make_world(app)
    client = app.test_client()
    for n in range(8):
        assert sign_in(client, f"nobody{n}@example.org", "whatever").status_code == 401
    refused = sign_in(client, "nobody9@example.org", "whatever")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Trop de tentatives" in refused.get_data(as_text=True)
    with app.extensions["db_factory"]() as session:
        anonymous = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login.failed", AuditEvent.actor.like("nobody%")))
    assert anonymous == 1  # the first per address and window, not one per attempt
    other = sign_in(app.test_client(), "nobody@example.org", "whatever", "198.51.100.7")
    assert other.status_code == 401  # another address is not throttled


@pytest.mark.parametrize("target", ["/%09/evil.example", "/\\evil.example", "//evil.example",
                                    "/%0d%0a/x", "https://evil.example/", "/\t/evil.example",
                                    "%2F%2Fevil.example", "/%5Cevil.example"])
def test_sign_in_never_redirects_off_the_site(client: FlaskClient, world: Any, target: str):
    answer = sign_in(client, world.a.emails["auditor"], PASSWORD, next_=target)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location == "/", location


def test_sign_in_follows_a_path_of_this_site(client: FlaskClient, world: Any):
    answer = sign_in(client, world.a.emails["auditor"], PASSWORD, next_="/imports%3Foffset%3D50")
    assert answer.status_code == 302 and answer.headers["Location"] == "/imports?offset=50"


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
