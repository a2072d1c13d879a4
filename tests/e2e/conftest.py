"""End-to-end fixtures: a real app on a SQLite file, two municipalities, one user per role."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for `factories`

import factories

from app import create_app

ROLES = ("purchaser", "finance", "auditor", "admin")


def build_app(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> Flask:
    """Create the application on a fresh database (the migrations create the schema)."""
    config = {
        "DATABASE_URL": database_url or f"sqlite:///{tmp_path}/t.db",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "PARSE_IN_SUBPROCESS": False,
        "INSTANCE_PATH": str(tmp_path),
    }
    config.update(overrides)
    return create_app(config)


@dataclass
class Municipality:
    """One tenant of the test world: its ids, users and their bearer tokens."""

    id: int
    code: str
    users: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    draft_id: int = 0
    submitted_id: int = 0
    finance_authored_id: int = 0
    import_id: int = 0
    match_id: int = 0
    marker: str = ""

    def headers(self, role: str) -> dict[str, str]:
        """Return the Authorization header of the user with `role`."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@dataclass
class World:
    """Two municipalities sharing a registry of suppliers."""

    a: Municipality
    b: Municipality
    supplier_ids: list[int]


def populate(app: Flask) -> World:
    """Create two municipalities with one user per role (two in finance), data and tokens."""
    with app.app_context(), app.extensions["db_factory"]() as session:
        suppliers = [
            factories.make_supplier(
                session,
                "Coop de nettoyage Mauricie",
                municipality="Trois-Rivières",
                work_integration=True,
            ),
            factories.make_supplier(
                session, "Ressourcerie du Bas-Saint-Laurent", municipality="Rimouski"
            ),
        ]
        towns = []
        for code, name, marker in (
            ("37067", "Trois-Rivières", "Alpha-Only-Cleaning"),
            ("10043", "Rimouski", "Zeta-Only-Catering"),
        ):
            org = factories.make_org(session, code, name, region="Test")
            town = Municipality(id=org.id, code=code, marker=marker)
            users = {role: factories.make_user(session, org, role) for role in ROLES}
            users["finance2"] = factories.make_user(session, org, "finance")
            for key, user in users.items():
                town.users[key] = user.id
                town.emails[key] = user.email
                town.tokens[key] = factories.make_token(session, user)
            town.draft_id = factories.make_proposal(
                session, org, users["purchaser"], status="draft", suppliers=suppliers
            ).id
            town.submitted_id = factories.make_proposal(
                session, org, users["purchaser"], status="submitted", suppliers=suppliers
            ).id
            town.finance_authored_id = factories.make_proposal(
                session, org, users["finance"], status="submitted", suppliers=suppliers[:1]
            ).id
            town.import_id = factories.make_import(
                session,
                org,
                users["purchaser"],
                [
                    (marker, f"{marker} services", "1200.00"),
                    ("Hydro", "Électricité", "5000.00"),
                ],
                file_name=f"{marker}.csv",
            ).id
            town.match_id = factories.make_incumbent_match(session, org, marker, suppliers[0]).id
            towns.append(town)
        session.commit()
        return World(a=towns[0], b=towns[1], supplier_ids=[s.id for s in suppliers])


@pytest.fixture
def make_app(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Flask]]:
    """Return a builder of the application with configuration overrides."""
    built: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        built.append(build_app(tmp_path, database_url, **overrides))
        return built[-1]

    yield make
    for application in built:
        application.extensions["db_engine"].dispose()


@pytest.fixture
def make_world() -> Callable[[Flask], World]:
    """Return the builder of the two-municipality world, for apps built in a test."""
    return populate


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """Return a fresh application on its own database."""
    application = build_app(tmp_path, database_url)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def world(app: Flask) -> World:
    """Return the two-municipality world stored in the app's database."""
    return populate(app)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    """Return a test client of the app."""
    with app.test_client() as test_client:
        yield test_client
