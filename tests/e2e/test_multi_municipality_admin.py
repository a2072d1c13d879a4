"""An administrator of a shared instance manages several municipalities, and only those."""

from __future__ import annotations

from typing import Any

import pytest
from factories import PASSWORD
from flask import Flask
from flask.testing import FlaskClient

from procurement.errors import InvalidInput, NotFound
from procurement.models import Organization, User
from procurement.permissions import SYSTEM
from procurement.users import actor_for, grant_management


def _grant(app: Flask, email: str, org_id: int) -> None:
    with app.extensions["db_factory"]() as session:
        grant_management(session, SYSTEM, email=email, organization_id=org_id)
        session.commit()


def _third_town(app: Flask) -> int:
    with app.extensions["db_factory"]() as session:
        org = Organization(code="51015", name="Louiseville", region="Test")
        session.add(org)
        session.commit()
        return org.id


def test_a_granted_admin_switches_municipality_and_sees_only_that_one(
        app: Flask, client: FlaskClient, world: Any) -> None:
    admin_a = world.a.emails["admin"]
    _grant(app, admin_a, world.b.id)
    third = _third_town(app)
    client.post("/login", data={"email": admin_a, "password": PASSWORD})
    home = client.get("/").get_data(as_text=True)
    assert "Trois-Rivières" in home and 'name="organization_id"' in home
    assert client.post("/organization", data={"organization_id": world.b.id}).status_code == 302
    page = client.get(f"/proposals/{world.b.draft_id}")
    assert page.status_code == 200
    assert client.get(f"/proposals/{world.a.draft_id}").status_code == 404
    assert client.post("/organization", data={"organization_id": third}).status_code == 404


def test_the_api_acts_for_the_municipality_named_in_x_organization(
        app: Flask, client: FlaskClient, world: Any) -> None:
    _grant(app, world.a.emails["admin"], world.b.id)
    _third_town(app)
    headers = world.a.headers("admin")
    assert client.get(f"/api/proposals/{world.b.draft_id}", headers=headers).status_code == 404
    as_b = {**headers, "X-Organization": world.b.code}
    assert client.get(f"/api/proposals/{world.b.draft_id}", headers=as_b).status_code == 200
    assert client.get(f"/api/proposals/{world.a.draft_id}", headers=as_b).status_code == 404
    refused = client.get("/api/proposals", headers={**headers, "X-Organization": "51015"})
    assert refused.status_code == 403
    assert "51015" in refused.get_json()["message"]
    other = client.get("/api/proposals", headers={**world.b.headers("admin"),
                                                  "X-Organization": world.a.code})
    assert other.status_code == 403


def test_only_admins_are_granted_and_only_by_someone_who_manages_the_town(
        app: Flask, world: Any) -> None:
    with app.extensions["db_factory"]() as session:
        with pytest.raises(InvalidInput):
            grant_management(session, SYSTEM, email=world.a.emails["finance"],
                             organization_id=world.b.id)
        admin_a = actor_for(session.get(User, world.a.users["admin"]))
        with pytest.raises(NotFound):
            grant_management(session, admin_a, email=world.a.emails["admin"],
                             organization_id=world.b.id)
