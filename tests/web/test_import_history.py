"""Import history: one entry per file with its attempts; withdrawing an import."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.models import (
    AuditEvent,
    ImportBatch,
    Organization,
    Proposal,
    PurchaseLine,
    Scenario,
    User,
    utcnow,
)
from procurement.permissions import SYSTEM
from procurement.users import issue_token
from tests.web.test_import_pages import ODD_HEADERS, WITH_BAD_ROW, finish, lines, upload


def imported_through_the_mapping_page(client: Any, csrf: Any) -> int:
    """Upload a file whose columns need confirming, confirm them; return the import id."""
    mapping_url = upload(client, csrf, ODD_HEADERS).headers["Location"]
    response = finish(client, client.post(mapping_url, data={
        "csrf_token": csrf(client, mapping_url), "map_supplier_name": "Qui",
        "map_amount": "Combien", "map_date": "Date", "map_description": "Description"}))
    found = re.search(r"/imports/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def add_proposal(db: Session, org: Organization, *, start: dt.date | None,
                 end: dt.date | None, created_at: dt.datetime | None = None) -> int:
    scenario = Scenario(organization_id=org.id, name="Essai", params={})
    db.add(scenario)
    db.flush()
    proposal = Proposal(organization_id=org.id, scenario_id=scenario.id, status="draft",
                        solver_status="optimal", solver="cbc", mode="divisible",
                        currency="CAD", total_value=Decimal("1584.51"), kpis={},
                        period_start=start, period_end=end,
                        created_at=created_at or utcnow())
    db.add(proposal)
    db.commit()
    return proposal.id


def test_the_mapping_attempt_is_listed_under_its_file_not_as_a_row(
        as_role: Any, csrf: Any) -> None:
    client = as_role("purchaser")
    import_id = imported_through_the_mapping_page(client, csrf)
    upload(client, csrf, WITH_BAD_ROW, name="avril.csv")   # another file, refused
    page = client.get("/imports").get_data(as_text=True)
    rows = re.findall(r"<tr><td><a href=\"/imports/(\d+)\">", page)
    assert len(rows) == 2, rows                                # two files, two rows
    assert str(import_id) in rows
    assert "1 autre tentative" in page                        # the mapping step, folded
    assert page.count('<span class="badge refused">Refusé</span>') == 2  # avril + attempt

    detail = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "1 autre tentative avec ce fichier" in detail
    dashboard = client.get("/").get_data(as_text=True)
    recent = dashboard[dashboard.index("Imports récents"):]
    assert len(re.findall(r'href="/imports/\d+"', recent)) == 2   # one per file


def test_a_purchaser_withdraws_an_import_and_the_proposals_it_fed_become_stale(
        as_role: Any, csrf: Any, db: Session, org: Organization) -> None:
    earlier = add_proposal(db, org, start=None, end=None,
                           created_at=utcnow() - dt.timedelta(days=1))
    client = as_role("purchaser")
    import_id = imported_through_the_mapping_page(client, csrf)
    assert lines(db, org) == 3
    fed = add_proposal(db, org, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    other_year = add_proposal(db, org, start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31))

    detail_url = f"/imports/{import_id}"
    assert f"{detail_url}/withdraw" in client.get(detail_url).get_data(as_text=True)
    confirm = client.get(f"{detail_url}/withdraw").get_data(as_text=True)
    assert f"/proposals/{fed}" in confirm                      # says what will go stale
    assert f"/proposals/{other_year}" not in confirm and f"/proposals/{earlier}" not in confirm
    assert "Confirmer le retrait" in confirm
    assert lines(db, org) == 3                                 # the GET changes nothing

    response = client.post(f"{detail_url}/withdraw", data={
        "csrf_token": csrf(client, f"{detail_url}/withdraw"), "confirm": "1",
        "reason": "Mauvais mois"})
    assert response.status_code == 302
    assert lines(db, org) == 0
    db.expire_all()
    batch = db.get(ImportBatch, import_id)
    assert batch is not None and batch.status == "withdrawn"
    assert batch.withdrawal_reason == "Mauvais mois" and batch.withdrawn_at is not None
    stale = {p.id: p.stale_since is not None for p in db.scalars(select(Proposal))}
    assert stale == {earlier: False, fed: True, other_year: False}
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "import.withdrawn"))
    assert event is not None and event.object_id == str(import_id)
    assert event.after["lines_removed"] == 3 and event.after["stale_proposals"] == [fed]

    page = client.get(detail_url).get_data(as_text=True)
    assert "Retiré" in page and "Mauvais mois" in page
    assert f"{detail_url}/withdraw\"" not in page              # no second withdrawal
    proposal_page = client.get(f"/proposals/{fed}").get_data(as_text=True)
    assert '<span class="badge stale"' in proposal_page and "périmée" in proposal_page
    english = client.get(f"/proposals/{fed}?lang=en").get_data(as_text=True)
    assert ">stale</span>" in english
    assert '<span class="badge stale"' in client.get("/?lang=fr").get_data(as_text=True)

    # The same file may be imported again once withdrawn.
    again = upload(client, csrf, ODD_HEADERS)
    assert "/imports/mapping/" in again.headers["Location"] or lines(db, org) == 3


def test_only_an_imported_file_can_be_withdrawn(as_role: Any, csrf: Any, db: Session,
                                                org: Organization) -> None:
    client = as_role("purchaser")
    refused = re.search(r"/imports/(\d+)$", upload(client, csrf, WITH_BAD_ROW)
                        .headers["Location"])
    assert refused
    url = f"/imports/{refused.group(1)}/withdraw"
    response = client.post(url, data={"csrf_token": csrf(client, "/imports"), "confirm": "1"})
    assert response.status_code == 409
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "import.withdrawn")) == 0


def test_finance_and_auditors_cannot_withdraw(as_role: Any, csrf: Any, db: Session,
                                              org: Organization) -> None:
    import_id = imported_through_the_mapping_page(as_role("purchaser"), csrf)
    for role in ("finance", "auditor"):
        client = as_role(role)
        page = client.get(f"/imports/{import_id}").get_data(as_text=True)
        assert "/withdraw" not in page
        response = client.post(f"/imports/{import_id}/withdraw",
                               data={"csrf_token": csrf(client, "/"), "confirm": "1"})
        assert response.status_code == 403
    assert lines(db, org) == 3


def test_the_api_withdraws_with_the_same_rule(app: Flask, as_role: Any, csrf: Any,
                                              db: Session, org: Organization,
                                              users: dict[str, str]) -> None:
    import_id = imported_through_the_mapping_page(as_role("purchaser"), csrf)
    fed = add_proposal(db, org, start=None, end=None)
    user = db.scalar(select(User).where(User.email == users["purchaser"]))
    assert user is not None
    token = issue_token(db, SYSTEM, user, "script")
    db.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    response = api.post(f"/api/imports/{import_id}/withdraw", json={"reason": "doublon"},
                        headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"import_id": import_id, "status": "withdrawn",
                                   "file_name": "depenses.csv", "lines_removed": 3,
                                   "stale_proposals": [fed]}
    assert db.scalar(select(func.count()).select_from(PurchaseLine)) == 0
    detail = api.get(f"/api/imports/{import_id}", headers=headers).get_json()
    assert detail["status"] == "withdrawn" and detail["withdrawal_reason"] == "doublon"
    again = api.post(f"/api/imports/{import_id}/withdraw", headers=headers)
    assert again.status_code == 409
    assert api.post("/api/imports/999999/withdraw", headers=headers).status_code == 404


def test_a_clerk_may_review_a_recognised_mapping_before_anything_is_stored(
        as_role: Any, csrf: Any, db: Session, org: Organization) -> None:
    clean = WITH_BAD_ROW.replace("Imprimerie Durand;pas un montant", "Imprimerie Durand;250,00")
    client = as_role("purchaser")
    response = upload(client, csrf, clean, review_mapping="1")
    mapping_url = response.headers["Location"]
    assert "/imports/mapping/" in mapping_url                 # asked although recognised
    assert lines(db, org) == 0
    page = client.get(mapping_url).get_data(as_text=True)
    assert '<option value="Fournisseur" selected>' in page
    assert '<option value="Montant" selected>' in page
    response = finish(client, client.post(mapping_url, data={
        "csrf_token": csrf(client, mapping_url), "map_supplier_name": "Fournisseur",
        "map_amount": "Montant", "map_date": "Date"}))
    assert re.search(r"/imports/\d+$", response.headers["Location"])
    assert lines(db, org) == 3
    history = client.get("/imports").get_data(as_text=True)
    assert len(re.findall(r"<tr><td><a href=\"/imports/\d+\">", history)) == 1
    assert "1 autre tentative" in history
