"""Matching pages: categories with their reasons, corrections as rules, incumbents."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.models import (
    CategoryRule,
    IncumbentMatch,
    Organization,
    PurchaseLine,
    Supplier,
)
from tests.web.test_import_pages import finish


def test_each_distinct_value_shows_its_category_confidence_method_and_reason(
        as_role: Any, spending: Organization) -> None:
    page = as_role("finance").get("/matching").get_data(as_text=True)
    assert "Nettoyage hôtel de ville" in page
    assert "Entretien ménager" in page and "entretien_menager" not in page
    assert "élevée (92" in page
    assert "moyenne (65" in page
    assert "mots-clés" in page
    assert "mot-clé « nettoyage »" in page
    assert "keyword “cleaning”" not in page
    # Finance reads, but does not correct.
    assert 'name="category_code"' not in page


def test_the_band_filter_keeps_the_low_confidence_values(as_role: Any,
                                                         spending: Organization) -> None:
    page = as_role("purchaser").get("/matching?band=low").get_data(as_text=True)
    assert "Traiteur conseil" in page
    assert "Nettoyage hôtel de ville" not in page


def test_a_correction_is_stored_as_a_rule_and_applied_to_the_lines(
        as_role: Any, csrf: Any, db: Session, spending: Organization) -> None:
    client = as_role("purchaser")
    response = client.post("/matching/correct", data={
        "csrf_token": csrf(client, "/matching"), "scope": "expense_category",
        "expense_category": "Divers", "description": "Impression dépliants",
        "category_code": "communication_marketing", "back": "/matching?band=medium"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/matching?band=medium")
    rule = db.scalar(select(CategoryRule).where(CategoryRule.organization_id == spending.id))
    assert rule is not None
    assert (rule.kind, rule.pattern, rule.category_code) == (
        "expense_category", "Divers", "communication_marketing")
    db.expire_all()
    line = db.scalar(select(PurchaseLine).where(PurchaseLine.expense_category == "Divers"))
    assert line is not None
    assert line.category_code == "communication_marketing"
    assert line.category_method == "rule"
    page = client.get("/matching").get_data(as_text=True)
    assert "règle confirmée" in page


def test_a_correction_to_an_unknown_category_is_refused(as_role: Any, csrf: Any,
                                                        spending: Organization) -> None:
    client = as_role("purchaser")
    response = client.post("/matching/correct", data={
        "csrf_token": csrf(client, "/matching"), "description": "Traiteur conseil",
        "category_code": "nope"})
    assert response.status_code == 422


def test_the_review_queue_confirms_an_incumbent(as_role: Any, csrf: Any, db: Session,
                                                spending: Organization) -> None:
    coop = Supplier(name="Coop de nettoyage du Cap", normalized_name="coop nettoyage cap",
                    neq="1140000001")
    db.add(coop)
    db.flush()
    match = IncumbentMatch(organization_id=spending.id, supplier_name="Fournisseur 2",
                           supplier_ref="", supplier_id=coop.id, confidence=0.74,
                           method="fuzzy_name", reason="nom semblable à 88 %", status="pending")
    db.add(match)
    db.commit()
    client = as_role("purchaser")
    page = client.get("/matching/incumbents").get_data(as_text=True)
    assert "Coop de nettoyage du Cap" in page
    assert "nom semblable à 88 %" in page
    assert "moyenne (74" in page
    response = client.post(f"/matching/incumbents/{match.id}", data={
        "csrf_token": csrf(client, "/matching/incumbents"), "decision": "confirm"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(IncumbentMatch, match.id).status == "confirmed"  # type: ignore[union-attr]
    line = db.scalar(select(PurchaseLine).where(PurchaseLine.supplier_name == "Fournisseur 2"))
    assert line is not None and line.incumbent_supplier_id == coop.id
    assert "Rien à vérifier" in client.get("/matching/incumbents").get_data(as_text=True)


def test_matching_can_be_run_again_from_the_page(as_role: Any, csrf: Any,
                                                 spending: Organization) -> None:
    client = as_role("purchaser")
    response = client.post("/matching/run", data={"csrf_token": csrf(client, "/matching")})
    assert re.search(r"/jobs/\d+$", response.headers["Location"])  # a job, then the list
    done = finish(client, response)
    assert done.headers["Location"].endswith("/matching")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Appariement relancé : 3 lignes" in page


def test_the_opportunities_page_lists_categories_without_local_supplier(
        as_role: Any, spending: Organization) -> None:
    page = as_role("auditor").get("/matching/opportunities").get_data(as_text=True)
    assert "Entretien ménager" in page or "Aucune occasion" in page
