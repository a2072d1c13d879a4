"""Workbook sheets a council can read: impact in units, by category, levers, years, method.

Added to the proposal workbook by `add_impact_sheets`. Money cells carry a currency
format, shares a percentage format; labels are words (French / English), never codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from procurement import impact_messages as words
from procurement.impact_units import MONEY_MEASURES, method_rows
from procurement.matching import load_taxonomy
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
KINDS = {"direct_award_limit": "Limite de gré à gré / Direct-award limit",
         "tender_threshold": "Seuil d'appel d'offres public / Public tender threshold"}
BANDS = {"direct": "Gré à gré / Direct award", "invitation": "Invitation écrite / Written "
         "invitation", "tender": "Appel d'offres public / Public tender"}
SOLVER_STATUS = {"optimal": "optimal (prouvé) / optimal (proved)",
                 "feasible": "réalisable / feasible", "infeasible": "impossible / infeasible"}


def _label(measure: str) -> str:
    return f"{words.measure_name(measure)} / {MEASURES_EN.get(measure, measure)}"


@lru_cache(maxsize=1)
def _taxonomy() -> Any:
    return load_taxonomy()


def _category_label(code: str) -> str:
    category = _taxonomy().categories.get(code)
    return f"{category.label_fr} / {category.label_en}" if category else code


def _lot_label(key: str, category: str) -> str:
    label = _category_label(category)
    return f"{label} — contrat {key[9:]}" if key.startswith("contract:") else label


def _bold(sheet: Any, row: int = 1) -> None:
    for cell in sheet[row]:
        cell.font = Font(bold=True)


def _widths(sheet: Any, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _value(item: dict[str, Any], key: str) -> Any:
    value = item[key]
    return Decimal(value) if isinstance(value, str) else value


def _measure_row(sheet: Any, measure: str, item: dict[str, Any], money: str) -> None:
    is_money = measure in MONEY_MEASURES or measure == "social_value"
    sheet.append([_label(measure), _value(item, "before"), _value(item, "after"),
                  item.get("share_before"), item.get("share_after")])
    row = sheet.max_row
    for column in (2, 3):
        sheet.cell(row, column).number_format = money if is_money else NUMBER_FORMAT
    for column in (4, 5):
        if sheet.cell(row, column).value is not None:
            sheet.cell(row, column).number_format = SHARE_FORMAT


def _units_sheet(book: Workbook, proposal: Proposal, money: str) -> None:
    units = proposal.impact_units
    sheet = book.create_sheet("Impact en unités")
    year = f" — exercice / fiscal year {proposal.fiscal_year}" if proposal.fiscal_year else ""
    sheet.append([f"Impact en unités / Impact in units{year}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["Mesure / Measure", "Avant / Before", "Après / After",
                  "Part avant / Share before", "Part après / Share after"])
    _bold(sheet, 2)
    for measure in ("total_spending", *SUMMARY_MEASURES):
        if measure in units:
            _measure_row(sheet, measure, units[measure], money)
    # Chart of the money measures, before and after (impact by unit).
    money_rows = [r for r in range(3, sheet.max_row + 1)
                  if sheet.cell(r, 2).number_format == money and r > 3]
    if money_rows:
        chart = BarChart()
        chart.title = "Impact par mesure, avant et après / Impact by measure, before and after"
        chart.y_axis.numFmt = '#,##0'
        data = Reference(sheet, min_col=2, max_col=3, min_row=2, max_row=max(money_rows))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=3, max_row=max(money_rows)))
        chart.width, chart.height = 24, 10
        sheet.add_chart(chart, "G2")
    _widths(sheet, (52, 18, 18, 14, 14))


def _category_sheet(book: Workbook, proposal: Proposal, money: str) -> None:
    sheet = book.create_sheet("Par catégorie")
    sheet.append(["Catégorie / Category", "Dépenses / Spending",
                  "Économie sociale avant / Social economy before",
                  "Économie sociale après / Social economy after",
                  "Part avant / Share before", "Part après / Share after",
                  "Heures d'insertion après / Work-integration hours after"])
    _bold(sheet)
    by_category = proposal.impact_units.get("by_category", {})
    for code, units in sorted(by_category.items()):
        se = units["social_economy_spending"]
        sheet.append([_category_label(code), Decimal(units["total_spending"]["after"]),
                      Decimal(se["before"]), Decimal(se["after"]), se["share_before"],
                      se["share_after"], units["work_integration_hours"]["after"]])
        row = sheet.max_row
        for column in (2, 3, 4):
            sheet.cell(row, column).number_format = money
        for column in (5, 6):
            sheet.cell(row, column).number_format = SHARE_FORMAT
        sheet.cell(row, 7).number_format = NUMBER_FORMAT
    if sheet.max_row > 1:
        chart = BarChart()
        chart.title = ("Économie sociale avant et après, par catégorie / "
                       "Social economy before and after, by category")
        chart.y_axis.numFmt = '#,##0'
        chart.add_data(Reference(sheet, min_col=3, max_col=4, min_row=1, max_row=sheet.max_row),
                       titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=sheet.max_row))
        chart.width, chart.height = 26, 12
        sheet.add_chart(chart, "I2")
    _widths(sheet, (48, 18, 20, 20, 12, 12, 16))


def _levers_sheet(book: Workbook, proposal: Proposal, money: str) -> None:
    sheet = book.create_sheet("Leviers")
    sheet.append(["Lot", "Valeur du lot / Lot value", "Bande / Band", "Levier / Lever",
                  "Pourquoi / Why", "Fournisseurs nommés / Named suppliers",
                  "Dépendance signalée / Dependency flagged"])
    _bold(sheet)
    lots = {lot.key: lot for lot in proposal.lots}
    for lever in proposal.levers:
        lot = lots.get(lever["lot"])
        names = ", ".join(s["name"] for s in lever.get("suppliers", []))
        risky = ", ".join(lever.get("params", {}).get("dependency_risk") or [])
        sheet.append([
            _lot_label(lever["lot"], lot.category_code if lot else ""),
            lot.value if lot else None, BANDS.get(lot.band, "") if lot else "",
            f"{words.lever_name(lever['lever'])} / {LEVERS_EN[lever['lever']]}",
            words.render_lever_reason(lever, proposal.currency, "fr"), names, risky])
        sheet.cell(sheet.max_row, 2).number_format = money
    _widths(sheet, (44, 16, 22, 40, 90, 60, 30))


def _years_sheet(book: Workbook, org: Organization, years: Sequence[YearShare],
                 money: str) -> None:
    sheet = book.create_sheet("Par année")
    sheet.append(["Exercice / Fiscal year", "Dépenses / Spending",
                  "Économie sociale / Social economy", "Part / Share", "Cible / Target"])
    _bold(sheet)
    for year in years:
        sheet.append([str(year.year), year.total, year.social_economy, year.share,
                      year.target_share])
        row = sheet.max_row
        sheet.cell(row, 2).number_format = money
        sheet.cell(row, 3).number_format = money
        sheet.cell(row, 4).number_format = SHARE_FORMAT
        sheet.cell(row, 5).number_format = SHARE_FORMAT
    if years:
        chart = LineChart()
        chart.title = ("Part à l'économie sociale par année et cible / "
                       "Social economy share by year and target")
        chart.y_axis.numFmt = "0%"
        chart.add_data(Reference(sheet, min_col=4, max_col=5, min_row=1, max_row=sheet.max_row),
                       titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=sheet.max_row))
        sheet.add_chart(chart, "G2")
    if org.se_target_share is not None:
        sheet.append([])
        sheet.append(["Cible du conseil / Council target", None, None, org.se_target_share,
                      f"{org.se_target_year}" if org.se_target_year else None])
        sheet.cell(sheet.max_row, 4).number_format = SHARE_FORMAT
    _widths(sheet, (22, 18, 22, 12, 12))


def _method_sheet(book: Workbook, proposal: Proposal,
                  imports: Sequence[ImportBatch]) -> None:
    sheet = book.create_sheet("Méthode")
    regulatory = proposal.regulatory or {}
    sheet.append(["Méthode / Method"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["Heures d'insertion / Work-integration hours",
                  "montant aux entreprises d'insertion × part de main-d'œuvre de la catégorie "
                  "× taux d'insertion ÷ coût horaire chargé / amount to work-integration "
                  "enterprises × labour share × insertion rate ÷ loaded hourly cost"])
    sheet.append(["Emplois (ETP-années) / Jobs (FTE-years)",
                  "montant aux entreprises d'insertion ÷ (coût d'un mois d'insertion ETP × 12) "
                  "/ amount to work-integration enterprises ÷ (cost of an FTE-month × 12)"])
    sheet.append(["Formule d'impact (points) / Impact formula (points)",
                  proposal.kpis.get("formula_fr") or proposal.formula])
    sheet.append(["Solveur et résultat / Solver and status",
                  f"{proposal.solver}, {SOLVER_STATUS.get(proposal.solver_status, '')}"])
    sheet.append([])
    sheet.append(["Coefficient", "Valeur / Value", "Source", "Date"])
    _bold(sheet, sheet.max_row)
    for row in method_rows(regulatory.get("coefficients") or {}):
        name = row["name"]
        if name.startswith("labour_share:"):
            code = name.split(":", 1)[1]
            what = ("défaut / default" if code == "default" else _category_label(code))
            label = f"{words.COEFFICIENTS['labour_share']} / Labour share — {what}"
        elif name.startswith("proxy:"):
            label = f"Valeur de référence / Proxy — {name[6:]}"
        else:
            label = f"{words.COEFFICIENTS.get(name, name)} / {COEFFICIENTS_EN.get(name, name)}"
        sheet.append([label, Decimal(row["value"]) if row["value"] else None, row["source"],
                      row["as_of"]])
    sheet.append([])
    sheet.append([f"Profil réglementaire / Regulatory profile: {regulatory.get('profile', '')}",
                  None, None, f"en vigueur le / in force on {regulatory.get('on', '')}"])
    sheet.append(["Seuil / Threshold", "Montant / Amount", "Source",
                  "Période / Period", "Confirmé / Confirmed"])
    _bold(sheet, sheet.max_row)
    money = CURRENCY_FORMATS.get(proposal.currency, CURRENCY_FORMATS["CAD"])
    for entry in regulatory.get("entries", []):
        sheet.append([KINDS.get(entry["kind"], entry["kind"]), Decimal(entry["amount"]),
                      entry["source"],
                      f"{entry['valid_from']} → {entry.get('valid_to') or '…'}",
                      "oui / yes" if entry.get("confirmed") else "non / no"])
        sheet.cell(sheet.max_row, 2).number_format = money
    for warning in proposal.warnings or []:
        sheet.append(["Avertissement / Warning",
                      words.render_warning(warning, proposal.currency, "fr")])
    sheet.append([])
    sheet.append(["Fichiers importés / Imported files", "Lignes / Lines",
                  "Empreinte SHA-256 / SHA-256", "Exercice / Fiscal year"])
    _bold(sheet, sheet.max_row)
    for batch in imports:
        sheet.append([batch.file_name, batch.lines, batch.file_hash,
                      str(batch.fiscal_year) if batch.fiscal_year else ""])
    _widths(sheet, (60, 18, 90, 26, 16))


def add_impact_sheets(book: Workbook, proposal: Proposal, org: Organization, *,
                      years: Sequence[YearShare] = (),
                      imports: Sequence[ImportBatch] = ()) -> None:
    """Add the units, category, levers, years and method sheets to a proposal's workbook."""
    money = CURRENCY_FORMATS.get(proposal.currency, CURRENCY_FORMATS["CAD"])
    if proposal.impact_units:
        _units_sheet(book, proposal, money)
        _category_sheet(book, proposal, money)
    if proposal.levers:
        _levers_sheet(book, proposal, money)
    _years_sheet(book, org, years, money)
    _method_sheet(book, proposal, imports)
