"""A person confirms or rejects capabilities; decisions survive re-imports of the registry."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for `factories`

import factories

from procurement.errors import InvalidInput, NotFound, PermissionDenied
from procurement.matching import normalize_company_name
from procurement.models import (
    AuditEvent,
    Organization,
    PurchaseLine,
    Supplier,
    SupplierCategory,
)
from procurement.permissions import SYSTEM
from procurement.regulatory import get_profile
from procurement.services import (
    capabilities,
    imports,
    matching,
    optimize,
    registry_search,
)
from procurement.services.optimize import bands_from_profile, gather_input, parse_scenario
from procurement.users import actor_for

HEADER = ('"NEQ","NomEntreprise","Adresse","Municipalite","Adresse_Lign3","CodePostal",'
          '"SecteurActivite","FormeJuridique","lat","long"\n')
REGISTRY = [
    # Only its name says snow removal (and landscaping): two name-only pairs.
    '1100000001,"COOP DÉNEIGEMENT ET PAYSAGEMENT SOURIRE","1 rue A","Trois-Rivières (Québec)",'
    'NA,"G9A5K8",NA,"COP",NA,NA',
    # Its registry activity says cleaning: activity evidence.
    '1100000002,"COOP DU CAP","2 rue B","Trois-Rivières (Québec)",NA,"G9A5K8",'
    '"ENTRETIEN MÉNAGER DE BUREAUX","COP",NA,NA',
    # A skating club: "Neige" in a proper name is not snow removal.
    '1100000003,"CLUB DE PATINAGE ARTISTIQUE PERCE-NEIGE","3 rue C","Trois-Rivières (Québec)",'
    'NA,"G9A5K8",NA,"APE",NA,NA',
    # Too far from Trois-Rivières to serve it (another region).
    '1100000004,"DÉNEIGEMENT COOP RIMOUSKI","4 rue D","Rimouski (Québec)",NA,"G5L1A1",NA,"COP",'
    'NA,NA',
]
LATER_ROW = ('1100000005,"COOP D\'ENTRETIEN MÉNAGER DES FORGES","5 rue E",'
             '"Trois-Rivières (Québec)",NA,"G9A5K8","ENTRETIEN MÉNAGER","COP",NA,NA')


def import_registry(session: Session, folder: Path, rows: list[str], name: str) -> None:
    """Import a registry file and refresh capabilities, as `procure import-suppliers` does."""
    path = folder / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    outcome = imports.import_suppliers(session, SYSTEM, path, isolated=False,
                                       normalize_name=normalize_company_name)
    assert outcome.status == "imported", outcome.message
    matching.seed_categories(session)
    matching.localize_suppliers(session)
    matching.refresh_supplier_categories(session)
    session.flush()


@pytest.fixture
def city(session: Session, tmp_path: Path) -> Organization:
    """Trois-Rivières spends on snow removal (most) and cleaning; Rimouski on catering."""
    org = factories.make_org(session, "37067", "Trois-Rivières", mrc="Trois-Rivières",
                             region="Mauricie")
    far = factories.make_org(session, "10043", "Rimouski", mrc="Rimouski-Neigette",
                             region="Bas-Saint-Laurent")
    batch = factories.make_import(session, org, None, [
        ("Entretiens Lebrun", "Entretien ménager", "1200.00")])
    session.add(PurchaseLine(organization_id=org.id, import_id=batch.id, source_row=9,
                             supplier_name="Déneigement Gagnon", amount=Decimal("52000.00"),
                             currency="CAD", category_code="deneigement"))
    other = factories.make_import(session, far, None, [("Traiteur", "Repas", "99999.00")])
    for line in session.scalars(select(PurchaseLine).where(
            PurchaseLine.import_id == other.id)):
        line.category_code = "deneigement"  # Rimouski's own spending must never show
    import_registry(session, tmp_path, REGISTRY, "registre-1.csv")
    session.commit()
    return org


def supplier_id(session: Session, neq: str) -> int:
    found = session.scalar(select(Supplier.id).where(Supplier.neq == neq))
    assert found is not None
    return int(found)


def pairs_of(session: Session, sid: int) -> dict[str, SupplierCategory]:
    return {p.category_code: p for p in session.scalars(
        select(SupplierCategory).where(SupplierCategory.supplier_id == sid))}


def test_a_name_only_capability_waits_in_the_queue_then_a_decision_survives_re_imports(
        session: Session, city: Organization, tmp_path: Path) -> None:
    purchaser = factories.make_user(session, city, "purchaser")
    actor = actor_for(purchaser)
    sourire = supplier_id(session, "1100000001")
    club = supplier_id(session, "1100000003")

    queue = capabilities.capability_queue(session, actor, city, limit=100)
    listed = {(i.supplier_id, i.category_code): i for i in queue.items}
    item = listed[(sourire, "deneigement")]
    assert item.evidence == "name" and item.decision is None
    assert item.spending == Decimal("52000.00")  # Trois-Rivières' own, not Rimouski's
    # The pairs that open the most spending come first; a far supplier is not listed.
    spendings = [i.spending for i in queue.items]
    assert spendings == sorted(spendings, reverse=True)
    assert supplier_id(session, "1100000004") not in {i.supplier_id for i in queue.items}
    assert capabilities.capability_queue(session, actor, city, evidence="activity").items[0] \
        .category_code == "entretien_menager"

    outcome = capabilities.decide_capabilities(session, actor, [
        (sourire, "deneigement", "confirmed"), (club, "deneigement", "rejected")],
        comment="vérifié par téléphone")
    session.commit()
    assert (outcome.confirmed, outcome.rejected) == (1, 1)
    confirmed = pairs_of(session, sourire)["deneigement"]
    assert confirmed.decision == "confirmed" and confirmed.evidence == "confirmed"
    assert confirmed.decided_by_id == purchaser.id and confirmed.decided_at is not None
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "supplier_category")).all()
    assert sorted((e.action, e.object_id) for e in events) == [
        ("capability.confirmed", str(confirmed.id)),
        ("capability.rejected", str(pairs_of(session, club)["deneigement"].id))]
    assert events[0].after["comment"] == "vérifié par téléphone"
    assert all(e.organization_id == city.id for e in events)

    # A later, different registry file: import again and re-infer.
    import_registry(session, tmp_path, [*REGISTRY, LATER_ROW], "registre-2.csv")
    session.commit()
    kept = pairs_of(session, sourire)
    assert kept["deneigement"].decision == "confirmed"
    assert kept["deneigement"].decided_by_id == purchaser.id
    # The other category of a supplier with a decided pair is still inferred.
    assert kept["amenagement_paysager"].decision is None
    club_pairs = pairs_of(session, club)
    assert club_pairs["deneigement"].decision == "rejected"
    queue = capabilities.capability_queue(session, actor, city, limit=200)
    listed_pairs = {(i.supplier_id, i.category_code) for i in queue.items}
    assert (club, "deneigement") not in listed_pairs  # a rejected pair never returns
    assert (sourire, "deneigement") not in listed_pairs  # decided: out of the queue
    assert (supplier_id(session, "1100000005"), "entretien_menager") in listed_pairs
    # Nor does it count as a supplier of the category anywhere else.
    snow = registry_search.search_suppliers(
        session, actor, registry_search.RegistryFilters(category="deneigement"), limit=50)
    assert club not in {s.id for s in snow.items} and sourire in {s.id for s in snow.items}
    counts = matching.candidate_counts(session, city).set_index("category_code")
    assert counts.loc["deneigement", "n_local_candidates"] == 1  # Sourire, not the club
    decided = capabilities.capability_queue(session, actor, city, decided=True).items
    assert {(i.supplier_id, i.decision, i.decided_by) for i in decided} == {
        (sourire, "confirmed", purchaser.name), (club, "rejected", purchaser.name)}

    # The optimization's candidates: the confirmed pair is one, the rejected one never.
    settings = parse_scenario({})
    data = gather_input(session, city, settings,
                        bands_from_profile(get_profile(session, "QC-2024")))
    candidates = {(c.lot_key, c.supplier_key) for c in data.input.candidates}
    assert any(s == str(sourire) for _, s in candidates)
    assert not any(s == str(club) and "deneigement" in lot for lot, s in candidates)
    assert optimize.run_scenario(session, actor, city, {}).solution.status == "optimal"


def test_a_person_may_add_a_capability_the_registry_does_not_show(
        session: Session, city: Organization) -> None:
    admin = factories.make_user(session, city, "admin")
    coop = supplier_id(session, "1100000002")
    capabilities.decide_capabilities(session, actor_for(admin),
                                     [(coop, "collecte_recyclage", "confirmed")])
    session.commit()
    added = pairs_of(session, coop)["collecte_recyclage"]
    assert (added.decision, added.evidence, added.confidence) == ("confirmed", "confirmed", 1.0)


def test_decisions_are_all_or_nothing_with_an_error_per_field(
        session: Session, city: Organization) -> None:
    actor = actor_for(factories.make_user(session, city, "purchaser"))
    coop = supplier_id(session, "1100000002")
    with pytest.raises(InvalidInput) as refused:
        capabilities.decide_capabilities(session, actor, [
            (coop, "entretien_menager", "confirmed"),
            (coop, "licornes", "confirmed"),
            (999999, "deneigement", "maybe"),
        ])
    assert set(refused.value.errors) == {"decisions.1.category_code", "decisions.2.supplier_id",
                                         "decisions.2.decision"}
    session.rollback()
    assert pairs_of(session, coop)["entretien_menager"].decision is None


@pytest.mark.parametrize("role", ["finance", "auditor"])
def test_finance_and_auditors_cannot_decide(session: Session, city: Organization,
                                             role: str) -> None:
    actor = actor_for(factories.make_user(session, city, role))
    with pytest.raises(PermissionDenied):
        capabilities.decide_capabilities(
            session, actor, [(supplier_id(session, "1100000002"), "entretien_menager",
                              "confirmed")])


def test_the_queue_of_another_municipality_is_not_found(session: Session,
                                                        city: Organization) -> None:
    far = session.scalar(select(Organization).where(Organization.code == "10043"))
    assert far is not None
    actor = actor_for(factories.make_user(session, city, "purchaser"))
    with pytest.raises(NotFound):
        capabilities.capability_queue(session, actor, far)


def test_the_dashboard_count_is_the_size_of_the_queue(session: Session,
                                                      city: Organization) -> None:
    actor = actor_for(factories.make_user(session, city, "purchaser"))
    queue = capabilities.capability_queue(session, actor, city, limit=500)
    assert queue.total > 0
    assert capabilities.capability_queue_size(session, actor, city) == queue.total
    # The far supplier's pairs wait in no queue of Trois-Rivières, so they are not counted.
    far = supplier_id(session, "1100000004")
    far_pairs = pairs_of(session, far)
    assert far_pairs and all(p.decision is None for p in far_pairs.values())
    assert far not in {i.supplier_id for i in queue.items}
    first = queue.items[0]
    capabilities.decide_capabilities(session, actor, [
        (first.supplier_id, first.category_code, "confirmed")])
    session.commit()
    assert capabilities.capability_queue_size(session, actor, city) == queue.total - 1
    # The answer follows the registry at once: the far supplier moving to the city counts.
    moved = session.get(Supplier, far)
    assert moved is not None
    moved.municipality_code = city.code
    session.commit()
    assert capabilities.capability_queue_size(session, actor, city) == \
        queue.total - 1 + len(far_pairs)
    moved.active = False
    session.commit()
    assert capabilities.capability_queue_size(session, actor, city) == queue.total - 1
    other = session.scalar(select(Organization).where(Organization.code == "10043"))
    assert other is not None
    with pytest.raises(NotFound):
        capabilities.capability_queue_size(session, actor, other)
