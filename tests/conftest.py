"""Shared fixtures: the public test files, the browser."""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Public files used only by tests (sources and licences in the README); the reference
# files the engine itself needs ship in procurement/data/reference.
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Return the folder of public real files shipped for the tests."""
    return TEST_DATA


# --- browser tests (Playwright driving Debian's chromium) ---------------------------

CHROMIUM = Path(os.environ.get("PROCURE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def missing_browser() -> str | None:
    """Say what is missing to drive a browser, or None."""
    if importlib.util.find_spec("pytest_playwright") is None:
        return "pytest-playwright is not installed (pip install pytest-playwright)"
    if not CHROMIUM.is_file():
        return f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    return None


def on_ci() -> bool:
    """Tell whether the tests run on continuous integration."""
    return os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip browser tests locally when no browser can run; on CI they fail instead."""
    reason = missing_browser()
    if reason is None or on_ci():
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=f"no browser: {reason}"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's chromium (Playwright cannot download browsers here)."""
    reason = missing_browser()
    if reason is not None:
        pytest.fail(f"the browser tests cannot run: {reason}")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM),
            "args": CHROMIUM_ARGS}


# --- the test database: SQLite files by default, PostgreSQL on demand ----------------
# PROCURE_TEST_DATABASE=postgres runs every database test on the PostgreSQL server named
# by PROCURE_TEST_POSTGRES_URL (scripts/start-postgres.sh): each test gets a database of
# its own, copied from a template migrated once per test process, and dropped after it.

def test_database_kind() -> str:
    """Return the database the tests run on: "sqlite" (default) or "postgres"."""
    kind = os.environ.get("PROCURE_TEST_DATABASE", "sqlite").strip().lower() or "sqlite"
    if kind not in ("sqlite", "postgres"):
        raise pytest.UsageError(f"PROCURE_TEST_DATABASE={kind!r}: expected sqlite or postgres")
    return kind


def postgres_server_or_skip() -> str:
    """Return the test server's URL; skip without one locally, fail on CI."""
    server = os.environ.get("PROCURE_TEST_POSTGRES_URL")
    if not server:
        message = "PROCURE_TEST_POSTGRES_URL is not set (scripts/start-postgres.sh)"
        if on_ci():
            pytest.fail(f"CI=true but no PostgreSQL server: {message}")
        pytest.skip(message)
    return server


class PostgresDatabases:
    """Create and drop throw-away databases on the test server, from a migrated template."""

    def __init__(self, server: str) -> None:
        from sqlalchemy import create_engine

        self.server = server
        self.admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=_null_pool())
        self.template: str | None = None
        self.created: list[str] = []

    def url(self, name: str) -> str:
        """Return the URL of database `name` on the server."""
        from sqlalchemy.engine import make_url

        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def _execute(self, statement: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as connection:
            connection.execute(text(statement))

    def create(self, *, migrated: bool = True) -> str:
        """Create an empty database, or a copy of the migrated template; return its URL."""
        name = f"procure_t_{uuid.uuid4().hex[:16]}"
        if migrated:
            if self.template is None:
                from procurement.db import upgrade_database

                self.template = f"procure_tpl_{uuid.uuid4().hex[:12]}"
                self._execute(f'CREATE DATABASE "{self.template}"')
                upgrade_database(self.url(self.template))
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        else:
            self._execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.url(name)

    def drop(self, url: str) -> None:
        """Drop a database created here, closing the connections still open on it."""
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        """Drop whatever is left, the template last."""
        for name in [*self.created, self.template]:
            if name:
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    """Return the creator of throw-away PostgreSQL databases (skips or fails without one)."""
    databases = PostgresDatabases(postgres_server_or_skip())
    yield databases
    databases.close()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Return the URL of a fresh, migrated database of this test, dropped afterwards."""
    if test_database_kind() == "sqlite":
        from procurement.db import upgrade_database

        url = f"sqlite:///{tmp_path / 'test.db'}"
        upgrade_database(url)
        yield url
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture(scope="module")
def module_database_url(request: pytest.FixtureRequest,
                        tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Return the URL of a fresh, migrated database shared by one test module."""
    if test_database_kind() == "sqlite":
        from procurement.db import upgrade_database

        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'module.db'}"
        upgrade_database(url)
        yield url
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    url = databases.create()
    yield url
    databases.drop(url)
