"""Excel export of a proposal a council can read, in one language (French or English).

Sheets: Summary (impact in units before/after), Impact in units, By category, By
supplier (with NEQ), By department, Allocations (with lever and capability evidence),
Levers, By year, Method, Review and audit, Why. Native charts; money as currency,
shares as percentages; labels are words, never stored codes or cents.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from procurement.exports.cells import append_row
from procurement.exports.impact_sheets import (
    SHARE_FORMAT,
    add_closing_sheets,
    add_impact_sheets,
    bold,
    formats,
    formula_text,
    levers_sheet,
    measure_rows,
    money_format,
    widths,
)
from procurement.exports.labels import (
    Gettext,
    check_lang,
    explanation_text,
    label,
    lot_label,
    word,
)
from procurement.exports.rows import allocation_rows, headers
from procurement.models import AuditEvent, ImportBatch, Organization, Proposal
from procurement.targets import YearShare


@dataclass(frozen=True)
class DepartmentSpend:
    """The spending of one department over the proposal's period."""

    department: str | None
    lines: int
    total: Decimal
    social_economy: Decimal


def _identity(text: str) -> str:
    return text


def _summary(book: Workbook, proposal: Proposal, org: Organization, lang: str) -> None:
    money = money_format(proposal.currency)
    sheet = book.active
    sheet.title = label("sheet.summary", lang)
    append_row(sheet, [label("title", lang, id=proposal.id, org=f"{org.name} ({org.code})")])
    sheet["A1"].font = Font(bold=True, size=14)
    if proposal.fiscal_year:
        append_row(sheet, [label("fiscal_year", lang, year=proposal.fiscal_year)])
    append_row(sheet, [label("status", lang), word("status", proposal.status, lang)])
    append_row(sheet, [label("solver_status", lang),
                       word("solver_status", proposal.solver_status, lang)])
    append_row(sheet, [label("total_value", lang), proposal.total_value])
    formats(sheet, sheet.max_row, money, 2)
    cost = (proposal.kpis or {}).get("cost_difference_cents")
    if cost is not None:
        append_row(sheet, [label("cost_difference", lang), Decimal(int(cost)) / 100])
        formats(sheet, sheet.max_row, money, 2)
    append_row(sheet, [label("lots", lang), len(proposal.lots)])
    append_row(sheet, [label("formula", lang), formula_text(proposal, lang)])
    append_row(sheet, [])
    measure_rows(sheet, proposal, lang)
    append_row(sheet, [])
    kpis = proposal.kpis or {}
    append_row(sheet, [label("share", lang), label("before", lang), label("after", lang)])
    bold(sheet, sheet.max_row)
    header = sheet.max_row
    for key, name in (("social_economy_share", "se_share"), ("local_share", "local_share")):
        append_row(sheet, [label(name, lang), float(kpis.get(f"{key}_before") or 0),
                           float(kpis.get(f"{key}_after") or 0)])
        formats(sheet, sheet.max_row, SHARE_FORMAT, 2, 3)
    chart = BarChart()
    chart.title = label("chart.se_share", lang)
    chart.y_axis.numFmt = "0%"
    chart.add_data(Reference(sheet, min_col=2, max_col=3, min_row=header, max_row=header + 2),
                   titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=header + 2))
    sheet.add_chart(chart, "H2")
    widths(sheet, (52, 18, 18, 12, 14, 14))


def _suppliers(book: Workbook, proposal: Proposal, lang: str) -> None:
    money = money_format(proposal.currency)
    sheet = book.create_sheet(label("sheet.supplier", lang))
    append_row(sheet, [label("supplier", lang), label("neq", lang), label("municipality", lang),
                       label("work_integration", lang), label("lot_count", lang),
                       label("amount", lang), label("share", lang)])
    bold(sheet)
    totals: dict[int | None, list[Any]] = {}
    for alloc in proposal.allocations:
        entry = totals.setdefault(alloc.supplier_id, [alloc.supplier, set(), Decimal(0)])
        entry[1].add(alloc.lot_id)
        entry[2] += Decimal(alloc.amount)
    grand = sum((entry[2] for entry in totals.values()), Decimal(0))
    named = sorted((e for k, e in totals.items() if k is not None),
                   key=lambda e: (-e[2], e[0].name))
    for supplier, lots, amount in named:
        append_row(sheet, [supplier.name, supplier.neq or "", supplier.municipality or "",
                           label("yes" if supplier.work_integration else "no", lang),
                           len(lots), amount, float(amount / grand) if grand else 0.0])
        formats(sheet, sheet.max_row, money, 6)
        formats(sheet, sheet.max_row, SHARE_FORMAT, 7)
    last_named = sheet.max_row
    if None in totals:
        _, lots, amount = totals[None]
        append_row(sheet, [label("market", lang), "", "", "", len(lots), amount,
                           float(amount / grand) if grand else 0.0])
        formats(sheet, sheet.max_row, money, 6)
        formats(sheet, sheet.max_row, SHARE_FORMAT, 7)
    append_row(sheet, [label("total", lang), "", "", "", len(proposal.lots), grand, 1.0])
    bold(sheet, sheet.max_row)
    formats(sheet, sheet.max_row, money, 6)
    formats(sheet, sheet.max_row, SHARE_FORMAT, 7)
    if last_named > 1:
        chart = BarChart()
        chart.type = "bar"
        chart.title = label("chart.supplier", lang)
        chart.add_data(Reference(sheet, min_col=6, min_row=1, max_row=last_named),
                       titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=last_named))
        chart.width, chart.height = 22, 12
        sheet.add_chart(chart, "I2")
    sheet.freeze_panes = "A2"
    widths(sheet, (48, 14, 24, 16, 10, 18, 10))


def _departments(book: Workbook, proposal: Proposal, rows: Sequence[DepartmentSpend],
                 lang: str) -> None:
    money = money_format(proposal.currency)
    sheet = book.create_sheet(label("sheet.department", lang))
    append_row(sheet, [label("department", lang), label("lines", lang), label("spending", lang),
                       label("se_spending", lang), label("share", lang)])
    bold(sheet)
    for row in sorted(rows, key=lambda r: (-r.total, r.department or "")):
        append_row(sheet, [row.department or label("no_department", lang), row.lines,
                           row.total, row.social_economy,
                           float(row.social_economy / row.total) if row.total else 0.0])
        formats(sheet, sheet.max_row, money, 3, 4)
        formats(sheet, sheet.max_row, SHARE_FORMAT, 5)
    total = sum((r.total for r in rows), Decimal(0))
    se = sum((r.social_economy for r in rows), Decimal(0))
    append_row(sheet, [label("total", lang), sum(r.lines for r in rows), total, se,
                       float(se / total) if total else 0.0])
    bold(sheet, sheet.max_row)
    formats(sheet, sheet.max_row, money, 3, 4)
    formats(sheet, sheet.max_row, SHARE_FORMAT, 5)
    sheet.freeze_panes = "A2"
    widths(sheet, (44, 10, 18, 22, 10))


def _allocations(book: Workbook, proposal: Proposal, lang: str) -> None:
    money = money_format(proposal.currency)
    sheet = book.create_sheet(label("sheet.allocations", lang))
    append_row(sheet, headers(lang))
    bold(sheet)
    rows = allocation_rows(proposal, lang)
    for row in rows:
        append_row(sheet, row)
        formats(sheet, sheet.max_row, money, 3, 7)
        formats(sheet, sheet.max_row, "0.0000", 10)
    append_row(sheet, [label("total", lang), "", None, "", "", "",
                       sum((Decimal(a.amount) for a in proposal.allocations), Decimal(0))])
    bold(sheet, sheet.max_row)
    formats(sheet, sheet.max_row, money, 7)
    sheet.freeze_panes = "A2"
    widths(sheet, (44, 36, 16, 20, 40, 14, 16, 30, 40, 12, 14, 28, 20, 14))


def _describe(event: AuditEvent, lang: str) -> str:
    after = event.after or {}
    parts = []
    if "status" in after:
        parts.append(f"{label('status', lang)}: {word('status', after['status'], lang)}")
    if after.get("comment"):
        parts.append(f"{label('comment', lang)}: {after['comment']}")
    if "format" in after:
        parts.append(str(after["format"]).upper())
    return "; ".join(parts)


def _review(book: Workbook, proposal: Proposal, audit: Sequence[AuditEvent],
            lang: str) -> None:
    sheet = book.create_sheet(label("sheet.review", lang))
    append_row(sheet, [label("review", lang)])
    sheet["A1"].font = Font(bold=True, size=13)
    append_row(sheet, [label("status", lang), word("status", proposal.status, lang)])
    append_row(sheet, [label("submitted_at", lang), proposal.submitted_at.strftime(
        "%Y-%m-%d %H:%M") if proposal.submitted_at else ""])
    append_row(sheet, [label("decided_at", lang), proposal.decided_at.strftime(
        "%Y-%m-%d %H:%M") if proposal.decided_at else ""])
    append_row(sheet, [label("comment", lang), proposal.decision_comment or ""])
    append_row(sheet, [])
    append_row(sheet, [label("lot", lang), label("supplier", lang), label("decision", lang),
                       label("comment", lang)])
    bold(sheet, sheet.max_row)
    for alloc in sorted(proposal.allocations, key=lambda a: (a.lot.key, a.id)):
        append_row(sheet, [lot_label(alloc.lot.key, alloc.lot.category_code, lang),
                           alloc.supplier.name if alloc.supplier else label("market", lang),
                           word("status", alloc.decision, lang), alloc.comment or ""])
    append_row(sheet, [])
    append_row(sheet, [label("audit", lang)])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
    append_row(sheet, [label("when", lang), label("who", lang), label("what", lang),
                       label("details", lang), label("fingerprint", lang)])
    bold(sheet, sheet.max_row)
    for event in audit:
        append_row(sheet, [event.created_at.strftime("%Y-%m-%d %H:%M:%S"), event.actor,
                           word("action", event.action, lang), _describe(event, lang),
                           event.hash])
    widths(sheet, (44, 40, 30, 50, 68))


def _why(book: Workbook, proposal: Proposal, lang: str, gettext: Gettext) -> None:
    items = [*proposal.binding, *proposal.infeasibility]
    if not items:
        return
    sheet = book.create_sheet(label("sheet.why", lang))
    append_row(sheet, [label("explanation", lang)])
    bold(sheet)
    for item in items:
        append_row(sheet, [explanation_text(item, proposal.currency, lang, gettext)])
    widths(sheet, (120,))


def proposal_workbook(proposal: Proposal, org: Organization, *,
                      years: Sequence[YearShare] = (),
                      imports: Sequence[ImportBatch] = (),
                      departments: Sequence[DepartmentSpend] = (),
                      audit: Sequence[AuditEvent] = (),
                      lang: str = "fr", gettext: Gettext | None = None) -> bytes:
    """Render the proposal as an .xlsx file (bytes) in one language (fr or en).

    `gettext` renders the domain's stored reasons and warnings (French msgids) in `lang`.
    """
    lang = check_lang(lang)
    translate = gettext or _identity
    book = Workbook()
    _summary(book, proposal, org, lang)
    add_impact_sheets(book, proposal, lang)
    _suppliers(book, proposal, lang)
    _departments(book, proposal, departments, lang)
    _allocations(book, proposal, lang)
    if proposal.levers:
        levers_sheet(book, proposal, lang, translate)
    add_closing_sheets(book, proposal, org, years=years, imports=imports, lang=lang,
                       gettext=translate)
    _review(book, proposal, audit, lang)
    _why(book, proposal, lang, translate)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
