"""Background jobs of the web process: Celery workers when configured, threads otherwise."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from app.auth import current_actor
from app.database import get_session
from app.i18n import catalogue_gettext
from procurement.models import Job
from procurement.services import jobs
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
        inline=app.config["JOBS_INLINE"], settings=settings, dispatch=dispatch,
        gettext_for=catalogue_gettext)


def runner() -> JobRunner:
    """Return the application's job runner (Celery dispatch or threads)."""
    found: JobRunner = current_app.extensions["job_runner"]
    return found


def queue_job(kind: str, params: dict[str, Any] | None = None) -> int:
    """Queue a job of the signed-in person's municipality, commit it, and start it.

    The pages and the API call this for every long use case; the runner (a Celery worker,
    or a thread of this process) calls the use case's one service function.
    """
    db = get_session()
    actor = current_actor()
    job = jobs.create_job(db, actor, kind, params=params)
    db.commit()  # the runner reads the job with a session of its own
    runner().start(job.id, actor)
    return job.id


def wait_for_job(job_id: int, seconds: float) -> jobs.JobState:
    """Return the job's state once it has ended, or as it is after `seconds`."""
    factory = current_app.extensions["db_factory"]
    deadline = time.monotonic() + max(0.0, seconds)
    pause = 0.02
    while True:
        with factory() as other:  # a fresh session: the row as committed now
            job = other.get(Job, job_id)
            assert job is not None
            state = runner().state(job)
        if state.finished or time.monotonic() >= deadline:
            return state
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.25)
