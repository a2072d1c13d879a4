"""Background imports: a job row, a daemon thread with sessions of its own, progress."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from procurement.errors import NotFound
from procurement.models import ImportBatch, Job, Organization, PurchaseLine
from procurement.permissions import SYSTEM, Actor
from procurement.services import imports, jobs
from procurement.users import actor_for, create_user
from tests.factories import said

IN_PROCESS = imports.ImportSettings(isolated=False)

SMALL = (
    "Fournisseur;Montant;Date;Description\n"
    "Coop de nettoyage du Cap;1 234,56 $;2024-03-15;Nettoyage des arénas\n"
    "Imprimerie Durand;250,00 $;2024-03-20;Impression de dépliants\n"
)


@pytest.fixture
def org(session: Session) -> Organization:
    city = Organization(code="37067", name="Trois-Rivières", currency="CAD")
    session.add(city)
    session.commit()
    return city


@pytest.fixture
def clerk(session: Session, org: Organization) -> Actor:
    user = create_user(session, SYSTEM, email="achats@example.org", name="Achats",
                       role="purchaser", password="correct horse battery", organization_id=org.id)
    session.commit()
    return actor_for(user)


@pytest.fixture
def runner(factory: sessionmaker[Session], tmp_path: Path) -> jobs.JobRunner:
    return jobs.JobRunner(factory, instance=tmp_path, settings=IN_PROCESS)


def queue_import(session: Session, clerk: Actor, instance: Path, content: bytes,
                 name: str = "depenses.csv") -> int:
    """Stage a file and queue its import, as the upload page does."""
    source = instance / f"source-{name}"
    source.write_bytes(content)
    token = imports.stage_upload(instance, clerk, source, name)
    job = jobs.create_job(session, clerk, "import_spend", params={
        "token": token, "original_name": name, "isolated": False, "ask_mapping": True})
    session.commit()
    return job.id


def wait_for(factory: sessionmaker[Session], job_id: int, timeout: float = 180.0) -> Job:
    """Poll the job row (from another session) until the job has ended."""
    deadline = time.monotonic() + timeout
    while True:
        with factory() as other:
            job = other.get(Job, job_id)
            assert job is not None
            if job.status in ("done", "failed"):
                return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.status}"
        time.sleep(0.02)


def line_count(factory: sessionmaker[Session]) -> int:
    with factory() as other:
        return int(other.scalar(select(func.count()).select_from(PurchaseLine)) or 0)


def big_csv(rows: int) -> bytes:
    head = "Fournisseur,Montant,Date,Description\n"
    body = "".join(f"Fournisseur {i % 500},{i % 997 + 1}.25,2024-03-{i % 28 + 1:02d},"
                   f"Achat {i % 50}\n" for i in range(rows))
    return (head + body).encode()


def test_a_job_runs_to_done_in_a_background_thread_and_records_the_import(
        session: Session, factory: sessionmaker[Session], runner: jobs.JobRunner,
        clerk: Actor, tmp_path: Path) -> None:
    job_id = queue_import(session, clerk, tmp_path, SMALL.encode())
    thread = runner.start(job_id, clerk)
    assert thread is not None and thread.daemon
    job = wait_for(factory, job_id)
    assert job.status == "done", job.message
    assert job.phase == "done"
    assert (job.done, job.total) == (2, 2)
    assert job.result["status"] == "imported"
    assert job.result["lines"] == 2
    assert job.result["total"] == "1484.56"
    assert job.result["next"] == "import"
    assert job.result["staged"] is None
    batch = session.get(ImportBatch, job.result["import_id"])
    assert batch is not None and batch.lines == 2
    assert line_count(factory) == 2
    with factory() as other:  # matched in the same run
        methods = set(other.scalars(select(PurchaseLine.category_method)))
    assert None not in methods
    # The staged file is gone once imported (removed after the commit: wait for the thread).
    thread.join(timeout=60)
    assert not [p for p in (tmp_path / "uploads").iterdir() if "." not in p.name]


def test_progress_is_visible_while_the_lines_are_stored_and_nothing_is_committed_early(
        session: Session, factory: sessionmaker[Session], clerk: Actor, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    runner = jobs.JobRunner(factory, instance=tmp_path, settings=IN_PROCESS,
                             progress_interval=0)  # no throttle
    seen: list[tuple[str, str, int, int | None, int]] = []
    real_import = imports.import_spend

    def observed_import(*args: Any, progress: Callable[[int, int], None], **kwargs: Any) -> Any:
        def observe(done: int, total: int) -> None:
            progress(done, total)
            # What another request sees meanwhile: its own connection, while the
            # import's transaction is open.
            with factory() as other:
                job = other.get(Job, job_id)
                assert job is not None
                state = runner.state(job)
                lines = int(other.scalar(select(func.count()).select_from(PurchaseLine)) or 0)
            seen.append((job.status, state.phase, state.done, state.total, lines))

        return real_import(*args, progress=observe, **kwargs)

    monkeypatch.setattr(imports, "import_spend", observed_import)
    job_id = queue_import(session, clerk, tmp_path, big_csv(120_000))  # 3 chunks of 50,000
    thread = runner.start(job_id, clerk)
    job = wait_for(factory, job_id, timeout=180.0)  # a loaded machine: not a timing test
    assert thread is not None
    thread.join(timeout=10)
    assert job.status == "done", job.message
    assert {status for status, *_ in seen} == {"running"}
    # The parser's steps (in-process parsing) are no line counts.
    reading = [s for s in seen if s[1] == "reading"]
    assert reading and all(total is None for *_, total, _ in reading)
    storing = [s for s in seen if s[1] == "storing"]
    assert len(storing) == 3  # one call per chunk of 50,000
    assert [s[2:4] for s in storing] == [(50_000, 120_000), (100_000, 120_000),
                                         (120_000, 120_000)]
    assert all(lines == 0 for *_, lines in seen)  # all or nothing: not committed early
    assert line_count(factory) == 120_000
    assert runner.live.get(job_id) == {}  # the row is the truth once finished


def test_an_unreadable_file_ends_the_job_failed_with_the_refusal_and_no_line(
        session: Session, factory: sessionmaker[Session], runner: jobs.JobRunner,
        clerk: Actor, tmp_path: Path) -> None:
    job_id = queue_import(session, clerk, tmp_path, b"PK\x03\x04 not a workbook at all",
                          name="depenses.xlsx")
    runner.start(job_id, clerk)
    job = wait_for(factory, job_id)
    assert job.status == "failed"
    refused = session.get(ImportBatch, job.result["import_id"])
    assert refused is not None and refused.status == "refused"
    assert job.result["issue"] == refused.issues[0]
    assert said(job.result["issue"]).startswith("depenses.xlsx: the file looks like a workbook")
    assert said(job.result["issue"], "fr").startswith("depenses.xlsx : le fichier ressemble")
    assert line_count(factory) == 0


def test_an_internal_error_ends_the_job_failed_with_a_plain_message_and_is_logged(
        session: Session, factory: sessionmaker[Session], runner: jobs.JobRunner,
        clerk: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: Any, progress: Callable[[int, int], None], **kwargs: Any) -> Any:
        progress(10, 20)
        raise RuntimeError("disk on fire at /secret/path")

    monkeypatch.setattr(imports, "import_spend", broken)
    job_id = queue_import(session, clerk, tmp_path, SMALL.encode())
    with caplog.at_level(logging.ERROR, logger="procurement.services.jobs"):
        thread = runner.start(job_id, clerk)
        job = wait_for(factory, job_id)
        assert thread is not None
        thread.join(timeout=60)  # the thread removes the upload after writing the job's end
    assert job.status == "failed"
    assert job.message == jobs.INTERNAL_ERROR
    assert "secret" not in job.message and "Traceback" not in job.message
    assert any("disk on fire" in (r.exc_text or "") for r in caplog.records)
    assert line_count(factory) == 0
    assert not list((tmp_path / "uploads").iterdir())  # the upload nobody can reach is gone


def test_inline_jobs_end_before_start_returns(
        session: Session, factory: sessionmaker[Session], clerk: Actor, tmp_path: Path) -> None:
    runner = jobs.JobRunner(factory, instance=tmp_path, settings=IN_PROCESS, inline=True)
    job_id = queue_import(session, clerk, tmp_path, SMALL.encode())
    assert runner.start(job_id, clerk) is None
    with factory() as other:
        job = other.get(Job, job_id)
        assert job is not None and job.status == "done"
    runner.run(job_id, clerk)  # a job runs once: a second start finds it taken
    assert line_count(factory) == 2


def test_a_job_of_another_municipality_is_not_found(
        session: Session, clerk: Actor, tmp_path: Path) -> None:
    job_id = queue_import(session, clerk, tmp_path, SMALL.encode())
    assert jobs.get_job(session, clerk, job_id).id == job_id
    other = Organization(code="10043", name="Rimouski", currency="CAD")
    session.add(other)
    session.commit()
    stranger = Actor(user_id=None, name="x", role="auditor", organization_id=other.id)
    with pytest.raises(NotFound):
        jobs.get_job(session, stranger, job_id)


def test_progress_writes_are_throttled_but_the_last_chunk_is_always_published(
        factory: sessionmaker[Session], tmp_path: Path) -> None:
    runner = jobs.JobRunner(factory, instance=tmp_path, settings=IN_PROCESS,
                             progress_interval=60)
    reporter = jobs._Reporter(runner, job_id=1)
    reporter.phase("storing", 150_000)
    for done in (50_000, 100_000, 150_000):
        reporter.progress(done, 150_000)
    assert reporter.writes == 2  # entering the phase, then the last chunk
    assert runner.live.get(1) == {"phase": "storing", "done": 150_000, "total": 150_000}
