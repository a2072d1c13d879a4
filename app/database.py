"""One database session per request, from the engine created with the app."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from procurement.db import database_ready, make_engine, make_session_factory, upgrade_database
from procurement.regulatory import seed_profiles


def init_app(app: Flask) -> None:
    """Create the engine, upgrade the schema when allowed, and close sessions per request."""
    url = app.config["DATABASE_URL"]
    if app.config.get("AUTO_MIGRATE", True):
        upgrade_database(url)
    engine = make_engine(url, lock_timeout=float(app.config.get("DB_LOCK_TIMEOUT", 5)),
                         connect_timeout=int(app.config.get("DB_CONNECT_TIMEOUT", 5)))
    app.extensions["db_engine"] = engine
    app.extensions["db_factory"] = make_session_factory(
        engine, audit_key=str(app.config["AUDIT_KEY"]).encode())
    with app.extensions["db_factory"]() as session:
        seed_profiles(session)
        from procurement.services.matching import seed_categories

        seed_categories(session)
        session.commit()
    app.teardown_appcontext(close_session)
    app.add_url_rule("/ready", "ready", ready)


def ready() -> Any:
    """Answer 200 when the database answers now, 503 with Retry-After when it cannot.

    `/health` says the process is alive; `/ready` says it can serve (load balancers).
    """
    from app.errors import unavailable_response

    if database_ready(current_app.extensions["db_engine"]):
        return {"status": "ready"}
    return unavailable_response(int(current_app.config.get("DB_RETRY_AFTER", 30)))


def get_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_factory"]()
    session: Session = g.db_session
    return session


def close_session(exc: BaseException | None = None) -> None:
    """Roll back anything uncommitted and close the request's session."""
    session = g.pop("db_session", None)
    if session is not None:
        try:
            if exc is not None:
                session.rollback()
            session.close()
        except SQLAlchemyError:  # the database went away: the connection is discarded
            session.invalidate()
