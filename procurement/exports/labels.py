"""The words of the exports in one language at a time (French by default, or English).

A small table keyed by a stable name: an export asks `label(key, lang)` and never shows
a code. The words the domain already renders (measures, levers, reasons, warnings) come
from `procurement.impact_messages` with the catalogue's gettext the edge passes in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from procurement.explanation_messages import render_explanation
from procurement.matching import load_taxonomy

LANGS = ("fr", "en")
Gettext = Callable[[str], str]

LABELS: dict[str, tuple[str, str]] = {
    # Sheet names (Excel allows 31 characters).
    "sheet.summary": ("Synthèse", "Summary"),
    "sheet.units": ("Impact en unités", "Impact in units"),
    "sheet.category": ("Par catégorie", "By category"),
    "sheet.supplier": ("Par fournisseur", "By supplier"),
    "sheet.department": ("Par service", "By department"),
    "sheet.allocations": ("Allocations", "Allocations"),
    "sheet.levers": ("Leviers", "Levers"),
    "sheet.years": ("Par année", "By year"),
    "sheet.method": ("Méthode", "Method"),
    "sheet.review": ("Revue et audit", "Review and audit"),
    "sheet.why": ("Pourquoi", "Why"),
    # Summary.
    "title": ("Proposition n° %(id)s — %(org)s", "Proposal #%(id)s — %(org)s"),
    "fiscal_year": ("Exercice %(year)s", "Fiscal year %(year)s"),
    "status": ("Statut", "Status"),
    "solver_status": ("Résultat du solveur", "Solver status"),
    "solver": ("Solveur", "Solver"),
    "total_value": ("Valeur totale", "Total value"),
    "cost_difference": ("Écart de coût", "Cost difference"),
    "lots": ("Lots", "Lots"),
    "formula": ("Formule d'impact (points)", "Impact formula (points)"),
    "measure": ("Mesure", "Measure"),
    "before": ("Avant", "Before"),
    "after": ("Après", "After"),
    "unit": ("Unité", "Unit"),
    "share_before": ("Part avant", "Share before"),
    "share_after": ("Part après", "Share after"),
    "se_share": ("Part à l'économie sociale", "Social economy share"),
    "local_share": ("Part locale (MRC)", "Local share (MRC)"),
    "share": ("Part", "Share"),
    "chart.se_share": ("Part des dépenses à l'économie sociale, avant et après",
                       "Social economy share of spending, before and after"),
    "chart.units": ("Impact par mesure, avant et après", "Impact by measure, before and after"),
    "chart.category": ("Économie sociale avant et après, par catégorie",
                       "Social economy before and after, by category"),
    "chart.years": ("Part à l'économie sociale par année et cible",
                    "Social economy share by year and target"),
    "chart.supplier": ("Montants proposés par fournisseur", "Proposed amounts by supplier"),
    "total": ("Total", "Total"),
    # By category / supplier / department.
    "category": ("Catégorie", "Category"),
    "spending": ("Dépenses", "Spending"),
    "se_before": ("Économie sociale avant", "Social economy before"),
    "se_after": ("Économie sociale après", "Social economy after"),
    "hours_after": ("Heures d'insertion après", "Work-integration hours after"),
    "supplier": ("Fournisseur", "Supplier"),
    "neq": ("NEQ", "NEQ"),
    "municipality": ("Municipalité", "Municipality"),
    "work_integration": ("Entreprise d'insertion", "Work-integration enterprise"),
    "lot_count": ("Nombre de lots", "Number of lots"),
    "amount": ("Montant", "Amount"),
    "market": ("Marché (statu quo)", "Market (status quo)"),
    "department": ("Service", "Department"),
    "no_department": ("(service non précisé)", "(department not given)"),
    "lines": ("Lignes", "Lines"),
    "se_spending": ("Économie sociale (fournisseurs actuels)",
                    "Social economy (current suppliers)"),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    # Allocations and levers.
    "lot": ("Lot", "Lot"),
    "contract": ("contrat %(ref)s", "contract %(ref)s"),
    "lot_value": ("Valeur du lot", "Lot value"),
    "band": ("Bande", "Band"),
    "route": ("Voie", "Route"),
    "lever": ("Levier", "Lever"),
    "why": ("Pourquoi", "Why"),
    "named_suppliers": ("Fournisseurs nommés", "Named suppliers"),
    "dependency": ("Dépendance signalée", "Dependency flagged"),
    "impact_per_dollar": ("Impact par dollar (points)", "Impact per dollar (points)"),
    "decision": ("Décision", "Decision"),
    "evidence": ("Preuve de capacité", "Capability evidence"),
    "confirmed_by": ("Confirmée par", "Confirmed by"),
    "confirmed_on": ("Confirmée le", "Confirmed on"),
    "explanation": ("Explication", "Explanation"),
    # Years and method.
    "year": ("Exercice", "Fiscal year"),
    "se": ("Économie sociale", "Social economy"),
    "target": ("Cible", "Target"),
    "council_target": ("Cible du conseil", "Council target"),
    "method": ("Méthode", "Method"),
    "hours_formula": (
        "montant aux entreprises d'insertion × part de main-d'œuvre de la catégorie × taux "
        "d'insertion ÷ coût horaire chargé",
        "amount to work-integration enterprises × labour share of the category × insertion "
        "rate ÷ loaded hourly cost"),
    "jobs_formula": ("montant aux entreprises d'insertion ÷ (coût d'un mois d'insertion ETP × 12)",
                     "amount to work-integration enterprises ÷ (cost of an FTE-month × 12)"),
    "hours": ("Heures d'insertion", "Work-integration hours"),
    "jobs": ("Emplois (ETP-années)", "Jobs (FTE-years)"),
    "solver_and_status": ("Solveur et résultat", "Solver and status"),
    "coefficient": ("Coefficient", "Coefficient"),
    "value": ("Valeur", "Value"),
    "source": ("Source", "Source"),
    "date": ("Date", "Date"),
    "default": ("défaut", "default"),
    "labour_share": ("Part de main-d'œuvre", "Labour share"),
    "proxy": ("Valeur de référence", "Proxy"),
    "profile": ("Profil réglementaire : %(name)s", "Regulatory profile: %(name)s"),
    "in_force_on": ("en vigueur le %(date)s", "in force on %(date)s"),
    "threshold": ("Seuil", "Threshold"),
    "period": ("Période", "Period"),
    "confirmed": ("Confirmé", "Confirmed"),
    "warning": ("Avertissement", "Warning"),
    "imported_files": ("Fichiers importés", "Imported files"),
    "sha256": ("Empreinte SHA-256", "SHA-256"),
    "page": ("Page %(n)s sur %(total)s", "Page %(n)s of %(total)s"),
    # Review and audit.
    "review": ("Revue de la proposition", "Review of the proposal"),
    "submitted_at": ("Soumise le", "Submitted on"),
    "decided_at": ("Décidée le", "Decided on"),
    "decided_by": ("Décidée par", "Decided by"),
    "comment": ("Commentaire", "Comment"),
    "audit": ("Journal d'audit", "Audit trail"),
    "when": ("Quand", "When"),
    "who": ("Qui", "Who"),
    "what": ("Quoi", "What"),
    "details": ("Détails", "Details"),
    "fingerprint": ("Empreinte de l'événement", "Event hash"),
}
WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "status": {"draft": ("brouillon", "draft"), "submitted": ("soumise", "submitted"),
               "approved": ("approuvée", "approved"), "rejected": ("rejetée", "rejected"),
               "pending": ("en attente", "pending")},
    "solver_status": {"optimal": ("optimal (prouvé)", "optimal (proved)"),
                      "feasible": ("réalisable", "feasible"),
                      "infeasible": ("impossible", "infeasible"),
                      "time_limit": ("limite de temps atteinte", "time limit reached")},
    "band": {"direct": ("Gré à gré", "Direct award"),
             "invitation": ("Invitation écrite", "Written invitation"),
             "tender": ("Appel d'offres public", "Public tender")},
    "route": {"direct": ("Gré à gré", "Direct award"),
              "invitation": ("Invitation écrite", "Written invitation"),
              "tender_with_social_clauses": ("Appel d'offres public avec clauses sociales",
                                             "Public tender with social clauses"),
              "reserved_contract": ("Marché réservé", "Reserved contract"),
              "market": ("Statu quo", "Status quo"),
              "status_quo": ("Statu quo (fournisseur actuel)", "Status quo (current supplier)")},
    "evidence": {"confirmed": ("Confirmée par une personne", "Confirmed by a person"),
                 "activity": ("Activité au registre", "Registry activity"),
                 "sector": ("Secteur du pôle", "Hub sector"),
                 "name": ("Nom seulement", "Name only")},
    "threshold": {"direct_award_limit": ("Limite de gré à gré", "Direct-award limit"),
                  "tender_threshold": ("Seuil d'appel d'offres public",
                                       "Public tender threshold")},
    "action": {"proposal.created": ("Proposition créée", "Proposal created"),
               "proposal.submitted": ("Proposition soumise", "Proposal submitted"),
               "proposal.approved": ("Proposition approuvée", "Proposal approved"),
               "proposal.rejected": ("Proposition rejetée", "Proposal rejected"),
               "proposal.exported": ("Proposition exportée", "Proposal exported")},
    "measure_en": {
        "total_spending": ("", "Total spending"),
        "social_economy_spending": ("", "Social economy spending"),
        "municipality_spending": ("", "Spending kept in the municipality"),
        "local_spending": ("", "Spending kept in the MRC"),
        "region_spending": ("", "Spending kept in the region"),
        "democratic_spending": ("", "Spending to co-operatives and non-profits"),
        "reuse_recycling_spending": ("", "Spending to re-use and recycling"),
        "work_integration_spending": ("", "Spending to work-integration enterprises"),
        "work_integration_hours": ("", "Work-integration hours"),
        "jobs_fte_years": ("", "Work-integration jobs (FTE-years)"),
        "social_value": ("", "Monetised social value"),
    },
}
UNITS = {"h": ("heures", "hours"), "FTE-year": ("ETP-années", "FTE-years")}


def check_lang(lang: str) -> str:
    """Return a supported language (fr or en)."""
    return lang if lang in LANGS else "fr"


def label(key: str, lang: str, **params: Any) -> str:
    """Return one label in the language, with its %(name)s parameters filled."""
    text = LABELS[key][0 if lang == "fr" else 1]
    return text % params if params else text


def word(kind: str, code: str | None, lang: str) -> str:
    """Return the word for a stored code (a status, band, route...); unknown codes as is."""
    if not code:
        return ""
    pair = WORDS[kind].get(code)
    return pair[0 if lang == "fr" else 1] if pair else code


def unit_name(unit: str, lang: str) -> str:
    """Return a unit of measure in words (hours, FTE-years; a currency stays its code)."""
    pair = UNITS.get(unit)
    return pair[0 if lang == "fr" else 1] if pair else unit


@lru_cache(maxsize=1)
def _taxonomy() -> Any:
    return load_taxonomy()


def category_label(code: str, lang: str) -> str:
    """Return a taxonomy category's name in the language."""
    category = _taxonomy().categories.get(code)
    if category is None:
        return code
    return str(category.label_fr if lang == "fr" else category.label_en)


def lot_label(key: str, category: str, lang: str) -> str:
    """Return a lot's name: its category, and the contract reference for a contract lot."""
    name = category_label(category, lang)
    if key.startswith("contract:"):
        return f"{name} — {label('contract', lang, ref=key[9:])}"
    return name


def explanation_text(item: Mapping[str, Any], currency: str, lang: str,
                     gettext: Gettext | None = None) -> str:
    """Return a binding limit or missed target in the language, as the pages render it
    (`gettext` translates the French msgids; without it the text stays French)."""
    return render_explanation(item, currency, lang, gettext or (lambda text: text),
                              lambda code: category_label(code or "", lang))
