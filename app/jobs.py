"""Background jobs of the web process: one runner per application, threads by default."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from procurement.services.jobs import JobRunner


def init_app(app: Flask) -> None:
    """Create the job runner on the application's session factory (after the database)."""
    app.extensions["job_runner"] = JobRunner(
        app.extensions["db_factory"], instance=Path(app.config["INSTANCE_PATH"]),
        inline=app.config["JOBS_INLINE"])
