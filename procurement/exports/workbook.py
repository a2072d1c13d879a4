"""Excel export of a proposal: summary, allocations, binding constraints, with native charts."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from procurement.exports.cells import append_row
from procurement.exports.impact_sheets import add_impact_sheets
from procurement.exports.rows import HEADERS, allocation_rows
from procurement.models import ImportBatch, Organization, Proposal
from procurement.targets import YearShare

MONEY_FORMAT = '#,##0.00 "$"'


def _autosize(sheet: Any) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        width = max((len(str(cell.value)) for cell in column if cell.value is not None),
                    default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 60)


def proposal_workbook(proposal: Proposal, org: Organization, *,
                      years: Sequence[YearShare] = (),
                      imports: Sequence[ImportBatch] = ()) -> bytes:
    """Render the proposal as an .xlsx file (bytes)."""
    book = Workbook()
    summary = book.active
    summary.title = "Synthèse"
    append_row(summary, [f"Proposition #{proposal.id} — {org.name} ({org.code})"])
    summary["A1"].font = Font(bold=True, size=14)
    append_row(summary, ["Statut / Status", proposal.status])
    append_row(summary, ["Résultat du solveur / Solver status", proposal.solver_status])
    append_row(summary, ["Valeur totale / Total value", proposal.total_value])
    # French first: the French formula and explanations when the proposal has them.
    formula = proposal.kpis.get("formula_fr") or proposal.formula
    append_row(summary, ["Formule d'impact / Impact formula", formula])
    append_row(summary, [])
    append_row(summary, ["Indicateur / Indicator", "Valeur / Value"])
    for key, value in sorted(proposal.kpis.items()):
        if key != "formula_fr" and isinstance(value, int | float | str):
            append_row(summary, [key, value])
    summary["B4"].number_format = MONEY_FORMAT

    share_keys = [("Avant / Before", "social_economy_share_before"),
                  ("Après / After", "social_economy_share_after")]
    append_row(summary, [])
    append_row(summary, ["Part à l'économie sociale / Social economy share", "Part / Share"])
    chart_start = summary.max_row + 1
    for label, key in share_keys:
        append_row(summary, [label, float(proposal.kpis.get(key) or 0)])
        summary.cell(summary.max_row, 2).number_format = "0.0%"
    chart = BarChart()
    chart.title = "Part des dépenses à l'économie sociale"
    chart.y_axis.title = "Part / Share"
    chart.y_axis.numFmt = "0%"
    data = Reference(summary, min_col=2, min_row=chart_start - 1, max_row=chart_start + 1)
    labels = Reference(summary, min_col=1, min_row=chart_start, max_row=chart_start + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(labels)
    summary.add_chart(chart, "D2")

    sheet = book.create_sheet("Allocations")
    append_row(sheet, HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in allocation_rows(proposal):
        append_row(sheet, row)
        sheet.cell(sheet.max_row, 3).number_format = MONEY_FORMAT
        sheet.cell(sheet.max_row, 7).number_format = MONEY_FORMAT
    sheet.freeze_panes = "A2"

    by_route: dict[str, float] = {}
    for alloc in proposal.allocations:
        name = "Économie sociale" if alloc.supplier_id else "Marché / appel d'offres"
        by_route[name] = by_route.get(name, 0.0) + float(alloc.amount)
    routes = book.create_sheet("Répartition")
    append_row(routes, ["Destination", "Montant / Amount"])
    for name, amount in sorted(by_route.items()):
        append_row(routes, [name, round(amount, 2)])
        routes.cell(routes.max_row, 2).number_format = MONEY_FORMAT
    bar = BarChart()
    bar.title = "Montants proposés / Proposed amounts"
    bar.add_data(Reference(routes, min_col=2, min_row=1, max_row=routes.max_row),
                 titles_from_data=True)
    bar.set_categories(Reference(routes, min_col=1, min_row=2, max_row=routes.max_row))
    routes.add_chart(bar, "D2")

    why = book.create_sheet("Contraintes")
    append_row(why, ["Contrainte / Constraint", "Explication / Explanation"])
    for item in [*proposal.binding, *proposal.infeasibility]:
        append_row(why, [item.get("constraint"),
                    item.get("explanation_fr") or item.get("explanation")])
    for ws in (summary, sheet, routes, why):
        _autosize(ws)
    add_impact_sheets(book, proposal, org, years=years, imports=imports)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
