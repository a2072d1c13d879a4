"""Workbook sheets a council can read: impact in units, by category, levers, years, method.

Added to the proposal workbook by `add_impact_sheets`. Money cells carry a currency
format, shares a percentage format; labels are words in one language, never codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from procurement import impact_messages as words
from procurement.exports.cells import append_row
from procurement.exports.labels import (
    Gettext,
    category_label,
    label,
    lot_label,
    unit_name,
    word,
)
from procurement.impact_units import MONEY_MEASURES, method_rows
from procurement.models import ImportBatch, Organization, Proposal
from procurement.targets import YearShare

SHARE_FORMAT = "0.0%"
NUMBER_FORMAT = "#,##0.0"
CURRENCY_FORMATS = {"CAD": '#,##0.00 "$"', "EUR": '#,##0.00 "€"', "GBP": '"£"#,##0.00'}
SUMMARY_MEASURES = ("social_economy_spending", "municipality_spending", "local_spending",
                    "region_spending", "democratic_spending", "reuse_recycling_spending",
                    "work_integration_spending", "work_integration_hours", "jobs_fte_years",
                    "social_value")
MEASURES_EN = {
    "total_spending": "Total spending",
    "social_economy_spending": "Social economy spending",
    "municipality_spending": "Spending kept in the municipality",
    "local_spending": "Spending kept in the MRC",
    "region_spending": "Spending kept in the region",
    "democratic_spending": "Spending to co-operatives and non-profits",
    "reuse_recycling_spending": "Spending to re-use and recycling",
    "work_integration_spending": "Spending to work-integration enterprises",
    "work_integration_hours": "Work-integration hours",
    "jobs_fte_years": "Work-integration jobs (FTE-years)",
    "social_value": "Monetised social value",
}
LEVERS_EN = {"direct_award": "Direct award to a confirmed social economy supplier",
             "invitation": "Written invitation naming social economy suppliers",
             "reserved_contract": "Reserved contract or reserved lot",
             "tender_social_clause": "Public tender with a social clause",
             "none": "No lever: not enough capable suppliers"}
COEFFICIENTS_EN = {"insertion_rate": "Insertion rate", "hourly_cost_eur": "Loaded hourly cost (€)",
                   "fte_month_cost_eur": "Cost of one FTE-month of insertion work (€)",
                   "eur_rate": "Euro conversion into the profile's currency",
                   "labour_share": "Labour share"}


def money_format(currency: str) -> str:
    """Return the currency number format of a proposal's currency."""
    return CURRENCY_FORMATS.get(currency, CURRENCY_FORMATS["CAD"])


def formula_text(proposal: Proposal, lang: str) -> str:
    """Return the impact formula in the language, its score names as words."""
    formula = ((proposal.kpis or {}).get("formula_fr") if lang == "fr" else None) \
        or proposal.formula or ""
    return str(formula).replace("_", " ")


def measure_label(measure: str, lang: str) -> str:
    """Return an impact measure's name in the language."""
    return words.measure_name(measure) if lang == "fr" else MEASURES_EN.get(measure, measure)


def lever_label(code: str, lang: str) -> str:
    """Return a lever's name in the language."""
    return words.lever_name(code) if lang == "fr" else LEVERS_EN.get(code, code)


def is_money_measure(measure: str) -> bool:
    """Tell whether a measure is an amount of money (not hours or FTE-years)."""
    return measure in MONEY_MEASURES or measure == "social_value"


def bold(sheet: Any, row: int = 1) -> None:
    """Make one row of a sheet bold (its header)."""
    for cell in sheet[row]:
        cell.font = Font(bold=True)


def widths(sheet: Any, sizes: Sequence[int]) -> None:
    """Set the column widths of a sheet."""
    for index, width in enumerate(sizes, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def formats(sheet: Any, row: int, fmt: str, *columns: int) -> None:
    """Give cells of one row a number format."""
    for column in columns:
        sheet.cell(row, column).number_format = fmt


def _value(item: dict[str, Any], key: str) -> Any:
    value = item[key]
    return Decimal(value) if isinstance(value, str) else value


def measure_rows(sheet: Any, proposal: Proposal, lang: str) -> list[int]:
    """Append a header and one row per measure (before, after, unit, shares); return rows."""
    money = money_format(proposal.currency)
    units = proposal.impact_units or {}
    append_row(sheet, [label("measure", lang), label("before", lang), label("after", lang),
                       label("unit", lang), label("share_before", lang),
                       label("share_after", lang)])
    bold(sheet, sheet.max_row)
    rows = []
    for measure in ("total_spending", *SUMMARY_MEASURES):
        item = units.get(measure)
        if not item:
            continue
        is_money = is_money_measure(measure)
        append_row(sheet, [measure_label(measure, lang), _value(item, "before"),
                           _value(item, "after"),
                           proposal.currency if is_money else unit_name(item["unit"], lang),
                           item.get("share_before"), item.get("share_after")])
        row = sheet.max_row
        formats(sheet, row, money if is_money else NUMBER_FORMAT, 2, 3)
        for column in (5, 6):
            if sheet.cell(row, column).value is not None:
                sheet.cell(row, column).number_format = SHARE_FORMAT
        rows.append(row)
    return rows


def _units_sheet(book: Workbook, proposal: Proposal, lang: str) -> None:
    sheet = book.create_sheet(label("sheet.units", lang))
    year = (f" — {label('fiscal_year', lang, year=proposal.fiscal_year)}"
            if proposal.fiscal_year else "")
    append_row(sheet, [f"{label('sheet.units', lang)}{year}"])
    sheet["A1"].font = Font(bold=True, size=13)
    rows = measure_rows(sheet, proposal, lang)
    money = money_format(proposal.currency)
    # Chart of the money measures but the total, before and after (impact by unit).
    money_rows = [r for r in rows[1:] if sheet.cell(r, 2).number_format == money]
    if money_rows:
        chart = BarChart()
        chart.title = label("chart.units", lang)
        chart.y_axis.numFmt = "#,##0"
        chart.add_data(Reference(sheet, min_col=2, max_col=3, min_row=2,
                                 max_row=max(money_rows)), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=3, max_row=max(money_rows)))
        chart.width, chart.height = 24, 10
        sheet.add_chart(chart, "H2")
    widths(sheet, (52, 18, 18, 12, 14, 14))


def _category_sheet(book: Workbook, proposal: Proposal, lang: str) -> None:
    money = money_format(proposal.currency)
    sheet = book.create_sheet(label("sheet.category", lang))
    append_row(sheet, [label("category", lang), label("spending", lang),
                       label("se_before", lang), label("se_after", lang),
                       label("share_before", lang), label("share_after", lang),
                       label("hours_after", lang)])
    bold(sheet)
    by_category = proposal.impact_units.get("by_category", {})
    for code, units in sorted(by_category.items(),
                              key=lambda item: category_label(item[0], lang)):
        se = units["social_economy_spending"]
        append_row(sheet, [category_label(code, lang), Decimal(units["total_spending"]["after"]),
                           Decimal(se["before"]), Decimal(se["after"]), se["share_before"],
                           se["share_after"], units["work_integration_hours"]["after"]])
        row = sheet.max_row
        formats(sheet, row, money, 2, 3, 4)
        formats(sheet, row, SHARE_FORMAT, 5, 6)
        formats(sheet, row, NUMBER_FORMAT, 7)
    if sheet.max_row > 1:
        chart = BarChart()
        chart.title = label("chart.category", lang)
        chart.y_axis.numFmt = "#,##0"
        chart.add_data(Reference(sheet, min_col=3, max_col=4, min_row=1, max_row=sheet.max_row),
                       titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=sheet.max_row))
        chart.width, chart.height = 26, 12
        sheet.add_chart(chart, "I2")
    widths(sheet, (48, 18, 20, 20, 12, 12, 16))


def levers_sheet(book: Workbook, proposal: Proposal, lang: str, gettext: Gettext) -> None:
    """Add the sheet of one lever per lot, with its reason in words."""
    money = money_format(proposal.currency)
    sheet = book.create_sheet(label("sheet.levers", lang))
    append_row(sheet, [label("lot", lang), label("lot_value", lang), label("band", lang),
                       label("lever", lang), label("why", lang),
                       label("named_suppliers", lang), label("dependency", lang)])
    bold(sheet)
    lots = {lot.key: lot for lot in proposal.lots}
    for lever in proposal.levers:
        lot = lots.get(lever["lot"])
        names = ", ".join(s["name"] for s in lever.get("suppliers", []))
        risky = ", ".join(lever.get("params", {}).get("dependency_risk") or [])
        append_row(sheet, [
            lot_label(lever["lot"], lot.category_code if lot else "", lang),
            lot.value if lot else None, word("band", lot.band, lang) if lot else "",
            lever_label(lever["lever"], lang),
            words.render_lever_reason(lever, proposal.currency, lang, gettext), names, risky])
        sheet.cell(sheet.max_row, 2).number_format = money
    widths(sheet, (44, 16, 22, 40, 90, 60, 30))


def _years_sheet(book: Workbook, org: Organization, years: Sequence[YearShare],
                 money: str, lang: str) -> None:
    sheet = book.create_sheet(label("sheet.years", lang))
    append_row(sheet, [label("year", lang), label("spending", lang), label("se", lang),
                       label("share", lang), label("target", lang)])
    bold(sheet)
    for year in years:
        append_row(sheet, [str(year.year), year.total, year.social_economy, year.share,
                           year.target_share])
        row = sheet.max_row
        formats(sheet, row, money, 2, 3)
        formats(sheet, row, SHARE_FORMAT, 4, 5)
    if years:
        chart = LineChart()
        chart.title = label("chart.years", lang)
        chart.y_axis.numFmt = "0%"
        chart.add_data(Reference(sheet, min_col=4, max_col=5, min_row=1, max_row=sheet.max_row),
                       titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=sheet.max_row))
        sheet.add_chart(chart, "G2")
    if org.se_target_share is not None:
        append_row(sheet, [])
        append_row(sheet, [label("council_target", lang), None, None, org.se_target_share,
                           f"{org.se_target_year}" if org.se_target_year else None])
        sheet.cell(sheet.max_row, 4).number_format = SHARE_FORMAT
    widths(sheet, (22, 18, 22, 12, 12))


def _coefficient_label(name: str, lang: str) -> str:
    if name.startswith("labour_share:"):
        code = name.split(":", 1)[1]
        what = label("default", lang) if code == "default" else category_label(code, lang)
        return f"{label('labour_share', lang)} — {what}"
    if name.startswith("proxy:"):
        return f"{label('proxy', lang)} — {name[6:]}"
    if lang == "fr":
        return str(words.COEFFICIENTS.get(name, name))
    return COEFFICIENTS_EN.get(name, name)


def _method_sheet(book: Workbook, proposal: Proposal, imports: Sequence[ImportBatch],
                  lang: str, gettext: Gettext) -> None:
    sheet = book.create_sheet(label("sheet.method", lang))
    regulatory = proposal.regulatory or {}
    append_row(sheet, [label("method", lang)])
    sheet["A1"].font = Font(bold=True, size=13)
    append_row(sheet, [label("hours", lang), label("hours_formula", lang)])
    append_row(sheet, [label("jobs", lang), label("jobs_formula", lang)])
    append_row(sheet, [label("formula", lang), formula_text(proposal, lang)])
    append_row(sheet, [label("solver_and_status", lang),
                       f"{proposal.solver}, {word('solver_status', proposal.solver_status, lang)}"])
    append_row(sheet, [])
    append_row(sheet, [label("coefficient", lang), label("value", lang), label("source", lang),
                       label("date", lang)])
    bold(sheet, sheet.max_row)
    for row in method_rows(regulatory.get("coefficients") or {}):
        append_row(sheet, [_coefficient_label(row["name"], lang),
                           Decimal(row["value"]) if row["value"] else None, row["source"],
                           row["as_of"]])
    append_row(sheet, [])
    append_row(sheet, [label("profile", lang, name=regulatory.get("profile", "")), None, None,
                       label("in_force_on", lang, date=regulatory.get("on", ""))])
    append_row(sheet, [label("threshold", lang), label("amount", lang), label("source", lang),
                       label("period", lang), label("confirmed", lang)])
    bold(sheet, sheet.max_row)
    money = money_format(proposal.currency)
    for entry in regulatory.get("entries", []):
        append_row(sheet, [word("threshold", entry["kind"], lang), Decimal(entry["amount"]),
                           entry["source"],
                           f"{entry['valid_from']} → {entry.get('valid_to') or '…'}",
                           label("yes" if entry.get("confirmed") else "no", lang)])
        sheet.cell(sheet.max_row, 2).number_format = money
    for warning in proposal.warnings or []:
        append_row(sheet, [label("warning", lang),
                           words.render_warning(warning, proposal.currency, lang, gettext)])
    append_row(sheet, [])
    append_row(sheet, [label("imported_files", lang), label("lines", lang),
                       label("sha256", lang), label("year", lang)])
    bold(sheet, sheet.max_row)
    for batch in imports:
        append_row(sheet, [batch.file_name, batch.lines, batch.file_hash,
                           str(batch.fiscal_year) if batch.fiscal_year else ""])
    widths(sheet, (60, 18, 90, 26, 16))


def add_impact_sheets(book: Workbook, proposal: Proposal, lang: str) -> None:
    """Add the units and category sheets (when the proposal states its impact in units)."""
    if proposal.impact_units:
        _units_sheet(book, proposal, lang)
        _category_sheet(book, proposal, lang)


def add_closing_sheets(book: Workbook, proposal: Proposal, org: Organization, *,
                       years: Sequence[YearShare], imports: Sequence[ImportBatch],
                       lang: str, gettext: Gettext) -> None:
    """Add the years and method sheets."""
    _years_sheet(book, org, years, money_format(proposal.currency), lang)
    _method_sheet(book, proposal, imports, lang, gettext)
