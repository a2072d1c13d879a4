"""The job page of a long import: progress that refreshes itself, then the import's page."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.models import Job, Organization, PurchaseLine, User
from procurement.permissions import SYSTEM
from procurement.users import create_user
from tests.web.test_import_pages import ODD_HEADERS, finish, post_upload

GOOD = (
    "Fournisseur;Montant;Date;Description\n"
    "Coop de nettoyage du Cap;1 234,56 $;2024-03-15;Nettoyage\n"
    "Traiteur Saveurs;99,95 $;2024-04-02;Repas\n"
)


def lines(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(PurchaseLine)) or 0)


def a_running_job(db: Session, org: Organization, author_email: str, **values: Any) -> Job:
    author = db.scalar(select(User).where(User.email == author_email))
    assert author is not None
    job = Job(organization_id=org.id, kind="import_spend", status="running", phase="storing",
              done=50_000, total=120_000, message="", params={}, result={},
              created_by_id=author.id, **values)
    db.add(job)
    db.commit()
    return job


def test_an_upload_goes_to_its_job_page_then_to_the_import_page(
        as_role: Any, csrf: Any, db: Session) -> None:
    client = as_role("purchaser")
    response = post_upload(client, csrf, GOOD)
    assert re.search(r"/jobs/\d+$", response.headers["Location"])
    done = finish(client, response)
    assert re.search(r"/imports/\d+$", done.headers["Location"])
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Import réussi : 2 lignes" in page
    assert lines(db) == 2


def test_a_running_job_shows_its_phase_and_a_progress_bar_that_refreshes(
        as_role: Any, db: Session, org: Organization, users: dict[str, str]) -> None:
    job = a_running_job(db, org, users["purchaser"])
    page = as_role("finance").get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="job-progress" max="120000" value="50000">' in page
    assert "Enregistrement des lignes" in page
    assert "50 000 lignes enregistrées sur 120 000" in page.replace("\u00a0", " ")


def test_a_queued_job_shows_an_indeterminate_bar(
        as_role: Any, db: Session, org: Organization, users: dict[str, str]) -> None:
    job = a_running_job(db, org, users["purchaser"])
    job.status, job.phase, job.done, job.total = "queued", "queued", 0, None
    db.commit()
    page = as_role("purchaser").get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<progress id="job-progress"></progress>' in page
    assert "En attente de démarrage" in page


def test_an_unreadable_file_ends_on_a_failed_job_page_with_the_refusal_and_its_report(
        as_role: Any, csrf: Any, db: Session) -> None:
    client = as_role("purchaser")
    page_answer = finish(client, post_upload(client, csrf, b"PK\x03\x04 pas un classeur",
                                             name="depenses.xlsx"))
    assert page_answer.status_code == 200
    page = page_answer.get_data(as_text=True)
    assert "http-equiv" not in page
    assert "Échoué" in page
    assert 'role="alert"' in page
    assert re.search(r'href="/imports/\d+"', page)  # the refusal report
    assert lines(db) == 0


def test_the_mapping_confirmation_runs_as_a_job_too(
        as_role: Any, csrf: Any, db: Session) -> None:
    client = as_role("purchaser")
    mapping_url = finish(client, post_upload(client, csrf, ODD_HEADERS)).headers["Location"]
    assert "/imports/mapping/" in mapping_url
    response = client.post(mapping_url, data={
        "csrf_token": csrf(client, mapping_url), "map_supplier_name": "Qui",
        "map_amount": "Combien"})
    assert re.search(r"/jobs/\d+$", response.headers["Location"])
    assert re.search(r"/imports/\d+$", finish(client, response).headers["Location"])
    assert lines(db) == 3


def test_the_mapping_page_refuses_a_column_the_file_does_not_have(
        as_role: Any, csrf: Any) -> None:
    client = as_role("purchaser")
    mapping_url = finish(client, post_upload(client, csrf, ODD_HEADERS)).headers["Location"]
    response = client.post(mapping_url, data={
        "csrf_token": csrf(client, mapping_url), "map_supplier_name": "Qui",
        "map_amount": "Nulle part"})
    assert response.status_code == 422
    assert 'id="amount-error"' in response.get_data(as_text=True)


def test_another_municipalitys_user_gets_404_on_a_job(
        app: Flask, db: Session, org: Organization, users: dict[str, str], login: Any,
        password: str) -> None:
    job = a_running_job(db, org, users["purchaser"])
    other = Organization(code="10043", name="Rimouski", currency="CAD")
    db.add(other)
    db.flush()
    create_user(db, SYSTEM, email="achats@rimouski.example", name="Rimouski", role="purchaser",
                password=password, organization_id=other.id)
    db.commit()
    client = app.test_client()
    assert login(client, "achats@rimouski.example").status_code == 302
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get(f"/api/jobs/{job.id}").status_code == 404


def test_the_api_reports_a_job_as_json(
        as_role: Any, db: Session, org: Organization, users: dict[str, str]) -> None:
    job = a_running_job(db, org, users["purchaser"])
    answer = as_role("auditor").get(f"/api/jobs/{job.id}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    data = answer.get_json()
    assert {k: data[k] for k in ("id", "kind", "status", "phase", "done", "total")} == {
        "id": job.id, "kind": "import_spend", "status": "running", "phase": "storing",
        "done": 50_000, "total": 120_000}
