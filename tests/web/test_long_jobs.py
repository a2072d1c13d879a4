"""Long use cases as jobs: scenario and matching runs from the API, large exports."""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.models import Job, Organization, Proposal, User
from procurement.permissions import SYSTEM
from procurement.users import actor_for, create_user, issue_token
from tests.web.test_import_pages import finish


def bearer(db: Session, email: str) -> dict[str, str]:
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None
    token = issue_token(db, actor_for(user), user, "tests")
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def follow(client: Any, headers: dict[str, str], answer: Any, timeout: float = 60.0) -> Any:
    """Read the job of a 202 answer until it has ended; return its JSON."""
    assert answer.status_code == 202, answer.get_json()
    url = answer.headers["Location"]
    assert re.fullmatch(r"/api/jobs/\d+", url) and answer.get_json()["url"] == url
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(url, headers=headers).get_json()
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def test_an_asynchronous_scenario_run_answers_202_then_the_job_holds_the_same_answer(
        app: Flask, db: Session, spending: Organization, users: dict[str, str]) -> None:
    client, headers = app.test_client(), bearer(db, users["purchaser"])
    now = client.post("/api/scenarios", json={"name": "Tout de suite"}, headers=headers)
    assert now.status_code == 201, now.get_json()
    job = follow(client, headers, client.post("/api/scenarios?async=1",
                                              json={"name": "Plus tard"}, headers=headers))
    assert job["kind"] == "optimize" and job["status"] == "done", job["message"]
    assert set(now.get_json()) <= set(job["result"])  # the 201 answer, from the same dict
    for key in ("status", "objective", "kpis"):
        assert job["result"][key] == now.get_json()[key]
    assert job["result"]["proposal_id"] not in (None, now.get_json()["proposal_id"])


def test_a_wrong_scenario_is_refused_at_once_and_queues_nothing(
        app: Flask, db: Session, spending: Organization, users: dict[str, str]) -> None:
    answer = app.test_client().post("/api/scenarios?async=1", json={"max_premium_pct": 2.5},
                                    headers=bearer(db, users["purchaser"]))
    assert answer.status_code == 422
    assert "max_premium_pct" in answer.get_json()["errors"]
    db.expire_all()
    assert db.scalar(select(Job.id)) is None


def test_the_api_runs_matching_again_as_a_job(
        app: Flask, db: Session, spending: Organization, users: dict[str, str]) -> None:
    client, headers = app.test_client(), bearer(db, users["purchaser"])
    answer = client.post("/api/matches/run", headers=headers)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["lines"] == 3
    job = follow(client, headers, client.post("/api/matches/run?async=1", headers=headers))
    assert job["kind"] == "match" and job["result"]["lines"] == 3
    auditor = client.post("/api/matches/run", headers=bearer(db, users["auditor"]))
    assert auditor.status_code == 403


def test_a_large_export_is_written_by_a_job_and_downloaded_from_its_page(
        app: Flask, as_role: Any, db: Session, proposal: Proposal) -> None:
    client = as_role("purchaser")
    small = client.get(f"/proposals/{proposal.id}/export.csv")
    assert small.status_code == 200  # under the threshold: in the request, as before
    app.config["EXPORT_JOB_MIN_ALLOCATIONS"] = 1
    answer = client.get(f"/proposals/{proposal.id}/export.csv")
    assert re.search(r"/jobs/\d+$", answer.headers["Location"])
    page = finish(client, answer)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Export terminé" in html and f"proposition-{proposal.id}.csv" in html
    download = re.search(r'href="(/jobs/\d+/download)"', html)
    assert download is not None
    file = client.get(download.group(1))
    assert file.status_code == 200
    assert file.headers["Content-Disposition"].startswith("attachment")
    assert file.data == small.data  # the same file either way
    # The API answers 202 and serves the same file from the job.
    headers = bearer(db, "purchaser@example.org")
    api = app.test_client()
    job = follow(api, headers, api.get(f"/api/proposals/{proposal.id}/export?format=csv",
                                       headers=headers))
    assert job["result"]["filename"] == f"proposition-{proposal.id}.csv"
    assert api.get(f"/api/jobs/{job['id']}/download", headers=headers).data == small.data


def test_another_municipality_cannot_download_an_export(
        app: Flask, as_role: Any, db: Session, proposal: Proposal, login: Any,
        password: str) -> None:
    app.config["EXPORT_JOB_MIN_ALLOCATIONS"] = 1
    client = as_role("purchaser")
    job_url = finish(client, client.get(f"/proposals/{proposal.id}/export.csv")).request.path
    other = Organization(code="10043", name="Rimouski", currency="CAD")
    db.add(other)
    db.flush()
    create_user(db, SYSTEM, email="achats@rimouski.example", name="Rimouski", role="purchaser",
                password=password, organization_id=other.id)
    db.commit()
    stranger = app.test_client()
    assert login(stranger, "achats@rimouski.example").status_code == 302
    assert stranger.get(f"{job_url}/download").status_code == 404
    assert client.get(f"{job_url}/download").status_code == 200
