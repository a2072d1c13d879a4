"""The catalogue of the domain's codes: each error reason and problem, said in French first.

The domain (procurement/, importers/, optimizer/) raises and reports stable codes with
parameters; this module turns them into one sentence in the reader's language through
gettext (French msgid here, English in app/translations/en/LC_MESSAGES/messages.po).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from app.web.labels import LABELS, label, label_in
from procurement.errors import ProcurementError


def N_(msgid: str) -> str:  # the marker gettext extraction looks for
    """Mark a message for the catalogue; it is translated where it is shown."""
    return msgid


# One sentence per status, for errors that carry no reason of their own.
STATUS_MESSAGES: dict[int, str] = {
    400: N_("La demande n'est pas valide."),
    401: N_("Connectez-vous d'abord (ou envoyez un jeton d'API valide)."),
    403: N_("Votre rôle ne permet pas cette action."),
    404: N_("Cette page ou cet objet n'existe pas, ou appartient à une autre municipalité."),
    405: N_("Cette méthode n'est pas permise ici."),
    409: N_("L'objet a changé depuis que vous l'avez ouvert ; rechargez la page et "
            "réessayez."),
    413: N_("Le fichier est trop volumineux pour ce serveur."),
    422: N_("Certains champs ne sont pas valides."),
    429: N_("Trop de tentatives ; patientez un instant."),
    503: N_("Le service est momentanément indisponible ; rien n'a été modifié. Réessayez dans "
            "quelques instants."),
    500: N_("Une erreur s'est produite de notre côté ; rien n'a été modifié. Réessayez ou "
            "contactez le soutien."),
}
CSRF_EXPIRED = N_("Le formulaire a expiré ou n'a pas été envoyé depuis ce site ; rechargez la "
                  "page et recommencez.")

# One sentence per reason of procurement.errors.ProcurementError; %(name)s are its params.
ERROR_MESSAGES: dict[str, str] = {
    "role_forbids": N_("Votre rôle (%(role)s) ne permet pas cette action (%(permission)s)."),
    "object_not_found": N_("Introuvable : %(object)s n° %(id)s n'existe pas ou appartient à "
                           "une autre municipalité."),
    "no_municipality": N_("Votre compte n'est rattaché à aucune municipalité."),
    "unknown_municipality": N_("Aucune municipalité n'a le code %(code)s. Utilisez le code du "
                               "MAMH (par exemple 37067 pour Trois-Rivières)."),
    "proposal_changed": N_("La proposition n° %(id)s a été modifiée par quelqu'un d'autre "
                           "depuis que vous l'avez ouverte. Rechargez-la pour voir son état "
                           "actuel."),
    "proposal_not_draft": N_("La proposition n° %(id)s est à l'état « %(status)s » ; seul un "
                             "brouillon peut être soumis."),
    "proposal_not_submitted": N_("La proposition n° %(id)s est à l'état « %(status)s » ; seule "
                                 "une proposition soumise peut être approuvée ou rejetée."),
    "decision_not_recorded": N_("La décision n'a pas été enregistrée."),
    "rejection_needs_comment": N_("Dites pourquoi la proposition est rejetée."),
    "four_eyes": N_("Vous avez préparé cette proposition : une autre personne doit la réviser "
                    "(principe des quatre yeux)."),
    "not_your_municipality": N_("Vous ne gérez pas cette municipalité."),
    "upload_gone": N_("Ce fichier n'est plus disponible ; téléversez-le de nouveau."),
    "form_incomplete": N_("Le formulaire est incomplet."),
    "bad_list_position": N_("La position dans la liste n'est pas valide."),
}

# The problems the domain names per field (its `errors` values), said in words.
PROBLEM_MESSAGES: dict[str, str] = {
    "must be approved or rejected": N_("choisissez « approuver » ou « rejeter »"),
    "a comment is required to reject": N_("un commentaire est obligatoire pour rejeter"),
    "not an allocation of this proposal": N_("cette attribution n'appartient pas à la "
                                             "proposition"),
    "required": N_("obligatoire"),
    "unknown": N_("inconnu"),
    "file not found": N_("fichier introuvable"),
    "empty": N_("vide"),
}

# Which label table names each parameter's value (a role, a permission, a status...).
PARAM_LABELS = {"role": "role", "permission": "permission", "object": "object",
                "status": "status", "field": "field"}


def render(template: str, params: Mapping[str, Any]) -> str:
    """Translate `template` and fill it with `params`, each value said in words."""
    words = {key: label(PARAM_LABELS[key], value) if key in PARAM_LABELS else value
             for key, value in params.items()}
    return _(template, **words) if words else _(template)


def error_message(exc: ProcurementError, status: int) -> str:
    """Render a domain error in the reader's language: its reason, else its status."""
    template = ERROR_MESSAGES.get(exc.reason or "")
    if template is not None:
        return render(template, exc.params)
    return status_message(status)


def status_message(status: int) -> str:
    """Render the general sentence for an HTTP status."""
    return _(STATUS_MESSAGES.get(status, STATUS_MESSAGES[500]))


def field_name(name: str) -> str:
    """Name a form or API field in words when the catalogue knows it."""
    if name in LABELS["field"]:
        return label("field", name)
    return name


def problem_message(problem: Any) -> str:
    """Say a field's problem in words (lists joined), when the catalogue knows it."""
    if isinstance(problem, list | tuple):
        return " ; ".join(problem_message(item) for item in problem)
    if isinstance(problem, dict):
        return " ; ".join(f"{field_name(str(k))} : {problem_message(v)}"
                          for k, v in problem.items())
    text = str(problem)
    template = PROBLEM_MESSAGES.get(text)
    return _(template) if template is not None else text


# --- the issues of an import (importers.report.Issue as plain data) -----------------------

FILE_SENTENCE = N_("%(file)s : %(sentence)s")
# The parameters that are quantities (formatted with the reader's separators).
QUANTITIES = frozenset({"count", "limit", "size", "rows", "columns", "cells", "ratio",
                        "seconds"})


def issue_message(issue: Mapping[str, Any], lang: str,
                  gettext: Callable[[str], str],
                  number: Callable[[Any], str] = str) -> str:
    """Render an import issue (code, text, params) in `lang` with that language's gettext.

    Parameters ending in `_text` are sentences of the catalogue themselves; `field` names a
    field; counts are formatted by `number`. Issues stored before they carried their
    sentence keep their two texts: the one of the language is shown.
    """
    text = issue.get("text")
    if not text:
        legacy = issue.get("message_fr") if lang == "fr" else issue.get("message")
        return str(legacy or issue.get("message") or "")
    params: dict[str, Any] = {}
    for key, value in (issue.get("params") or {}).items():
        if key.endswith("_text") and isinstance(value, str):
            params[key] = gettext(value)
        elif key == "field":
            params[key] = label_in("field", value, gettext)
        elif key in QUANTITIES and isinstance(value, int) and not isinstance(value, bool):
            params[key] = number(value)
        else:
            params[key] = "" if value is None else value
    sentence = str(gettext(str(text)) % params)
    if "file" in params and "%(file)s" not in str(text):  # a refused file: name it first
        return str(gettext(FILE_SENTENCE) % {"file": params["file"], "sentence": sentence})
    return sentence


def cli_issue_message(issue: Mapping[str, Any], lang: str,
                      gettext: Callable[[str], str]) -> str:
    """Render an import issue for the command line (no request: the language's numbers)."""
    from babel.numbers import format_decimal

    locale = "en_CA" if lang == "en" else "fr_CA"
    return issue_message(issue, lang, gettext, lambda value: str(format_decimal(
        value, format="#,##0", locale=locale)))


def page_issue_message(issue: Mapping[str, Any]) -> str:
    """Render an import issue in the page's (or API answer's) language."""
    from app.web.filters import number

    return issue_message(issue, str(get_locale() or "fr")[:2], _, number)


REPORT_COLUMNS = (N_("Feuille"), N_("Ligne"), N_("Colonne"), N_("Valeur"), N_("Problème"),
                  N_("Détail"), N_("Gravité"))


def report_layout() -> dict[str, Any]:
    """The problem report CSV's titles and cells, in the reader's language."""
    from app.web.labels import label

    def cells(issue: dict[str, Any]) -> list[Any]:
        return [issue.get("sheet"), issue.get("row"), issue.get("column"), issue.get("value"),
                label("issue", issue.get("code")), page_issue_message(issue),
                label("severity", issue.get("severity") or "error")]

    return {"headers": [_(title) for title in REPORT_COLUMNS], "cells": cells}
