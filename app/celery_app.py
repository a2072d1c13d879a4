"""Celery workers for the background jobs, when CELERY_BROKER_URL is set (Redis).

The web process only sends a job id (`send_job`); a worker (`procure worker`, on this
machine or another one sharing the database and the instance folder) runs the same
`JobRunner.run` as the in-process threads. Tasks are acknowledged late and rejected when
their worker process dies, so the broker delivers them again; the runner then takes the
job over (its work was one transaction, nothing of it was stored), at most MAX_ATTEMPTS
times.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from celery import Celery

from app.config import from_env
from procurement.db import make_engine, make_session_factory
from procurement.services.jobs import JobRunner

TASK_NAME = "procure.run_job"
# A task is delivered again when its worker vanished without rejecting it (the whole
# worker killed, a machine lost) after this delay: longer than the longest job.
VISIBILITY_TIMEOUT = 6 * 3600


def make_celery(broker_url: str, queue: str = "procure") -> Celery:
    """Create the Celery application on `broker_url`, with the job task registered."""
    celery = Celery("procure", broker=broker_url)
    celery.conf.update(
        task_serializer="json", accept_content=["json"], task_ignore_result=True,
        task_acks_late=True, task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1, worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        task_default_queue=queue,
    )

    @celery.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)
    def run_job(job_id: int) -> None:
        """Run one job on this worker, taking over a job whose previous worker died."""
        worker_runner().run(int(job_id), takeover=True)

    return celery


@cache
def _runner_of(pid: int) -> JobRunner:
    from app.i18n import catalogue_gettext
    from procurement.services.imports import ImportSettings

    config = from_env()
    engine = make_engine(config["DATABASE_URL"], lock_timeout=float(config["DB_LOCK_TIMEOUT"]),
                         connect_timeout=int(config["DB_CONNECT_TIMEOUT"]))
    # The same audit key and import settings as the web processes and the command line.
    factory = make_session_factory(engine, audit_key=str(config["AUDIT_KEY"]).encode())
    return JobRunner(factory, instance=Path(config["INSTANCE_PATH"]),
                     settings=ImportSettings.from_config(config), gettext_for=catalogue_gettext)


def worker_runner() -> JobRunner:
    """Return this worker process's runner (its own engine, created after the fork)."""
    return _runner_of(os.getpid())


def sender(broker_url: str, queue: str = "procure") -> Any:
    """Return a function sending a job id to the workers."""
    celery = make_celery(broker_url, queue)

    def send_job(job_id: int) -> None:
        celery.send_task(TASK_NAME, args=[job_id])

    return send_job


def worker_app() -> Celery:
    """Return the Celery application of `procure worker` (CELERY_BROKER_URL required)."""
    config = from_env()
    if not config.get("CELERY_BROKER_URL"):
        raise RuntimeError("CELERY_BROKER_URL is not set")
    return make_celery(config["CELERY_BROKER_URL"], config["CELERY_QUEUE"])
