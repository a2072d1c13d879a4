"""Two municipalities: nothing of one is listed, shown, searched or exported to the other."""

from __future__ import annotations

from typing import Any

import factories
from flask import Flask, url_for
from flask.testing import FlaskClient

LISTS = ["/api/imports", "/api/lines", "/api/proposals", "/api/proposals?status=submitted",
         "/api/scenarios", "/api/audit/events", "/api/matches/incumbents",
         "/api/matches/incumbents?status=pending", "/api/users"]


def test_no_list_or_search_shows_another_municipalitys_data(client: FlaskClient, world: Any):
    a, b = world.a, world.b
    b_ids = {b.draft_id, b.submitted_id, b.finance_authored_id}
    for url in LISTS:
        answer = client.get(url, headers=a.headers("admin"))
        assert answer.status_code == 200, url
        text = answer.get_data(as_text=True)
        assert b.marker not in text, url
        assert not any(email in text for email in b.emails.values()), url
        if "proposals" in url:
            assert not b_ids & {item["id"] for item in answer.json}, url
    search = client.get(f"/api/lines?supplier={b.marker}", headers=a.headers("auditor"))
    assert search.json == []
    own = client.get(f"/api/lines?supplier={a.marker}", headers=a.headers("auditor"))
    assert len(own.json) == 1


def test_another_municipalitys_objects_answer_404_by_direct_id(client: FlaskClient, world: Any):
    a, b = world.a, world.b
    reads = [
        f"/api/proposals/{b.submitted_id}",
        f"/api/proposals/{b.submitted_id}/export?format=csv",
        f"/api/proposals/{b.submitted_id}/export?format=xlsx",
        f"/api/proposals/compare?first={a.draft_id}&second={b.draft_id}",
        f"/api/imports/{b.import_id}",
        f"/api/imports/{b.import_id}/report.csv",
        f"/api/users/{b.users['auditor']}/tokens",
    ]
    for url in reads:
        answer = client.get(url, headers=a.headers("admin"))
        assert answer.status_code == 404, url
        assert answer.json["code"] == "not_found", url
    writes = [
        ("finance", f"/api/proposals/{b.submitted_id}/decide",
         {"decision": "approved", "version": 1}),
        ("purchaser", f"/api/proposals/{b.draft_id}/submit", {"version": 1}),
        ("purchaser", f"/api/matches/incumbents/{b.match_id}", {"decision": "reject"}),
        ("admin", f"/api/users/{b.users['auditor']}/tokens", {"name": "steal"}),
    ]
    for role, url, body in writes:
        answer = client.post(url, headers=a.headers(role), json=body)
        assert answer.status_code == 404, url
    token_id = client.get(f"/api/users/{b.users['auditor']}/tokens",
                          headers=b.headers("admin")).json[0]["id"]
    revoke = client.delete(f"/api/users/{b.users['auditor']}/tokens/{token_id}",
                           headers=a.headers("admin"))
    assert revoke.status_code == 404
    assert client.get("/api/me", headers=b.headers("auditor")).status_code == 200


def test_the_other_municipalitys_proposal_is_untouched_after_the_attempts(
        client: FlaskClient, world: Any):
    a, b = world.a, world.b
    client.post(f"/api/proposals/{b.submitted_id}/decide", headers=a.headers("finance"),
                json={"decision": "approved", "version": 1})
    proposal = client.get(f"/api/proposals/{b.submitted_id}", headers=b.headers("auditor")).json
    assert proposal["status"] == "submitted"
    assert proposal["version"] == 1
    events = client.get("/api/audit/events", headers=b.headers("auditor")).json
    assert not any(e["actor"] in a.emails.values() for e in events)


def test_the_pages_of_another_municipalitys_objects_answer_404(
        app: Flask, client: FlaskClient, world: Any):
    a, b = world.a, world.b
    with client.session_transaction() as session:
        session["_user_id"] = str(a.users["admin"])
    with app.test_request_context():
        pages = [url_for("web.proposal_detail", proposal_id=b.submitted_id),
                 url_for("web.proposal_export", proposal_id=b.submitted_id, fmt="csv"),
                 url_for("web.import_detail", import_id=b.import_id)]
        own = url_for("web.proposal_detail", proposal_id=a.submitted_id)
    assert client.get(own).status_code == 200
    for page in pages:
        assert client.get(page).status_code == 404, page


def test_an_account_attached_to_no_municipality_reaches_nothing(
        app: Flask, client: FlaskClient, world: Any):
    with app.extensions["db_factory"]() as session:
        orphan = factories.make_user(session, None, "admin")
        token = factories.make_token(session, orphan)
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    for url in (f"/api/proposals/{world.a.submitted_id}",
                f"/api/proposals/{world.a.submitted_id}/export?format=csv",
                f"/api/imports/{world.a.import_id}", "/api/proposals", "/api/users"):
        assert client.get(url, headers=headers).status_code == 404, url
