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
