"""Must-show 3 of issue 10: a workbook, a PDF and OCDS a council can read, that reconcile.

The demo's proposal, exported in French and in English through `procure export`, opened
back with openpyxl and pypdf, and checked against the database to the cent.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement import impact_messages
from procurement.exports.impact_sheets import lever_label
from procurement.exports.labels import WORDS, label
from procurement.exports.rows import COLUMNS
from procurement.matching import load_taxonomy
from procurement.models import Allocation, Lot, Proposal, PurchaseLine, Supplier
from procurement.services import exports, review
from procurement.users import actor_for
from tests.factories import make_org, make_proposal, make_supplier, make_user
from tests.integration.test_impact_demo import Procure, _session

CENT = Decimal("0.01")
SHEETS = ("sheet.summary", "sheet.category", "sheet.supplier", "sheet.department",
          "sheet.allocations", "sheet.levers", "sheet.method", "sheet.review",
          "sheet.units", "sheet.years")
MONEY_HEADERS = ("amount", "lot_value", "spending", "se_before", "se_after", "se_spending")


@pytest.fixture(scope="module")
def procure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Procure]:
    yield Procure(tmp_path_factory.mktemp("council"))


@pytest.fixture(scope="module")
def demo(procure: Procure) -> dict[str, Any]:
    return dict(procure.json("demo"))


def _export(procure: Procure, demo: dict[str, Any], fmt: str, lang: str,
            folder: Path) -> Path:
    path = folder / f"p-{lang}.{fmt}"
    procure.run("export", str(demo["proposal_id"]), "--format", fmt, "-o", str(path),
                "--lang", lang)
    return path


def _cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _raw_codes(proposal: Proposal, lang: str) -> set[str]:
    """Every stored code a person should never read in an export.

    A code that is also the word of the language ("approved" in English) is a word there.
    """
    codes = set(load_taxonomy().categories)
    codes |= set(proposal.kpis) | set(proposal.impact_units)
    codes |= set(impact_messages.LEVER_NAMES) | set(impact_messages.REASONS)
    codes |= {lot.key for lot in proposal.lots}
    for table in WORDS.values():
        codes |= set(table)
    codes |= {"social_economy_share_before", "cost_difference_cents", "budget_cents"}
    words = {pair[0 if lang == "fr" else 1] for table in WORDS.values()
             for pair in table.values()}
    return codes - words


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(cell for cell in row) for row in sheet.iter_rows()]


def _table(sheet: Any, header_row: int = 1) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """Return a sheet's header and data rows (up to the first blank row)."""
    header = [cell.value for cell in sheet[header_row]]
    rows = []
    for row in sheet.iter_rows(min_row=header_row + 1):
        if all(cell.value in (None, "") for cell in row):
            break
        rows.append(row)
    return header, rows


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_workbook_a_council_can_read_reconciles_with_the_database(
        procure: Procure, demo: dict[str, Any], tmp_path: Path, lang: str) -> None:
    book = load_workbook(_export(procure, demo, "xlsx", lang, tmp_path))
    names = {key: label(key, lang) for key in SHEETS}
    assert set(names.values()) <= set(book.sheetnames), book.sheetnames
    # One language at a time: no "French / English" labels.
    other = "en" if lang == "fr" else "fr"
    assert label("sheet.supplier", other) not in book.sheetnames
    assert sum(len(sheet._charts) for sheet in book.worksheets) >= 3
    for key in ("sheet.category", "sheet.units", "sheet.years"):
        assert book[names[key]]._charts, key  # before/after, impact by unit, share by year
    with _session(procure) as session:
        proposal = session.get(Proposal, demo["proposal_id"])
        codes = _raw_codes(proposal, lang)
        money_headers = {label(key, lang) for key in MONEY_HEADERS}
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        assert not cell.value.endswith("_cents"), (sheet.title, cell.value)
                        assert cell.value not in codes, (sheet.title, cell.coordinate,
                                                         cell.value)
                        assert not re.search(r"\b[a-z]+(_[a-z]+)+\b", cell.value), cell.value
                        assert " / " not in cell.value, (sheet.title, cell.value)
            # Every money cell is formatted as currency.
            for row in sheet.iter_rows():
                headers = [c.value for c in row]
                if not any(h in money_headers for h in headers):
                    continue
                columns = [i for i, h in enumerate(headers) if h in money_headers]
                for below in sheet.iter_rows(min_row=row[0].row + 1):
                    if all(c.value in (None, "") for c in below):
                        break
                    for i in columns:
                        if isinstance(below[i].value, int | float):
                            assert "$" in below[i].number_format, (sheet.title,
                                                                   below[i].coordinate)
        for name in (names["sheet.summary"], names["sheet.units"]):
            for row in book[name].iter_rows():
                if len(row) > 3 and row[3].value == proposal.currency:
                    assert "$" in row[1].number_format and "$" in row[2].number_format

        # Allocations: each row and the total reconcile with the database to the cent.
        allocated = session.scalar(select(func.sum(Allocation.amount)).where(
            Allocation.proposal_id == proposal.id))
        header, rows = _table(book[names["sheet.allocations"]])
        amount_at = header.index(label("amount", lang))
        lever_at = header.index(label("lever", lang))
        assert header.index(label("evidence", lang)) > lever_at
        body = [r for r in rows if r[0].value != label("total", lang)]
        assert len(body) == len(proposal.allocations)
        assert sum(_cents(r[amount_at].value) for r in body) == _cents(allocated)
        total = next(r for r in rows if r[0].value == label("total", lang))
        assert _cents(total[amount_at].value) == _cents(allocated)
        assert all(r[lever_at].value for r in body)

        # By supplier (with NEQ): each supplier's amount, the market and the total.
        per_supplier: dict[str, Decimal] = defaultdict(Decimal)
        for name, neq, amount in session.execute(
                select(Supplier.name, Supplier.neq, Allocation.amount)
                .join(Supplier, Supplier.id == Allocation.supplier_id)
                .where(Allocation.proposal_id == proposal.id)):
            per_supplier[f"{name}|{neq or ''}"] += amount
        header, rows = _table(book[names["sheet.supplier"]])
        assert header[:2] == [label("supplier", lang), "NEQ"]
        amount_at = header.index(label("amount", lang))
        written = {f"{r[0].value}|{r[1].value or ''}": _cents(r[amount_at].value)
                   for r in rows if r[0].value not in (label("market", lang),
                                                       label("total", lang))}
        assert written == {key: _cents(value) for key, value in per_supplier.items()}
        assert any(key.split("|")[1] for key in written)  # the demo's suppliers have a NEQ
        assert _cents(rows[-1][amount_at].value) == _cents(allocated)

        # By department: the period's spending, department by department.
        query = select(PurchaseLine.department, func.sum(PurchaseLine.amount)).where(
            PurchaseLine.organization_id == proposal.organization_id).group_by(
            PurchaseLine.department)
        if proposal.period_start:
            query = query.where(PurchaseLine.date >= proposal.period_start)
        if proposal.period_end:
            query = query.where(PurchaseLine.date <= proposal.period_end)
        stored = {name or label("no_department", lang): _cents(total)
                  for name, total in session.execute(query)}
        header, rows = _table(book[names["sheet.department"]])
        spending_at = header.index(label("spending", lang))
        written = {r[0].value: _cents(r[spending_at].value) for r in rows[:-1]}
        assert written == stored and len(stored) > 1
        assert _cents(rows[-1][spending_at].value) == sum(stored.values())

        # By category and the units: the stored impact, and the lots' value in total.
        lots_value = session.scalar(select(func.sum(Lot.value)).where(
            Lot.proposal_id == proposal.id))
        header, rows = _table(book[names["sheet.category"]])
        assert sum(_cents(r[1].value) for r in rows) == _cents(lots_value)
        se = proposal.impact_units["social_economy_spending"]
        assert sum(_cents(r[3].value) for r in rows) == _cents(se["after"])
        summary = {r[0].value: r for r in book[names["sheet.summary"]].iter_rows()
                   if r[0].value}
        se_row = summary[impact_messages.measure_name("social_economy_spending") if lang == "fr"
                         else "Social economy spending"]
        assert _cents(se_row[1].value) == Decimal(se["before"])
        assert _cents(se_row[2].value) == Decimal(se["after"])
        assert se_row[4].number_format == "0.0%"
        assert _cents(summary[label("total_value", lang)][1].value) == _cents(
            proposal.total_value)

        # Levers: one per lot, at the lot's value.
        header, rows = _table(book[names["sheet.levers"]])
        assert len(rows) == len(proposal.lots)
        reasons = [r[4].value for r in rows]
        french = tuple(text.split(" ")[0] for text in impact_messages.REASONS.values())
        assert all(reason and "%(" not in reason for reason in reasons)
        assert all(reason.startswith(french) == (lang == "fr") for reason in reasons), reasons
        warnings = [r[1].value for r in book[names["sheet.method"]].iter_rows()
                    if r[0].value == label("warning", lang)]
        assert warnings and all(("administrateur" in w) == (lang == "fr") for w in warnings)
        assert sum(_cents(r[1].value) for r in rows) == _cents(lots_value)

        # Review and audit: the proposal's decision and its audit events, in words.
        review = [c.value for row in book[names["sheet.review"]].iter_rows() for c in row
                  if isinstance(c.value, str)]
        assert label("audit", lang) in review
        assert WORDS["action"]["proposal.created"][0 if lang == "fr" else 1] in review


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_pdf_text_states_the_kpis_in_units_and_reconciles(
        procure: Procure, demo: dict[str, Any], tmp_path: Path, lang: str) -> None:
    reader = PdfReader(_export(procure, demo, "pdf", lang, tmp_path))
    pages = [re.sub(r"[\s\u00a0\u202f]+", " ", page.extract_text()) for page in reader.pages]
    text = " ".join(pages)
    with _session(procure) as session:
        proposal = session.get(Proposal, demo["proposal_id"])
        units = proposal.impact_units
        allocated = session.scalar(select(func.sum(Allocation.amount)).where(
            Allocation.proposal_id == proposal.id))
        suppliers = {a.supplier.name for a in proposal.allocations if a.supplier}
        amounts = [a.amount for a in proposal.allocations]
    se = units["social_economy_spending"]

    def money(amount: Any) -> str:
        return re.sub(r"[\s\u00a0\u202f]+", " ",
                      impact_messages.money(amount, proposal.currency, lang))

    # The social economy spending before and after, in the locale's format.
    for amount in (se["before"], se["after"], proposal.total_value):
        assert money(amount) in text, money(amount)
    assert Decimal(se["before"]) != Decimal(se["after"])
    if lang == "fr":
        assert re.search(r"\d \d{3},\d\d \$", text)
    else:
        assert re.search(r"\$\d{1,3},\d{3}\.\d\d", text)
    hours = label("hours", lang)
    assert hours.split()[0] in text
    # Every allocation's amount is there, and they add up to what the database holds.
    assert sum(amounts) == allocated
    for amount in amounts:
        assert money(amount) in text, money(amount)
    # Nothing cut mid-word: names wrapped in table cells read whole once lines are joined.
    for name in suppliers:
        assert name in text, name
    for code in {lever["lever"] for lever in proposal.levers}:
        assert lever_label(code, lang) in text
    # Page numbers on every page; the allocations' header row on every page it spans.
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert label("page", lang, n=number, total=total) in page
    start = next(i for i, page in enumerate(pages) if label("sheet.allocations", lang) in page)
    for page in pages[start:]:
        assert f"{label('lot', lang)} {label('supplier', lang)}" in page
    assert " / " not in text.replace("N / A", "")


def test_ocds_classifies_social_economy_parties_and_states_the_lever(
        procure: Procure, demo: dict[str, Any], tmp_path: Path) -> None:
    import jsonschema_rs

    from procurement.exports.ocds import release_schema

    path = _export(procure, demo, "ocds", "fr", tmp_path)
    package = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema_rs.Draft4Validator(release_schema())
    classified = 0
    methods = set()
    for release in package["releases"]:
        assert [e.message for e in validator.iter_errors(release)] == []
        methods.add(release["tender"]["procurementMethod"])
        assert release["tender"]["procurementMethodRationale"]
        for party in release["parties"]:
            if "buyer" in party["roles"]:
                assert "details" not in party
                continue
            ids = {c["id"] for c in party["details"]["classifications"]}
            assert "social_economy" in ids
            classified += 1
    assert classified > 0 and methods <= {"open", "selective", "limited", "direct"}
    assert len(package["releases"]) == len(demo["levers"])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_review_sheet_holds_the_decisions_and_the_audit_events(
        session: Session, lang: str) -> None:
    org = make_org(session, "37067", "Trois-Rivières")
    buyer = make_user(session, org, "purchaser", name="Paul Acheteur")
    finance = make_user(session, org, "finance", name="Fanny Finances")
    supplier = make_supplier(session, "Coop de nettoyage", neq="1140000001")
    proposal = make_proposal(session, org, buyer, suppliers=[supplier])
    review.submit(session, actor_for(buyer), proposal.id, version=proposal.version)
    market = next(a for a in proposal.allocations if a.supplier_id is None)
    review.decide(session, actor_for(finance), proposal.id, decision="approved",
                  version=proposal.version, comment="Conforme au budget 2025",
                  allocation_decisions={market.id: "rejected"})
    book = load_workbook(io.BytesIO(exports.export_proposal(
        session, actor_for(finance), proposal.id, "xlsx", lang=lang).content))
    rows = [[c for c in row if c not in (None, "")]
            for row in book[label("sheet.review", lang)].iter_rows(values_only=True)]
    approved, rejected = (WORDS["status"][code][0 if lang == "fr" else 1]
                          for code in ("approved", "rejected"))
    assert [label("status", lang), approved] in rows
    assert [label("comment", lang), "Conforme au budget 2025"] in rows
    assert any(row[1:3] == [label("market", lang), rejected] for row in rows if len(row) > 2)
    assert any(row[1:3] == ["Coop de nettoyage", approved] for row in rows if len(row) > 2)
    actions = [row[2] for row in rows if len(row) > 4 and re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", str(row[0]))]
    words = {code: pair[0 if lang == "fr" else 1] for code, pair in WORDS["action"].items()}
    assert actions == [words["proposal.created"], words["proposal.submitted"],
                       words["proposal.approved"]]
    who = [row[1] for row in rows if len(row) > 4 and row[2] == words["proposal.approved"]]
    assert who == [finance.name] or who == [finance.email]


def test_the_csv_states_each_allocation_lever(procure: Procure, demo: dict[str, Any],
                                              tmp_path: Path) -> None:
    import csv

    path = _export(procure, demo, "csv", "fr", tmp_path)
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    lever_at = rows[0].index("Levier")
    names = {impact_messages.lever_name(code)
             for code in {lever["lever"] for lever in demo["levers"]}}
    assert {row[lever_at] for row in rows[1:]} == names
    english = _export(procure, demo, "csv", "en", tmp_path)
    rows = list(csv.reader(io.StringIO(english.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == [label(key, "en") for key in COLUMNS]
    lever_at = rows[0].index("Lever")
    assert {row[lever_at] for row in rows[1:]} == {
        lever_label(code, "en") for code in {lever["lever"] for lever in demo["levers"]}}
