"""One database session per request, from the engine created with the app."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from procurement.db import make_engine, make_session_factory, upgrade_database
from procurement.regulatory import seed_profiles


def init_app(app: Flask) -> None:
    """Create the engine, upgrade the schema when allowed, and close sessions per request."""
    url = app.config["DATABASE_URL"]
    if app.config.get("AUTO_MIGRATE", True):
        upgrade_database(url)
    engine = make_engine(url)
    app.extensions["db_engine"] = engine
    app.extensions["db_factory"] = make_session_factory(engine)
    with app.extensions["db_factory"]() as session:
        seed_profiles(session)
        from procurement.services.matching import seed_categories

        seed_categories(session)
        session.commit()
    app.teardown_appcontext(close_session)


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
        if exc is not None:
            session.rollback()
        session.close()
