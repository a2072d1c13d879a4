"""Fixtures of the fault tests: a migrated database (SQLite or PostgreSQL) and sessions on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from procurement.db import make_engine, make_session_factory
from procurement.regulatory import seed_profiles


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Return a session factory on the test database, the regulatory profiles seeded."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        seed_profiles(session)
        session.commit()
    yield sessions
    engine.dispose()
