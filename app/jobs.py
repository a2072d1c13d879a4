"""Background jobs of the web process: Celery workers when configured, threads otherwise."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from procurement.services.jobs import JobRunner


def init_app(app: Flask) -> None:
    """Create the job runner on the application's session factory (after the database)."""
    dispatch = None
    broker = app.config.get("CELERY_BROKER_URL")
    if broker:
        from app.celery_app import sender

        dispatch = sender(broker, app.config.get("CELERY_QUEUE") or "procure")
    app.extensions["job_runner"] = JobRunner(
        app.extensions["db_factory"], instance=Path(app.config["INSTANCE_PATH"]),
        inline=app.config["JOBS_INLINE"], dispatch=dispatch)
