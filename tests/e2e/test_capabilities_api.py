"""The capability review queue over the API: order, filters, bulk decisions, roles, tenancy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factories
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from procurement.models import (
    AuditEvent,
    Organization,
    PurchaseLine,
    Supplier,
    SupplierCategory,
)


@pytest.fixture
def queue(app: Flask, world: Any) -> dict[str, int]:
    """Give both suppliers a place and capabilities; Rimouski spends a lot on snow removal."""
    with app.extensions["db_factory"]() as session:
        cleaning, reuse = (session.get(Supplier, sid) for sid in world.supplier_ids)
        assert cleaning is not None and reuse is not None
        cleaning.municipality_code, reuse.municipality_code = "37067", "10043"
        session.add_all([
            SupplierCategory(supplier_id=cleaning.id, category_code="entretien_menager",
                             confidence=0.85, evidence="activity",
                             reason="« nettoyage » dans l'activité / 'cleaning' in activity"),
            SupplierCategory(supplier_id=cleaning.id, category_code="deneigement",
                             confidence=0.75, evidence="name", reason="nom / name"),
            SupplierCategory(supplier_id=reuse.id, category_code="collecte_recyclage",
                             confidence=0.75, evidence="name", reason="nom / name"),
        ])
        town_a = session.get(Organization, world.a.id)
        town_b = session.get(Organization, world.b.id)
        assert town_a is not None and town_b is not None
        mine = factories.make_import(session, town_a, None, [("Recyclo", "Collecte", "100.00")])
        theirs = factories.make_import(session, town_b, None, [("Gagnon", "Neige", "999999.00")])
        for batch, code in ((mine, "collecte_recyclage"), (theirs, "deneigement")):
            for line in session.scalars(select(PurchaseLine).where(
                    PurchaseLine.import_id == batch.id)):
                line.category_code = code
        session.commit()
        return {"cleaning": cleaning.id, "reuse": reuse.id}


def test_the_queue_puts_the_most_spending_first_with_decimal_strings(
        client: FlaskClient, world: Any, queue: dict[str, int]) -> None:
    answer = client.get("/api/capabilities", headers=world.a.headers("finance"))
    assert answer.status_code == 200
    items = answer.get_json()
    assert [(i["supplier_id"], i["category_code"], i["spending"]) for i in items] == [
        (queue["cleaning"], "entretien_menager", "6200.00"),
        (queue["reuse"], "collecte_recyclage", "100.00"),
        (queue["cleaning"], "deneigement", "0.00"),  # Rimouski's snow removal is not shown
    ]
    assert items[0]["evidence"] == "activity" and items[0]["decision"] is None
    assert items[0]["supplier_name"] == "Coop de nettoyage Mauricie"
    assert answer.headers["X-Total-Count"] == "3"
    # Rimouski sees its own spending in the same pair.
    theirs = client.get("/api/capabilities?category=deneigement",
                        headers=world.b.headers("auditor")).get_json()
    assert [i["spending"] for i in theirs] == ["999999.00"]


def test_filters_and_pages(client: FlaskClient, world: Any, queue: dict[str, int]) -> None:
    headers = world.a.headers("purchaser")
    names = client.get("/api/capabilities?evidence=name", headers=headers).get_json()
    assert {i["category_code"] for i in names} == {"collecte_recyclage", "deneigement"}
    page = client.get("/api/capabilities?page=2&page_size=1", headers=headers)
    assert [i["category_code"] for i in page.get_json()] == ["collecte_recyclage"]
    assert page.headers["X-Total-Count"] == "3"
    refused = client.get("/api/capabilities?evidence=rumour", headers=headers)
    assert refused.status_code == 422 and "evidence" in refused.get_json()["errors"]


def test_a_bulk_decision_is_stored_audited_and_leaves_the_queue(
        app: Flask, client: FlaskClient, world: Any, queue: dict[str, int]) -> None:
    answer = client.post("/api/capabilities/decisions", headers=world.a.headers("purchaser"),
                         json={"decisions": [
                             {"supplier_id": queue["cleaning"],
                              "category_code": "entretien_menager", "decision": "confirmed"},
                             {"supplier_id": queue["reuse"], "category_code": "collecte_recyclage",
                              "decision": "rejected"}], "comment": "appel fait"})
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["confirmed"], answer.get_json()["rejected"]) == (1, 1)
    left = client.get("/api/capabilities", headers=world.a.headers("purchaser")).get_json()
    assert [i["category_code"] for i in left] == ["deneigement"]
    decided = client.get("/api/capabilities?decided=true",
                         headers=world.a.headers("purchaser")).get_json()
    assert {(i["category_code"], i["decision"], i["evidence"]) for i in decided} == {
        ("entretien_menager", "confirmed", "confirmed"),
        ("collecte_recyclage", "rejected", "name")}
    assert all(i["decided_by"] and i["decided_at"] for i in decided)
    # Another municipality sees the decisions (the registry is shared), not who made them.
    theirs = client.get("/api/capabilities?decided=true",
                        headers=world.b.headers("purchaser")).get_json()
    assert theirs and all(i["decided_by"] is None for i in theirs)
    with app.extensions["db_factory"]() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "supplier_category")).all()
        assert sorted(actions) == ["capability.confirmed", "capability.rejected"]


@pytest.mark.parametrize("role", ["finance", "auditor"])
def test_finance_and_auditors_cannot_decide(app: Flask, client: FlaskClient, world: Any,
                                            queue: dict[str, int], role: str) -> None:
    answer = client.post("/api/capabilities/decisions", headers=world.a.headers(role),
                         json={"decisions": [{"supplier_id": queue["cleaning"],
                                              "category_code": "deneigement",
                                              "decision": "confirmed"}]})
    assert answer.status_code == 403
    with app.extensions["db_factory"]() as session:
        assert session.scalar(select(SupplierCategory.decision).where(
            SupplierCategory.category_code == "deneigement")) is None


def test_invalid_decisions_change_nothing_and_name_each_field(
        app: Flask, client: FlaskClient, world: Any, queue: dict[str, int]) -> None:
    headers = world.a.headers("admin")
    answer = client.post("/api/capabilities/decisions", headers=headers, json={"decisions": [
        {"supplier_id": queue["cleaning"], "category_code": "deneigement",
         "decision": "confirmed"},
        {"supplier_id": queue["cleaning"], "category_code": "licornes",
         "decision": "confirmed"}]})
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"decisions.1.category_code"}
    shape = client.post("/api/capabilities/decisions", headers=headers, json={"decisions": [
        {"supplier_id": queue["cleaning"], "category_code": "deneigement",
         "decision": "maybe"}]})
    assert shape.status_code == 422 and "decisions" in shape.get_json()["errors"]
    with app.extensions["db_factory"]() as session:
        assert session.scalar(select(SupplierCategory.decision).where(
            SupplierCategory.category_code == "deneigement")) is None
    assert Decimal(client.get("/api/capabilities", headers=headers).get_json()[0]["spending"])
