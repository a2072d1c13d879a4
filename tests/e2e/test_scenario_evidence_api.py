"""The API runs scenarios with a minimum capability evidence and shows it on each award."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from procurement.models import Supplier, SupplierCategory
from procurement.services import matching


def _name_only_capability(app: Flask, supplier_id: int) -> None:
    with app.app_context(), app.extensions["db_factory"]() as session:
        matching.seed_categories(session)
        supplier = session.get(Supplier, supplier_id)
        assert supplier is not None
        supplier.municipality_code = "37067"
        session.add(SupplierCategory(supplier_id=supplier_id, category_code="entretien_menager",
                                     confidence=0.75, evidence="name",
                                     reason="'nettoyage' in name"))
        session.commit()


def test_a_name_only_capability_is_a_prospect_unless_the_scenario_accepts_names(
        app: Flask, client: FlaskClient, world: Any) -> None:
    supplier_id = world.supplier_ids[0]
    _name_only_capability(app, supplier_id)
    headers = world.a.headers("purchaser")

    strict = client.post("/api/scenarios", json={"name": "Défaut"}, headers=headers)
    assert strict.status_code == 201, strict.get_json()
    body = strict.get_json()
    assert all(a["supplier_id"] is None for a in body["allocations"])
    proposal = client.get(f"/api/proposals/{body['proposal_id']}", headers=headers).get_json()
    prospects = [p for lot in proposal["lots"] for p in lot["prospects"]]
    assert [(p["supplier_id"], p["evidence"]) for p in prospects] == [(supplier_id, "name")]

    lenient = client.post("/api/scenarios", json={"min_capability_evidence": "name"},
                          headers=headers)
    assert lenient.status_code == 201
    body = lenient.get_json()
    awards = [a for a in body["allocations"] if a["supplier_id"] == supplier_id]
    assert awards and awards[0]["capability_evidence"] == "name"
    proposal = client.get(f"/api/proposals/{body['proposal_id']}", headers=headers).get_json()
    stored = [a for a in proposal["allocations"] if a["supplier_id"] == supplier_id]
    assert stored[0]["capability_evidence"] == "name" and stored[0]["confirmed_by"] is None


def test_an_unknown_evidence_kind_is_refused_with_the_field_named(
        client: FlaskClient, world: Any) -> None:
    response = client.post("/api/scenarios", json={"min_capability_evidence": "rumour"},
                           headers=world.a.headers("purchaser"))
    assert response.status_code == 422
    assert "min_capability_evidence" in str(response.get_json())
