"""The whole chain on the demo data, against real SQLite and the real CBC solver.

import → match → lots → optimize → proposal → review → export, each stage checked.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import jsonschema_rs
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from procurement import demo
from procurement.db import make_engine, make_session_factory
from procurement.exports.ocds import release_schema
from procurement.matching import normalize_company_name
from procurement.models import (
    Allocation,
    Lot,
    Organization,
    Proposal,
    PurchaseLine,
    Supplier,
    User,
)
from procurement.permissions import SYSTEM, Actor
from procurement.services import exports, matching, optimize, review
from procurement.users import actor_for


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, realdata: Path,
            module_database_url: str) -> Iterator[sessionmaker[Session]]:
    """Load the demo once for the module: municipalities, registry, a year of spending."""
    folder = tmp_path_factory.mktemp("chain")
    engine = make_engine(module_database_url)
    factory = make_session_factory(engine)
    with factory() as session:
        demo.load_demo(session, instance=folder,
                       normalize_name=normalize_company_name, log=lambda _m: None)
        session.commit()
    yield factory
    engine.dispose()


def _org(session: Session) -> Organization:
    org = session.scalar(select(Organization).where(Organization.code == demo.DEMO_ORG_CODE))
    assert org is not None
    return org


def test_import_stores_the_generated_journal_without_its_title_and_total_rows(
        demo_db: sessionmaker[Session]) -> None:
    with demo_db() as session:
        org = _org(session)
        lines = session.scalar(select(func.count()).select_from(PurchaseLine).where(
            PurchaseLine.organization_id == org.id))
    assert lines == len(demo.DEMO_YEARS) * sum(c.yearly_lines for c in demo.DEMO_CATEGORIES)


def test_the_journal_total_row_equals_the_stored_total(demo_db: sessionmaker[Session],
                                                       tmp_path: Path) -> None:
    path = demo.generate_spending_workbook(tmp_path / "journal.xlsx")
    sheet = load_workbook(path, read_only=True).active
    last = next(row for row in sheet.iter_rows(values_only=True) if row and row[0] == "Total")
    with demo_db() as session:
        org = _org(session)
        stored = session.scalar(select(func.sum(PurchaseLine.amount)).where(
            PurchaseLine.organization_id == org.id,
            PurchaseLine.date >= dt.date(demo.DEMO_YEAR, 1, 1)))
    assert Decimal(str(last[-1])).quantize(Decimal("0.01")) == Decimal(str(stored)).quantize(
        Decimal("0.01"))


def test_matching_categorizes_every_line_and_recognises_social_economy_incumbents(
        demo_db: sessionmaker[Session]) -> None:
    with demo_db() as session:
        org = _org(session)
        summary = matching.run_matching(session, SYSTEM, org)
        session.commit()
        recycle = session.scalar(select(Supplier).where(Supplier.name == "Recycle 3R Mauricie"))
        linked = session.scalar(select(func.count()).select_from(PurchaseLine).where(
            PurchaseLine.supplier_name == "RECYCLE 3R MAURICIE",
            PurchaseLine.incumbent_supplier_id == recycle.id))
    assert summary.lines == len(demo.DEMO_YEARS) * sum(
        c.yearly_lines for c in demo.DEMO_CATEGORIES)
    assert sum(summary.by_method.values()) == summary.lines
    assert "none" not in summary.by_method
    assert linked and linked > 0
    assert 0 < summary.baseline_social_economy_share < 0.5


def test_optimizing_stores_an_optimal_proposal_that_shifts_spending_within_budget(
        demo_db: sessionmaker[Session]) -> None:
    with demo_db() as session:
        org = _org(session)
        outcome = optimize.run_scenario(session, SYSTEM, org, {"budget_increase_pct": 0.02})
        session.commit()
        result = outcome.to_json()
        proposal = session.get(Proposal, outcome.proposal_id)
        assert proposal is not None
        lots = session.scalars(select(Lot).where(Lot.proposal_id == proposal.id)).all()
        allocations = session.scalars(select(Allocation).where(
            Allocation.proposal_id == proposal.id)).all()
        # Coverage to the cent: each lot's allocations add up to its value.
        for lot in lots:
            assert sum(a.amount for a in allocations if a.lot_id == lot.id) == lot.value
            if lot.band == "tender":
                assert all(a.supplier_id is None for a in allocations if a.lot_id == lot.id)
    kpis = result["kpis"]
    assert result["status"] == "optimal"
    assert kpis["social_economy_share_after"] > kpis["social_economy_share_before"]
    assert kpis["proposed_cost_cents"] <= kpis["budget_cents"]


def _proposal_id(session: Session) -> int:
    org = _org(session)
    found = session.scalar(select(Proposal.id).where(Proposal.organization_id == org.id)
                           .order_by(Proposal.id.desc()))
    if found is None:
        found = optimize.run_scenario(session, SYSTEM, org, {}).proposal_id
        session.commit()
    assert found is not None
    return found


def test_review_requires_a_second_person_and_then_freezes_the_proposal(
        demo_db: sessionmaker[Session]) -> None:
    from procurement.errors import Conflict

    with demo_db() as session:
        _org(session)
        proposal_id = _proposal_id(session)
        purchaser = actor_for(session.scalar(select(User).where(User.role == "purchaser")))
        finance = actor_for(session.scalar(select(User).where(User.role == "finance")))
        proposal = review.submit(session, purchaser, proposal_id, version=1)
        session.commit()
        decided = review.decide(session, finance, proposal_id, decision="approved",
                                version=proposal.version, comment="OK")
        session.commit()
        assert decided.status == "approved"
        with pytest.raises(Conflict):
            review.decide(session, finance, proposal_id, decision="rejected",
                          version=decided.version, comment="trop tard")


def test_exports_render_xlsx_with_a_chart_csv_and_valid_ocds(
        demo_db: sessionmaker[Session]) -> None:
    with demo_db() as session:
        org = _org(session)
        proposal_id = _proposal_id(session)
        auditor = Actor(user_id=None, name="vérif", role="auditor", organization_id=org.id)
        xlsx = exports.export_proposal(session, auditor, proposal_id, "xlsx")
        csv_file = exports.export_proposal(session, auditor, proposal_id, "csv")
        ocds = exports.export_proposal(session, auditor, proposal_id, "ocds")
        pdf = exports.export_proposal(session, auditor, proposal_id, "pdf")
        allocations = session.scalar(select(func.count()).select_from(Allocation).where(
            Allocation.proposal_id == proposal_id))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert {"Synthèse", "Allocations", "Par fournisseur"} <= set(book.sheetnames)
    assert book["Synthèse"]._charts and book["Par fournisseur"]._charts
    assert book["Allocations"].max_row == allocations + 2  # the header and the total
    text = csv_file.content.decode("utf-8-sig")
    assert len(text.strip().splitlines()) == allocations + 1
    package = json.loads(ocds.content)
    validator = jsonschema_rs.Draft4Validator(release_schema())
    for release in package["releases"]:
        errors = [e.message for e in validator.iter_errors(release)]
        assert errors == [], errors
    assert package["releases"]
    assert pdf.content.startswith(b"%PDF-") and pdf.filename.endswith(".pdf")
