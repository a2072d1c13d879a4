"""The registry search's folded columns: filled by migration 0008, kept by every write."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.orm import Session

from procurement.db import alembic_config, make_engine, make_session_factory
from procurement.errors import InvalidInput
from procurement.models import Supplier
from procurement.permissions import SYSTEM
from procurement.services import registry_search
from procurement.services.registry_search import RegistryFilters


def test_migration_0008_folds_the_suppliers_already_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0006")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO supplier (name, normalized_name, neq, activity, active, "
            "work_integration, reserved_eligible, score_overrides, created_at, updated_at) "
            "VALUES ('Coopérative de travail Écho', 'echo', '1145 476 769', "
            "'Entretien ménager', 1, 0, 0, '{}', '2026-01-01', '2026-01-01')"))
    engine.dispose()
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        name, folded = session.execute(select(Supplier.search_name,
                                              Supplier.search_text)).one()
        assert name == "cooperative de travail echo"
        assert folded == "cooperative de travail echo 1145476769 entretien menager"
        found = registry_search.search_suppliers(session, SYSTEM,
                                                 RegistryFilters(text="ECHO ménager"))
        assert [s.name for s in found.items] == ["Coopérative de travail Écho"]
    engine.dispose()


def test_every_write_keeps_the_folded_copies(session: Session) -> None:
    coop = Supplier(name="Coop du Cap", normalized_name="cap", activity="Traiteur")
    session.add(coop)
    session.flush()
    assert coop.search_name == "coop du cap cooperative"
    coop.activity = "Déneigement"
    session.flush()
    session.refresh(coop)
    assert coop.search_text == "coop du cap cooperative deneigement"
    session.execute(insert(Supplier), [{"name": "Atelier Élan", "normalized_name": "elan",
                                        "siret": "49448224300065"}])
    bulk = session.scalar(select(Supplier).where(Supplier.name == "Atelier Élan"))
    assert bulk is not None and bulk.search_text == "atelier elan 49448224300065"
    found = registry_search.search_suppliers(session, SYSTEM, RegistryFilters(
        text="49448224300065"))
    assert [s.id for s in found.items] == [bulk.id]
    by_name = registry_search.search_suppliers(session, SYSTEM, RegistryFilters(
        name="cooperative"))
    assert [s.id for s in by_name.items] == [coop.id]


def test_filters_that_cannot_be_used_are_named_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        registry_search.check_filters(RegistryFilters(
            category="nope", evidence="rumour", locality="nearby", text="x" * 201))
    assert set(caught.value.errors) == {"category", "evidence", "locality", "text"}
