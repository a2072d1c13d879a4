"""A registry that loses nothing: one organisation per identifier, merges logged and undoable."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.data import REFERENCE_DIR
from procurement.errors import Conflict, NotFound, PermissionDenied
from procurement.matching import normalize_company_name
from procurement.models import AuditEvent, Supplier, SupplierCategory, SupplierMerge
from procurement.permissions import SYSTEM, Actor
from procurement.services import imports, matching, registry
from procurement.services.imports import MERGE_FACTS
from tests.factories import said

DATA = Path(__file__).resolve().parents[1] / "data"
FRENCH = DATA / "siae-france-sample.csv"
UK = DATA / "uk-social-enterprises-sample.csv"
QUEBEC_FILES = ("mauricie-se-directory.csv", "mauricie-se-hub-members.csv",
                "mauricie-req-nonprofits-coops.csv")
# What each structure type of the fixture means, written out by hand (not by the code).
TYPE_FACTS = {
    "EI": (True, True), "ACI": (True, True), "AI": (True, True), "ETTI": (True, True),
    "EITI": (True, True), "EA": (True, True), "ESAT": (True, True), "GEIQ": (True, False),
    "Entreprise d'insertion": (True, True), "Atelier et chantier d'insertion": (True, True),
    "Association intermédiaire": (True, True), "ENTREPRISE ADAPTEE": (True, True),
    "Entreprise de travail temporaire d'insertion": (True, True),
    "Établissement et service d'aide par le travail": (True, True),
    "SCOP": (False, False), "SCIC": (False, False), "Association loi 1901": (False, False),
}
ADMIN_ONLY_ACTOR = Actor(user_id=None, name="acheteur", role="purchaser", organization_id=None)


def _import(session: Session, path: Path, **options: Any) -> imports.ImportOutcome:
    matching.seed_categories(session)  # as `procure init` does before any import
    return imports.import_suppliers(session, SYSTEM, path, normalize_name=normalize_company_name,
                                    **options)


def _after_import(session: Session) -> None:
    """What every entry point runs after a registry import (the CLI's chain)."""
    matching.seed_categories(session)
    matching.localize_suppliers(session)
    matching.refresh_supplier_categories(session)


def _facts(supplier: Supplier) -> dict[str, Any]:
    return {attr: getattr(supplier, attr)
            for attr in (*MERGE_FACTS, "normalized_name", "municipality_code", "active")}


def _snapshot(session: Session) -> dict[int, dict[str, Any]]:
    session.expire_all()
    return {s.id: _facts(s) for s in session.scalars(select(Supplier))}


def _categories(session: Session) -> set[tuple[int, str]]:
    return {(sid, code) for sid, code in session.execute(select(SupplierCategory.supplier_id,
                                      SupplierCategory.category_code))}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def quebec(session: Session) -> Session:
    """A database that already holds the Quebec registry, imported through the service."""
    for name in QUEBEC_FILES:
        outcome = _import(session, REFERENCE_DIR / name, isolated=False)
        assert outcome.status == "imported", outcome.message
    _after_import(session)
    session.commit()
    return session


def test_a_french_siae_list_imports_beside_the_quebec_registry_without_changing_it(
        quebec: Session) -> None:
    before, categories_before = _snapshot(quebec), _categories(quebec)
    outcome = _import(quebec, FRENCH)  # no option: layout and country are recognised
    _after_import(quebec)
    quebec.commit()

    assert outcome.status == "imported"
    assert (outcome.added, outcome.updated, outcome.merges) == (60, 0, [])
    after = _snapshot(quebec)
    assert {sid: after[sid] for sid in before} == before
    assert {c for c in _categories(quebec) if c[0] in before} == categories_before

    rows = {" ".join(r["Raison sociale"].split()): r for r in csv.DictReader(
        FRENCH.open(encoding="utf-8-sig"), delimiter=";")}
    new = [quebec.get(Supplier, sid) for sid in sorted(set(after) - set(before))]
    assert len(new) == len(rows) == 60
    for supplier in new:
        assert supplier is not None
        row = rows[supplier.name]
        digits = re.sub(r"[\s.]", "", row["SIRET"])
        assert supplier.country == "FR", supplier.name
        assert supplier.siret == (digits if re.fullmatch(r"\d{14}", digits) else None)
        naf = re.match(r"(\d\d)\.?(\d\d)([a-zA-Z])", row["Code NAF"])
        assert supplier.activity_code == (
            f"{naf[1]}.{naf[2]}{naf[3].upper()}" if naf else None), supplier.name
        assert (supplier.work_integration, supplier.reserved_eligible) == (
            TYPE_FACTS[row["Type de structure"]]), supplier.name
        assert supplier.municipality_code is None  # Nantes, France is not Nantes, Quebec

    # Capabilities come from the activity code with the same evidence levels as a Quebec
    # activity text: landscaping (NAF 81.30) and cleaning (81.21) are award-level evidence.
    by_name = {s.name: s.id for s in new if s is not None}
    capability = {(sid, code): evidence for sid, code, evidence in quebec.execute(select(
        SupplierCategory.supplier_id, SupplierCategory.category_code,
        SupplierCategory.evidence))}
    assert capability[(by_name["Régie Verte Tourangelle"], "amenagement_paysager")] == "activity"
    assert capability[(by_name["Nettoyage Ouest Insertion"], "entretien_menager")] == "activity"


def test_a_french_namesake_of_a_quebec_organisation_stays_a_separate_supplier(
        quebec: Session) -> None:
    outcome = _import(quebec, FRENCH, isolated=False)
    namesakes = quebec.scalars(select(Supplier).where(
        Supplier.normalized_name == normalize_company_name("ASSOC LES AMIS DU JARDIN"))).all()
    assert sorted((s.country, s.neq, s.siret, s.municipality) for s in namesakes) == [
        ("CA", "1145476769", None, "2900, MONSEIGNEUR ST-ARNAUD, C.P. 1383"),
        ("FR", None, "49448224300065", "Dinan")]
    notes = [i for i in outcome.issues if i["code"] == "name_match_kept_apart"]
    assert {(i["row"], i["reason"]) for i in notes} >= {(2, "country"), (3, "country")}
    assert all(i["severity"] == "info" for i in notes)
    assert all("gardé comme fournisseur distinct" in said(i, "fr") and "un autre pays"
               in said(i, "fr") and "another country" in said(i) for i in notes
               if i["reason"] == "country")


def test_a_record_with_a_known_identifier_is_merged_logged_and_can_be_undone(
        session: Session, tmp_path: Path) -> None:
    header = "Raison sociale;SIRET;Type de structure;Code NAF;Code postal;Ville\n"
    first = _import(session, _write(tmp_path / "a.csv", header +
                                    "Jardins du Val;73282932000074;ACI;81.30Z;22100;Dinan\n"),
                    isolated=False)
    second = _import(session, _write(tmp_path / "b.csv", header +
                                     "Jardins du Val (maraîchage);732 829 320 00074;ACI;01.13Z;"
                                     "22100;Dinan\n"), isolated=False)
    assert (first.added, second.added, second.updated) == (1, 0, 1)
    merge_json = second.suppliers_json()["merges"]
    assert second.suppliers_json()["merged"] == 1
    assert merge_json[0]["matched_on"] == "identifier" and merge_json[0]["identifier"] == "siret"
    assert merge_json[0]["changed"] == ["name", "activity_code"]
    assert merge_json[0]["before"] == {"name": "Jardins du Val", "activity_code": "81.30Z"}
    log = session.get(SupplierMerge, merge_json[0]["merge_id"])
    assert log is not None and log.import_id == second.import_id
    supplier = session.get(Supplier, log.supplier_id)
    assert supplier is not None and supplier.activity_code == "01.13Z"

    with pytest.raises(PermissionDenied):
        registry.undo_merge(session, ADMIN_ONLY_ACTOR, log.id)
    undone = registry.undo_merge(session, SYSTEM, log.id)
    assert undone.restored == {"name": "Jardins du Val", "activity_code": "81.30Z"}
    assert undone.split_supplier_id is None  # same identifier: nothing to set apart
    session.refresh(supplier)
    assert (supplier.name, supplier.activity_code) == ("Jardins du Val", "81.30Z")
    assert session.scalar(select(SupplierMerge.undone_at).where(
        SupplierMerge.id == log.id)) is not None
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "supplier.merge_undone")).one()
    assert event.after is not None and event.after["merge_id"] == log.id
    assert len(session.scalars(select(Supplier)).all()) == 1
    with pytest.raises(Conflict):
        registry.undo_merge(session, SYSTEM, log.id)
    with pytest.raises(NotFound):
        registry.undo_merge(session, SYSTEM, log.id + 1000)


def test_undoing_a_name_merge_gives_the_merged_record_its_own_supplier(
        session: Session, tmp_path: Path) -> None:
    _import(session, _write(tmp_path / "a.csv", "Nom,Municipalité\nCoop Verte,Shawinigan\n"),
            isolated=False)
    merged = _import(session, _write(tmp_path / "b.csv",
                                     "Nom,Municipalité,Site web\n"
                                     "COOP VERTE,SHAWINIGAN (Québec),coopverte.example\n"),
                     isolated=False)
    [entry] = merged.merges
    assert entry["matched_on"] == "name" and entry["changed"] == [
        "name", "country", "municipality", "website"]
    undone = registry.undo_merge(session, SYSTEM, entry["merge_id"])
    original = session.get(Supplier, entry["supplier_id"])
    apart = session.get(Supplier, undone.split_supplier_id)
    assert original is not None and apart is not None
    assert (original.name, original.municipality, original.website) == (
        "Coop Verte", "Shawinigan", None)
    assert (apart.name, apart.municipality, apart.website, apart.country) == (
        "COOP VERTE", "SHAWINIGAN", "coopverte.example", "CA")


def test_a_fact_changed_again_since_the_merge_is_kept_by_the_undo(
        session: Session, tmp_path: Path) -> None:
    header = "Raison sociale;SIRET;Code NAF\n"
    _import(session, _write(tmp_path / "a.csv", header + "Atelier;73282932000074;81.30Z\n"),
            isolated=False)
    first = _import(session, _write(tmp_path / "b.csv", header +
                                    "Atelier;73282932000074;01.13Z\n"), isolated=False)
    _import(session, _write(tmp_path / "c.csv", header + "Atelier;73282932000074;43.39Z\n"),
            isolated=False)
    undone = registry.undo_merge(session, SYSTEM, first.merges[0]["merge_id"])
    assert undone.restored == {} and undone.kept == {"activity_code": "43.39Z"}


@pytest.mark.parametrize(("existing", "incoming", "reason"), [
    ("Nom;NEQ;Code postal\nCoop Verte;1142934315;G9A 5K8\n",
     "Nom;NEQ;Code postal\nCoop Verte;1177742575;G9A 5K8\n", "neq"),
    ("Nom;Code postal\nCoop Verte;G9A 5K8\n", "Nom;Code postal\nCoop Verte;G8T 2T2\n",
     "postal_code"),
    ("Nom;Municipalité\nCoop Verte;Shawinigan\n", "Nom;Municipalité\nCoop Verte;La Tuque\n",
     "municipality"),
    ("Nom;Code postal\nCoop Verte;G9A 5K8\n", "Nom;Pays\nCoop Verte;France\n", "country"),
    ("Name,Company number\nGreen Co-op,04512367\n", "Name,Company number\nGreen Co-op,SC456789\n",
     "company_number"),
])
def test_a_name_match_that_other_facts_contradict_stays_two_suppliers(
        session: Session, tmp_path: Path, existing: str, incoming: str, reason: str) -> None:
    _import(session, _write(tmp_path / "a.csv", existing), isolated=False)
    before = _snapshot(session)
    outcome = _import(session, _write(tmp_path / "b.csv", incoming), isolated=False)
    assert (outcome.added, outcome.updated, outcome.merges) == (1, 0, [])
    assert {sid: facts for sid, facts in _snapshot(session).items() if sid in before} == before
    [note] = [i for i in outcome.issues if i["code"] == "name_match_kept_apart"]
    assert note["reason"] == reason and note["supplier_id"] == next(iter(before))


def test_a_uk_list_keeps_both_identifiers_and_merges_on_either(
        session: Session, tmp_path: Path) -> None:
    outcome = _import(session, UK, isolated=False)
    assert (outcome.status, outcome.added) == ("imported", 8)
    aire = session.scalars(select(Supplier).where(
        Supplier.name == "Aire Valley Supported Workshops")).one()
    assert (aire.company_number, aire.charity_number, aire.country, aire.activity_code) == (
        "04512367", "1098765", "GB", "82920")
    assert aire.work_integration and aire.reserved_eligible  # a supported business
    cic = session.scalars(select(Supplier).where(Supplier.name == "Calder Green Spaces CIC")).one()
    assert (cic.company_number, cic.charity_number, cic.work_integration) == (
        "09876543", None, False)
    update = _write(tmp_path / "charities.csv", "Charity name,Charity number,Town\n"
                    "Aire Valley Supported Workshops Ltd,1098765,Bradford\n")
    merged = _import(session, update, isolated=False)
    assert (merged.added, merged.updated) == (0, 1)
    assert merged.merges[0]["identifier"] == "charity_number"
