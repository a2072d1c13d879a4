"""A Celery worker killed (SIGKILL) in the middle of a 200,000-line import loses nothing.

The import is one transaction: the killed process's lines are never committed. The broker
delivers the job again (acks late, rejected on worker loss) and another worker process takes
it over: the job ends done with every line exactly once, or failed with a message and none.
"""

from __future__ import annotations

import os
import signal
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from procurement.db import cents_sum
from procurement.models import ImportBatch, Job, Organization, PurchaseLine
from procurement.permissions import SYSTEM
from procurement.services import imports, jobs
from procurement.users import actor_for, create_user

pytestmark = [pytest.mark.redis, pytest.mark.slow]

ROWS = 200_000


def journal(path: Path) -> Decimal:
    """Write a 200,000-line spending file; return its total."""
    total = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("Fournisseur,Montant,Date,Description\n")
        for i in range(ROWS):
            cents = (i % 997 + 1) * 100 + 25
            total += cents
            out.write(f"Fournisseur {i % 500},{cents // 100}.{cents % 100:02d},"
                      f"2024-03-{i % 28 + 1:02d},Achat {i % 50}\n")
    return Decimal(total) / 100


def test_a_worker_killed_mid_import_leaves_no_partial_lines_and_the_job_is_retried(
        factory: sessionmaker[Session], database_url: str, tmp_path: Path,
        start_worker: Any) -> None:
    with factory() as session:
        org = Organization(code="37067", name="Trois-Rivières", currency="CAD")
        session.add(org)
        session.flush()
        clerk = actor_for(create_user(
            session, SYSTEM, email="achats@example.org", name="Achats", role="purchaser",
            password="correct horse battery", organization_id=org.id))
        session.commit()
    total = journal(tmp_path / "annee.csv")
    token = imports.stage_upload(tmp_path, clerk, tmp_path / "annee.csv", "annee.csv")
    with factory() as session:
        job_id = jobs.create_job(session, clerk, "import_spend", params={
            "token": token, "original_name": "annee.csv", "isolated": False}).id
        session.commit()
    worker = start_worker(database_url, tmp_path)
    runner = jobs.JobRunner(factory, instance=tmp_path, dispatch=worker.dispatch())
    runner.start(job_id, clerk)

    def job() -> Job:
        with factory() as other:
            row = other.get(Job, job_id)
            assert row is not None
            return row

    # Wait until the worker is inside the import, storing lines it has not committed: on
    # PostgreSQL the job row shows the lines being stored; SQLite keeps that progress in the
    # worker's memory, but the open transaction's pages spill into the write-ahead log,
    # which grows by megabytes only while the lines are being written.
    deadline = time.monotonic() + 120
    postgres = database_url.startswith("postgresql")
    wal = Path(database_url.removeprefix("sqlite:///") + "-wal")
    wal_at_start = wal.stat().st_size if not postgres and wal.exists() else 0
    while True:
        current = job()
        assert current.status in ("queued", "running"), (current.status, current.message)
        if current.status == "running" and (
                (postgres and current.phase == "storing" and current.done > 0)
                or (not postgres and wal.exists()
                    and wal.stat().st_size > wal_at_start + 2 * 2**20)):
            break
        assert time.monotonic() < deadline, "the import never started"
        time.sleep(0.01)
    assert job().status == "running"
    victims = worker.children()
    assert victims, "no pool process to kill"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    with factory() as other:  # nothing of the killed import is visible
        assert other.scalar(select(func.count()).select_from(PurchaseLine)) == 0

    deadline = time.monotonic() + 240
    while job().status not in ("done", "failed"):
        assert time.monotonic() < deadline, f"job still {job().status} after the kill"
        time.sleep(0.2)
    ended = job()
    with factory() as other:
        count, cents = other.execute(select(func.count(), cents_sum(PurchaseLine.amount))).one()
        batches = other.scalar(select(func.count()).select_from(ImportBatch))
    if ended.status == "done":  # taken over by the worker's new pool process
        assert ended.params["attempts"] == 2
        assert (count, Decimal(int(cents)) / 100, batches) == (ROWS, total, 1)
        assert ended.result["lines"] == ROWS
    else:  # or given up, with a message and nothing stored
        assert ended.message and (count, batches) == (0, 0)
    assert time.monotonic() - killed_at < 240
