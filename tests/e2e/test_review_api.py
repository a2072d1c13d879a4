"""The review workflow over the API: submit, decide with four eyes and optimistic locking."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from procurement.models import AuditEvent


def decision_events(app: Flask, proposal_id: int) -> int:
    """Count the audit events recording a decision on a proposal."""
    with app.extensions["db_factory"]() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.object_type == "proposal",
                    AuditEvent.object_id == str(proposal_id),
                    AuditEvent.action.in_(["proposal.approved", "proposal.rejected"]),
                )
            )
            or 0
        )


def test_a_purchaser_submits_a_draft_and_finance_approves_it(client: FlaskClient, world: Any):
    a = world.a
    draft = client.get(f"/api/proposals/{a.draft_id}", headers=a.headers("purchaser")).json
    assert draft["status"] == "draft"
    assert all(isinstance(x["amount"], str) for x in draft["allocations"])

    submitted = client.post(
        f"/api/proposals/{a.draft_id}/submit",
        json={"version": draft["version"]},
        headers=a.headers("purchaser"),
    )
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "submitted"

    first_allocation = submitted.json["allocations"][0]["id"]
    approved = client.post(
        f"/api/proposals/{a.draft_id}/decide",
        headers=a.headers("finance"),
        json={
            "decision": "approved",
            "version": submitted.json["version"],
            "comment": "ok",
            "allocations": {str(first_allocation): "rejected"},
        },
    )
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved"
    decisions = {x["id"]: x["decision"] for x in approved.json["allocations"]}
    assert decisions[first_allocation] == "rejected"
    assert set(decisions.values()) == {"approved", "rejected"}


def test_two_reviewers_deciding_the_same_version_get_one_success_and_one_conflict(
    app: Flask, world: Any
):
    a = world.a
    proposal_id = a.submitted_id
    with app.test_client() as client:
        version = client.get(f"/api/proposals/{proposal_id}", headers=a.headers("finance")).json[
            "version"
        ]
    barrier = threading.Barrier(2)

    def decide(role: str, decision: str) -> int:
        with app.test_client() as own_client:
            barrier.wait()
            answer = own_client.post(
                f"/api/proposals/{proposal_id}/decide",
                headers=a.headers(role),
                json={"decision": decision, "version": version, "comment": f"by {role}"},
            )
            return answer.status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(decide, ["finance", "finance2"], ["approved", "rejected"]))

    assert sorted(results) == [200, 409]
    assert decision_events(app, proposal_id) == 1


def test_a_late_reviewer_with_a_stale_version_gets_a_conflict_and_no_event(
    client: FlaskClient, app: Flask, world: Any
):
    a = world.a
    version = client.get(f"/api/proposals/{a.submitted_id}", headers=a.headers("finance")).json[
        "version"
    ]
    body = {"decision": "approved", "version": version}
    first = client.post(
        f"/api/proposals/{a.submitted_id}/decide", json=body, headers=a.headers("finance")
    )
    second = client.post(
        f"/api/proposals/{a.submitted_id}/decide", json=body, headers=a.headers("finance2")
    )
    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json["code"] == "conflict"
    assert decision_events(app, a.submitted_id) == 1


def test_the_author_of_a_proposal_cannot_approve_it(client: FlaskClient, world: Any):
    a = world.a
    proposal = client.get(
        f"/api/proposals/{a.finance_authored_id}", headers=a.headers("finance")
    ).json
    answer = client.post(
        f"/api/proposals/{a.finance_authored_id}/decide",
        headers=a.headers("finance"),
        json={"decision": "approved", "version": proposal["version"]},
    )
    assert answer.status_code == 403
    assert answer.json["code"] == "forbidden"
    other = client.post(
        f"/api/proposals/{a.finance_authored_id}/decide",
        headers=a.headers("finance2"),
        json={"decision": "approved", "version": proposal["version"]},
    )
    assert other.status_code == 200


def test_an_approved_proposal_is_frozen(client: FlaskClient, app: Flask, world: Any):
    a = world.a
    version = client.get(f"/api/proposals/{a.submitted_id}", headers=a.headers("finance")).json[
        "version"
    ]
    approved = client.post(
        f"/api/proposals/{a.submitted_id}/decide",
        headers=a.headers("finance"),
        json={"decision": "approved", "version": version},
    )
    assert approved.status_code == 200
    current = approved.json["version"]
    again = client.post(
        f"/api/proposals/{a.submitted_id}/decide",
        headers=a.headers("finance2"),
        json={"decision": "rejected", "version": current, "comment": "no"},
    )
    resubmit = client.post(
        f"/api/proposals/{a.submitted_id}/submit",
        headers=a.headers("purchaser"),
        json={"version": current},
    )
    assert again.status_code == 409
    assert resubmit.status_code == 409
    assert decision_events(app, a.submitted_id) == 1


def test_rejecting_needs_a_comment_named_in_the_error_envelope(client: FlaskClient, world: Any):
    a = world.a
    version = client.get(f"/api/proposals/{a.submitted_id}", headers=a.headers("finance")).json[
        "version"
    ]
    answer = client.post(
        f"/api/proposals/{a.submitted_id}/decide",
        headers=a.headers("finance"),
        json={"decision": "rejected", "version": version},
    )
    assert answer.status_code == 422
    assert answer.json["code"] == "invalid_input"
    assert "comment" in answer.json["errors"]


def test_comparing_two_proposals_lists_the_differences(client: FlaskClient, world: Any):
    a = world.a
    answer = client.get(
        f"/api/proposals/compare?first={a.draft_id}&second={a.finance_authored_id}",
        headers=a.headers("auditor"),
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["rows"]
    assert all(isinstance(row["delta"], str) for row in answer.json["rows"])


def test_an_auditor_exports_an_approved_proposal_as_a_workbook_and_it_is_audited(
        client: FlaskClient, world: Any):
    a = world.a
    answer = client.get(f"/api/proposals/{a.submitted_id}/export?format=xlsx",
                        headers=a.headers("auditor"))
    assert answer.status_code == 200
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    assert answer.data[:2] == b"PK"
    assert "attachment" in answer.headers["Content-Disposition"]
    events = client.get(f"/api/audit/events?action=proposal.exported&object_id={a.submitted_id}",
                        headers=a.headers("auditor")).json
    assert [e["after"]["format"] for e in events] == ["xlsx"]
    unknown = client.get(f"/api/proposals/{a.submitted_id}/export?format=pdfx",
                         headers=a.headers("auditor"))
    assert unknown.status_code == 422
    assert "format" in unknown.json["errors"]


def test_proposal_lists_filter_by_status_and_paginate(client: FlaskClient, world: Any):
    headers = world.a.headers("finance")
    submitted = client.get("/api/proposals?status=submitted", headers=headers)
    assert {p["status"] for p in submitted.json} == {"submitted"}
    first_page = client.get("/api/proposals?page=1&page_size=2", headers=headers)
    second_page = client.get("/api/proposals?page=2&page_size=2", headers=headers)
    assert first_page.headers["X-Total-Count"] == "3"
    assert len(first_page.json) == 2 and len(second_page.json) == 1
    assert not {p["id"] for p in first_page.json} & {p["id"] for p in second_page.json}
