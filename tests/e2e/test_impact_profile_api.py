"""An administrator confirms a dated threshold and edits coefficients, with an audit trail."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient


def test_an_administrator_confirms_the_2026_threshold_and_the_change_is_audited(
        client: FlaskClient, world: Any) -> None:
    a = world.a
    profile = client.get("/api/regulatory-profiles/QC-2024", headers=a.headers("auditor")).json
    history = profile["threshold_history"]
    last = next(e for e in history if e["amount"] == "139000.00")
    assert last["confirmed"] is False and last["valid_from"] == "2026-01-01"
    last["confirmed"] = True
    last["source"] = "Muni-Express du MAMH (avis lu par l'administrateur)"
    changed = client.patch("/api/regulatory-profiles/QC-2024", headers=a.headers("admin"),
                           json={"threshold_history": history})
    assert changed.status_code == 200, changed.json
    assert any(e["confirmed"] and e["amount"] == "139000.00"
               for e in changed.json["threshold_history"])
    events = client.get("/api/audit/events", headers=a.headers("auditor")).json
    event = next(e for e in events if e["action"] == "regulatory_profile.updated")
    before = {e["amount"]: e["confirmed"] for e in event["before"]["threshold_history"]}
    after = {e["amount"]: e["confirmed"] for e in event["after"]["threshold_history"]}
    assert (before["139000.00"], after["139000.00"]) == (False, True)


def test_bad_coefficients_or_history_are_refused_field_by_field(
        client: FlaskClient, world: Any) -> None:
    a = world.a
    coefficients = client.get("/api/regulatory-profiles/FR-2026",
                              headers=a.headers("admin")).json["impact_coefficients"]
    coefficients["insertion_rate"]["value"] = "2"
    bad = client.patch("/api/regulatory-profiles/FR-2026", headers=a.headers("admin"),
                       json={"impact_coefficients": coefficients,
                             "threshold_history": [{"kind": "tender_threshold"}]})
    assert bad.status_code == 422
    assert "insertion_rate" in bad.json["errors"]["impact_coefficients"]
    assert "amount" in bad.json["errors"]["threshold_history"]
    denied = client.patch("/api/regulatory-profiles/FR-2026", headers=a.headers("purchaser"),
                          json={"impact_coefficients": coefficients})
    assert denied.status_code == 403
