"""Checks a tester found missing: CSRF with a bogus token, caching, page bounds, the
instance's import settings everywhere, concurrent uploads, the audit verification's scope."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from procurement.models import ImportBatch

CSV = ("Date,Fournisseur,Description,Montant\n"
       "2024-01-15,Entretien Plus,Entretien ménager,1200.50\n"
       "2024-02-15,Traiteur du Coin,Repas,350.00\n"
       "2024-03-15,Traiteur du Coin,Repas,99.95\n")


def upload(client: FlaskClient, headers: dict[str, str], text: str = CSV,
           name: str = "janvier.csv") -> Any:
    return client.post("/api/imports", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(text.encode()), name)})


def signed_in(app: Flask, user_id: int) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
    return client


# --- CSRF: a bogus bearer token does not waive it ---------------------------------------

def test_a_session_cookie_with_a_bogus_bearer_token_is_not_authenticated(
        make_app: Any, make_world: Any) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    a = make_world(app).a
    client = signed_in(app, a.users["purchaser"])
    forged = client.post(f"/api/proposals/{a.draft_id}/submit", json={"version": 1},
                         headers={"Authorization": "Bearer garbage"})
    assert forged.status_code == 401
    no_token = client.post(f"/api/proposals/{a.draft_id}/submit", json={"version": 1})
    assert no_token.status_code == 403 and no_token.json["code"] == "csrf_failed"
    # A valid token authenticates the request by itself (cookie or not): no CSRF needed.
    real = client.post(f"/api/proposals/{a.draft_id}/submit", json={"version": 1},
                       headers=a.headers("purchaser"))
    assert real.status_code == 200, real.json


# --- caching ------------------------------------------------------------------------

def test_authenticated_pages_and_api_answers_are_never_stored(
        app: Flask, client: FlaskClient, world: Any) -> None:
    a = world.a
    page_client = signed_in(app, a.users["auditor"])
    for answer in (client.get("/api/imports", headers=a.headers("auditor")),
                   client.get(f"/api/imports/{a.import_id}/report.csv",
                              headers=a.headers("auditor")),
                   page_client.get("/"), page_client.get("/imports"),
                   page_client.get(f"/imports/{a.import_id}/report.csv")):
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "no-store"


# --- page bounds --------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/imports?page=99999999999999999999",
                                 "/api/audit/events?page=99999999999999999999",
                                 "/api/lines?page=99999999999999999999",
                                 "/api/imports?page_size=99999999999999999999"])
def test_an_absurd_api_page_is_a_field_error(client: FlaskClient, world: Any,
                                             url: str) -> None:
    answer = client.get(url, headers=world.a.headers("admin"))
    assert answer.status_code == 422
    assert set(answer.json["errors"]) <= {"page", "page_size"} and answer.json["errors"]


@pytest.mark.parametrize("url", ["/imports?offset=99999999999999999999",
                                 "/audit?offset=99999999999999999999",
                                 "/matching?offset=99999999999999999999",
                                 "/imports?offset=-3", "/imports?offset=abc"])
def test_an_absurd_page_offset_is_a_field_error(app: Flask, world: Any, url: str) -> None:
    answer = signed_in(app, world.a.users["admin"]).get(url)
    assert answer.status_code == 422
    assert "offset" in answer.get_data(as_text=True)


# --- the instance's import settings hold for the API and the pages --------------------

def test_the_row_limit_of_the_instance_holds_for_the_api(make_app: Any,
                                                         make_world: Any) -> None:
    app = make_app(MAX_IMPORT_ROWS=2)
    a = make_world(app).a
    answer = upload(app.test_client(), a.headers("purchaser"))
    assert answer.status_code == 201
    assert answer.json["status"] == "refused"
    assert answer.json["issue_counts"] == {"too_many_rows": 1}


def test_the_row_limit_of_the_instance_holds_for_the_pages(make_app: Any,
                                                           make_world: Any) -> None:
    app = make_app(MAX_IMPORT_ROWS=2, JOBS_INLINE=True)
    a = make_world(app).a
    client = signed_in(app, a.users["purchaser"])
    started = client.post("/imports/new", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(CSV.encode()), "janvier.csv")})
    assert started.status_code == 302
    job = client.get(started.headers["Location"])  # the job ended: an unreadable file
    assert job.status_code == 200
    assert "2" in job.get_data(as_text=True)  # the refusal names the limit
    with app.extensions["db_factory"]() as session:
        batch = session.scalar(select(ImportBatch).where(
            ImportBatch.file_name == "janvier.csv"))
        assert batch is not None and batch.status == "refused"
        assert batch.issue_counts == {"too_many_rows": 1}


# --- three uploads of the same new file at once ---------------------------------------

def test_three_simultaneous_uploads_of_the_same_file_store_one_import(
        app: Flask, world: Any) -> None:
    headers = world.a.headers("purchaser")
    barrier = threading.Barrier(3)
    answers: list[Any] = []

    def post() -> None:
        client = app.test_client()
        barrier.wait(timeout=20)
        answers.append(upload(client, headers))

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 3
    assert all(answer.status_code == 201 for answer in answers), [a.json for a in answers]
    statuses = sorted(answer.json["status"] for answer in answers)
    assert statuses.count("imported") == 1 and statuses.count("duplicate") == 2
    with app.extensions["db_factory"]() as session:
        stored = session.scalar(select(func.count()).select_from(ImportBatch).where(
            ImportBatch.file_name == "janvier.csv", ImportBatch.status == "imported"))
    assert stored == 1


# --- the audit verification counts the caller's municipality --------------------------

def test_audit_verification_counts_only_the_callers_municipality(
        client: FlaskClient, world: Any, app: Flask) -> None:
    from procurement.models import AuditEvent

    reports = {town.code: client.get("/api/audit/verify", headers=town.headers("auditor")).json
               for town in (world.a, world.b)}
    with app.extensions["db_factory"]() as session:
        counts = {town.code: session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.organization_id == town.id)) for town in (world.a, world.b)}
        total = session.scalar(select(func.count()).select_from(AuditEvent))
    assert all(report["ok"] for report in reports.values())
    assert {code: r["events"] for code, r in reports.items()} == counts
    assert reports[world.a.code]["events"] < total
