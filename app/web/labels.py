"""Words shown for the engine's codes (statuses, routes, bands, methods), in both languages."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

LABELS: dict[str, dict[str, Any]] = {
    "status": {
        "draft": _l("Brouillon"),
        "submitted": _l("Soumise aux finances"),
        "approved": _l("Approuvée"),
        "rejected": _l("Rejetée"),
        "imported": _l("Importé"),
        "refused": _l("Refusé"),
        "duplicate": _l("Doublon"),
        "withdrawn": _l("Retiré"),
        "pending": _l("En attente"),
        "optimal": _l("optimal (prouvé)"),
        "feasible": _l("réalisable (non prouvé optimal)"),
        "infeasible": _l("impossible"),
        "unbounded": _l("non borné"),
        "error": _l("erreur"),
    },
    "route": {
        "direct": _l("Gré à gré"),
        "invitation": _l("Invitation écrite (au moins deux fournisseurs)"),
        "tender_with_social_clauses": _l("Appel d'offres avec clauses sociales"),
        "reserved_contract": _l("Contrat réservé"),
        "status_quo": _l("Statu quo (fournisseurs actuels)"),
    },
    "band": {
        "direct": _l("Sous le seuil de gré à gré"),
        "invitation": _l("Invitation écrite"),
        "tender": _l("Appel d'offres public"),
    },
    "confidence": {
        "high": _l("élevée"),
        "medium": _l("moyenne"),
        "low": _l("faible"),
    },
    "method": {
        "rule": _l("règle confirmée"),
        "account_code": _l("code de compte"),
        "keyword": _l("mots-clés"),
        "similar_confirmed": _l("semblable à une correction"),
        "fuzzy": _l("ressemblance"),
        "identifier": _l("identifiant (NEQ)"),
        "exact_name": _l("nom identique"),
        "fuzzy_name": _l("nom semblable"),
        "none": _l("aucune"),
    },
    "mode": {
        "divisible": _l("divisible (un lot peut être partagé)"),
        "indivisible": _l("indivisible (un fournisseur par lot)"),
    },
    "field": {
        "date": _l("Date"),
        "supplier_name": _l("Nom du fournisseur"),
        "supplier_id": _l("Numéro du fournisseur"),
        "description": _l("Description"),
        "expense_category": _l("Catégorie de dépense"),
        "account_code": _l("Code de compte (poste budgétaire)"),
        "department": _l("Service"),
        "amount": _l("Montant"),
        "currency": _l("Devise"),
        "contract_ref": _l("Numéro de contrat"),
    },
    "column_kind": {
        "date": _l("date"),
        "amount": _l("montant"),
        "identifier": _l("identifiant"),
        "text": _l("texte"),
    },
    "decision": {
        "confirmed": _l("confirmée"),
        "rejected": _l("rejetée"),
    },
    "job_status": {
        "queued": _l("En file d'attente"),
        "running": _l("En cours"),
        "done": _l("Terminé"),
        "failed": _l("Échoué"),
    },
    "evidence": {
        "confirmed": _l("confirmée par une personne"),
        "activity": _l("activité déclarée au registre"),
        "sector": _l("secteur du pôle d'économie sociale"),
        "name": _l("nom seulement"),
    },
    "locality": {
        "same_municipality": _l("même municipalité"),
        "same_mrc": _l("même MRC"),
        "same_region": _l("même région"),
        "same_province": _l("même province"),
        "elsewhere": _l("ailleurs ou inconnu"),
    },
    "service_area": {
        "municipality": _l("la municipalité"),
        "mrc": _l("la MRC"),
        "region": _l("la région"),
        "province": _l("la province"),
    },
    "dimension": {
        "work_integration": _l("Intégration au travail"),
        "locality": _l("Proximité de la municipalité"),
        "governance": _l("Gouvernance démocratique"),
        "environment": _l("Environnement et réemploi"),
        "premium_pct": _l("Surcoût attendu"),
    },
    "lot_role": {
        "awarded": _l("attribué"),
        "named": _l("nommé dans l'invitation"),
        "prospect": _l("piste à vérifier"),
    },
    "matched_on": {
        "identifier": _l("même identifiant"),
        "name": _l("même nom, sans fait contradictoire"),
    },
    "supplier_fact": {
        "name": _l("Nom"),
        "neq": _l("NEQ"),
        "other_id": _l("Autre identifiant"),
        "siret": _l("SIRET"),
        "company_number": _l("Numéro d'entreprise (R.-U.)"),
        "charity_number": _l("Numéro d'organisme de bienfaisance (R.-U.)"),
        "country": _l("Pays"),
        "activity_code": _l("Code d'activité"),
        "legal_form": _l("Forme juridique"),
        "org_type": _l("Type ou structure"),
        "sector": _l("Secteur"),
        "activity": _l("Activité"),
        "address": _l("Adresse"),
        "municipality": _l("Municipalité"),
        "postal_code": _l("Code postal"),
        "region": _l("Région"),
        "website": _l("Site Web"),
        "lat": _l("Latitude"),
        "lon": _l("Longitude"),
        "work_integration": _l("Entreprise d'insertion"),
        "reserved_eligible": _l("Admissible aux marchés réservés"),
    },
    "job_phase": {
        "queued": _l("En attente de démarrage"),
        "reading": _l("Lecture et vérification du fichier"),
        "storing": _l("Enregistrement des lignes"),
        "matching": _l("Appariement des dépenses"),
        "optimizing": _l("Calcul de la proposition"),
        "exporting": _l("Préparation du fichier"),
        "done": _l("Terminé"),
    },
    "role": {
        "purchaser": _l("Acheteur"),
        "finance": _l("Finances"),
        "auditor": _l("Vérificateur"),
        "admin": _l("Administrateur"),
    },
    "profile_field": {
        "name": _l("Nom du profil"),
        "direct_award_limit": _l("Limite du gré à gré"),
        "tender_threshold": _l("Seuil d'appel d'offres public"),
        "rotation_required": _l("Rotation des fournisseurs obligatoire"),
        "reserved_contracts_allowed": _l("Contrats réservés permis"),
        "social_value_weight_min": _l("Poids minimal de la valeur sociale"),
        "valid_from": _l("En vigueur depuis"),
        "valid_to": _l("En vigueur jusqu'au"),
        "source": _l("Source"),
        "notes": _l("Notes"),
        "threshold_history": _l("Seuils datés"),
        "impact_coefficients": _l("Coefficients d'impact"),
    },
    "threshold_kind": {
        "direct_award_limit": _l("Limite du gré à gré"),
        "tender_threshold": _l("Seuil d'appel d'offres public"),
    },
    "threshold_scope": {
        "all": _l("Tous les contrats"),
        "supplies_services": _l("Fournitures et services"),
        "works": _l("Travaux"),
    },
    "coefficient": {
        "insertion_rate": _l("Taux d'insertion"),
        "hourly_cost_eur": _l("Coût horaire chargé (€)"),
        "fte_month_cost_eur": _l("Coût d'un mois ETP d'insertion (€)"),
        "eur_rate": _l("Taux de conversion de l'euro"),
        "labour_share": _l("Part de main-d'œuvre (par défaut)"),
    },
}


def label(kind: str, code: Any) -> str:
    """Return the word for `code` of `kind`, or the code itself when it has none."""
    if code is None:
        return ""
    found = LABELS.get(kind, {}).get(str(code))
    return str(found) if found is not None else str(code)


def is_english() -> bool:
    """Tell whether the page is rendered in English."""
    return str(get_locale() or "fr").startswith("en")
