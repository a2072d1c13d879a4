"""The registry pages: search, a supplier, its edit, registry imports and merges undone."""

from __future__ import annotations

import html
import os
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.data import REFERENCE_DIR
from procurement.db import make_engine, make_session_factory, upgrade_database
from procurement.demo import load_municipalities
from procurement.models import (
    Allocation,
    AuditEvent,
    Lot,
    Organization,
    Proposal,
    Scenario,
    Supplier,
    SupplierCategory,
)
from procurement.permissions import ROLES, SYSTEM
from procurement.regulatory import seed_profiles
from procurement.services import registry, registry_search
from procurement.services.imports import ImportSettings
from procurement.users import create_user

PASSWORD = "correct horse battery"  # the web tests' password (tests/web/conftest.py)
SUPPLIER_LINK = re.compile(r'href="/registry/(\d+)"')
SIAE = "siae-france-sample.csv"
# The first rows of the public REQ extract: enough for activity texts and legal forms.
REQ_ROWS = 400
IN_PROCESS = ImportSettings(isolated=False)


def ids_on(page: str) -> set[int]:
    """Return the ids of the suppliers a registry page links to."""
    return {int(found) for found in SUPPLIER_LINK.findall(page)}


def text_of(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def load_world(session: Session, realdata: Path, folder: Path) -> None:
    """Create the test municipality and users, load the municipalities and three real
    registry files (the hub's members, the first rows of the REQ extract, France's SIAE)."""
    city = Organization(code="37067", name="Trois-Rivières", mrc="Trois-Rivières",
                        region="Mauricie", currency="CAD")
    session.add(city)
    session.flush()
    for role in ROLES:
        create_user(session, SYSTEM, email=f"{role}@example.org", name=f"Test {role}",
                    role=role, password=PASSWORD, organization_id=city.id)
    seed_profiles(session)
    load_municipalities(session, REFERENCE_DIR / "quebec-municipalities.csv")
    req = folder / "req-extract.csv"
    lines = (REFERENCE_DIR / "mauricie-req-nonprofits-coops.csv").read_text(
        encoding="utf-8").splitlines(keepends=True)
    req.write_text("".join(lines[:REQ_ROWS + 1]), encoding="utf-8")
    for path in (REFERENCE_DIR / "mauricie-se-hub-members.csv", req, realdata / SIAE):
        outcome = registry.import_registry(session, SYSTEM, path, original_name=path.name,
                                           settings=IN_PROCESS)
        assert outcome.status == "imported", outcome.issues[:3]
    session.commit()


def _load(url: str, realdata: Path, folder: Path) -> None:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            load_world(session, realdata, folder)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def world_template(tmp_path_factory: pytest.TempPathFactory, realdata: Path) -> Path | None:
    """Load the world once per module into a SQLite file each test copies (None on
    PostgreSQL, where each test loads it)."""
    if os.environ.get("PROCURE_TEST_DATABASE", "sqlite").strip().lower() == "postgres":
        return None
    folder = tmp_path_factory.mktemp("registry-world")
    upgrade_database(f"sqlite:///{folder / 'world.db'}")
    _load(f"sqlite:///{folder / 'world.db'}", realdata, folder)
    return folder / "world.db"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path, realdata: Path,
                 world_template: Path | None) -> Iterator[str]:
    """Give each test its own copy of the loaded world."""
    if world_template is not None:
        shutil.copy(world_template, tmp_path / "test.db")
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    databases = request.getfixturevalue("postgres_databases")
    url = databases.create()
    _load(url, realdata, tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def org(db: Session) -> Organization:
    """Return the test municipality of the loaded world (Trois-Rivières)."""
    city = db.scalar(select(Organization).where(Organization.code == "37067"))
    assert city is not None
    return city


@pytest.fixture
def users(org: Organization) -> dict[str, str]:
    """Return the e-mail of the world's user of each role."""
    return {role: f"{role}@example.org" for role in ROLES}


@pytest.fixture
def world(org: Organization) -> dict[str, Any]:
    """Return what the tests need of the loaded world."""
    return {"org": org}


def supplier_named(db: Session, name: str) -> Supplier:
    found = db.scalar(select(Supplier).where(Supplier.name == name))
    assert found is not None, name
    return found


def all_suppliers(db: Session) -> list[Supplier]:
    return list(db.scalars(select(Supplier)))


# --- search ------------------------------------------------------------------------------

def test_cooperative_without_accent_finds_every_coopérative(as_role: Any, db: Session,
                                                           world: dict[str, Any]) -> None:
    client = as_role("purchaser")
    plain = text_of(client.get("/registry?q=cooperative"))
    accented = text_of(client.get("/registry?q=COOPÉRATIVE"))
    assert "Coopérative de solidarité sociale Adirondak" in plain
    assert "COOPÉRATIVE DE SOLIDARITÉ CENT-ARTS" in plain  # France's list, capitals
    assert "COOP ETC" in plain  # the abbreviation reads as the word
    # Every supplier whose name says "coopérative" in any case or accents is found.
    expected = {s.id for s in all_suppliers(db)
                if re.search(r"coop[ée]rative", s.name, re.IGNORECASE)}
    assert len(expected) > 10
    found_all = registry_search.search_suppliers(
        db, SYSTEM, registry_search.RegistryFilters(text="cooperative"), limit=10_000)
    assert expected <= {s.id for s in found_all.items}
    assert ids_on(plain) == ids_on(accented)
    count = re.search(r'class="registry-count"[^>]*>([^<]+)<', plain)
    assert count is not None and str(found_all.total) in count.group(1).replace("\u202f", "")


def test_coop_finds_coopératives_and_the_results_are_sorted_by_name(
        as_role: Any, world: dict[str, Any]) -> None:
    page = text_of(as_role("auditor").get("/registry?q=coop"))
    names = re.findall(r'href="/registry/\d+"><strong>([^<]+)</strong>', page)
    assert "Coopérative de solidarité Santé Le Rocher" in names or len(names) == 50
    assert names == sorted(names, key=lambda n: registry_search.search_terms(n))


def test_search_by_identifier_and_by_activity(as_role: Any, db: Session,
                                              world: dict[str, Any]) -> None:
    client = as_role("finance")
    jardin = supplier_named(db, "ASSOC LES AMIS DU JARDIN")
    by_siret = text_of(client.get("/registry?q=494 482 243 00065"))
    assert ids_on(by_siret) == {jardin.id}
    habitation = db.scalar(select(Supplier).where(Supplier.neq == "1140176141"))
    assert habitation is not None
    assert ids_on(text_of(client.get("/registry?q=1140176141"))) == {habitation.id}
    # "résidence personnes âgées" is the REQ activity text, not the name.
    by_activity = ids_on(text_of(client.get("/registry?q=residence agees")))
    assert habitation.id in by_activity
    assert all("residence" in (s.search_text or "") for s in db.scalars(
        select(Supplier).where(Supplier.id.in_(by_activity))))


def test_the_api_searches_the_same_way(as_role: Any, world: dict[str, Any]) -> None:
    client = as_role("purchaser")
    answer = client.get("/api/suppliers?q=cooperative&page_size=100")
    assert answer.status_code == 200, answer.get_json()
    api_names = {item["name"] for item in answer.get_json()}
    assert "Coopérative de solidarité sociale Adirondak" in api_names
    page_ids = ids_on(text_of(client.get("/registry?q=cooperative")))
    assert {item["id"] for item in answer.get_json()}.issuperset(page_ids)
    by_name = client.get("/api/suppliers?name=cooperative&page_size=100").get_json()
    assert "COOP ETC" in {item["name"] for item in by_name}
    refused = client.get("/api/suppliers?locality=nearby")
    assert refused.status_code == 422


# --- filters -----------------------------------------------------------------------------

def _ids(client: Any, query: str) -> set[int]:
    response = client.get(f"/registry?{query}")
    assert response.status_code == 200
    found = ids_on(text_of(response))
    assert len(found) < 50, f"{query}: more than a page, the test would miss some"
    return found


def test_each_filter_keeps_only_the_suppliers_it_names(as_role: Any, db: Session,
                                                       world: dict[str, Any]) -> None:
    client = as_role("purchaser")
    everyone = all_suppliers(db)

    found = _ids(client, "org_type=cooperative-de-travail")
    assert found == {s.id for s in everyone if s.org_type == "cooperative-de-travail"} != set()

    found = _ids(client, "legal_form=COP")
    expected = {s.id for s in everyone if s.legal_form == "COP"}
    assert found == expected != set()

    mekinac = "MRC Mékinac (350)"  # as the MAMH directory names it
    found = _ids(client, urlencode({"mrc": mekinac}))
    in_mekinac = set(db.scalars(select(Organization.code).where(Organization.mrc == mekinac)))
    assert found == {s.id for s in everyone if s.municipality_code in in_mekinac} != set()

    found = _ids(client, "work_integration=1&q=jardin")
    assert found and all(db.get(Supplier, i).work_integration for i in found)  # type: ignore[union-attr]


def test_the_region_filter(as_role: Any, db: Session, world: dict[str, Any]) -> None:
    regions = {s.region for s in all_suppliers(db) if s.region}
    region = sorted(r for r in regions if "Centre" in r or "Capitale" in r or "Montr" in r)
    assert region, regions
    found = _ids(as_role("purchaser"), urlencode({"region": region[0]}))
    assert found == {s.id for s in all_suppliers(db) if s.region == region[0]} != set()


def test_category_and_evidence_filters(as_role: Any, db: Session,
                                       world: dict[str, Any]) -> None:
    client = as_role("purchaser")
    pairs = list(db.scalars(select(SupplierCategory).where(
        SupplierCategory.decision.is_(None), SupplierCategory.category_code != "autre")))
    by_category: dict[str, set[int]] = {}
    for pair in pairs:
        by_category.setdefault(pair.category_code, set()).add(pair.supplier_id)
    code = min((c for c, ids in by_category.items() if 1 < len(ids) < 40),
               key=lambda c: -len(by_category[c]))
    assert _ids(client, f"category={code}") == by_category[code]
    activity = {p.supplier_id for p in pairs if p.category_code == code
                and p.evidence == "activity"}
    assert _ids(client, f"category={code}&evidence=activity") == activity
    # An unknown category in the address is dropped, not an error.
    assert client.get("/registry?category=nope").status_code == 200


def test_locality_is_the_candidate_rule_s(as_role: Any, db: Session,
                                          world: dict[str, Any]) -> None:
    client = as_role("purchaser")
    here = _ids(client, "locality=same_municipality&q=cooperative")
    expected = {s.id for s in all_suppliers(db) if s.municipality_code == "37067"
                and "cooperative" in (s.search_text or "")}
    assert here == expected != set()
    abroad = _ids(client, "locality=elsewhere&q=cooperative")
    assert supplier_named(db, "COOPÉRATIVE DE SOLIDARITÉ CENT-ARTS").id in abroad
    assert not here & abroad
    page = text_of(client.get("/registry?locality=same_mrc&q=cooperative"))
    assert "même MRC" in page
    levels = registry_search.locality_by_code(db, "37067")
    assert all(levels.get(str(db.get(Supplier, i).municipality_code)) == "same_mrc"  # type: ignore[union-attr]
               for i in ids_on(page))


def test_the_registry_reads_in_english(as_role: Any, world: dict[str, Any]) -> None:
    page = text_of(as_role("purchaser").get("/registry?q=cooperative&lang=en"))
    assert '<html lang="en">' in page
    assert "Supplier registry" in page and "Registre des fournisseurs" not in page
    assert "Coopérative de solidarité sociale Adirondak" in page


# --- the supplier page -------------------------------------------------------------------

def _proposal(db: Session, org: Organization, supplier: Supplier, *, category: str,
              award: Decimal | None, named: bool = False, prospect: bool = False) -> Proposal:
    scenario = Scenario(organization_id=org.id, name="Essai", params={})
    db.add(scenario)
    db.flush()
    key = f"cat:{category}"
    proposal = Proposal(organization_id=org.id, scenario_id=scenario.id, status="draft",
                        solver_status="optimal", solver="cbc", mode="divisible",
                        currency="CAD", total_value=Decimal("50000.00"), kpis={},
                        levers=[{"lot": key, "lever": "invitation", "reason_code": "x",
                                 "params": {}, "suppliers": [
                                     {"key": str(supplier.id), "name": supplier.name,
                                      "evidence": "activity"}] if named else []}])
    db.add(proposal)
    db.flush()
    lot = Lot(proposal_id=proposal.id, key=key, category_code=category, label=category,
              value=Decimal("50000.00"), band="invitation", line_count=3,
              status_quo_se_value=Decimal("0"),
              prospects=[{"supplier_id": supplier.id, "name": supplier.name,
                          "evidence": "name", "reason": ""}] if prospect else [])
    db.add(lot)
    db.flush()
    if award is not None:
        db.add(Allocation(proposal_id=proposal.id, lot_id=lot.id, supplier_id=supplier.id,
                          amount=award, route="invitation", capability_evidence="confirmed"))
    db.commit()
    return proposal


def test_the_supplier_page_shows_facts_evidence_scores_and_its_lots_of_this_municipality_only(
        app: Flask, as_role: Any, db: Session, world: dict[str, Any], password: str,
        login: Any) -> None:
    org = world["org"]
    coop = supplier_named(db, "Coopérative de solidarité Santé Le Rocher")
    ours = _proposal(db, org, coop, category="entretien_menager", award=Decimal("12000.00"))
    named = _proposal(db, org, coop, category="impression_graphisme", award=None, named=True)
    other = db.scalar(select(Organization).where(Organization.code == "36033"))
    assert other is not None  # Shawinigan, from the MAMH reference
    theirs = _proposal(db, other, coop, category="deneigement", award=Decimal("99999.00"),
                       prospect=True)
    create_user(db, SYSTEM, email="clerk@shawinigan.example", name="Clerk", role="purchaser",
                password=password, organization_id=other.id)
    db.commit()

    page = text_of(as_role("auditor").get(f"/registry/{coop.id}"))
    assert "Coopérative de solidarité Santé Le Rocher" in page
    assert "cooperative-de-solidarite" in page  # its type, as the registry wrote it
    assert "Shawinigan" in page
    assert "Gouvernance démocratique" in page and "Proximité de la municipalité" in page
    assert "secteur du pôle d'économie sociale" in page or "activité déclarée au registre" in page
    assert f"/proposals/{ours.id}" in page and f"/proposals/{named.id}" in page
    assert "attribué" in page and "nommé dans l'invitation" in page
    assert "12\u00a0000,00\u00a0$" in page
    assert f"/proposals/{theirs.id}" not in page and "99\u00a0999" not in page
    assert "Déneigement" not in page.split("Dans les propositions")[1].split("Sources")[0]

    client = app.test_client()
    assert login(client, "clerk@shawinigan.example").status_code == 302
    theirs_page = text_of(client.get(f"/registry/{coop.id}"))
    assert f"/proposals/{theirs.id}" in theirs_page and "piste à vérifier" in theirs_page
    assert f"/proposals/{ours.id}" not in theirs_page and "12\u00a0000,00" not in theirs_page
    assert as_role("auditor").get("/registry/999999").status_code == 404


def test_a_purchaser_confirms_a_capability_from_the_supplier_page(
        as_role: Any, db: Session, world: dict[str, Any], csrf: Any) -> None:
    client = as_role("purchaser")
    pair = db.scalar(select(SupplierCategory).where(
        SupplierCategory.decision.is_(None), SupplierCategory.category_code != "autre"))
    assert pair is not None
    url = f"/registry/{pair.supplier_id}"
    page = text_of(client.get(url))
    assert f'value="{pair.supplier_id}:{pair.category_code}:confirmed"' in page
    assert f"/capabilities?category={pair.category_code}" in page
    answer = client.post("/capabilities/decide", data={
        "one": f"{pair.supplier_id}:{pair.category_code}:confirmed", "back": url,
        "csrf_token": csrf(client, url)})
    assert answer.status_code == 302 and answer.headers["Location"].startswith(url)
    after = text_of(client.get(url))
    assert "confirmée par une personne" in after and "Test purchaser" in after


# --- roles -------------------------------------------------------------------------------

def test_only_administrators_edit_and_import(as_role: Any, db: Session,
                                             world: dict[str, Any]) -> None:
    supplier = all_suppliers(db)[0]
    for role in ("purchaser", "finance", "auditor"):
        client = as_role(role)
        assert client.get("/registry").status_code == 200
        assert client.get(f"/registry/{supplier.id}").status_code == 200
        assert client.get(f"/registry/{supplier.id}/edit").status_code == 403
        assert client.get("/registry/import").status_code == 403
        assert client.post("/registry/merges/1/undo").status_code in (400, 403)
        page = text_of(client.get(f"/registry/{supplier.id}"))
        assert "Modifier la fiche" not in page
    admin = as_role("admin")
    assert admin.get(f"/registry/{supplier.id}/edit").status_code == 200
    assert admin.get("/registry/import").status_code == 200
    assert admin.get("/registry/99999999999/edit").status_code == 404
    assert admin.get("/registry/99999999999").status_code == 404
    assert 'href="/registry"' in text_of(admin.get("/registry"))  # the navigation


# --- edit --------------------------------------------------------------------------------

def test_the_edit_form_shows_every_error_inline_and_changes_nothing(
        as_role: Any, db: Session, world: dict[str, Any], csrf: Any) -> None:
    client = as_role("admin")
    supplier = supplier_named(db, "Coopérative de solidarité sociale Adirondak")
    url = f"/registry/{supplier.id}/edit"
    token = csrf(client, url)
    answer = client.post(url, data={
        "csrf_token": token, "capacity": "beaucoup", "service_area": "planet",
        "active": "1", "score_governance": "2", "score_locality": "près",
        "score_premium_pct": "150"})
    assert answer.status_code == 422
    page = text_of(answer)
    assert "« beaucoup » n'est pas un montant" in page
    assert "« près » n'est pas un nombre" in page
    assert "Entrez un nombre dans l'intervalle [0, 1]" in page
    assert "Entrez un pourcentage entre 0 et 100" in page
    assert "Choisissez parmi" in page
    for field in ("capacity", "service_area", "score_governance", "score_locality",
                  "score_premium_pct"):
        assert f'id="{field}-error"' in page, field
    assert 'value="beaucoup"' in page  # the form keeps what was typed
    db.expire_all()
    assert db.get(Supplier, supplier.id).capacity is None  # type: ignore[union-attr]

    answer = client.post(url, data={"csrf_token": token, "capacity": "150 000,00",
                                    "service_area": "mrc", "active": "1",
                                    "work_integration": "1", "score_governance": "0,9",
                                    "score_premium_pct": "5"})
    assert answer.status_code == 302, text_of(answer)[:2000]
    db.expire_all()
    changed = db.get(Supplier, supplier.id)
    assert changed is not None
    assert changed.capacity == Decimal("150000.00") and changed.service_area == "mrc"
    assert changed.work_integration is True
    assert changed.score_overrides == {"governance": 0.9, "premium_pct": 0.05}
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "supplier.updated",
                                               AuditEvent.object_id == str(supplier.id)))
    assert event is not None and event.after["capacity"] == "150000.00"
    page = text_of(client.get(f"/registry/{supplier.id}"))
    assert "150\u00a0000,00\u00a0$" in page and "fixé par un administrateur" in page


# --- import and undo ---------------------------------------------------------------------

def test_an_administrator_imports_a_registry_file_and_undoes_a_merge(
        as_role: Any, db: Session, world: dict[str, Any], realdata: Path, tmp_path: Path,
        csrf: Any) -> None:
    client = as_role("admin")
    token = csrf(client, "/registry/import")
    uk = realdata / "uk-social-enterprises-sample.csv"
    with uk.open("rb") as handle:
        answer = client.post("/registry/import", data={"csrf_token": token,
                                                       "file": (handle, uk.name)},
                             content_type="multipart/form-data")
    assert answer.status_code == 302
    first = text_of(client.get(answer.headers["Location"]))
    added = len(uk.read_text(encoding="utf-8-sig").strip().splitlines()) - 1
    assert f"Registre importé : {added} ajoutés, 0 fusionnés" in first
    assert "Aire Valley Supported Workshops" in text_of(client.get("/registry?q=aire valley"))

    # France's list again, one organisation with another activity code: one merge.
    source = (realdata / SIAE).read_text(encoding="utf-8-sig")
    changed = source.replace("494 482 243 00065;ACI;81.30Z", "494 482 243 00065;ACI;01.13Z")
    assert changed != source
    second = tmp_path / "siae-2.csv"
    second.write_text(changed, encoding="utf-8")
    with second.open("rb") as handle:
        answer = client.post("/registry/import", data={"csrf_token": token,
                                                       "file": (handle, "siae-2.csv")},
                             content_type="multipart/form-data")
    report_url = answer.headers["Location"]
    report = text_of(client.get(report_url))
    assert "0 ajoutés, 1 fusionnés" in report
    assert "ASSOC LES AMIS DU JARDIN" in report and "81.30Z → 01.13Z" in report
    assert "même identifiant" in report and "Annuler la fusion" in report
    jardin = supplier_named(db, "ASSOC LES AMIS DU JARDIN")
    assert jardin.activity_code == "01.13Z"
    merge_id = int(re.search(r"/registry/merges/(\d+)/undo", report).group(1))  # type: ignore[union-attr]

    answer = client.post(f"/registry/merges/{merge_id}/undo",
                         data={"csrf_token": token, "back": report_url})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(report_url)
    db.expire_all()
    assert db.get(Supplier, jardin.id).activity_code == "81.30Z"  # type: ignore[union-attr]
    assert "annulée le" in text_of(client.get(report_url))
    assert "annulée le" in text_of(client.get(f"/registry/{jardin.id}"))
    again = client.post(f"/registry/merges/{merge_id}/undo", data={"csrf_token": token})
    assert again.status_code == 409
    undone = db.scalar(select(AuditEvent).where(AuditEvent.action == "supplier.merge_undone"))
    assert undone is not None and undone.after["merge_id"] == merge_id


def test_an_upload_without_a_file_is_refused_inline(as_role: Any, csrf: Any) -> None:
    client = as_role("admin")
    answer = client.post("/registry/import", data={"csrf_token": csrf(client,
                                                                      "/registry/import")})
    assert answer.status_code == 422
    assert 'id="file-error"' in text_of(answer)


def test_every_registry_page_reads_in_one_language(as_role: Any, db: Session,
                                                   world: dict[str, Any]) -> None:
    from babel.messages.pofile import read_po

    from app.i18n import TRANSLATIONS

    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        french = [m.id for m in read_po(handle) if isinstance(m.id, str) and m.id != m.string
                  and len(m.id) > 12 and "%(" not in m.id]
    # The registry's own words (types, activities) are data, shown as the file gave them.
    data = " ".join(str(value) for s in all_suppliers(db)
                    for value in (s.name, s.org_type, s.legal_form, s.activity, s.sector) if value)
    french = [m for m in french if m not in data]
    supplier = supplier_named(db, "COOPÉRATIVE DE SOLIDARITÉ CENT-ARTS")
    batch = registry.registry_imports(db, SYSTEM)[0]
    client = as_role("admin")
    for url in ("/registry?q=cooperative", f"/registry/{supplier.id}",
                f"/registry/{supplier.id}/edit", "/registry/import",
                f"/registry/imports/{batch.id}"):
        page = text_of(client.get(f"{url}{'&' if '?' in url else '?'}lang=en"))
        assert '<html lang="en">' in page, url
        left = [m for m in french if m in page]
        assert not left, (url, left[:5])
        if url.endswith(f"/{supplier.id}"):
            assert "Dijon (France)" in page and "Capabilities and evidence" in page


def test_a_registry_file_without_names_is_refused_with_its_report(
        as_role: Any, db: Session, world: dict[str, Any], tmp_path: Path, csrf: Any) -> None:
    before = len(all_suppliers(db))
    bad = tmp_path / "sans-noms.csv"
    bad.write_text("Ville;Code postal\nTrois-Rivières;G9A 5K8\n", encoding="utf-8")
    client = as_role("admin")
    with bad.open("rb") as handle:
        answer = client.post("/registry/import", data={
            "csrf_token": csrf(client, "/registry/import"), "file": (handle, bad.name)},
            content_type="multipart/form-data")
    assert answer.status_code == 302
    report = text_of(client.get(answer.headers["Location"]))
    assert "Le fichier a été refusé ; rien n'a été enregistré" in report
    assert "Refusé" in report and "Aucun problème." not in report
    assert len(all_suppliers(db)) == before
