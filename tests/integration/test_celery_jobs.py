"""Jobs on Celery workers: a real Redis broker and a real `procure worker` process.

Without PROCURE_TEST_REDIS_URL the tests are skipped locally and fail on CI (CI=true).
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from procurement.db import cents_sum
from procurement.models import ImportBatch, Job, Organization, PurchaseLine
from procurement.permissions import SYSTEM, Actor
from procurement.services import imports, jobs
from procurement.users import actor_for, create_user

pytestmark = pytest.mark.redis

MONTH = (
    "Fournisseur;Montant;Date;Description\n"
    "Coop de nettoyage du Cap;1 234,56 $;2024-03-15;Nettoyage des arénas\n"
    "Imprimerie Durand;250,00 $;2024-03-20;Impression de dépliants\n"
    "Traiteur du Parc;980,10 $;2024-03-22;Repas du conseil\n"
)


@pytest.fixture
def worker(start_worker: Any, db_url: str, tmp_path: Path) -> Any:
    """Start a `procure worker` process on the test's database and instance folder."""
    return start_worker(db_url, tmp_path)


def clerk_of(session: Session, code: str) -> Actor:
    org = Organization(code=code, name=f"Ville {code}", currency="CAD")
    session.add(org)
    session.flush()
    user = create_user(session, SYSTEM, email=f"achats-{code}@example.org", name="Achats",
                       role="purchaser", password="correct horse battery",
                       organization_id=org.id)
    session.commit()
    return actor_for(user)


def queue(session: Session, clerk: Actor, instance: Path, kind: str, content: bytes = b"",
          **params: object) -> int:
    if kind == "import_spend":
        source = instance / f"source-{clerk.organization_id}.csv"
        source.write_bytes(content)
        params = {"token": imports.stage_upload(instance, clerk, source, "mars.csv"),
                  "original_name": "mars.csv", "isolated": False, **params}
    job = jobs.create_job(session, clerk, kind, params=dict(params))
    session.commit()
    return job.id


def wait_for(factory: sessionmaker[Session], job_id: int, timeout: float = 120.0) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        with factory() as other:
            job = other.get(Job, job_id)
            assert job is not None
            if job.status in ("done", "failed"):
                return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.status}"
        time.sleep(0.1)


def stored(factory: sessionmaker[Session], org_id: int) -> tuple[int, Decimal]:
    with factory() as other:
        count, cents = other.execute(select(func.count(), cents_sum(PurchaseLine.amount)).where(
            PurchaseLine.organization_id == org_id)).one()
    return int(count), Decimal(int(cents)) / 100


def test_an_import_on_a_celery_worker_gives_the_same_result_as_the_thread_runner(
        session: Session, factory: sessionmaker[Session], worker: Any, tmp_path: Path
) -> None:
    on_worker, in_thread = clerk_of(session, "37067"), clerk_of(session, "10043")
    celery_runner = jobs.JobRunner(factory, instance=tmp_path,
                                   dispatch=worker.dispatch())
    thread_runner = jobs.JobRunner(factory, instance=tmp_path)
    sent = queue(session, on_worker, tmp_path, "import_spend", MONTH.encode())
    assert celery_runner.start(sent, on_worker) is None  # sent to the broker, no thread here
    here = queue(session, in_thread, tmp_path, "import_spend", MONTH.encode())
    thread = thread_runner.start(here, in_thread)
    assert thread is not None
    thread.join(timeout=60)
    remote, local = wait_for(factory, sent), wait_for(factory, here)
    assert remote.status == local.status == "done", (remote.message, local.message)
    assert remote.params["attempts"] == 1
    comparable = ("status", "lines", "total", "currency", "issue_counts")
    assert {k: remote.result[k] for k in comparable} == {k: local.result[k] for k in comparable}
    assert stored(factory, on_worker.organization_id) == (3, Decimal("2464.66"))
    assert stored(factory, in_thread.organization_id) == (3, Decimal("2464.66"))
    with factory() as other:  # the worker matched the lines too, as the thread runner does
        categorized = other.scalar(select(func.count()).select_from(PurchaseLine).where(
            PurchaseLine.organization_id == on_worker.organization_id,
            PurchaseLine.category_method.is_not(None)))
    assert categorized == 3


def test_matching_and_a_scenario_run_as_jobs_on_a_celery_worker(
        session: Session, factory: sessionmaker[Session], worker: Any, tmp_path: Path
) -> None:
    clerk = clerk_of(session, "37067")
    runner = jobs.JobRunner(factory, instance=tmp_path,
                            dispatch=worker.dispatch())
    first = queue(session, clerk, tmp_path, "import_spend", MONTH.encode())
    runner.start(first, clerk)
    assert wait_for(factory, first).status == "done"
    matched = queue(session, clerk, tmp_path, "match")
    runner.start(matched, clerk)
    scenario = queue(session, clerk, tmp_path, "optimize", scenario={"name": "Essai worker"})
    runner.start(scenario, clerk)
    match_job, run_job = wait_for(factory, matched), wait_for(factory, scenario)
    assert match_job.status == "done", match_job.message
    assert match_job.result["lines"] == 3 and sum(match_job.result["by_method"].values()) == 3
    assert run_job.status == "done", run_job.message
    assert run_job.result["status"] in {"optimal", "feasible", "infeasible"}
    with factory() as other:
        batches = other.scalar(select(func.count()).select_from(ImportBatch))
    assert batches == 1


def test_a_job_given_up_by_workers_too_often_ends_failed_with_a_message(
        session: Session, factory: sessionmaker[Session], tmp_path: Path) -> None:
    clerk = clerk_of(session, "37067")
    job_id = queue(session, clerk, tmp_path, "match")
    with factory() as other:  # as left by workers killed MAX_ATTEMPTS times mid-task
        job = other.get(Job, job_id)
        job.status, job.params = "running", {"attempts": jobs.MAX_ATTEMPTS}
        other.commit()
    runner = jobs.JobRunner(factory, instance=tmp_path)
    runner.run(job_id, takeover=True)
    runner.run(job_id, takeover=True)  # a late delivery changes nothing
    with factory() as other:
        job = other.get(Job, job_id)
    assert job.status == "failed" and f"{jobs.MAX_ATTEMPTS} times" in job.message


def _app(db_url: str, tmp_path: Path, **config: Any) -> Any:
    from app import create_app

    return create_app({"DATABASE_URL": db_url, "INSTANCE_PATH": str(tmp_path), "TESTING": True,
                       "SECRET_KEY": "test-secret", "PARSE_IN_SUBPROCESS": False, **config})


def _token(session: Session, clerk: Actor) -> dict[str, str]:
    from procurement.models import User
    from procurement.users import issue_token

    user = session.get(User, clerk.user_id)
    assert user is not None
    token = issue_token(session, clerk, user, "tests")
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _follow(client: Any, headers: dict[str, str], answer: Any, timeout: float = 120.0) -> Any:
    """Read the job of a 202 answer until it has ended; return its JSON."""
    assert answer.status_code == 202, answer.get_json()
    url = answer.headers["Location"]
    assert url == answer.get_json()["url"] and url.startswith("/api/jobs/")
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(url, headers=headers).get_json()
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def test_the_api_and_pages_send_matching_and_scenario_runs_to_the_worker(
        session: Session, factory: sessionmaker[Session], worker: Any, tmp_path: Path,
        db_url: str, redis_url: str) -> None:
    clerk = clerk_of(session, "37067")
    first = queue(session, clerk, tmp_path, "import_spend", MONTH.encode())
    jobs.JobRunner(factory, instance=tmp_path, dispatch=worker.dispatch()).start(first, clerk)
    assert wait_for(factory, first).status == "done"
    app = _app(db_url, tmp_path, CELERY_BROKER_URL=redis_url, CELERY_QUEUE=worker.queue)
    assert app.extensions["job_runner"].dispatch is not None  # nothing runs in this process
    client, headers = app.test_client(), _token(session, clerk)

    matched = _follow(client, headers, client.post("/api/matches/run?async=1", headers=headers))
    assert matched["kind"] == "match" and matched["status"] == "done", matched["message"]
    assert matched["result"]["lines"] == 3
    assert sum(matched["result"]["by_method"].values()) == 3

    # Without ?async=1 the call waits for the worker and answers as it always did.
    answer = client.post("/api/scenarios", json={"name": "Sur le worker"}, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    remote = answer.get_json()
    assert remote["status"] in {"optimal", "feasible", "infeasible"}
    later = _follow(client, headers, client.post("/api/scenarios?async=1",
                                                 json={"name": "Sur le worker"},
                                                 headers=headers))
    assert later["kind"] == "optimize" and later["status"] == "done", later["message"]
    assert "procure.run_job" in worker.log.read_text(errors="replace")

    # The same scenario in a thread of the web process gives the same result.
    local_app = _app(db_url, tmp_path)
    assert local_app.extensions["job_runner"].dispatch is None
    here = local_app.test_client().post("/api/scenarios", json={"name": "Sur le worker"},
                                        headers=headers)
    assert here.status_code == 201, here.get_json()
    local = here.get_json()
    for key in ("status", "objective", "kpis", "infeasibility"):
        assert remote[key] == local[key] == later["result"][key], key
    assert [(a["lot"], a["supplier_id"], a["amount"]) for a in remote["allocations"]] == [
        (a["lot"], a["supplier_id"], a["amount"]) for a in local["allocations"]]
    with factory() as other:
        runs = other.scalars(select(Job).where(Job.kind.in_(("match", "optimize")))).all()
    assert len(runs) == 4 and all(job.status == "done" for job in runs)
    assert all(job.params["attempts"] == 1 for job in runs)
