"""The proposal page shows the capability evidence of each award and each lot's prospects."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.models import Allocation, Lot, Proposal


def _with_evidence(db: Session, proposal: Proposal) -> None:
    award = db.scalars(select(Allocation).where(Allocation.proposal_id == proposal.id,
                                                Allocation.supplier_id.is_not(None))).first()
    assert award is not None
    award.capability_evidence = "confirmed"
    award.capability_detail = {"detail": {}, "reason": "", "decided_by": "Agnès Tremblay",
                               "decided_at": "2026-11-02T14:30:00+00:00"}
    lot = db.get(Lot, award.lot_id)
    assert lot is not None
    lot.prospects = [{"supplier_id": 99, "name": "Club de patinage Perce-Neige",
                      "evidence": "name", "reason": "'neige' in name"}]
    db.commit()


def test_each_award_shows_its_evidence_and_who_confirmed_it(
        as_role: Any, db: Session, proposal: Proposal) -> None:
    _with_evidence(db, proposal)
    page = html.unescape(as_role("auditor").get(f"/proposals/{proposal.id}").get_data(
        as_text=True))
    assert "Preuve de capacité" in page
    assert "confirmée par une personne" in page
    assert "par Agnès Tremblay le 2026-11-02" in page
    assert "Fournisseurs à vérifier avant toute attribution" in page
    assert "Club de patinage Perce-Neige (nom seulement)" in page


def test_the_evidence_reads_in_english(as_role: Any, db: Session, proposal: Proposal) -> None:
    _with_evidence(db, proposal)
    page = html.unescape(as_role("auditor").get(f"/proposals/{proposal.id}?lang=en").get_data(
        as_text=True))
    assert "Capability evidence" in page and "confirmed by a person" in page
    assert "by Agnès Tremblay on 2026-11-02" in page
    assert "Club de patinage Perce-Neige (name only)" in page
