"""Fixtures of the integration tests: a migrated database and a session on it.

The database is a SQLite file, or a PostgreSQL database of its own with
PROCURE_TEST_DATABASE=postgres (see tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from procurement.db import make_engine, make_session_factory
from procurement.regulatory import seed_profiles


@pytest.fixture
def db_url(database_url: str) -> str:
    """Return the URL of a fresh database upgraded by the Alembic migrations."""
    return database_url


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
