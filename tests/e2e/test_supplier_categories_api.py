"""An administrator confirms the categories a supplier serves; inference keeps them."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from procurement.models import SupplierCategory


def test_confirmed_categories_replace_inferred_ones(app: Flask, client: FlaskClient,
                                                    world: Any) -> None:
    from procurement.services.matching import refresh_supplier_categories

    supplier_id = world.supplier_ids[0]  # "Coop de nettoyage Mauricie": cleaning, by its name
    with app.extensions["db_factory"]() as session:
        refresh_supplier_categories(session)
        session.commit()
    answer = client.put(f"/api/suppliers/{supplier_id}/categories",
                        json={"categories": ["traiteur_alimentation"]},
                        headers=world.a.headers("admin"))
    assert answer.status_code == 200, answer.get_json()
    served = answer.get_json()["categories"]
    assert [(c["category_code"], c["confirmed"], c["evidence"]) for c in served] == [
        ("traiteur_alimentation", True, "confirmed")]
    with app.extensions["db_factory"]() as session:
        refresh_supplier_categories(session)  # a later registry import re-infers
        session.commit()
        rows = session.scalars(select(SupplierCategory).where(
            SupplierCategory.supplier_id == supplier_id)).all()
        decided = sorted((r.category_code, r.decision) for r in rows)
        # The inferred cleaning pair was replaced: rejected, and never inferred again.
        assert decided == [("entretien_menager", "rejected"),
                           ("traiteur_alimentation", "confirmed")]


def test_an_unknown_category_is_refused_by_field(client: FlaskClient, world: Any) -> None:
    answer = client.put(f"/api/suppliers/{world.supplier_ids[0]}/categories",
                        json={"categories": ["licornes"]}, headers=world.a.headers("admin"))
    assert answer.status_code == 422
    assert "licornes" in str(answer.get_json()["errors"]["categories"])


def test_only_administrators_confirm_categories(client: FlaskClient, world: Any) -> None:
    answer = client.put(f"/api/suppliers/{world.supplier_ids[0]}/categories",
                        json={"categories": []}, headers=world.a.headers("purchaser"))
    assert answer.status_code == 403
