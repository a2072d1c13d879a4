"""PDF summary of a proposal for a council file: KPIs, explanations, allocations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fpdf import FPDF

from procurement.exports.impact_pdf import write_impact
from procurement.exports.rows import ROUTE_LABELS, capability_cells
from procurement.models import Organization, Proposal

# The PDF core fonts cover Latin-1 (all of French); other characters get a close stand-in.
REPLACEMENTS = {"\u2014": "-", "\u2013": "-", "\u2192": "->", "\u2019": "'", "\u2018": "'",
                "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u2264": "<=", "\u2265": ">=",
                "\u202f": " ", "\u0153": "oe", "\u0152": "OE"}


def _latin1(text: Any) -> str:
    value = str(text)
    for old, new in REPLACEMENTS.items():
        value = value.replace(old, new)
    return value.encode("latin-1", "replace").decode("latin-1")


def _money(amount: Decimal | float | int) -> str:
    return f"{Decimal(str(amount)):,.2f} $".replace(",", " ")


def _share(value: Any) -> str:
    return f"{float(value or 0) * 100:.1f} %"


def _paragraph(pdf: FPDF, height: float, text: str) -> None:
    """Write wrapped text across the page and return to the left margin."""
    pdf.multi_cell(0, height, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def proposal_pdf(proposal: Proposal, org: Organization) -> bytes:
    """Render the proposal as a PDF document (bytes)."""
    pdf = FPDF(orientation="P", unit="mm", format="Letter")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_latin1(f"Proposition {proposal.id} - {org.name}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    _paragraph(pdf, 8, f"Proposition #{proposal.id} - {org.name} ({org.code})")
    pdf.set_font("Helvetica", "", 10)
    kpis = proposal.kpis
    # French first: the French formula and explanations when the proposal has them.
    formula = kpis.get("formula_fr") or proposal.formula
    lines = [
        f"Statut / Status: {proposal.status}   Solveur / Solver: {proposal.solver} "
        f"({proposal.mode}) - {proposal.solver_status}",
        f"Valeur totale / Total value: {_money(proposal.total_value)} {proposal.currency}",
        f"Part à l'économie sociale / Social economy share: "
        f"{_share(kpis.get('social_economy_share_before'))} -> "
        f"{_share(kpis.get('social_economy_share_after'))}",
        f"Part locale / Local share: {_share(kpis.get('local_share_before'))} -> "
        f"{_share(kpis.get('local_share_after'))}",
        f"Écart de coût / Cost difference: "
        f"{_money(Decimal(int(kpis.get('cost_difference_cents') or 0)) / 100)}",
        f"Formule d'impact / Impact formula: {formula}",
    ]
    for line in lines:
        _paragraph(pdf, 5.5, line)
    write_impact(lambda text: _paragraph(pdf, 5.5, text), proposal)
    if proposal.binding or proposal.infeasibility:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, _latin1("Pourquoi cette proposition / Why this proposal"),
                 new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        for item in [*proposal.binding, *proposal.infeasibility]:
            text = item.get("explanation_fr") or item.get("explanation")
            _paragraph(pdf, 5, f"- {text}")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Allocations", new_x="LMARGIN", new_y="NEXT")
    widths = (40, 52, 26, 40, 38)
    pdf.set_font("Helvetica", "B", 8)
    for width, title in zip(widths, ("Lot", "Fournisseur / Supplier", "Montant / Amount",
                                     "Voie / Route", "Preuve / Evidence"), strict=True):
        pdf.cell(width, 6, _latin1(title), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    for alloc in sorted(proposal.allocations, key=lambda a: (a.lot.key, a.id)):
        supplier = alloc.supplier.name if alloc.supplier else "Marché / market"
        evidence, confirmed_by, confirmed_on = capability_cells(alloc)
        if confirmed_by:
            evidence = f"{confirmed_by}, {confirmed_on}"
        cells = (alloc.lot.key[:30], supplier[:34], _money(alloc.amount),
                 ROUTE_LABELS.get(alloc.route, alloc.route)[:26],
                 evidence.split(" / ")[0][:26])
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 5, _latin1(value), border=1)
        pdf.ln()
    return bytes(pdf.output())
