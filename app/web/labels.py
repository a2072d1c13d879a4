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
    "job_phase": {
        "queued": _l("En attente de démarrage"),
        "reading": _l("Lecture et vérification du fichier"),
        "storing": _l("Enregistrement des lignes"),
        "matching": _l("Appariement des dépenses"),
        "done": _l("Terminé"),
    },
    "role": {
        "purchaser": _l("Acheteur"),
        "finance": _l("Finances"),
        "auditor": _l("Vérificateur"),
        "admin": _l("Administrateur"),
    },
    "permission": {
        "read": _l("consulter"),
        "export": _l("exporter"),
        "import": _l("importer un fichier"),
        "match.correct": _l("corriger un appariement"),
        "capability.decide": _l("confirmer une capacité"),
        "scenario.run": _l("lancer un scénario"),
        "proposal.submit": _l("soumettre une proposition"),
        "proposal.decide": _l("approuver ou rejeter une proposition"),
        "registry.edit": _l("modifier le registre"),
        "profile.edit": _l("modifier le profil réglementaire"),
        "users.manage": _l("gérer les utilisateurs"),
        "audit.read": _l("consulter le journal d'audit"),
    },
    "audit_action": {
        "import.imported": _l("Fichier importé"),
        "import.refused": _l("Fichier refusé"),
        "import.duplicate": _l("Fichier déjà importé"),
        "login.failed": _l("Échec de connexion"),
        "mapping.confirmed": _l("Correspondance des colonnes confirmée"),
        "match.category_corrected": _l("Catégorie corrigée"),
        "match.incumbent_decided": _l("Fournisseur actuel confirmé ou rejeté"),
        "matching.run": _l("Appariement lancé"),
        "organization.target_set": _l("Cible fixée"),
        "proposal.created": _l("Proposition créée"),
        "proposal.exported": _l("Proposition exportée"),
        "proposal.submitted": _l("Proposition soumise"),
        "proposal.approved": _l("Proposition approuvée"),
        "proposal.rejected": _l("Proposition rejetée"),
        "capability.confirmed": _l("Capacité confirmée"),
        "capability.rejected": _l("Capacité rejetée"),
        "registry.imported": _l("Registre importé"),
        "regulatory_profile.updated": _l("Profil réglementaire modifié"),
        "scenario.run": _l("Scénario lancé"),
        "supplier.merge_undone": _l("Fusion de fournisseurs annulée"),
        "supplier.updated": _l("Fournisseur modifié"),
        "token.issued": _l("Jeton d'API créé"),
        "token.revoked": _l("Jeton d'API révoqué"),
        "user.created": _l("Utilisateur créé"),
        "user.granted_municipality": _l("Accès à une municipalité accordé"),
    },
    "object": {
        "ImportBatch": _l("l'import"),
        "import": _l("l'import"),
        "Proposal": _l("la proposition"),
        "proposal": _l("la proposition"),
        "Scenario": _l("le scénario"),
        "scenario": _l("le scénario"),
        "Supplier": _l("le fournisseur"),
        "supplier": _l("le fournisseur"),
        "PurchaseLine": _l("la ligne d'achat"),
        "Job": _l("la tâche"),
        "job": _l("la tâche"),
        "Lot": _l("le lot"),
        "Allocation": _l("l'attribution"),
        "IncumbentMatch": _l("l'appariement"),
        "User": _l("l'utilisateur"),
        "user": _l("l'utilisateur"),
        "ApiToken": _l("le jeton d'API"),
        "token": _l("le jeton d'API"),
        "Organization": _l("la municipalité"),
        "organization": _l("la municipalité"),
        "RegulatoryProfile": _l("le profil réglementaire"),
        "regulatory_profile": _l("le profil réglementaire"),
        "RegistryMerge": _l("la fusion de fournisseurs"),
        "SupplierMerge": _l("la fusion de fournisseurs"),
        "SupplierCategory": _l("la capacité du fournisseur"),
        "supplier_category": _l("la capacité du fournisseur"),
        "Category": _l("la catégorie"),
        "category_rule": _l("la règle de catégorie"),
        "CategoryRule": _l("la règle de catégorie"),
        "incumbent_match": _l("l'appariement du fournisseur actuel"),
        "mapping": _l("la correspondance des colonnes"),
        "MappingProfile": _l("la correspondance des colonnes"),
        "match": _l("l'appariement"),
        "capability": _l("la capacité"),
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
