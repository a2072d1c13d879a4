"""What an approver reads: settings, plain explanations, filtered allocations, compare, charts."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.models import (
    Allocation,
    Lot,
    Organization,
    Proposal,
    Scenario,
    Supplier,
    SupplierCategory,
)
from procurement.permissions import SYSTEM
from procurement.services import optimize

CONSTRAINT_NAME = "rotation__cat_informatique__sup_115"


def _text(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return html.unescape(response.get_data(as_text=True))


def _explained(db: Session, proposal: Proposal) -> Proposal:
    """Give the proposal explanations as the optimizer stores them: code and values."""
    proposal.binding = [
        {"constraint": CONSTRAINT_NAME, "explanation": "Rotation ... (English)",
         "explanation_fr": "Rotation ... (français)", "shadow_price_per_1000": 4.2,
         "code": "rotation_binds",
         "params": {"supplier": "Coop informatique", "category": "informatique",
                    "effect": "gap", "closed_per_1000": 1000.0}},
        {"constraint": "capacity__sup_115", "explanation": "x", "explanation_fr": "x",
         "code": "capacity_binds",
         "params": {"supplier": "Coop informatique", "capacity": 150000,
                    "effect": "points", "gain_per_1000": 12.34}},
    ]
    proposal.infeasibility = [
        {"constraint": "target_se_share_category__informatique", "explanation": "x",
         "explanation_fr": "x", "shortfall": 1234560, "code": "target_missed",
         "params": {"target": "target_se_share_category", "category": "informatique",
                    "share": 0.3, "reach": 0.224, "missing": 12345.6}}]
    db.commit()
    return proposal


def test_the_proposal_page_explains_in_words_without_constraint_names(
        db: Session, as_role: Any, proposal: Proposal) -> None:
    _explained(db, proposal)
    client = as_role("finance")
    french = _text(client, f"/proposals/{proposal.id}")
    assert CONSTRAINT_NAME not in french and "capacity__" not in french
    assert "target_se_share" not in french and "sup_115" not in french
    assert ("Rotation des fournisseurs dans la bande d'invitation de « Informatique et "
            "reconditionnement » : Coop informatique a atteint sa limite dans ce groupe."
            ) in french
    assert "Relâcher cette limite de 1\u00a0000\u00a0$ réduirait d'environ 1\u00a0000\u00a0$" \
        in french
    assert "Le fournisseur Coop informatique est à pleine capacité (150\u00a0000\u00a0$ par an)" \
        in french
    assert "il manque 12\u00a0346\u00a0$ de dépenses" in french
    english = _text(client, f"/proposals/{proposal.id}?lang=en")
    assert CONSTRAINT_NAME not in english
    assert "Supplier Coop informatique is at capacity ($150,000 a year)." in english
    assert "social economy share of “" in english   # the category named in English
    assert "Rotation ... (English)" not in english and "(français)" not in english


def test_the_proposal_page_shows_the_scenario_settings_first_as_labelled_values(
        db: Session, as_role: Any, proposal: Proposal) -> None:
    proposal.scenario.params = {"name": "Essai", "budget_increase_pct": 0.03,
                                "social_economy_share": {"value": 0.25, "hard": True},
                                "min_capability_evidence": "confirmed", "time_limit_s": 45}
    db.commit()
    page = _text(as_role("finance"), f"/proposals/{proposal.id}")
    settings = page[page.index('id="settings"'):page.index('id="allocations"')]
    assert "Hausse de budget permise</dt><dd>3,0\u00a0%" in settings
    assert "Budget de la proposition</dt><dd>36\u00a0720,00\u00a0$" in settings
    assert "Cible de part à l'économie sociale</dt><dd>25\u00a0% (obligatoire)" in settings
    assert "confirmée par une personne" in settings
    assert "Limite de temps du solveur</dt><dd>45 s" in settings
    assert "Maximiser l'impact social : intégration au travail 35\u00a0%" in settings
    assert "budget_increase_pct" not in page and "budget_cents" not in page
    assert page.index('id="settings"') < page.index('id="allocations"')
    assert f"/proposals/{proposal.id}/export.pdf" in page


def _many_allocations(db: Session, proposal: Proposal, n: int = 30) -> None:
    """Add n lots of cleaning, one allocation each to a work-integration co-op."""
    insertion = Supplier(name="Insertion Mauricie", normalized_name="insertion mauricie",
                         work_integration=True)
    db.add(insertion)
    db.flush()
    for i in range(n):
        lot = Lot(proposal_id=proposal.id, key=f"contract:C-{i:03d}",
                  category_code="entretien_menager", label="entretien", band="direct",
                  value=Decimal(1000 + i), line_count=1, status_quo_se_value=Decimal(0))
        db.add(lot)
        db.flush()
        db.add(Allocation(proposal_id=proposal.id, lot_id=lot.id, supplier_id=insertion.id,
                          amount=Decimal(1000 + i), route="direct", impact_per_dollar=0.9,
                          capability_evidence="confirmed"))
    proposal.levers = [{"lot": f"contract:C-{i:03d}", "lever": "direct_award",
                        "reason_code": "no_capable_supplier", "params": {"value": "1000"},
                        "suppliers": []} for i in range(n)]
    db.commit()


def _rows(page: str) -> list[str]:
    body = page[page.index('class="allocations'):]
    body = body[:body.index("</table>")]
    return re.findall(r"<tr>\s*<td data-label", body)


def test_allocations_are_paginated_filtered_and_sorted_on_the_server(
        db: Session, as_role: Any, proposal: Proposal) -> None:
    _many_allocations(db, proposal)
    client = as_role("auditor")
    first = _text(client, f"/proposals/{proposal.id}")
    assert len(_rows(first)) == 25                      # 33 allocations, 25 a page
    assert "33 allocations sur 33" in first
    assert "Suivants" in first and "offset=25" in first
    second = _text(client, f"/proposals/{proposal.id}?offset=25")
    assert len(_rows(second)) == 8
    # Largest amount first by default; ascending on request.
    assert first.index("340\u00a0000,00\u00a0$") < first.index("15\u00a0000,00\u00a0$")
    ascending = _text(client, f"/proposals/{proposal.id}?sort=amount&size=100")
    assert ascending.index("1\u00a0000,00\u00a0$") < ascending.index("340\u00a0000,00\u00a0$")
    assert 'aria-sort="ascending"' in ascending
    # Filters: supplier type, evidence, lever, category.
    market = _text(client, f"/proposals/{proposal.id}?supplier_type=market")
    assert len(_rows(market)) == 2 and "2 allocations sur 33" in market
    confirmed = _text(client, f"/proposals/{proposal.id}?evidence=confirmed&size=100")
    assert len(_rows(confirmed)) == 30 and "Coop de nettoyage" not in confirmed.split(
        'class="allocations')[1]
    direct = _text(client, f"/proposals/{proposal.id}?lever=direct_award&size=100")
    assert len(_rows(direct)) == 30
    cleaning = _text(client, f"/proposals/{proposal.id}?category=collecte_recyclage")
    assert len(_rows(cleaning)) == 1
    # The lever and the capability evidence are columns of the table.
    assert "Gré à gré avec un fournisseur d'économie sociale confirmé" in direct
    assert "confirmée par une personne" in confirmed
    # A bad offset is refused with a message, not a crash.
    assert client.get(f"/proposals/{proposal.id}?offset=abc").status_code == 422


def test_no_allocation_under_one_dollar_is_shown_after_a_real_run(
        db: Session, spending: Organization, as_role: Any) -> None:
    coop = Supplier(name="Coop de nettoyage du Cap", normalized_name="coop nettoyage cap",
                    municipality="Trois-Rivières", municipality_code=spending.code,
                    work_integration=True)
    db.add(coop)
    db.flush()
    db.add(SupplierCategory(supplier_id=coop.id, category_code="entretien_menager",
                            confidence=0.95, evidence="activity", decision="confirmed"))
    db.commit()
    outcome = optimize.run_scenario(db, SYSTEM, spending, {"name": "Poussière"})
    db.commit()
    assert outcome.proposal_id is not None
    amounts = db.scalars(select(Allocation.amount).where(
        Allocation.proposal_id == outcome.proposal_id)).all()
    assert amounts and min(amounts) >= 1
    page = _text(as_role("finance"), f"/proposals/{outcome.proposal_id}?size=100")
    shown = re.findall(r'data-label="Montant">([^<]+)<', page)
    assert shown and all(not re.fullmatch(r"0,\d\d\u00a0\$", amount) for amount in shown)


def test_the_compare_page_speaks_in_labels_money_and_differences(
        db: Session, as_role: Any, proposal: Proposal, org: Organization) -> None:
    scenario = Scenario(organization_id=org.id, name="Plus ambitieux",
                        params={"budget_increase_pct": 0.05})
    db.add(scenario)
    db.flush()
    other = Proposal(organization_id=org.id, scenario_id=scenario.id, status="draft",
                     solver_status="optimal", solver="cbc", mode="divisible",
                     currency="CAD", total_value=Decimal("360000.00"),
                     kpis={**proposal.kpis, "social_economy_share_after": 0.2,
                           "budget_cents": 3780000, "lots": 2},
                     binding=[], infeasibility=[], formula="")
    db.add(other)
    db.flush()
    lot = proposal.lots[0]
    db.add(Allocation(proposal_id=other.id, lot_id=lot.id, supplier_id=None,
                      amount=Decimal("20000.00"), route="status_quo"))
    db.commit()
    page = _text(as_role("finance"), f"/proposals/compare?a={proposal.id}&b={other.id}")
    for key in ("budget_cents", "impact_after", "social_economy_share_after", "lots 55",
                "budget_increase_pct"):
        assert key not in page
    assert "Part à l'économie sociale après" in page
    assert "12,5\u00a0%" in page and "20,0\u00a0%" in page and "+7,5 points" in page
    assert "36\u00a0720,00\u00a0$" in page and "37\u00a0800,00\u00a0$" in page  # cents as $
    assert "+1\u00a0080,00\u00a0$" in page
    assert "Hausse de budget permise" in page and "5,0\u00a0%" in page   # settings differ
    assert "Entretien ménager" in page and "Coop de nettoyage du Cap" in page
    assert "-15\u00a0000,00\u00a0$" in page or "−15\u00a0000,00\u00a0$" in page


def test_the_dashboard_draws_accessible_charts_and_counts_the_work_waiting(
        db: Session, spending: Organization, as_role: Any) -> None:
    coop = Supplier(name="Coop de nettoyage du Cap", normalized_name="coop nettoyage cap",
                    municipality="Trois-Rivières", municipality_code=spending.code,
                    work_integration=True)
    db.add(coop)
    db.flush()
    db.add(SupplierCategory(supplier_id=coop.id, category_code="entretien_menager",
                            confidence=0.95, evidence="activity", decision="confirmed"))
    db.commit()
    outcome = optimize.run_scenario(db, SYSTEM, spending, {"name": "Graphiques"})
    db.commit()
    assert outcome.proposal_id is not None
    page = _text(as_role("finance"), "/")
    svgs = re.findall(r'<svg class="chart" role="img"[^>]*aria-labelledby="([^"]+)"', page)
    assert len(svgs) >= 3
    for ids in svgs:
        title_id, desc_id = ids.split()
        assert re.search(rf'<title id="{title_id}">[^<]+</title>', page)
        assert re.search(rf'<desc id="{desc_id}">[^<]+</desc>', page)
    assert "Économie sociale avant et après, par catégorie" in page
    assert "Impact en unités" in page and "Dépenses par proximité" in page
    assert "Données du graphique" in page                  # the table alternative
    work = page[page.index('id="work"'):page.index("</ul>", page.index('id="work"'))]
    assert "Propositions à approuver" in work and "Capacités à confirmer" in work
    assert 'href="/capabilities"' in work and 'href="/matching/incumbents"' in work
    drafts = re.search(r"Brouillons à soumettre</a> <span class=\"count\">(\d+)</span>", work)
    assert drafts and drafts.group(1) == "1"


def test_every_explanation_sentence_has_an_english_translation() -> None:
    from pathlib import Path

    from babel.messages.pofile import read_po

    from procurement import explanation_messages

    po = Path(__file__).resolve().parents[2] / "app/translations/en/LC_MESSAGES/messages.po"
    with po.open("rb") as handle:
        translated = {m.id: m.string for m in read_po(handle) if m.id}
    missing = [m for m in explanation_messages.all_msgids() if not translated.get(m)]
    assert missing == []
