"""Forms answer every problem at once, next to its field, keeping what was typed."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.models import AuditEvent, Organization, Proposal


def version_of(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "no version field"
    return found.group(1)


def field_errors(page: str) -> dict[str, str]:
    """Return the inline errors of a page: {field: message}."""
    return {name: html.unescape(text).strip() for name, text in re.findall(
        r'<p class="field-error" id="([\w.]+)-error">(.*?)</p>', page, re.S)}


# --- scenario ------------------------------------------------------------------------------

def test_the_scenario_form_shows_every_field_error_at_once_and_keeps_the_values(
        as_role: Any, csrf: Any, spending: Organization) -> None:
    client = as_role("purchaser")
    response = client.post("/scenarios/run", data={
        "csrf_token": csrf(client, "/scenarios/new"), "name": "Essai de printemps",
        "budget_increase_pct": "beaucoup", "max_premium_pct": "250",
        "max_supplier_share": "0", "social_economy_share": "140",
        "time_limit_s": "-3", "period_start": "2024-06-30", "period_end": "2024-01-01",
        "scenario_json": "{pas du json"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = field_errors(page)
    assert set(errors) >= {"budget_increase_pct", "max_premium_pct", "max_supplier_share",
                           "social_economy_share", "time_limit_s", "period_end",
                           "scenario_json"}, errors
    assert errors["budget_increase_pct"] == "« beaucoup » n'est pas un pourcentage."
    assert "ligne 1" in errors["scenario_json"]
    # What was typed is still there.
    assert 'value="Essai de printemps"' in page
    assert 'value="beaucoup"' in page and 'value="250"' in page
    assert "{pas du json</textarea>" in page
    assert page.count('aria-invalid="true"') >= 7


def test_a_scenario_json_with_several_problems_lists_each_under_its_field(
        as_role: Any, csrf: Any, spending: Organization) -> None:
    client = as_role("purchaser")
    response = client.post("/scenarios/run", data={
        "csrf_token": csrf(client, "/scenarios/new"), "budget_increase_pct": "3",
        "scenario_json": '{"weights": {"nope": 1}, "colour": "blue"}'})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "<code>weights.nope</code>" in page
    assert "<code>colour</code>" in page
    assert 'value="3"' in page


def test_a_scenario_json_that_is_not_an_object_is_said_with_the_other_fields_errors(
        as_role: Any, csrf: Any, spending: Organization) -> None:
    client = as_role("purchaser")
    response = client.post("/scenarios/run", data={
        "csrf_token": csrf(client, "/scenarios/new"), "budget_increase_pct": "trop",
        "scenario_json": "[0.02]"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "<code>scenario</code>\u00a0: Un scénario est un objet JSON" in page
    assert "budget_increase_pct" in field_errors(page)


def test_a_scenario_without_spending_in_its_period_is_answered_next_to_the_dates(
        as_role: Any, csrf: Any, spending: Organization) -> None:
    client = as_role("purchaser")
    response = client.post("/scenarios/run?lang=en", data={
        "csrf_token": csrf(client, "/scenarios/new"), "period_start": "1990-01-01",
        "period_end": "1990-12-31"})
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert "No matched spending in this period" in errors["period_start"]


# --- rejecting a proposal ----------------------------------------------------------------

def submitted(as_role: Any, csrf: Any, proposal: Proposal) -> str:
    purchaser = as_role("purchaser")
    url = f"/proposals/{proposal.id}"
    page = purchaser.get(url).get_data(as_text=True)
    response = purchaser.post(url + "/submit", data={"csrf_token": csrf(purchaser, url),
                                                     "version": version_of(page)})
    assert response.status_code == 302
    return url


def test_rejecting_without_a_comment_shows_the_decision_form_again_with_the_error(
        as_role: Any, csrf: Any, db: Session, proposal: Proposal) -> None:
    url = submitted(as_role, csrf, proposal)
    finance = as_role("finance")
    page = finance.get(url).get_data(as_text=True)
    response = finance.post(url + "/decide", data={
        "csrf_token": csrf(finance, url), "version": version_of(page), "decision": "rejected",
        "comment": "   "})
    assert response.status_code == 422
    again = response.get_data(as_text=True)
    assert 'id="decide-form"' in again                       # the same page, its form
    assert f"Proposition #{proposal.id}" in again
    errors = field_errors(again)
    assert errors["comment"].startswith("Dites pourquoi vous rejetez la proposition")
    assert 'aria-describedby="comment-error" aria-invalid="true"' in again
    assert "Erreur 422" not in again
    db.expire_all()
    assert db.get(Proposal, proposal.id).status == "submitted"   # nothing recorded

    # The form sent again with a reason is recorded.
    response = finance.post(url + "/decide", data={
        "csrf_token": csrf(finance, url), "version": version_of(again), "decision": "rejected",
        "comment": "Le lot de collecte doit passer par un appel d'offres."})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Proposal, proposal.id).status == "rejected"


def test_the_refused_decision_keeps_the_comment_and_names_every_problem(
        as_role: Any, csrf: Any, proposal: Proposal) -> None:
    url = submitted(as_role, csrf, proposal)
    finance = as_role("finance")
    page = finance.get(url + "?lang=en").get_data(as_text=True)
    allocation = re.findall(r'name="alloc_(\d+)"', page)[0]
    response = finance.post(url + "/decide?lang=en", data={
        "csrf_token": csrf(finance, url), "version": version_of(page), "decision": "maybe",
        "comment": "Je réfléchis <encore>", f"alloc_{allocation}": "perhaps"})
    assert response.status_code == 422
    again = response.get_data(as_text=True)
    errors = field_errors(again)
    assert set(errors) == {"decision", "allocations"}, errors
    assert "Je réfléchis &lt;encore&gt;</textarea>" in again
    assert "Choose" in errors["decision"]


# --- signing in ----------------------------------------------------------------------------

def test_a_failed_sign_in_keeps_the_email_and_focuses_the_password(
        app: Flask, users: dict[str, str], login: Any, password: str) -> None:
    client = app.test_client()
    response = login(client, users["finance"], password + "x")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert f'value="{users["finance"]}"' in page
    assert re.search(r'id="password"[^>]*autofocus', page)
    assert 'value="correct horse' not in page                # never the password


def test_the_audit_trail_has_no_decision_for_a_refused_form(
        as_role: Any, csrf: Any, db: Session, proposal: Proposal) -> None:
    url = submitted(as_role, csrf, proposal)
    finance = as_role("finance")
    page = finance.get(url).get_data(as_text=True)
    finance.post(url + "/decide", data={"csrf_token": csrf(finance, url),
                                        "version": version_of(page), "decision": "rejected"})
    actions = set(db.scalars(select(AuditEvent.action)))
    assert "proposal.rejected" not in actions


# --- the import flow across signing in again -------------------------------------------------

def test_the_mapping_page_shows_sample_values_and_the_detected_type_of_each_column(
        as_role: Any, csrf: Any) -> None:
    from tests.web.test_import_pages import ODD_HEADERS, upload

    client = as_role("purchaser")
    mapping_url = upload(client, csrf, ODD_HEADERS).headers["Location"]
    page = html.unescape(client.get(mapping_url).get_data(as_text=True))
    rows = dict(re.findall(r'<tr><th scope="row">(\w+)</th><td><span class="badge kind-(\w+)">',
                           page))
    assert rows == {"Date": "date", "Qui": "text", "Combien": "amount",
                    "Description": "text"}
    assert ("<q>Coop de nettoyage du Cap</q> · <q>Imprimerie Durand</q> · "
            "<q>Traiteur Saveurs</q>") in page
    assert "<q>1 234,56</q>" in page
    english = html.unescape(client.get(mapping_url + "?lang=en").get_data(as_text=True))
    assert "What the file holds" in english and ">amount</span>" in english


def test_store_the_valid_rows_only_survives_signing_out_and_in_again(
        app: Flask, as_role: Any, csrf: Any, login: Any, users: dict[str, str],
        db: Session, org: Organization) -> None:
    from tests.web.test_import_pages import WITH_BAD_ROW, finish, lines, upload

    client = as_role("purchaser")
    detail_url = upload(client, csrf, WITH_BAD_ROW).headers["Location"]
    assert "/accept-valid" in client.get(detail_url).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(client, detail_url)})

    again = app.test_client()                                   # a new session
    assert login(again, users["purchaser"]).status_code == 302
    page = again.get(detail_url).get_data(as_text=True)
    assert "/accept-valid" in page                              # the choice is still offered
    response = finish(again, again.post(detail_url + "/accept-valid",
                                        data={"csrf_token": csrf(again, detail_url)}))
    assert response.status_code == 302
    assert lines(db, org) == 2


def test_an_expired_session_keeps_the_mapping_and_the_choice_through_the_login(
        app: Flask, as_role: Any, csrf: Any, login: Any, users: dict[str, str],
        password: str) -> None:
    from tests.web.test_import_pages import ODD_HEADERS, upload

    client = as_role("purchaser")
    mapping_url = upload(client, csrf, ODD_HEADERS).headers["Location"]
    token = csrf(client, mapping_url)
    client.delete_cookie("session")                             # the session expired
    response = client.post(mapping_url, data={
        "csrf_token": token, "map_supplier_name": "Qui", "map_amount": "Combien",
        "map_description": "Description", "accept_valid_rows": "1", "currency": "EUR"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")

    page = client.get(location).get_data(as_text=True)
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert fresh
    signed_in = client.post(location, data={"email": users["purchaser"],
                                            "password": password,
                                            "csrf_token": fresh.group(1)})
    assert signed_in.status_code == 302
    back = signed_in.headers["Location"]
    assert back.startswith(mapping_url + "?")
    form = html.unescape(client.get(back).get_data(as_text=True))
    assert re.search(r'name="accept_valid_rows" value="1" checked', form)
    assert '<option value="Description" selected>' in form
    assert '<option value="Qui" selected>' in form


def test_an_expired_session_keeps_the_scenario_values_through_the_login(
        as_role: Any, csrf: Any, users: dict[str, str], password: str) -> None:
    client = as_role("purchaser")
    token = csrf(client, "/scenarios/new")
    client.delete_cookie("session")
    response = client.post("/scenarios/run", data={
        "csrf_token": token, "name": "Avant la pause", "budget_increase_pct": "4",
        "mode": "indivisible"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert fresh
    signed_in = client.post(response.headers["Location"], data={
        "email": users["purchaser"], "password": password, "csrf_token": fresh.group(1)})
    form = client.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert 'value="Avant la pause"' in form and 'value="4"' in form
    assert 'value="indivisible" checked' in form


def test_a_form_sent_with_a_bad_token_while_signed_in_is_still_refused(
        as_role: Any, csrf: Any) -> None:
    client = as_role("purchaser")
    response = client.post("/scenarios/run", data={"csrf_token": "forged", "name": "x"})
    assert response.status_code == 400
