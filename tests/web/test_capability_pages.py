"""The capability review page: the queue, one decision or many, CSRF, and who may decide."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.models import Organization, Supplier, SupplierCategory


@pytest.fixture
def pairs(db: Session, spending: Organization) -> dict[str, str]:
    """Two suppliers of Trois-Rivières with capabilities waiting for a person."""
    cleaning = Supplier(name="Coop Ménage Plus", normalized_name="coop menage plus",
                        municipality="Trois-Rivières", municipality_code=spending.code)
    printing = Supplier(name="Imprimerie Solidaire", normalized_name="imprimerie solidaire",
                        municipality="Trois-Rivières", municipality_code=spending.code)
    db.add_all([cleaning, printing])
    db.flush()
    db.add_all([
        SupplierCategory(supplier_id=printing.id, category_code="impression_graphisme",
                         confidence=0.9, evidence="activity",
                         reason="« impression » dans l'activité / 'printing' in activity"),
        SupplierCategory(supplier_id=cleaning.id, category_code="entretien_menager",
                         confidence=0.75, evidence="name",
                         reason="« ménage » dans le nom / 'ménage' in name"),
    ])
    db.commit()
    return {"cleaning": f"{cleaning.id}:entretien_menager",
            "printing": f"{printing.id}:impression_graphisme"}


def decisions(db: Session) -> dict[str, str | None]:
    db.expire_all()
    return {code: decision for code, decision in db.execute(
        select(SupplierCategory.category_code, SupplierCategory.decision))}


def test_the_queue_lists_the_most_spending_first_in_french(as_role: Any,
                                                          pairs: dict[str, str]) -> None:
    page = as_role("purchaser").get("/capabilities").get_data(as_text=True)
    assert "Capacités des fournisseurs" in page
    # Cleaning (3 000 $ of spending) comes before printing (1 000 $), whatever the confidence.
    assert page.index("Coop Ménage Plus") < page.index("Imprimerie Solidaire")
    assert "nom seulement" in page and "activité au registre" in page
    assert 'href="/capabilities"' in page  # in the navigation
    assert f'value="{pairs["cleaning"]}:confirmed"' in page


def test_bulk_and_single_decisions_are_recorded_with_a_flash(
        as_role: Any, csrf: Any, db: Session, pairs: dict[str, str]) -> None:
    client = as_role("purchaser")
    answer = client.post("/capabilities/decide", data={
        "csrf_token": csrf(client, "/capabilities"), "pair": list(pairs.values()),
        "decision": "confirmed"})
    assert answer.status_code == 302
    assert decisions(db) == {"entretien_menager": "confirmed", "impression_graphisme": "confirmed"}
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "2 confirmée(s), 0 rejetée(s)" in page
    assert "Aucune capacité à vérifier" in page
    answer = client.post("/capabilities/decide", data={
        "csrf_token": csrf(client, "/capabilities"), "one": f"{pairs['printing']}:rejected"})
    assert answer.status_code == 302
    assert decisions(db)["impression_graphisme"] == "rejected"


def test_a_decision_without_the_csrf_token_is_refused(as_role: Any, db: Session,
                                                     pairs: dict[str, str]) -> None:
    answer = as_role("admin").post("/capabilities/decide", data={
        "one": f"{pairs['cleaning']}:confirmed"})
    assert answer.status_code == 400
    assert decisions(db)["entretien_menager"] is None


@pytest.mark.parametrize("role", ["finance", "auditor"])
def test_finance_and_auditors_read_the_queue_but_cannot_decide(
        as_role: Any, csrf: Any, db: Session, pairs: dict[str, str], role: str) -> None:
    client = as_role(role)
    page = client.get("/capabilities").get_data(as_text=True)
    assert "Coop Ménage Plus" in page
    assert "Confirmer" not in page and 'href="/capabilities"' not in page
    answer = client.post("/capabilities/decide", data={
        "csrf_token": csrf(client, "/capabilities"), "one": f"{pairs['cleaning']}:confirmed"})
    assert answer.status_code == 403
    assert decisions(db)["entretien_menager"] is None
