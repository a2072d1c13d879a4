"""Awards only on trusted capability: a name alone is a prospect until a person confirms it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.errors import InvalidInput
from procurement.matching import EVIDENCE_LEVELS
from procurement.models import Allocation, Lot, Organization, Supplier, SupplierCategory
from procurement.permissions import SYSTEM
from procurement.services import exports, matching, optimize
from procurement.services.registry import set_supplier_categories
from procurement.users import actor_for
from tests.factories import make_import, make_org, make_supplier, make_user


def _setup(session: Session) -> tuple[Organization, Supplier, Supplier]:
    matching.seed_categories(session)
    org = make_org(session, "37067", "Trois-Rivières", mrc="Francheville", region="Mauricie")
    make_import(session, org, None, [("Ménage Inc.", "Entretien ménager", "20000.00"),
                                     ("Ménage Inc.", "Entretien ménager", "15000.00")])
    # Its name only says it: a word inside a proper name is not evidence of an activity. A
    # work-integration enterprise: the optimizer would prefer it, were it allowed to.
    named = make_supplier(session, "Ménage Perce-Neige", municipality_code="37067",
                          work_integration=True)
    session.add(SupplierCategory(supplier_id=named.id, category_code="entretien_menager",
                                 confidence=0.75, evidence="name",
                                 reason="« ménage » dans le nom / 'ménage' in name"))
    # Its registry activity says it: awardable by default.
    active = make_supplier(session, "Coop de nettoyage", municipality_code="37067")
    session.add(SupplierCategory(supplier_id=active.id, category_code="entretien_menager",
                                 confidence=0.85, evidence="activity",
                                 reason="'nettoyage' in activity"))
    session.flush()
    return org, named, active


def _run(session: Session, org: Organization) -> tuple[dict[str, object], list[Allocation],
                                                      Lot]:
    outcome = optimize.run_scenario(session, SYSTEM, org, {"name": "Test"})
    assert outcome.solution.status == "optimal" and outcome.proposal_id
    allocations = list(session.scalars(select(Allocation).where(
        Allocation.proposal_id == outcome.proposal_id)))
    lot = session.scalars(select(Lot).where(Lot.proposal_id == outcome.proposal_id)).one()
    return outcome.to_json(), allocations, lot


def test_a_name_only_supplier_is_a_prospect_until_a_person_confirms_it(session: Session
                                                                       ) -> None:
    org, named, active = _setup(session)
    data, allocations, lot = _run(session, org)
    awarded = {a.supplier_id for a in allocations if a.supplier_id}
    assert awarded == {active.id}
    assert [(p["supplier_id"], p["name"], p["evidence"]) for p in lot.prospects] == [
        (named.id, "Ménage Perce-Neige", "name")]
    assert "'ménage' in name" in lot.prospects[0]["reason"]
    to_supplier = [a for a in data["allocations"] if a["supplier_id"]]  # type: ignore[union-attr]
    assert to_supplier and all(a["capability_evidence"] == "activity" for a in to_supplier)

    admin = make_user(session, org, "admin", name="Agnès Tremblay")
    set_supplier_categories(session, actor_for(admin), named.id, ["entretien_menager"])
    data, allocations, lot = _run(session, org)
    mine = [a for a in allocations if a.supplier_id == named.id]
    assert mine and mine[0].amount > 0
    assert mine[0].capability_evidence == "confirmed"
    assert mine[0].capability_detail["decided_by"] == "Agnès Tremblay"
    assert str(mine[0].capability_detail["decided_at"]).startswith("20")
    assert named.id not in {p["supplier_id"] for p in lot.prospects}
    listed = [a for a in data["allocations"]  # type: ignore[union-attr]
              if a["supplier_id"] == named.id]
    assert listed[0]["capability_evidence"] == "confirmed"
    assert listed[0]["confirmed_by"] == "Agnès Tremblay" and listed[0]["confirmed_at"]


def test_a_rejected_pair_is_never_awarded_nor_listed(session: Session) -> None:
    org, _, active = _setup(session)
    pair = session.scalars(select(SupplierCategory).where(
        SupplierCategory.supplier_id == active.id)).one()
    pair.decision = "rejected"
    session.flush()
    _, allocations, lot = _run(session, org)
    assert not [a for a in allocations if a.supplier_id == active.id]
    assert active.id not in {p["supplier_id"] for p in lot.prospects}


def test_the_minimum_evidence_is_a_scenario_setting(session: Session) -> None:
    org, named, _ = _setup(session)
    outcome = optimize.run_scenario(session, SYSTEM, org, {"min_capability_evidence": "name"})
    assert named.id in {a["supplier_id"] for a in outcome.to_json()["allocations"]}
    with pytest.raises(InvalidInput) as refused:
        optimize.parse_scenario({"min_capability_evidence": "rumour"})
    message = refused.value.errors["min_capability_evidence"]
    assert all(kind in message for kind in EVIDENCE_LEVELS)


def test_refresh_stores_activity_evidence_for_pairs_found_in_the_activity_text(
        session: Session) -> None:
    matching.seed_categories(session)
    supplier = make_supplier(session, "Coopérative Rivière", activity="SERVICE DE TRAITEUR")
    make_supplier(session, "Traiteur du Cap")
    matching.refresh_supplier_categories(session)
    pairs = {(p.supplier.name, p.category_code): p for p in session.scalars(
        select(SupplierCategory))}
    by_activity = pairs[(supplier.name, "traiteur_alimentation")]
    assert by_activity.evidence == "activity"
    assert by_activity.evidence_detail == {"field": "activity", "keyword": "service de traiteur"}
    assert pairs[("Traiteur du Cap", "traiteur_alimentation")].evidence == "name"


def test_the_exports_carry_the_evidence_of_each_award(session: Session) -> None:
    org, named, _ = _setup(session)
    admin = make_user(session, org, "admin", name="Agnès Tremblay")
    set_supplier_categories(session, actor_for(admin), named.id, ["entretien_menager"])
    outcome = optimize.run_scenario(session, SYSTEM, org, {})
    assert outcome.proposal_id
    rows = list(csv.reader(io.StringIO(exports.export_proposal(
        session, SYSTEM, outcome.proposal_id, "csv").content.decode("utf-8-sig"))))
    header = rows[0]
    evidence_at = header.index("Preuve de capacité")
    by_at = header.index("Confirmée par")
    supplier_at = header.index("Fournisseur")
    cells = {row[supplier_at]: (row[evidence_at], row[by_at]) for row in rows[1:]}
    assert cells["Ménage Perce-Neige"] == ("Confirmée par une personne", "Agnès Tremblay")
    book = load_workbook(io.BytesIO(exports.export_proposal(
        session, SYSTEM, outcome.proposal_id, "xlsx").content))
    sheet = book["Allocations"]
    titles = [cell.value for cell in sheet[1]]
    evidence = titles.index("Preuve de capacité")
    cells = {row[4]: (row[evidence], row[evidence + 1])
             for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells["Ménage Perce-Neige"] == ("Confirmée par une personne", "Agnès Tremblay")
    pdf = exports.export_proposal(session, SYSTEM, outcome.proposal_id, "pdf")
    assert pdf.content.startswith(b"%PDF-")


def test_the_service_reads_capacity_activity_and_service_area_from_the_registry(
        session: Session) -> None:
    org, named, active = _setup(session)
    make_org(session, "36033", "Shawinigan", mrc="Shawinigan", region="Mauricie")
    active.capacity = Decimal("1000.00")
    named.active = False  # even once confirmed, an inactive supplier gets nothing
    far = make_supplier(session, "Coop de Shawinigan", municipality_code="36033",
                        service_area="municipality")
    session.add(SupplierCategory(supplier_id=far.id, category_code="entretien_menager",
                                 confidence=1.0, evidence="confirmed", decision="confirmed"))
    session.flush()
    _, allocations, lot = _run(session, org)
    amounts = {a.supplier_id: a.amount for a in allocations if a.supplier_id}
    assert set(amounts) == {active.id}
    assert Decimal("990") < amounts[active.id] <= Decimal("1000.00")  # its capacity binds
    assert lot.prospects == []
