"""The proposal page states impact in units and a lever per lot; the dashboard, years and target."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from procurement.models import ImportBatch, Organization, PurchaseLine, Supplier, SupplierCategory
from procurement.permissions import SYSTEM
from procurement.services import optimize, overview, targets


def _coop(db: Session, org: Organization) -> Supplier:
    coop = Supplier(name="Coop de nettoyage du Cap", normalized_name="coop nettoyage cap",
                    municipality="Trois-Rivières", municipality_code=org.code,
                    legal_form="Coopérative", work_integration=True)
    db.add(coop)
    db.flush()
    db.add(SupplierCategory(supplier_id=coop.id, category_code="entretien_menager",
                            confidence=0.95, evidence="activity", decision="confirmed"))
    db.commit()
    return coop


def test_the_proposal_page_shows_units_levers_and_the_unconfirmed_threshold(
        db: Session, spending: Organization, as_role: Any) -> None:
    _coop(db, spending)
    outcome = optimize.run_scenario(db, SYSTEM, spending, {"name": "Unités"})
    db.commit()
    assert outcome.proposal_id is not None
    levers = {lever["lot"]: lever for lever in outcome.to_json()["levers"]}
    assert levers["cat:entretien_menager"]["lever"] == "direct_award"
    client = as_role("finance")
    page = html.unescape(client.get(f"/proposals/{outcome.proposal_id}").get_data(as_text=True))
    assert "Impact en unités" in page and "Heures d'insertion" in page
    assert "Gré à gré avec un fournisseur d'économie sociale confirmé" in page
    assert "Coop de nettoyage du Cap est un fournisseur d'économie sociale confirmé" in page
    assert "n'a pas été confirmé par un administrateur" in page  # 139 000 $, 2026-2027
    assert "Par catégorie" in page and "Entretien ménager" in page
    english = html.unescape(client.get(f"/proposals/{outcome.proposal_id}?lang=en")
                            .get_data(as_text=True))
    assert "Direct award to a confirmed social economy supplier" in english
    assert "Work-integration hours" in english
    assert "was not confirmed by an administrator" in english
    assert "Gré à gré avec" not in english


def test_the_dashboard_shows_the_share_by_year_against_the_target(
        db: Session, org: Organization, as_role: Any) -> None:
    coop = _coop(db, org)
    batch = ImportBatch(organization_id=org.id, kind="spend", status="imported",
                        file_name="deux-annees.csv", file_hash="y" * 64, lines=4,
                        total=Decimal("4000.00"))
    db.add(batch)
    db.flush()
    for n, (day, amount, incumbent) in enumerate([
            (dt.date(2024, 3, 1), "900.00", None), (dt.date(2024, 6, 1), "100.00", coop.id),
            (dt.date(2025, 3, 1), "2250.00", None), (dt.date(2025, 6, 1), "750.00", coop.id)]):
        db.add(PurchaseLine(organization_id=org.id, import_id=batch.id, source_row=n + 2,
                            date=day, supplier_name="X", amount=Decimal(amount), currency="CAD",
                            category_code="entretien_menager", incumbent_supplier_id=incumbent))
    # A line without a date counts in the totals, in no year.
    db.add(PurchaseLine(organization_id=org.id, import_id=batch.id, source_row=9, date=None,
                        supplier_name="Y", amount=Decimal("123.45"), currency="CAD"))
    targets.set_target(db, SYSTEM, org, share=0.3, year=2027)
    db.commit()
    years = targets.years_for(db, SYSTEM, org)
    assert [(y.year, y.share) for y in years] == [(2024, 0.1), (2025, 0.25)]
    data = overview.dashboard(db, dataclasses.replace(SYSTEM, organization_id=org.id))
    assert (data.lines, data.total) == (5, Decimal("4123.45"))
    assert targets.years_for(db, SYSTEM, org, data.months) == years
    page = html.unescape(as_role("auditor").get("/").get_data(as_text=True))
    section = page[page.index('id="years"'):page.index("</section>", page.index('id="years"'))]
    assert "2024" in section and "2025" in section
    assert "10,0" in section and "25,0" in section and "30" in section
    assert "Trajectoire vers la cible" in section and "2027" in section


def test_a_lever_table_is_remembered_by_its_content_never_by_proposal(
        app: Any, db: Session, spending: Organization) -> None:
    import copy

    from app.web.impact_labels import levers_table

    _coop(db, spending)
    outcome = optimize.run_scenario(db, SYSTEM, spending, {"name": "Leviers"})
    db.commit()
    levers = outcome.to_json()["levers"]
    names = {lever["lot"]: lever["lot"] for lever in levers}
    changed = copy.deepcopy(levers)
    changed[0]["suppliers"] = [{"name": "Coop renommée", "dependency_risk": False}]
    with app.test_request_context("/?lang=fr"):
        first = levers_table(levers, names, "CAD")
        assert "Coop renommée" not in first and "Leviers par lot" in first
        again = levers_table(copy.deepcopy(levers), names, "CAD")
        assert again == first
        assert "Coop renommée" in levers_table(changed, names, "CAD")
    with app.test_request_context("/?lang=en"):
        english = levers_table(levers, names, "CAD")
        assert "Levers by lot" in english
        assert english != first
