"""The audit trail: every change leaves an event, and editing one is detected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.cli import cli


def verify_with_cli(app: Flask, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    """Run `procure audit verify --json` on the app's database."""
    env = {"DATABASE_URL": app.config["DATABASE_URL"], "PROCURE_INSTANCE": str(tmp_path),
           "SECRET_KEY": app.config["SECRET_KEY"]}  # the same instance: the same audit key
    result = CliRunner().invoke(cli, ["audit", "verify", "--json"], env=env)
    return result.exit_code, json.loads(result.stdout)


def test_an_audit_row_edited_in_the_database_is_named_by_procure_audit_verify(
        app: Flask, client: FlaskClient, world: Any, tmp_path: Path):
    a = world.a
    client.post(f"/api/proposals/{a.draft_id}/submit", headers=a.headers("purchaser"),
                json={"version": 1})
    exit_code, report = verify_with_cli(app, tmp_path)
    assert exit_code == 0
    assert report["ok"] is True
    assert report["events"] > 5

    events = client.get("/api/audit/events?action=proposal.submitted",
                        headers=a.headers("auditor")).json
    target = events[0]["id"]
    with app.extensions["db_engine"].begin() as connection:
        connection.execute(text("UPDATE audit_event SET after = :after WHERE id = :id"),
                           {"after": json.dumps({"status": "approved"}), "id": target})

    exit_code, report = verify_with_cli(app, tmp_path)
    assert exit_code != 0
    assert report["ok"] is False
    assert report["first_broken_id"] == target
    api_report = client.get("/api/audit/verify", headers=a.headers("auditor")).json
    assert api_report["first_broken_id"] == target


def test_a_deleted_audit_row_breaks_the_chain_at_the_next_event(
        app: Flask, client: FlaskClient, world: Any, tmp_path: Path):
    events = client.get("/api/audit/events", headers=world.a.headers("auditor")).json
    victim = events[-1]["id"]
    with app.extensions["db_engine"].begin() as connection:
        following = connection.execute(text("SELECT min(id) FROM audit_event WHERE id > :id"),
                                       {"id": victim}).scalar_one()
        connection.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": victim})
    exit_code, report = verify_with_cli(app, tmp_path)
    assert exit_code != 0
    assert report["first_broken_id"] == following


def test_each_decision_records_who_what_and_the_state_before_and_after(
        client: FlaskClient, world: Any):
    a = world.a
    client.post(f"/api/proposals/{a.submitted_id}/decide", headers=a.headers("finance"),
                json={"decision": "rejected", "version": 1, "comment": "Budget trop serré"})
    events = client.get(f"/api/audit/events?object_type=proposal&object_id={a.submitted_id}",
                        headers=a.headers("auditor")).json
    decision = next(e for e in events if e["action"] == "proposal.rejected")
    assert decision["actor"] == a.emails["finance"]
    assert decision["before"] == {"status": "submitted", "version": 1}
    assert decision["after"]["status"] == "rejected"
    assert decision["after"]["comment"] == "Budget trop serré"
    assert len(decision["hash"]) == 64


def test_deleting_the_last_audit_row_is_found_by_the_cli_and_the_api(
        app: Flask, client: FlaskClient, world: Any, tmp_path: Path):
    with app.extensions["db_engine"].begin() as connection:
        last = connection.execute(text("SELECT max(id) FROM audit_event")).scalar_one()
        connection.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": last})
    exit_code, report = verify_with_cli(app, tmp_path)
    assert exit_code != 0 and report["ok"] is False
    assert "anchored head" in report["reason"]
    api_report = client.get("/api/audit/verify", headers=world.a.headers("auditor")).json
    assert api_report["ok"] is False
