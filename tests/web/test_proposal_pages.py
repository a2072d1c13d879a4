"""Proposal pages: KPIs and explanations, per-allocation decisions, compare, scenarios."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.models import Allocation, Organization, Proposal


def version_of(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "no version field"
    return found.group(1)


def test_the_proposal_page_shows_kpis_formula_explanations_and_routes(
        as_role: Any, proposal: Proposal) -> None:
    page = html.unescape(as_role("auditor").get(f"/proposals/{proposal.id}").get_data(
        as_text=True))
    assert "5,0\u00a0% → 12,5\u00a0%" in page          # social economy share
    assert "10,0\u00a0% → 20,0\u00a0%" in page         # local share
    assert "120 → 310" in page                        # impact
    assert "450,00\u00a0$" in page                     # cost difference in dollars
    assert "1,25\u00a0%" in page                       # and in percent
    assert "impact = Σ poids × score × montant" in page
    assert "Le budget limite." in page
    assert "Appel d'offres avec clauses sociales" in page
    assert "Appel d'offres public" in page            # the band of the big lot
    assert "Entretien ménager" in page                # lots named by their category
    assert f"/proposals/{proposal.id}/export.ocds" in page
    assert f"/proposals/{proposal.id}/export.xlsx" in page


def test_finance_decides_each_allocation_with_the_version_seen(
        as_role: Any, csrf: Any, db: Session, proposal: Proposal) -> None:
    purchaser = as_role("purchaser")
    url = f"/proposals/{proposal.id}"
    page = purchaser.get(url).get_data(as_text=True)
    response = purchaser.post(url + "/submit", data={"csrf_token": csrf(purchaser, url),
                                                     "version": version_of(page)})
    assert response.status_code == 302

    finance = as_role("finance")
    page = finance.get(url).get_data(as_text=True)
    assert 'id="decide-form"' in page
    allocation_ids = [int(i) for i in re.findall(r'name="alloc_(\d+)"', page)]
    assert len(allocation_ids) == 3
    rejected = allocation_ids[0]
    stale_version = version_of(page)
    response = finance.post(url + "/decide", data={
        "csrf_token": csrf(finance, url), "version": stale_version, "decision": "approved",
        f"alloc_{rejected}": "rejected", "comment": "Le premier lot attendra."})
    assert response.status_code == 302
    db.expire_all()
    decisions = {a.id: a.decision for a in db.scalars(select(Allocation).where(
        Allocation.proposal_id == proposal.id))}
    assert decisions.pop(rejected) == "rejected"
    assert set(decisions.values()) == {"approved"}
    assert "Approuvée" in finance.get(url).get_data(as_text=True)

    # A second decision on the version seen before is a conflict, not a silent overwrite.
    response = finance.post(url + "/decide", data={
        "csrf_token": csrf(finance, url), "version": stale_version, "decision": "rejected",
        "comment": "non"})
    assert response.status_code == 409


def test_the_compare_page_shows_two_proposals_side_by_side(as_role: Any,
                                                           proposal: Proposal) -> None:
    client = as_role("finance")
    page = client.get(f"/proposals/compare?a={proposal.id}&b={proposal.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "économie sociale après" in text and "social_economy_share_after" not in text
    assert "attribuent les mêmes montants" in text
    assert client.get(f"/proposals/compare?a={proposal.id}&b=9999").status_code == 404


def test_scenario_field_errors_are_shown_next_to_their_fields(as_role: Any, csrf: Any,
                                                              spending: Organization) -> None:
    client = as_role("purchaser")
    response = client.post("/scenarios/run", data={
        "csrf_token": csrf(client, "/scenarios/new"), "budget_increase_pct": "beaucoup"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="budget_increase_pct-error"' in page
    assert "beaucoup" in page

    # The optimizer's own validation (a premium above 100 %) comes back next to its field.
    response = client.post("/scenarios/run", data={
        "csrf_token": csrf(client, "/scenarios/new"), "max_premium_pct": "250",
        "social_economy_share": "30", "social_economy_share_hard": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="max_premium_pct-error"' in page
    assert 'value="30"' in page and 'name="social_economy_share_hard" value="1" checked' in page


def test_a_scenario_runs_into_a_proposal(as_role: Any, csrf: Any,
                                         spending: Organization) -> None:
    client = as_role("purchaser")
    response = client.post("/scenarios/run", data={
        "csrf_token": csrf(client, "/scenarios/new"), "name": "Essai web",
        "budget_increase_pct": "3", "max_premium_pct": "10", "social_economy_share": "20",
        "mode": "indivisible", "solver": "highs"})
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:2000]
    if response.status_code == 302:
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Essai web" in page
        assert "HiGHS" in page or "highs" in page
    else:  # no sound solution: the page says why instead of storing anything
        assert "Aucune proposition" in response.get_data(as_text=True)


def test_optimizer_range_errors_are_said_in_percentages(as_role: Any, csrf: Any,
                                                        spending: Organization) -> None:
    client = as_role("purchaser")
    response = client.post("/scenarios/run?lang=fr", data={
        "csrf_token": csrf(client, "/scenarios/new"), "max_premium_pct": "250"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Entrez un pourcentage entre 0 et 100." in page
    assert "must be a number" not in page
