"""Background jobs of the web process: Celery workers when configured, threads otherwise."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from procurement.services.imports import ImportSettings
from procurement.services.jobs import JobRunner


def import_settings(app: Flask) -> ImportSettings:
    """Return the instance's import settings, built once from the configuration."""
    settings: ImportSettings = app.extensions["import_settings"]
    return settings


def init_app(app: Flask) -> None:
    """Build the import settings once, and the job runner on the application's session
    factory (after the database); the API, the pages' jobs and Celery use the same settings."""
    settings = ImportSettings.from_config(app.config)
    app.extensions["import_settings"] = settings
    dispatch = None
    broker = app.config.get("CELERY_BROKER_URL")
    if broker:
        from app.celery_app import sender

        dispatch = sender(broker, app.config.get("CELERY_QUEUE") or "procure")
    app.extensions["job_runner"] = JobRunner(
        app.extensions["db_factory"], instance=Path(app.config["INSTANCE_PATH"]),
        inline=app.config["JOBS_INLINE"], settings=settings, dispatch=dispatch)
