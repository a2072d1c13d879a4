"""Fixtures of the page tests: the app on a temporary SQLite file, users of every role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app import create_app
from procurement.models import (
    Allocation,
    Lot,
    Organization,
    Proposal,
    PurchaseLine,
    Scenario,
    Supplier,
)
from procurement.permissions import ROLES, SYSTEM
from procurement.users import create_user

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """Create the application on a fresh database, parsing in-process."""
    application = create_app({
        "DATABASE_URL": database_url,
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path),
        "PARSE_IN_SUBPROCESS": False,
        "SECRET_KEY": "test-secret",
    })
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """Yield a session on the application's database."""
    with app.extensions["db_factory"]() as session:
        yield session


@pytest.fixture
def org(db: Session) -> Organization:
    """Create the municipality every user of the tests belongs to."""
    city = Organization(code="37067", name="Trois-Rivières", mrc="Trois-Rivières",
                        region="Mauricie", currency="CAD")
    db.add(city)
    db.commit()
    return city


@pytest.fixture
def users(db: Session, org: Organization) -> dict[str, str]:
    """Create one user per role; return {role: e-mail}."""
    emails = {}
    for role in ROLES:
        email = f"{role}@example.org"
        create_user(db, SYSTEM, email=email, name=f"Test {role}", role=role, password=PASSWORD,
                    organization_id=org.id)
        emails[role] = email
    db.commit()
    return emails


def _csrf_token(client: FlaskClient, url: str = "/") -> str:
    """Return the CSRF token printed in the forms of a page."""
    page = client.get(url).get_data(as_text=True)
    found = CSRF.search(page)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def _login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the login form (with its CSRF token)."""
    token = _csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token})


@pytest.fixture
def csrf() -> Any:
    """Return the function reading the CSRF token of a page: csrf(client, url="/")."""
    return _csrf_token


@pytest.fixture
def login() -> Any:
    """Return the function signing in: login(client, email, password=PASSWORD)."""
    return _login


@pytest.fixture
def password() -> str:
    """Return the password of every test user."""
    return PASSWORD


@pytest.fixture
def as_role(app: Flask, users: dict[str, str]) -> Any:
    """Return a function giving a signed-in client for a role."""

    def signed_in(role: str) -> FlaskClient:
        client = app.test_client()
        response = _login(client, users[role])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return signed_in


@pytest.fixture
def spending(db: Session, org: Organization) -> Organization:
    """Give the municipality a few categorized purchase lines (as matching leaves them)."""
    from procurement.models import ImportBatch

    batch = ImportBatch(organization_id=org.id, kind="spend", status="imported",
                        file_name="depenses.csv", file_hash="x" * 64, lines=3,
                        total=Decimal("4500.00"))
    db.add(batch)
    db.flush()
    rows = [
        ("Entretien ménager", "Nettoyage hôtel de ville", "entretien_menager", 0.92, "keyword",
         "mot-clé « nettoyage » / keyword “cleaning”", Decimal("3000.00")),
        ("Divers", "Impression dépliants", "impression_graphisme", 0.65, "fuzzy",
         "ressemble à « impression » / looks like “printing”", Decimal("1000.00")),
        (None, "Traiteur conseil", None, 0.0, "none", "aucun indice / no clue",
         Decimal("500.00")),
    ]
    for n, (expense, desc, code, conf, method, reason, amount) in enumerate(rows, start=2):
        db.add(PurchaseLine(organization_id=org.id, import_id=batch.id, source_row=n,
                            supplier_name=f"Fournisseur {n}", description=desc,
                            expense_category=expense, amount=amount, currency="CAD",
                            category_code=code, category_confidence=conf,
                            category_method=method, category_reason=reason))
    db.commit()
    return org


@pytest.fixture
def proposal(db: Session, org: Organization, users: dict[str, str]) -> Proposal:
    """Store a draft proposal by the purchaser: a direct-band lot and a tender-band lot."""
    from sqlalchemy import select

    from procurement.models import User

    author = db.scalar(select(User).where(User.email == users["purchaser"]))
    assert author is not None
    coop = Supplier(name="Coop de nettoyage du Cap", normalized_name="coop nettoyage cap",
                    municipality="Trois-Rivières")
    scenario = Scenario(organization_id=org.id, name="Essai", params={})
    db.add_all([coop, scenario])
    db.flush()
    kpis = {
        "social_economy_share_before": 0.05, "social_economy_share_after": 0.125,
        "local_share_before": 0.10, "local_share_after": 0.2, "impact_before": 120.0,
        "impact_after": 310.5, "cost_difference_cents": 45000, "cost_difference_pct": 0.0125,
        "budget_cents": 3672000, "lots_by_route": {"direct": 1, "tender_with_social_clauses": 1,
                                                   "status_quo": 1},
    }
    item = Proposal(organization_id=org.id, scenario_id=scenario.id, status="draft",
                    solver_status="optimal", solver="cbc", mode="divisible", objective=310.5,
                    currency="CAD", total_value=Decimal("360000.00"), kpis=kpis,
                    binding=[{"constraint": "budget", "explanation": "Le budget limite.",
                              "shadow_price_per_1000": 4.2}],
                    infeasibility=[], formula="impact = Σ poids × score × montant",
                    created_by_id=author.id)
    db.add(item)
    db.flush()
    small = Lot(proposal_id=item.id, key="cat:entretien_menager", category_code="entretien_menager",
                label="entretien_menager", value=Decimal("20000.00"), band="direct", line_count=4,
                status_quo_se_value=Decimal("0"))
    big = Lot(proposal_id=item.id, key="cat:collecte_recyclage", category_code="collecte_recyclage",
              label="collecte_recyclage", value=Decimal("340000.00"), band="tender", line_count=12,
              status_quo_se_value=Decimal("0"))
    db.add_all([small, big])
    db.flush()
    db.add_all([
        Allocation(proposal_id=item.id, lot_id=small.id, supplier_id=coop.id,
                   amount=Decimal("15000.00"), route="direct", impact_per_dollar=0.8),
        Allocation(proposal_id=item.id, lot_id=small.id, supplier_id=None,
                   amount=Decimal("5000.00"), route="status_quo", impact_per_dollar=0.0),
        Allocation(proposal_id=item.id, lot_id=big.id, supplier_id=None,
                   amount=Decimal("340000.00"), route="tender_with_social_clauses",
                   impact_per_dollar=0.0),
    ])
    db.commit()
    return item
