"""Who may call what: anonymous callers, the role matrix, and the CSRF rule for API writes."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

# Public on purpose: signing in, the load balancers' health check, static files, and the
# OpenAPI description (it holds no data, and the same text is in the open-source code).
PUBLIC_ENDPOINTS = {"static", "web.login", "web.health", "ready", "api-docs.openapi_json"}
# Pages for people (under /api/ too) send anonymous visitors to the sign-in page.
PAGES_UNDER_API = {"api_docs.interactive_docs"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def sample_url(app: Flask, rule: Rule) -> str:
    """Build a URL of `rule` with plausible values for its arguments."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        numeric = isinstance(rule._converters[name], NumberConverter)
        values[name] = 1 if numeric else "csv"
    with app.test_request_context():
        return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def protected_routes(app: Flask) -> list[tuple[Rule, str]]:
    """List every (rule, method) of the app that is not public on purpose."""
    return [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in PUBLIC_ENDPOINTS
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


def test_every_endpoint_but_login_health_static_and_the_spec_refuses_anonymous_callers(
    app: Flask, client: FlaskClient, world: Any
):
    routes = protected_routes(app)
    assert len(routes) > 30
    for rule, method in routes:
        url = sample_url(app, rule)
        answer = client.open(url, method=method)
        where = f"{method} {url} ({rule.endpoint})"
        if url.startswith("/api/") and rule.endpoint not in PAGES_UNDER_API:
            assert answer.status_code == 401, where
            assert answer.json["code"] == "unauthorized", where
        else:
            assert answer.status_code == 302, where
            assert "/login" in answer.headers["Location"], where


def test_the_public_endpoints_answer_without_signing_in(client: FlaskClient):
    assert client.get("/health").status_code == 200
    assert client.get("/login").status_code == 200
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    assert spec.json["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_an_invalid_or_revoked_token_is_refused(client: FlaskClient, world: Any):
    a = world.a
    assert client.get("/api/me", headers={"Authorization": "Bearer pk_nope"}).status_code == 401
    tokens = client.get(f"/api/users/{a.users['auditor']}/tokens", headers=a.headers("admin"))
    token_id = tokens.json[0]["id"]
    revoked = client.delete(
        f"/api/users/{a.users['auditor']}/tokens/{token_id}", headers=a.headers("admin")
    )
    assert revoked.status_code == 204
    assert client.get("/api/me", headers=a.headers("auditor")).status_code == 401


# --- the role matrix ----------------------------------------------------------------------

SPEND_CSV = (
    "Date,Fournisseur,Description,Montant\n"
    "2024-01-15,Entretien Plus,Entretien ménager,1200.50\n"
    "2024-02-15,Traiteur du Coin,Repas,350.00\n"
)


def role_actions(world: Any) -> list[tuple[str, set[str], str, str, dict[str, Any]]]:
    """Return (name, roles allowed, method, url, request options) for every kind of action."""
    a = world.a
    supplier = world.supplier_ids[0]
    return [
        (
            "read the proposals",
            {"purchaser", "finance", "auditor", "admin"},
            "GET",
            "/api/proposals",
            {},
        ),
        (
            "export a proposal",
            {"purchaser", "finance", "auditor", "admin"},
            "GET",
            f"/api/proposals/{a.draft_id}/export?format=csv",
            {},
        ),
        (
            "read the audit trail",
            {"purchaser", "finance", "auditor", "admin"},
            "GET",
            "/api/audit/events",
            {},
        ),
        (
            "import a spending file",
            {"purchaser", "admin"},
            "POST",
            "/api/imports",
            {
                "data": {"file": (io.BytesIO(SPEND_CSV.encode()), "janvier.csv")},
                "content_type": "multipart/form-data",
            },
        ),
        (
            "correct a category",
            {"purchaser", "admin"},
            "POST",
            "/api/matches/categories",
            {"json": {"kind": "description", "pattern": "Repas", "category_code": "traiteur"}},
        ),
        (
            "reject an incumbent match",
            {"purchaser", "admin"},
            "POST",
            f"/api/matches/incumbents/{a.match_id}",
            {"json": {"decision": "reject"}},
        ),
        (
            "run a scenario",
            {"purchaser", "admin"},
            "POST",
            "/api/scenarios",
            {"json": {"name": "Essai"}},
        ),
        (
            "submit a draft",
            {"purchaser", "admin"},
            "POST",
            f"/api/proposals/{a.draft_id}/submit",
            {"json": {"version": 1}},
        ),
        (
            "approve a proposal",
            {"finance"},
            "POST",
            f"/api/proposals/{a.submitted_id}/decide",
            {"json": {"decision": "approved", "version": 1}},
        ),
        (
            "edit a registry supplier",
            {"admin"},
            "PATCH",
            f"/api/suppliers/{supplier}",
            {"json": {"capacity": "250000.00", "service_area": "region"}},
        ),
        (
            "edit a regulatory profile",
            {"admin"},
            "PATCH",
            "/api/regulatory-profiles/QC-2024",
            {"json": {"tender_threshold": "133800.00", "source": "Arrêté 2024 (test)"}},
        ),
        (
            "create an account",
            {"admin"},
            "POST",
            "/api/users",
            {
                "json": {
                    "email": "new.clerk@example.org",
                    "role": "purchaser",
                    "password": "a long enough password",
                }
            },
        ),
        (
            "issue a token",
            {"admin"},
            "POST",
            f"/api/users/{a.users['auditor']}/tokens",
            {"json": {"name": "nightly export"}},
        ),
        ("list the accounts", {"admin"}, "GET", "/api/users", {}),
    ]


@pytest.mark.parametrize("role", ["purchaser", "finance", "auditor", "admin"])
def test_each_role_can_do_exactly_what_its_permissions_allow(
    app: Flask, client: FlaskClient, world: Any, role: str
):
    category = client.get("/api/categories", headers=world.a.headers(role)).json[0]["code"]
    for name, allowed, method, url, options in role_actions(world):
        if "json" in options and options["json"].get("category_code") == "traiteur":
            options["json"]["category_code"] = category
        answer = client.open(url, method=method, headers=world.a.headers(role), **options)
        if role in allowed:
            assert 200 <= answer.status_code < 300, (
                role,
                name,
                answer.status_code,
                answer.get_data(as_text=True)[:500],
            )
        else:
            assert answer.status_code == 403, (role, name, answer.status_code)
            assert answer.json["code"] == "forbidden"


def test_an_auditor_is_refused_every_api_write_whatever_the_target(
    app: Flask, client: FlaskClient, world: Any
):
    writes = [
        (rule, method)
        for rule, method in protected_routes(app)
        if method in WRITE_METHODS and rule.rule.startswith("/api/")
    ]
    assert len(writes) >= 10
    for rule, method in writes:
        url = sample_url(app, rule)
        answer = client.open(url, method=method, headers=world.a.headers("auditor"), json={})
        assert answer.status_code == 403, f"{method} {url}"


def test_an_admin_manages_users_and_their_tokens(client: FlaskClient, world: Any):
    a = world.a
    created = client.post(
        "/api/users",
        headers=a.headers("admin"),
        json={
            "email": "Finance.Two@Example.org",
            "name": "Finance Two",
            "role": "finance",
            "password": "a long enough password",
        },
    )
    assert created.status_code == 201, created.json
    assert created.json["email"] == "finance.two@example.org"
    assert "password" not in created.json
    issued = client.post(
        f"/api/users/{created.json['id']}/tokens",
        headers=a.headers("admin"),
        json={"name": "script"},
    )
    assert issued.status_code == 201
    token = issued.json["token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["role"] == "finance"
    assert me.json["organization_id"] == a.id
    assert "proposal.decide" in me.json["permissions"]
    duplicate = client.post(
        "/api/users",
        headers=a.headers("admin"),
        json={
            "email": "finance.two@example.org",
            "role": "finance",
            "password": "a long enough password",
        },
    )
    assert duplicate.status_code == 422
    assert "email" in duplicate.json["errors"]


def test_registry_and_profile_edits_are_audited_with_before_and_after(
    client: FlaskClient, world: Any
):
    a = world.a
    supplier = world.supplier_ids[1]
    client.patch(
        f"/api/suppliers/{supplier}",
        headers=a.headers("admin"),
        json={"capacity": "80000.00", "score_overrides": {"environment": 1.0}},
    )
    client.patch(
        "/api/regulatory-profiles/QC-2024",
        headers=a.headers("admin"),
        json={"tender_threshold": "133800.00"},
    )
    events = client.get("/api/audit/events", headers=a.headers("auditor")).json
    by_action = {e["action"]: e for e in events}
    assert by_action["supplier.updated"]["before"]["capacity"] is None
    assert by_action["supplier.updated"]["after"]["capacity"] == "80000.00"
    assert by_action["regulatory_profile.updated"]["before"]["tender_threshold"] == "121200.00"
    assert by_action["regulatory_profile.updated"]["after"]["tender_threshold"] == "133800.00"
    bad = client.patch(
        "/api/regulatory-profiles/QC-2024",
        headers=a.headers("admin"),
        json={"direct_award_limit": "500000.00"},
    )
    assert bad.status_code == 422
    assert "direct_award_limit" in bad.json["errors"]


# --- API writes with a session cookie need the CSRF header ------------------------------


def test_api_writes_with_a_session_cookie_need_the_csrf_header(make_app: Any, make_world: Any):
    app = make_app(WTF_CSRF_ENABLED=True)
    world = make_world(app)
    a = world.a
    with app.test_client() as client:
        with client.session_transaction() as session:
            session["_user_id"] = str(a.users["purchaser"])
            session["_fresh"] = True
        assert client.get("/api/me").status_code == 200
        page = client.get("/api/docs")
        assert page.status_code == 200
        token = re.search(r'data-csrf-token="([^"]+)"', page.get_data(as_text=True)).group(1)
        body = {"version": 1}
        refused = client.post(f"/api/proposals/{a.draft_id}/submit", json=body)
        assert refused.status_code == 403
        assert refused.json["code"] == "csrf_failed"
        forged = client.post(
            f"/api/proposals/{a.draft_id}/submit", json=body, headers={"X-CSRFToken": "forged"}
        )
        assert forged.status_code == 403
        accepted = client.post(
            f"/api/proposals/{a.draft_id}/submit", json=body, headers={"X-CSRFToken": token}
        )
        assert accepted.status_code == 200, accepted.json
    with app.test_client() as script:
        answer = script.post(
            f"/api/proposals/{a.submitted_id}/decide",
            headers=a.headers("finance"),
            json={"decision": "approved", "version": 1},
        )
        assert answer.status_code == 200
