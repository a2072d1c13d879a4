"""When the database cannot answer: 503 with Retry-After in seconds, never a hang or a 500.

`/health` says the process is alive; `/ready` says whether the database answers. Reading
with a bearer token never waits on a write (its use is recorded apart, at most once per
interval).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from procurement.db import make_engine, make_session_factory
from procurement.models import ApiToken


@contextmanager
def sqlite_locked(app: Flask, *, readers_too: bool = False) -> Iterator[None]:
    """Hold SQLite's write lock (and the readers out, when asked) from another connection."""
    app.extensions["db_engine"].dispose()  # no pooled connection keeps a lock of its own
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    if readers_too:
        other.execute("PRAGMA locking_mode=EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")
        other.execute("SELECT count(*) FROM alembic_version").fetchall()
    else:
        other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def outage_app(make_app: Any, make_world: Any, tmp_path: Path) -> tuple[Flask, Any]:
    """The app on a SQLite file of its own, whatever database the suite runs on: the lock
    is SQLite's (the PostgreSQL outage has its own test in tests/faults)."""
    app = make_app(DB_LOCK_TIMEOUT=1, DB_RETRY_AFTER=17,
                   DATABASE_URL=f"sqlite:///{tmp_path / 'outage.db'}")
    return app, make_world(app)


def test_a_write_while_sqlite_is_locked_answers_503_with_retry_after(
        make_app: Any, make_world: Any, tmp_path: Path) -> None:
    app, world = outage_app(make_app, make_world, tmp_path)
    a = world.a
    client = app.test_client()
    with sqlite_locked(app):
        api = client.post(f"/api/proposals/{a.draft_id}/submit", json={"version": 1},
                          headers=a.headers("purchaser"))
        english = app.test_client().post(
            f"/api/proposals/{a.draft_id}/submit", json={"version": 1},
            headers={**a.headers("purchaser"), "Accept-Language": "en"})
        with client.session_transaction() as session:
            session["_user_id"] = str(a.users["purchaser"])
        page = client.post(f"/proposals/{a.draft_id}/submit", data={"version": "1"})
    assert api.status_code == 503 and api.headers["Retry-After"] == "17"
    assert api.json["code"] == "database_unavailable"
    assert "indisponible" in api.json["message"]
    assert english.status_code == 503 and "unavailable" in english.json["message"]
    assert page.status_code == 503 and page.headers["Retry-After"] == "17"
    assert "indisponible" in page.get_data(as_text=True)
    # Once the lock is gone, the same request goes through.
    again = client.post(f"/api/proposals/{a.draft_id}/submit", json={"version": 1},
                        headers=a.headers("purchaser"))
    assert again.status_code == 200, again.json


def test_reading_with_a_token_never_waits_on_a_write(make_app: Any, make_world: Any,
                                                     tmp_path: Path) -> None:
    app, world = outage_app(make_app, make_world, tmp_path)
    a = world.a
    client = app.test_client()
    with sqlite_locked(app):
        listed = client.get("/api/imports", headers=a.headers("auditor"))
    assert listed.status_code == 200, listed.get_data(as_text=True)


def test_token_use_is_recorded_at_most_once_per_interval(make_app: Any,
                                                         make_world: Any) -> None:
    app = make_app(TOKEN_USE_INLINE=True, TOKEN_USE_INTERVAL=300)
    world = make_world(app)
    headers = world.a.headers("auditor")
    client = app.test_client()
    factory = app.extensions["db_factory"]

    def last_use() -> dt.datetime | None:
        with factory() as session:
            return session.scalar(select(ApiToken.last_used_at).where(
                ApiToken.user_id == world.a.users["auditor"]))

    assert client.get("/api/me", headers=headers).status_code == 200
    first = last_use()
    assert first is not None
    assert client.get("/api/me", headers=headers).status_code == 200
    assert last_use() == first  # within the interval: no write
    with factory() as session:
        session.execute(update(ApiToken).where(ApiToken.user_id == world.a.users["auditor"])
                        .values(last_used_at=first - dt.timedelta(minutes=10)))
        session.commit()
    assert client.get("/api/me", headers=headers).status_code == 200
    later = last_use()
    assert later is not None and later > first - dt.timedelta(minutes=1)


def test_health_is_the_process_and_ready_is_the_database(make_app: Any, make_world: Any,
                                                         tmp_path: Path) -> None:
    app, _world = outage_app(make_app, make_world, tmp_path)
    client = app.test_client()
    assert client.get("/ready").status_code == 200
    with sqlite_locked(app, readers_too=True):
        health = client.get("/health")
        ready = client.get("/ready")
    assert health.status_code == 200
    assert ready.status_code == 503 and ready.headers["Retry-After"] == "17"
    assert client.get("/ready").json == {"status": "ready"}


def test_a_stopped_postgresql_answers_503_not_a_hang(make_app: Any, make_world: Any,
                                                      tmp_path: Path) -> None:
    app, world = outage_app(make_app, make_world, tmp_path)
    # A PostgreSQL server that is not running: nothing listens on port 1.
    stopped = make_engine("postgresql+psycopg://procure:x@127.0.0.1:1/procure",
                          connect_timeout=1)
    app.extensions["db_engine"] = stopped
    app.extensions["db_factory"] = make_session_factory(stopped)
    client = app.test_client()
    api = client.get("/api/imports", headers=world.a.headers("auditor"))
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert api.status_code == 503 and api.json["code"] == "database_unavailable"
    assert client.get("/ready").status_code == 503
    assert client.get("/health").status_code == 200
    assert page.status_code == 200  # the sign-in form needs no database
