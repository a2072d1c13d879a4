"""Demo data: real municipalities and registry, a generated spending workbook, demo users.

The spending workbook is synthetic but shaped like a Quebec city's disbursement journal
(French headers, a title row, budget account codes, a total row); it is generated
deterministically from a seed so tests and demos see the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.data import REFERENCE_DIR
from procurement.models import ImportBatch, Organization, User
from procurement.permissions import SYSTEM
from procurement.regulatory import seed_profiles
from procurement.users import actor_for, create_user

DEMO_ORG_CODE = "37067"  # Trois-Rivières (MAMH code)
DEMO_YEAR = 2025
DEMO_YEARS = (DEMO_YEAR - 1, DEMO_YEAR)
# The council's target in the demo: a fifth of spending to the social economy by 2028.
DEMO_TARGET_SHARE = 0.20
DEMO_TARGET_YEAR = DEMO_YEAR + 3
DEMO_ROLES = ("purchaser", "finance", "auditor", "admin")
# The REQ extract is the one file with activity text: without it the demo registry would
# hold no capability strong enough to award under the default minimum evidence (activity).
REGISTRY_FILES = ("mauricie-se-directory.csv", "mauricie-se-hub-members.csv",
                  "mauricie-req-nonprofits-coops.csv")


def load_municipalities(session: Session, path: Path) -> int:
    """Insert or update every municipality of the MAMH reference file."""
    profile_id = _profile_id(session, "QC-2024")
    existing = {o.code: o for o in session.scalars(select(Organization))}
    count = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["mcode"].strip()
            org = existing.get(code) or Organization(code=code)
            org.name = row["munnom"].strip()
            org.mrc = (row.get("mrc") or "").strip() or None
            org.region = (row.get("regadm") or "").strip() or None
            org.postal_code = (row.get("mcodpos") or "").strip() or None
            population = (row.get("mpopul") or "").strip()
            org.population = int(float(population)) if population else None
            org.currency = "CAD"
            if org.regulatory_profile_id is None:
                org.regulatory_profile_id = profile_id
            session.add(org)
            count += 1
    session.flush()
    return count


def _profile_id(session: Session, code: str) -> int:
    from procurement.regulatory import get_profile

    return get_profile(session, code).id


# --- the spending workbook ---------------------------------------------------------

@dataclass(frozen=True)
class DemoCategory:
    """A kind of spending of the demo city, with who currently supplies it."""

    account: str
    service: str
    descriptions: tuple[str, ...]
    suppliers: tuple[str, ...]
    yearly_lines: int
    typical_amount: float


DEMO_CATEGORIES: tuple[DemoCategory, ...] = (
    DemoCategory("02-190-00-522", "Immeubles", (
        "Entretien ménager hôtel de ville", "Conciergerie bibliothèque Gatien-Lapointe",
        "Nettoyage des bureaux - contrat mensuel", "Entretien ménager centre communautaire",
        "Lavage de vitres édifices municipaux"),
        ("ENTRETIEN MENAGER DESCHENES INC", "Groupe Net-Pro Mauricie ltée",
         "SERVICES D'ENTRETIEN ST-MAURICE"), 420, 2400),
    DemoCategory("02-751-00-521", "Parcs et espaces verts", (
        "Tonte de gazon parcs secteur ouest", "Plantation arbres et arbustes",
        "Entretien des plates-bandes", "Aménagement paysager parc portuaire",
        "Horticulture - fleurs annuelles"),
        ("PAYSAGISTE BOISVERT & FILS", "Les Jardins Laviolette inc."), 260, 3100),
    DemoCategory("02-701-20-493", "Loisirs et culture", (
        "Traiteur - réception des bénévoles", "Repas conseil municipal",
        "Buffet fête des voisins", "Service de traiteur - camp de jour",
        "Boîtes à lunch formation"),
        ("TRAITEUR LA BONNE FOURCHETTE", "CAFE COMSEP", "Cuisine Gourmet TR inc."), 300, 650),
    DemoCategory("02-130-00-345", "Communications", (
        "Impression bulletin municipal", "Impression dépliants collecte",
        "Infographie campagne sécurité", "Affiches événements culturels",
        "Impression cartes d'affaires"),
        ("IMPRIMERIE GAGNE LTEE", "Copie Express Trois-Rivières"), 180, 1800),
    DemoCategory("02-330-00-443", "Travaux publics", (
        "Déneigement stationnements municipaux", "Déglaçage trottoirs secteur nord",
        "Transport de neige", "Épandage abrasifs", "Déneigement bornes-fontaines"),
        ("DENEIGEMENT MAURICIE INC", "Excavation R. Lemay ltée"), 360, 5200),
    DemoCategory("02-451-10-446", "Environnement", (
        "Collecte des encombrants", "Tri et réemploi de mobilier",
        "Collecte matières recyclables écocentre", "Récupération textile",
        "Recyclage équipements électroniques"),
        ("RECYCLE 3R MAURICIE", "Services Sanitaires Frontenac", "GFL ENVIRONMENTAL INC"),
        340, 4300),
    DemoCategory("02-135-00-414", "Technologies de l'information", (
        "Ordinateurs portables reconditionnés", "Soutien informatique",
        "Licences logiciels bureautiques", "Réparation de postes de travail",
        "Câblage réseau caserne"),
        ("INFORMATIQUE PRO-TECH INC", "CDW Canada Corp."), 220, 2900),
    DemoCategory("02-160-00-454", "Ressources humaines", (
        "Formation santé et sécurité", "Formation secourisme", "Formation leadership cadres",
        "Atelier prévention harcèlement"),
        ("FORMATIONS PRIORITE EMPLOI", "Groupe Conseil RH Plus inc."), 120, 1500),
    DemoCategory("02-702-50-447", "Loisirs et culture", (
        "Animation fête nationale", "Spectacle parc de l'île Saint-Quentin",
        "Sonorisation et éclairage événement", "Animation camp de jour"),
        ("PRODUCTIONS EVENEMENTIELLES TR", "Orchestre symphonique de Trois-Rivières"), 140, 2600),
    DemoCategory("02-320-00-621", "Travaux publics", (
        "Asphaltage rue des Forges", "Pavage correctif", "Enrobé bitumineux"),
        ("PAVAGES MASKA INC", "Construction & Pavage Portneuf"), 90, 18000),
    DemoCategory("02-190-00-681", "Immeubles", (
        "Électricité hôtel de ville", "Électricité éclairage public", "Électricité arénas"),
        ("HYDRO-QUEBEC",), 160, 9000),
    DemoCategory("02-130-00-670", "Administration", (
        "Papeterie et fournitures de bureau", "Cartouches d'encre", "Fournitures de bureau"),
        ("BUREAU EN GROS", "Hamster - Novexco"), 200, 380),
    DemoCategory("02-190-00-650", "Immeubles", (
        "Vêtements de travail cols bleus", "Bottes de sécurité", "Uniformes patrouilleurs"),
        ("Vêtements Sécurité Mauricie", "MARK'S COMMERCIAL"), 80, 900),
)


def generate_spending_workbook(path: Path, *, seed: int = 2025, year: int = DEMO_YEAR) -> Path:
    """Write the demo city's disbursement journal for one year (deterministic)."""
    rng = random.Random(seed)
    book = Workbook()
    sheet = book.active
    sheet.title = "Déboursés"
    sheet.append([f"Ville de Trois-Rivières — Journal des déboursés {year}"])
    sheet.append(["Extrait du système financier, montants en dollars canadiens"])
    sheet.append([])
    sheet.append(["Date", "No fournisseur", "Fournisseur", "Description", "Poste budgétaire",
                  "Service", "No contrat", "Montant ($)"])
    supplier_numbers: dict[str, str] = {}
    rows: list[list[Any]] = []
    for index, category in enumerate(DEMO_CATEGORIES, start=1):
        for _ in range(category.yearly_lines):
            need = rng.randrange(len(category.descriptions))
            # One need (a building's cleaning, an event's catering) is one contract, held by
            # one supplier over the year, as in a real disbursement journal.
            supplier = category.suppliers[need % len(category.suppliers)]
            number = supplier_numbers.setdefault(supplier, f"F{10000 + len(supplier_numbers):05d}")
            day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
            amount = Decimal(str(round(rng.lognormvariate(0, 0.6) * category.typical_amount, 2)))
            if rng.random() < 0.01:
                amount = -amount  # a credit note
            contract = f"C-{year}-{index:02d}{need + 1}"
            rows.append([day, number, supplier, category.descriptions[need],
                         category.account, category.service, contract, amount])
    rows.sort(key=lambda r: (r[0], r[1], r[3]))
    total = Decimal("0")
    for row in rows:
        sheet.append(row)
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
        sheet.cell(sheet.max_row, 8).number_format = '#,##0.00 "$"'
        total += Decimal(str(row[7]))
    sheet.append([])
    sheet.append(["Total", None, None, None, None, None, None, total])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


# --- the whole demo ---------------------------------------------------------------

@dataclass
class DemoResult:
    """What loading the demo did."""

    org_code: str
    created: bool
    credentials: dict[str, str]


def demo_loaded(session: Session) -> bool:
    """Tell whether the demo municipality already has its spending."""
    org = session.scalar(select(Organization).where(Organization.code == DEMO_ORG_CODE))
    if org is None:
        return False
    count = session.scalar(select(func.count()).select_from(ImportBatch).where(
        ImportBatch.organization_id == org.id, ImportBatch.status == "imported"))
    return bool(count)


def load_demo(session: Session, *, instance: Path,
              normalize_name: Callable[[str], str], log: Callable[[str], None] = print
              ) -> DemoResult:
    """Load municipalities, registry, the demo city's spending and demo users, once."""
    from procurement.services import imports, matching, optimize, targets

    credentials_path = instance / "demo-credentials.txt"
    if demo_loaded(session):
        return DemoResult(DEMO_ORG_CODE, False, read_credentials(credentials_path))
    seed_profiles(session)
    matching.seed_categories(session)
    reference = REFERENCE_DIR / "quebec-municipalities.csv"
    log(f"municipalities: {load_municipalities(session, reference)}")
    for name in REGISTRY_FILES:
        outcome = imports.import_suppliers(session, SYSTEM, REFERENCE_DIR / name, isolated=False,
                                           normalize_name=normalize_name)
        log(f"registry {name}: {outcome.status}, {outcome.added} added, "
            f"{outcome.updated} updated")
    matching.localize_suppliers(session)
    matching.refresh_supplier_categories(session)
    org = session.scalar(select(Organization).where(Organization.code == DEMO_ORG_CODE))
    assert org is not None, "Trois-Rivières is missing from the municipalities file"
    # Two fiscal years: the previous one, then the one the proposals are made for.
    for year in DEMO_YEARS:
        workbook = generate_spending_workbook(instance / "demo" / f"depenses-{year}.xlsx",
                                              seed=year, year=year)
        outcome = imports.import_spend(session, SYSTEM, org, workbook, isolated=False,
                                       accept_valid_rows=False)
        log(f"demo spending {year}: {outcome.status}, {outcome.lines} lines, "
            f"total {outcome.total}")
        if outcome.status != "imported":
            raise RuntimeError(f"The demo workbook did not import: {outcome.message}")
    targets.set_target(session, SYSTEM, org, share=DEMO_TARGET_SHARE, year=DEMO_TARGET_YEAR)
    summary = matching.run_matching(session, SYSTEM, org)
    log(f"matching: baseline social economy share {summary.baseline_social_economy_share:.1%}")
    credentials = {}
    for role in DEMO_ROLES:
        email = f"{role}@demo.v3r.example"
        if session.scalar(select(User).where(User.email == email)) is None:
            password = secrets.token_urlsafe(9)
            create_user(session, SYSTEM, email=email, name=f"Démo {role}", role=role,
                        password=password, organization_id=org.id)
            credentials[email] = password
    write_credentials(credentials_path, credentials)
    # A first proposal, prepared by the demo purchaser, so that every role has one to see.
    purchaser = session.scalar(select(User).where(User.email == "purchaser@demo.v3r.example"))
    actor = actor_for(purchaser) if purchaser else SYSTEM
    result = optimize.run_scenario(session, actor, org, {"name": "Démo — scénario de base"})
    log(f"demo proposal: #{result.proposal_id} ({result.solution.status})")
    return DemoResult(DEMO_ORG_CODE, True, credentials)


def write_credentials(path: Path, credentials: dict[str, str]) -> None:
    """Store the demo passwords for `make run` to print (readable by the owner only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{email}  {password}\n" for email, password in credentials.items()))
    path.chmod(0o600)


def read_credentials(path: Path) -> dict[str, str]:
    """Read the demo passwords written at load time."""
    if not path.exists():
        return {}
    pairs = (line.split() for line in path.read_text().splitlines() if line.strip())
    return {p[0]: p[1] for p in pairs if len(p) == 2}
