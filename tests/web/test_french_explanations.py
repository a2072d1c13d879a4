"""Explanations and the impact formula follow the page language: French first."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy.orm import Session

from optimizer import CandidateInput, solve
from optimizer.examples import lot, problem, supplier
from procurement.models import Organization, Proposal
from tests.web.test_import_pages import finish

NBSP = "\u00a0"


def _page(client: Any, url: str) -> str:
    return html.unescape(client.get(url).get_data(as_text=True)).replace(NBSP, " ")


def test_the_proposal_page_explains_in_the_page_language(
        as_role: Any, db: Session, proposal: Proposal) -> None:
    sups = [supplier("s1", 1.0, capacity=3_000), supplier("s2", 0.5)]
    cands = [CandidateInput("a", "s1", 0.0), CandidateInput("a", "s2", 0.05)]
    sol = solve(problem([lot("a", 10_000)], sups, cands, budget_increase_pct=0.01))
    # Stored as the optimize service stores them.
    proposal.binding = [{"constraint": b.constraint, "explanation": b.explanation,
                         "explanation_fr": b.explanation_fr,
                         "shadow_price_per_1000": b.shadow_price_per_1000}
                        for b in sol.binding]
    proposal.kpis = {**proposal.kpis, "formula_fr": sol.formula_fr}
    proposal.formula = sol.formula
    db.commit()
    client = as_role("auditor")

    page = _page(client, f"/proposals/{proposal.id}?lang=fr")
    assert "Le budget limite le virage" in page
    assert "chaque tranche additionnelle de 1 000 $ de budget ajouterait" in page
    assert "Le fournisseur Coop s1 est à pleine capacité (3 000 $ par an)" in page
    assert "points d'impact par dollar = 0,35 × intégration au travail" in page
    assert "The budget limits the shift" not in page
    assert "impact points per dollar" not in page

    page = _page(client, f"/proposals/{proposal.id}?lang=en")
    assert "The budget limits the shift" in page
    assert "Supplier Coop s1 is at capacity ($3,000 a year)" in page
    assert "impact points per dollar = 0.35 × work integration" in page
    assert "Le budget limite le virage" not in page


def test_an_old_proposal_without_french_texts_shows_what_it_has(
        as_role: Any, proposal: Proposal) -> None:
    page = _page(as_role("auditor"), f"/proposals/{proposal.id}?lang=fr")
    assert "Le budget limite." in page
    assert "impact = Σ poids × score × montant" in page


def test_an_infeasible_scenario_is_explained_in_french(
        as_role: Any, csrf: Any, spending: Organization) -> None:
    client = as_role("purchaser")
    token = csrf(client, "/scenarios/new?lang=fr")
    response = client.post("/scenarios/run", data={
        "csrf_token": token, "name": "Cible impossible", "social_economy_share": "90",
        "social_economy_share_hard": "1"})
    response = finish(client, response)  # the run is a job; its page says why, with the form
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = html.unescape(response.get_data(as_text=True)).replace(NBSP, " ")
    assert "Aucune proposition" in page
    assert "La cible de part à l'économie sociale de 90 % ne peut être atteinte" in page
    assert "cannot be met" not in page


def test_the_run_outcome_carries_french_texts_next_to_the_contract_keys(
        db: Session, spending: Organization) -> None:
    from procurement.permissions import SYSTEM
    from procurement.services import optimize

    outcome = optimize.run_scenario(db, SYSTEM, spending, {
        "social_economy_share": {"value": 0.9, "hard": True}})
    data = outcome.to_json()
    assert data["status"] == "infeasible"
    (item,) = data["infeasibility"]
    assert {"constraint", "explanation", "shortfall", "explanation_fr"} <= set(item)
    assert item["explanation_fr"].startswith("La cible de part à l'économie sociale de 90")
    assert data["formula"].startswith("impact points per dollar")
    assert data["formula_fr"].startswith("points d'impact par dollar")


def test_a_stored_proposal_keeps_the_french_formula_in_its_kpis(
        db: Session, spending: Organization) -> None:
    from procurement.permissions import SYSTEM
    from procurement.services import optimize

    outcome = optimize.run_scenario(db, SYSTEM, spending, {})
    assert outcome.proposal_id is not None
    stored = db.get(Proposal, outcome.proposal_id)
    assert stored is not None
    assert stored.formula == outcome.solution.formula
    assert stored.kpis["formula_fr"] == outcome.solution.formula_fr
    assert all("explanation_fr" in b for b in stored.binding)


def test_the_workbook_export_is_french_first(as_role: Any, db: Session,
                                             proposal: Proposal) -> None:
    import io

    from openpyxl import load_workbook

    proposal.binding = [{"constraint": "budget", "explanation": "The budget binds.",
                         "explanation_fr": "Le budget limite le virage."},
                        {"constraint": "capacity__sup_1", "explanation": "Only English."}]
    proposal.kpis = {**proposal.kpis, "formula_fr": "points d'impact par dollar = 1,00 × x"}
    db.commit()
    client = as_role("auditor")
    assert client.get(f"/proposals/{proposal.id}/export.pdf").status_code == 200
    ocds = client.get(f"/proposals/{proposal.id}/export.ocds").get_json()
    assert ocds["releases"][0]["planning"]["rationale"].endswith(
        "points d'impact par dollar = 1,00 × x")
    response = client.get(f"/proposals/{proposal.id}/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    why = [row[0] for row in book["Pourquoi"].iter_rows(min_row=2, values_only=True)]
    assert why == ["Le budget limite le virage.", "Only English."]
    summary = [row[1] for row in book["Synthèse"].iter_rows(values_only=True)]
    assert "points d'impact par dollar = 1,00 × x" in summary
    assert "formula_fr" not in [row[0] for row in book["Synthèse"].iter_rows(values_only=True)]


def test_the_exports_follow_the_user_language(as_role: Any, db: Session,
                                              proposal: Proposal) -> None:
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    client = as_role("auditor")
    english = client.get(f"/proposals/{proposal.id}/export.xlsx?lang=en")
    assert english.status_code == 200
    book = load_workbook(io.BytesIO(english.data))
    assert {"Summary", "By supplier", "By department", "Review and audit"} <= set(
        book.sheetnames)
    assert "Synthèse" not in book.sheetnames
    pdf = client.get(f"/proposals/{proposal.id}/export.pdf?lang=en")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Page 1 of" in text and "Total value" in text
    french = client.get(f"/api/proposals/{proposal.id}/export?format=xlsx&lang=fr")
    assert french.status_code == 200
    assert "Synthèse" in load_workbook(io.BytesIO(french.data)).sheetnames


def test_the_exports_render_coded_explanations_in_their_own_language(
        as_role: Any, db: Session, proposal: Proposal) -> None:
    """A binding limit stored as a code and values reads as the pages read it, in the
    export's language, never in the other one."""
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    proposal.binding = [{"constraint": "capacity__sup_1", "code": "capacity_binds",
                         "params": {"supplier": "Coop Test", "capacity": 12000}}]
    db.commit()
    client = as_role("auditor")
    english = load_workbook(io.BytesIO(
        client.get(f"/proposals/{proposal.id}/export.xlsx?lang=en").data))
    why = [row[0] for row in english["Why"].iter_rows(min_row=2, values_only=True)]
    assert why == ["Supplier Coop Test is at capacity ($12,000 a year)."]
    french = load_workbook(io.BytesIO(
        client.get(f"/proposals/{proposal.id}/export.xlsx?lang=fr").data))
    why = [row[0] for row in french["Pourquoi"].iter_rows(min_row=2, values_only=True)]
    assert why == ["Le fournisseur Coop Test est à pleine capacité (12\u00a0000\u00a0$ par an)."]
    pdf = client.get(f"/proposals/{proposal.id}/export.pdf?lang=en")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Coop Test is at capacity" in text
    assert "pleine capacité" not in text
