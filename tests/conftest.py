"""Shared fixtures: the public test files, the browser."""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Callable, Iterator
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


def _fresh_database(request: pytest.FixtureRequest,
                    sqlite_file: Callable[[], Path]) -> Iterator[str]:
    """Yield a fresh, migrated database: a SQLite file, or a PostgreSQL database dropped after."""
    if test_database_kind() == "sqlite":
        from procurement.db import upgrade_database

        url = f"sqlite:///{sqlite_file()}"
        upgrade_database(url)
        yield url
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Return the URL of a fresh, migrated database of this test, dropped afterwards."""
    yield from _fresh_database(request, lambda: tmp_path / "test.db")


@pytest.fixture(scope="module")
def module_database_url(request: pytest.FixtureRequest,
                        tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Return the URL of a fresh, migrated database shared by one test module."""
    yield from _fresh_database(request, lambda: tmp_path_factory.mktemp("db") / "module.db")


# --- Celery: a real Redis and a real worker process ---------------------------------

def redis_url_or_skip() -> str:
    """Return the test Redis URL; skip without one locally, fail on CI."""
    url = os.environ.get("PROCURE_TEST_REDIS_URL")
    reason = None
    if not url:
        reason = "PROCURE_TEST_REDIS_URL is not set (scripts/start-redis.sh)"
    elif importlib.util.find_spec("celery") is None:
        reason = "celery is not installed (pip install '.[celery]')"
    if reason:
        if on_ci():
            pytest.fail(f"CI=true but Celery cannot run: {reason}")
        pytest.skip(reason)
    assert url is not None
    return url


class Worker:
    """A `procure worker` process on its own queue, serving one database and instance."""

    def __init__(self, broker: str, database_url: str, instance: Path,
                 concurrency: int = 1) -> None:
        import subprocess
        import sys

        self.broker = broker
        self.queue = f"procure-test-{uuid.uuid4().hex[:10]}"
        self.env = {**os.environ, "CELERY_BROKER_URL": broker, "DATABASE_URL": database_url,
                    "PROCURE_INSTANCE": str(instance), "PROCURE_CELERY_QUEUE": self.queue,
                    "PROCURE_PARSE_IN_SUBPROCESS": "false"}
        self.log = instance / f"worker-{self.queue}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "worker", f"--concurrency={concurrency}",
                 "--loglevel=INFO"], env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited: {self.log.read_text()[-3000:]}")
            if "ready." in self.log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        pytest.fail(f"the worker did not start: {self.log.read_text()[-3000:]}")

    def children(self) -> list[int]:
        """Return the pids of the worker's pool processes (those that run the tasks)."""
        import psutil

        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def dispatch(self) -> Any:
        """Return the function the web process uses to send a job to this worker."""
        from app.celery_app import sender

        return sender(self.broker, self.queue)

    def stop(self) -> None:
        """Stop the worker (warm shutdown, then kill)."""
        import signal
        import subprocess

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Return the URL of the test Redis (skips or fails without one)."""
    return redis_url_or_skip()


@pytest.fixture
def start_worker(redis_url: str) -> Iterator[Any]:
    """Return start(database_url, instance, concurrency=1) -> Worker; stopped after the test."""
    started: list[Worker] = []

    def start(database_url: str, instance: Path, concurrency: int = 1) -> Worker:
        started.append(Worker(redis_url, database_url, instance, concurrency))
        return started[-1]

    yield start
    for process in started:
        process.stop()
