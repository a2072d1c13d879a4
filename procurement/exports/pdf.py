"""PDF summary of a proposal for a council file, in one language (French or English).

The impact in units before and after, a chart of the social economy share by category,
the levers and the allocations; tables wrap words (never cut one), repeat their header
row on every page, and every page carries its number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode

from procurement.exports.impact_pdf import impact_lines, impact_rows, money_text, share_text
from procurement.exports.impact_sheets import formula_text, lever_label
from procurement.exports.labels import (
    Gettext,
    category_label,
    check_lang,
    explanation_text,
    label,
    lot_label,
    word,
)
from procurement.models import Organization, Proposal

# The PDF core fonts cover Latin-1 (all of French); other characters get a close stand-in.
REPLACEMENTS = {"\u2014": "-", "\u2013": "-", "\u2192": "->", "\u2019": "'", "\u2018": "'",
                "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u2264": "<=", "\u2265": ">=",
                "\u202f": " ", "\u0153": "oe", "\u0152": "OE", "\u00d7": "x"}
BAR_BEFORE = (170, 170, 170)
BAR_AFTER = (46, 125, 50)


def _latin1(text: Any) -> str:
    value = str(text)
    for old, new in REPLACEMENTS.items():
        value = value.replace(old, new)
    return value.encode("latin-1", "replace").decode("latin-1")


class _Document(FPDF):
    """A Letter page with its number at the foot: "Page 2 of 5"."""

    def __init__(self, lang: str) -> None:
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.lang = lang

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, _latin1(label("page", self.lang, n=self.page_no(), total="{nb}")),
                  align="C")


def _paragraph(pdf: FPDF, height: float, text: str) -> None:
    """Write wrapped text across the page and return to the left margin."""
    pdf.multi_cell(0, height, _latin1(text), new_x="LMARGIN", new_y="NEXT",
                   wrapmode=WrapMode.WORD)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    _paragraph(pdf, 7, text)
    pdf.set_font("Helvetica", "", 9)


def _table(pdf: FPDF, widths: Sequence[float], header: Sequence[str],
           rows: Sequence[Sequence[str]], aligns: Sequence[str] = ()) -> None:
    """A table whose header row repeats on every page and whose cells wrap by word."""
    pdf.set_font("Helvetica", "", 8)
    with pdf.table(col_widths=tuple(widths), width=sum(widths), align="LEFT",
                   text_align="LEFT", repeat_headings=1, line_height=4.2,
                   wrapmode=WrapMode.WORD) as table:
        row = table.row()
        for title in header:
            row.cell(_latin1(title))
        for values in rows:
            row = table.row()
            for index, value in enumerate(values):
                row.cell(_latin1(value), align=aligns[index] if index < len(aligns) else None)
    pdf.set_font("Helvetica", "", 9)


def _share_chart(pdf: FPDF, proposal: Proposal, lang: str) -> None:
    """Bars of the social economy share, before and after, overall and by category."""
    units = proposal.impact_units or {}
    se = units.get("social_economy_spending") or {}
    bars = [(label("total", lang), se.get("share_before"), se.get("share_after"))]
    for code, item in sorted((units.get("by_category") or {}).items(),
                             key=lambda pair: category_label(pair[0], lang)):
        share = item["social_economy_spending"]
        bars.append((category_label(code, lang), share["share_before"], share["share_after"]))
    if se.get("share_before") is None:
        return
    _heading(pdf, label("chart.category", lang))
    left, name_width, bar_width, height = pdf.l_margin, 70.0, 90.0, 3.2
    pdf.set_font("Helvetica", "", 7)
    for name, before, after in bars:
        if pdf.will_page_break(2 * height + 2):
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_xy(left, y)
        # Two lines at most, wrapped between words.
        pdf.multi_cell(name_width - 2, height, _latin1(name), wrapmode=WrapMode.WORD,
                       max_line_height=height)
        for offset, value, colour in ((0.0, before, BAR_BEFORE), (height, after, BAR_AFTER)):
            pdf.set_fill_color(*colour)
            pdf.rect(left + name_width, y + offset, max(bar_width * float(value or 0), 0.3),
                     height - 0.4, style="F")
            pdf.set_xy(left + name_width + bar_width + 2, y + offset)
            pdf.cell(25, height, _latin1(share_text(value, lang)))
        pdf.set_y(y + 2 * height + 1.5)
    pdf.set_fill_color(*BAR_BEFORE)
    pdf.rect(left + name_width, pdf.get_y() + 0.5, 4, 2.5, style="F")
    pdf.set_xy(left + name_width + 5, pdf.get_y())
    pdf.cell(20, 3.5, _latin1(label("before", lang)))
    pdf.set_fill_color(*BAR_AFTER)
    pdf.rect(pdf.get_x() + 2, pdf.get_y() + 0.5, 4, 2.5, style="F")
    pdf.set_x(pdf.get_x() + 7)
    pdf.cell(20, 3.5, _latin1(label("after", lang)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)


def proposal_pdf(proposal: Proposal, org: Organization, *, lang: str = "fr",
                 gettext: Gettext | None = None) -> bytes:
    """Render the proposal as a PDF document (bytes) in one language (fr or en)."""
    lang = check_lang(lang)
    pdf = _Document(lang)
    pdf.set_auto_page_break(auto=True, margin=18)
    title = label("title", lang, id=proposal.id, org=f"{org.name} ({org.code})")
    pdf.set_title(_latin1(title))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    _paragraph(pdf, 8, title)
    pdf.set_font("Helvetica", "", 10)
    kpis = proposal.kpis or {}
    lines = [
        f"{label('status', lang)}: {word('status', proposal.status, lang)}; "
        f"{label('solver', lang)}: {proposal.solver}, "
        f"{word('solver_status', proposal.solver_status, lang)}",
        f"{label('total_value', lang)}: "
        f"{money_text(proposal.total_value, proposal.currency, lang)}",
        f"{label('se_share', lang)}: {share_text(kpis.get('social_economy_share_before'), lang)}"
        f" -> {share_text(kpis.get('social_economy_share_after'), lang)}",
        f"{label('local_share', lang)}: {share_text(kpis.get('local_share_before'), lang)}"
        f" -> {share_text(kpis.get('local_share_after'), lang)}",
        f"{label('formula', lang)}: {formula_text(proposal, lang)}",
    ]
    if proposal.fiscal_year:
        lines.insert(0, label("fiscal_year", lang, year=proposal.fiscal_year))
    for line in lines:
        _paragraph(pdf, 5.5, line)
    rows = impact_rows(proposal, lang)
    if rows:
        _heading(pdf, label("sheet.units", lang))
        _table(pdf, (80, 53, 53), (label("measure", lang), label("before", lang),
                                   label("after", lang)), rows, ("LEFT", "RIGHT", "RIGHT"))
        _share_chart(pdf, proposal, lang)
        for line in impact_lines(proposal, lang, gettext)[len(rows):]:
            _paragraph(pdf, 5, line)
    if proposal.levers:
        _heading(pdf, label("sheet.levers", lang))
        counts = Counter(lever["lever"] for lever in proposal.levers)
        _table(pdf, (150, 36), (label("lever", lang), label("lots", lang)),
               [(lever_label(code, lang), str(n)) for code, n in sorted(counts.items())],
               ("LEFT", "RIGHT"))
    explanations = [*proposal.binding, *proposal.infeasibility]
    if explanations:
        _heading(pdf, label("sheet.why", lang))
        for item in explanations:
            text = explanation_text(item, proposal.currency, lang, gettext)
            _paragraph(pdf, 5, f"- {text}")
    _heading(pdf, label("sheet.allocations", lang))
    levers = {lever["lot"]: lever["lever"] for lever in proposal.levers or []}
    table = []
    for alloc in sorted(proposal.allocations, key=lambda a: (a.lot.key, a.id)):
        lot = alloc.lot
        table.append((
            lot_label(lot.key, lot.category_code, lang),
            alloc.supplier.name if alloc.supplier else label("market", lang),
            money_text(alloc.amount, proposal.currency, lang),
            lever_label(levers[lot.key], lang) if lot.key in levers
            else word("route", alloc.route, lang),
            word("evidence", alloc.capability_evidence, lang) if alloc.supplier else ""))
    _table(pdf, (44, 46, 28, 44, 28),
           (label("lot", lang), label("supplier", lang), label("amount", lang),
            label("lever", lang), label("evidence", lang)), table,
           ("LEFT", "LEFT", "RIGHT", "LEFT", "LEFT"))
    return bytes(pdf.output())
