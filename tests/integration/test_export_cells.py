"""Exports and problem reports never carry a live formula, and text round-trips."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from procurement.exports.cells import FORMULA_TRIGGERS, restore_text
from procurement.models import Allocation, ImportBatch, Organization
from procurement.permissions import Actor
from procurement.services.exports import export_proposal
from procurement.services.overview import import_report_csv
from tests.factories import make_import, make_org, make_proposal, make_supplier

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(A1)",
           "\t=1", "'quoted"]


@pytest.fixture
def auditor(session: Session) -> tuple[Organization, Actor]:
    org = make_org(session, "37067", "Trois-Rivières")
    return org, Actor(user_id=None, name="vérif", role="auditor", organization_id=org.id)


def _proposal(session: Session, org: Organization) -> int:
    suppliers = [make_supplier(session, name, neq=f"11{index:08d}")
                 for index, name in enumerate(HOSTILE)]
    proposal = make_proposal(session, org, None, suppliers=suppliers)
    proposal.kpis = {**proposal.kpis, "cost_difference_cents": -1234}
    market = next(a for a in session.query(Allocation).filter_by(proposal_id=proposal.id)
                  if a.supplier_id is None)
    market.amount = Decimal("-12.50")  # a credit: a real negative number
    session.flush()
    return proposal.id


def test_the_workbook_stores_hostile_names_as_text_and_amounts_as_numbers(
        session: Session, auditor: tuple[Organization, Actor]) -> None:
    org, actor = auditor
    proposal_id = _proposal(session, org)
    content = export_proposal(session, actor, proposal_id, "xlsx").content
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    allocations = book["Allocations"]
    names = {}
    for row in allocations.iter_rows(min_row=2):
        if row[0].value != "Total":
            names[row[4].value] = row
    for name in HOSTILE:
        cell = names[name][4]
        assert cell.data_type == "s" and cell.value == name
        if name.startswith(FORMULA_TRIGGERS):
            assert cell.quotePrefix
    market = next(row for name, row in names.items() if name not in HOSTILE)
    assert market[6].data_type == "n" and market[6].value == pytest.approx(-12.5)
    summary = {row[0].value: row[1] for row in book["Synthèse"].iter_rows() if row[0].value}
    assert summary["Écart de coût"].data_type == "n"
    assert summary["Écart de coût"].value == pytest.approx(-12.34)
    assert "$" in summary["Écart de coût"].number_format


def test_the_csv_neutralises_hostile_names_and_keeps_negative_amounts(
        session: Session, auditor: tuple[Organization, Actor]) -> None:
    org, actor = auditor
    proposal_id = _proposal(session, org)
    content = export_proposal(session, actor, proposal_id, "csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))[1:]
    written = [row[4] for row in rows]
    for cell in written:
        assert not cell.startswith(FORMULA_TRIGGERS), cell
    assert set(HOSTILE) <= {restore_text(cell) for cell in written}
    amounts = [row[6] for row in rows]
    assert "-12.50" in amounts and all(Decimal(a) for a in amounts)


def test_the_problem_report_csv_neutralises_cell_values(
        session: Session, auditor: tuple[Organization, Actor]) -> None:
    org, actor = auditor
    batch: ImportBatch = make_import(session, org, None, [("A", "b", "1.00")])
    batch.issues = [{"sheet": "Feuil1", "row": 3 + index, "column": "Fournisseur", "value": value,
                     "code": "invalid_amount", "text": "%(value)s", "params": {"value": value},
                     "severity": "error"} for index, value in enumerate(HOSTILE)]
    session.flush()
    keys = ("sheet", "row", "column", "value", "code", "text")
    content = import_report_csv(
        session, actor, batch.id, headers=keys,
        cells=lambda issue: [issue[key] % issue["params"] if key == "text" else issue[key]
                             for key in keys]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [restore_text(row["value"]) for row in rows] == HOSTILE
    for row in rows:
        for value in row.values():
            assert not value.startswith(FORMULA_TRIGGERS), row
    assert [row["row"] for row in rows] == [str(3 + i) for i in range(len(HOSTILE))]
