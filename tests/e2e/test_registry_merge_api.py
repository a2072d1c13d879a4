"""An administrator undoes a registry merge through the API; nobody else may."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from procurement.matching import normalize_company_name
from procurement.models import Supplier
from procurement.permissions import SYSTEM
from procurement.services import imports


def _merge(app: Flask, tmp_path: Path) -> tuple[int, int]:
    """Import two files naming one SIRET; return the merge and supplier ids."""
    header = "Raison sociale;SIRET;Code NAF\n"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(header + "Atelier Vert;73282932000074;81.30Z\n", encoding="utf-8")
    second.write_text(header + "Atelier Vert;73282932000074;01.13Z\n", encoding="utf-8")
    with app.app_context(), app.extensions["db_factory"]() as session:
        for path in (first, second):
            outcome = imports.import_suppliers(session, SYSTEM, path, isolated=False,
                                               normalize_name=normalize_company_name)
        session.commit()
        return outcome.merges[0]["merge_id"], outcome.merges[0]["supplier_id"]


def test_an_administrator_undoes_a_merge_once(app: Flask, client: FlaskClient, world: Any,
                                              tmp_path: Path) -> None:
    merge_id, supplier_id = _merge(app, tmp_path)
    url = f"/api/suppliers/merges/{merge_id}/undo"
    assert client.post(url, headers=world.a.headers("purchaser")).status_code == 403
    assert client.post(url, headers=world.a.headers("auditor")).status_code == 403
    answer = client.post(url, headers=world.a.headers("admin"))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["restored"] == {"activity_code": "81.30Z"} and body["supplier_id"] == supplier_id
    with app.app_context(), app.extensions["db_factory"]() as session:
        supplier = session.get(Supplier, supplier_id)
        assert supplier is not None and supplier.activity_code == "81.30Z"
    assert client.post(url, headers=world.a.headers("admin")).status_code == 409
    missing = client.post("/api/suppliers/merges/999999/undo", headers=world.a.headers("admin"))
    assert missing.status_code == 404


def test_the_registry_api_shows_other_countries_identifiers(app: Flask, client: FlaskClient,
                                                           world: Any, tmp_path: Path) -> None:
    _, supplier_id = _merge(app, tmp_path)
    answer = client.get(f"/api/suppliers/{supplier_id}", headers=world.a.headers("auditor"))
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["siret"], body["country"], body["activity_code"]) == (
        "73282932000074", "FR", "01.13Z")
