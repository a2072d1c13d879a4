"""Fixtures of the integration tests: a migrated SQLite database and a session on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from procurement.db import make_engine, make_session_factory, upgrade_database
from procurement.regulatory import seed_profiles


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """Return the URL of a fresh SQLite database upgraded by the Alembic migrations."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    upgrade_database(url)
    return url


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    """Return a session factory on the test database."""
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session with the regulatory profiles seeded."""
    with factory() as db:
        seed_profiles(db)
        db.commit()
        yield db
