"""The catalogue of field errors: a domain code and its parameters, said in French first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from procurement.services.scenario import FieldError


def N_(msgid: str) -> str:  # the marker gettext extraction looks for
    """Mark a message for the catalogue; it is translated where it is shown."""
    return msgid


# One message per code of procurement.services.scenario; %(name)s are the error's params.
FIELD_MESSAGES: dict[str, str] = {
    "not_an_object": N_("Un scénario est un objet JSON, par exemple "
                        "{\"budget_increase_pct\": 0.02}."),
    "unknown_field": N_("Champ inconnu."),
    "unknown_field+suggestion": N_("Champ inconnu (vouliez-vous dire %(suggestion)s ?)."),
    "not_a_number": N_("%(value)s n'est pas un nombre."),
    "out_of_range": N_("Entrez un nombre dans l'intervalle %(interval)s."),
    "percent_not_fraction": N_("%(value)s dépasse 1 : une part s'écrit en fraction, 0.02 pour "
                               "2 %% (ici %(fraction)s)."),
    "not_a_choice": N_("Choisissez parmi : %(choices)s."),
    "not_a_boolean": N_("Indiquez true ou false."),
    "invalid_target_path": N_("Indiquez {\"share\": 0.2, \"year\": 2028} et, au besoin, "
                              "\"yearly_extra_budget\" en dollars."),
    "not_text": N_("Entrez du texte."),
    "too_long": N_("Au plus %(max)s caractères."),
    "not_a_date": N_("%(value)s n'est pas une date ; format attendu : AAAA-MM-JJ."),
    "end_before_start": N_("La fin de la période précède son début (%(start)s)."),
    "not_a_target": N_("Une cible est un nombre entre 0 et 1 ou "
                       "{\"value\": nombre, \"hard\": true|false}."),
    "unknown_category": N_("Catégorie inconnue : %(value)s."),
    "unknown_dimension": N_("Dimension d'impact inconnue ; attendu : %(choices)s."),
    "no_positive_weight": N_("Au moins un poids doit être positif."),
    "unknown_target": N_("Cible inconnue ; attendu : %(choices)s."),
    "given_twice": N_("Donnée deux fois (dans targets et hors de targets)."),
    # accounts and the regulatory profile (procurement.users, procurement.regulatory)
    "not_an_email": N_("Entrez une adresse courriel (nom@exemple.org)."),
    "email_taken": N_("Cette adresse est déjà celle d'un autre compte."),
    "password_too_short": N_("Au moins %(min)s caractères."),
    "unknown_role": N_("Choisissez un rôle de la liste."),
    "unknown_municipality": N_("Choisissez une municipalité que vous gérez."),
    "own_account": N_("Vous ne pouvez pas retirer le rôle d'administrateur, déplacer ni "
                      "désactiver votre propre compte."),
    "not_an_amount": N_("%(value)s n'est pas un montant ; exemple : %(example)s."),
    "not_positive": N_("Entrez un montant positif."),
    "not_a_fraction": N_("%(value)s n'est pas une fraction entre 0 et 1 (0.1 pour 10 %%)."),
    "required": N_("Obligatoire."),
    "source_required": N_("Indiquez la source (le texte ou l'avis d'où vient la valeur)."),
    "limit_not_below_threshold": N_("La limite du gré à gré doit être inférieure au seuil "
                                    "d'appel d'offres."),
    "invalid_history": N_("Un seuil daté n'est pas valide ; voyez sa ligne."),
    "invalid_coefficients": N_("Les coefficients d'impact ne sont pas valides."),
    "not_a_list": N_("Une liste de seuils datés est attendue."),
}


def field_message(error: FieldError) -> str:
    """Render one field error in the page's language."""
    params: Mapping[str, Any] = error.params
    key = f"{error.code}+suggestion" if params.get("suggestion") else error.code
    template = FIELD_MESSAGES.get(key)
    if template is None:  # a code without an entry: the domain's English text, never a crash
        return error.message()
    return _(template, **params)
