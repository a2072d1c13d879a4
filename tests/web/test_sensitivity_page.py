"""The sensitivity page re-solves a proposal's scenario for other budgets and targets."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy.orm import Session

from procurement.models import Organization
from procurement.permissions import SYSTEM
from procurement.services import optimize


def test_an_auditor_sees_what_other_budgets_and_targets_would_buy(
        db: Session, spending: Organization, as_role: Any) -> None:
    proposal_id = optimize.run_scenario(db, SYSTEM, spending, {"name": "Base"}).proposal_id
    db.commit()
    assert proposal_id is not None
    response = as_role("auditor").get(f"/proposals/{proposal_id}/sensitivity?targets=10+95")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    # Six budgets crossed with two targets; the 95 % target cannot be reached.
    assert page.count("<tr>") == 1 + 12
    assert "impossible" in page and "optimal" in page


def test_targets_that_are_not_percentages_are_refused_next_to_the_field(
        db: Session, spending: Organization, as_role: Any) -> None:
    proposal_id = optimize.run_scenario(db, SYSTEM, spending, {}).proposal_id
    db.commit()
    response = as_role("purchaser").get(f"/proposals/{proposal_id}/sensitivity?targets=beaucoup")
    assert response.status_code == 422
    assert 'id="targets-error"' in response.get_data(as_text=True)
