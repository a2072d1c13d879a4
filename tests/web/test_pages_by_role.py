"""Every page renders for the roles that may see it, and refuses the others."""

from __future__ import annotations

from typing import Any

import pytest

from procurement.models import Organization, Proposal

READ_PAGES = ["/", "/imports", "/matching", "/matching/incumbents", "/matching/opportunities",
              "/proposals/compare"]


ROLE_WORDS = {"purchaser": "Acheteur", "finance": "Finances", "auditor": "Vérificateur",
              "admin": "Administrateur"}

RESTRICTED = {
    "/imports/new": {"purchaser", "admin"},
    "/scenarios/new": {"purchaser", "admin"},
    "/audit": {"auditor", "admin"},
}


@pytest.mark.parametrize("role", ["purchaser", "finance", "auditor", "admin"])
def test_every_role_reads_the_municipality_pages(as_role: Any, spending: Organization,
                                                 proposal: Proposal, role: str) -> None:
    client = as_role(role)
    for url in [*READ_PAGES, f"/proposals/{proposal.id}"]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
        page = response.get_data(as_text=True)
        assert "<h1" in page, url
        assert 'lang="fr"' in page, url
        # The header names the role in words, never by its code.
        header = page.split('class="who">', 1)[1].split("</span>", 1)[0]
        assert ROLE_WORDS[role] in header and f"· {role} ·" not in header, (url, header)


@pytest.mark.parametrize("role", ["purchaser", "finance", "auditor", "admin"])
def test_restricted_pages_answer_403_to_other_roles(as_role: Any, role: str) -> None:
    client = as_role(role)
    for url, allowed in RESTRICTED.items():
        expected = 200 if role in allowed else 403
        assert client.get(url).status_code == expected, url


def test_the_audit_page_lists_events_for_an_auditor(as_role: Any, proposal: Proposal) -> None:
    page = as_role("auditor").get("/audit").get_data(as_text=True)
    assert "Utilisateur créé" in page and "user.created" not in page


def test_forms_carry_a_csrf_token(as_role: Any, spending: Organization,
                                  proposal: Proposal) -> None:
    client = as_role("purchaser")
    for url in ("/imports/new", "/scenarios/new", "/matching", f"/proposals/{proposal.id}"):
        page = client.get(url).get_data(as_text=True)
        forms = page.count("<form")
        assert forms and page.count('name="csrf_token"') >= forms - page.count('method="get"'), url


def test_finance_cannot_import(as_role: Any, csrf: Any) -> None:
    client = as_role("finance")
    response = client.post("/imports/new", data={"csrf_token": csrf(client)})
    assert response.status_code == 403
