"""Administration pages: accounts, roles and API tokens; municipalities; the profile.

Thin views: read the form, call the same service functions as the API
(`procurement.services.admin`), render the field errors from their codes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import current_actor, require
from app.database import get_session
from app.web.field_messages import field_message
from procurement.errors import InvalidInput, NotFound
from procurement.models import RegulatoryProfile
from procurement.permissions import ROLES
from procurement.regulatory import SCOPES, THRESHOLD_KINDS
from procurement.services import admin
from procurement.services.scenario import FieldError

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="../templates")

PAGE_SIZE = 50
MAX_OFFSET = 2**31
# Fields of the profile form, in the order of the page; the history has its own table.
PROFILE_TEXT_FIELDS = ("name", "direct_award_limit", "tender_threshold",
                       "social_value_weight_min", "valid_from", "valid_to", "source", "notes")
PROFILE_FLAGS = ("rotation_required", "reserved_contracts_allowed")
HISTORY_FIELDS = ("kind", "amount", "valid_from", "valid_to", "scope", "source")


def field_errors(exc: InvalidInput) -> dict[str, str]:
    """Render every field error of a service in the page's language."""
    rendered = {key: field_message(FieldError(found["code"], found.get("params") or {}))
                for key, found in exc.codes.items()}
    for key in exc.errors:  # a problem without a code: say which field, in the page's words
        rendered.setdefault(key, _("Valeur refusée."))
    return rendered


def _offset() -> int:
    raw = request.args.get("offset", "0").strip() or "0"
    if not raw.isdigit() or len(raw) > 12 or int(raw) > MAX_OFFSET:
        raise InvalidInput(_("La position dans la liste n'est pas valide."),
                           errors={"offset": _("un nombre entier de 0 à %(n)s", n=MAX_OFFSET)})
    return int(raw)


def _form_int(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


# --- accounts ------------------------------------------------------------------------------

@bp.get("/users")
@require("users.manage")
def users() -> Any:
    """List the accounts of the municipality, by name, with the form to create one."""
    return _render_users({}, {})


def _render_users(form: dict[str, str], errors: dict[str, str],
                  created: tuple[Any, str] | None = None) -> str:
    db = get_session()
    actor = current_actor()
    offset = _offset()
    page = admin.users_page(db, actor, limit=PAGE_SIZE, offset=offset)
    return render_template("admin_users.html", page=page, offset=offset, size=PAGE_SIZE,
                           roles=ROLES, organizations=admin.managed_organizations(db, actor),
                           form=form, errors=errors, created=created)


@bp.post("/users")
@require("users.manage")
def user_create() -> Any:
    """Create an account with a generated password, shown once on the page."""
    db = get_session()
    form = {key: request.form.get(key, "").strip()
            for key in ("email", "name", "role", "organization_id", "locale")}
    organization_id = _form_int("organization_id") or current_user.organization_id
    try:
        user, password = admin.create_account_with_password(
            db, current_actor(), email=form["email"], name=form["name"], role=form["role"],
            organization_id=organization_id, locale=form["locale"] or "fr")
    except InvalidInput as exc:
        db.rollback()
        return _render_users(form, field_errors(exc)), 422
    db.commit()
    return _render_users({}, {}, created=(user, password)), 201


@bp.get("/users/<int:user_id>")
@require("users.manage")
def user_detail(user_id: int) -> Any:
    """Show one account: its role and municipality, activity and API tokens."""
    return _render_user(user_id, {}, {})


def _render_user(user_id: int, form: dict[str, str], errors: dict[str, str],
                 issued: Any = None) -> str:
    db = get_session()
    actor = current_actor()
    found = admin.account(db, actor, user_id)
    return render_template("admin_user.html", account=found, roles=ROLES,
                           organizations=admin.managed_organizations(db, actor),
                           tokens=admin.account_tokens(db, actor, user_id), form=form,
                           errors=errors, issued=issued)


@bp.post("/users/<int:user_id>")
@require("users.manage")
def user_update(user_id: int) -> Any:
    """Change an account's role and municipality."""
    db = get_session()
    form = {key: request.form.get(key, "").strip() for key in ("role", "organization_id")}
    try:
        admin.update_account(db, current_actor(), user_id, role=form["role"] or None,
                             organization_id=_form_int("organization_id"))
    except InvalidInput as exc:
        db.rollback()
        return _render_user(user_id, form, field_errors(exc)), 422
    db.commit()
    flash(_("Le compte a été modifié."), "success")
    # Moved to another municipality, the account is no longer in this one's list.
    try:
        admin.account(db, current_actor(), user_id)
    except NotFound:
        return redirect(url_for("admin.users"))
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/active")
@require("users.manage")
def user_active(user_id: int) -> Any:
    """Deactivate an account (it can no longer sign in nor use its tokens), or reactivate it."""
    db = get_session()
    active = request.form.get("active") == "1"
    try:
        admin.update_account(db, current_actor(), user_id, active=active)
    except InvalidInput as exc:
        db.rollback()
        return _render_user(user_id, {}, field_errors(exc)), 422
    db.commit()
    flash(_("Le compte est réactivé.") if active else
          _("Le compte est désactivé : il ne peut plus se connecter ni utiliser ses jetons."),
          "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/tokens")
@require("users.manage")
def token_create(user_id: int) -> Any:
    """Issue an API token; its value is shown on this page only, once."""
    db = get_session()
    name = request.form.get("name", "").strip()
    if not name or len(name) > 100:
        return _render_user(user_id, {"token_name": name}, {
            "token_name": _("Donnez au jeton un nom de 1 à 100 caractères (par exemple "
                            "le script qui l'utilise).")}), 422
    issued = admin.issue_account_token(db, current_actor(), user_id, name)
    db.commit()
    return _render_user(user_id, {}, {}, issued=issued), 201


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@require("users.manage")
def token_revoke(user_id: int, token_id: int) -> Any:
    """Revoke an API token: scripts using it are refused from now on."""
    db = get_session()
    admin.revoke_account_token(db, current_actor(), user_id, token_id)
    db.commit()
    flash(_("Le jeton est révoqué."), "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


# --- municipalities ----------------------------------------------------------------------

@bp.get("/municipalities")
@require("users.manage")
def municipalities() -> Any:
    """List the municipalities by name, searched without regard to accents or case."""
    search = request.args.get("q", "").strip()[:200]
    offset = _offset()
    page = admin.municipalities_page(get_session(), current_actor(), search=search,
                                     limit=PAGE_SIZE, offset=offset)
    return render_template("admin_municipalities.html", page=page, offset=offset,
                           size=PAGE_SIZE, search=search)


@bp.get("/municipalities/<int:organization_id>")
@require("users.manage")
def municipality(organization_id: int) -> Any:
    """Show who belongs to a municipality the administrator manages."""
    return _render_municipality(organization_id, {}, {})


def _render_municipality(organization_id: int, form: dict[str, str],
                         errors: dict[str, str]) -> str:
    found = admin.memberships(get_session(), current_actor(), organization_id)
    return render_template("admin_municipality.html", members=found, form=form,
                           errors=errors)


@bp.post("/municipalities/<int:organization_id>/administrators")
@require("users.manage")
def municipality_grant(organization_id: int) -> Any:
    """Let another administrator manage this municipality too."""
    db = get_session()
    email = request.form.get("email", "").strip()
    try:
        admin.grant_municipality(db, current_actor(), email=email,
                                 organization_id=organization_id)
    except InvalidInput:
        db.rollback()
        return _render_municipality(organization_id, {"email": email}, {
            "email": _("Ce compte n'est pas un compte d'administrateur.")}), 422
    except NotFound:
        db.rollback()
        return _render_municipality(organization_id, {"email": email}, {
            "email": _("Aucun compte n'a cette adresse.")}), 422
    db.commit()
    flash(_("Cet administrateur gère maintenant aussi la municipalité."), "success")
    return redirect(url_for("admin.municipality", organization_id=organization_id))


# --- the regulatory and impact profile ----------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def profile_form(found: RegulatoryProfile) -> dict[str, Any]:
    """Return the profile as the form shows it (strings, as a person would type them)."""
    form: dict[str, Any] = {key: _text(getattr(found, key)) for key in PROFILE_TEXT_FIELDS}
    form.update({key: bool(getattr(found, key)) for key in PROFILE_FLAGS})
    form["history"] = [{**{key: _text(entry.get(key)) for key in HISTORY_FIELDS},
                        "confirmed": bool(entry.get("confirmed"))}
                       for entry in found.threshold_history or []]
    return form


def _typed_number(raw: str) -> str:
    """Read a number as a person types it in either language: '25 000,50' is 25000.50."""
    text = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("$", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return text.replace(",", "")


def _posted_profile() -> dict[str, Any]:
    """Read the profile form as posted: the typed text, kept to show it again."""
    form: dict[str, Any] = {key: request.form.get(key, "").strip()
                            for key in PROFILE_TEXT_FIELDS}
    form.update({key: request.form.get(key) == "1" for key in PROFILE_FLAGS})
    rows: list[dict[str, Any]] = []
    count = min(_form_int("history_rows") or 0, 200)
    for n in range(1, count + 1):
        row: dict[str, Any] = {key: request.form.get(f"h{n}_{key}", "").strip()
                               for key in HISTORY_FIELDS}
        row["confirmed"] = request.form.get(f"h{n}_confirmed") == "1"
        row["remove"] = request.form.get(f"h{n}_remove") == "1"
        rows.append(row)
    form["history"] = rows
    return form


def _blank_row(row: dict[str, Any]) -> bool:
    """Tell whether a history row of the form was left empty (the row for adding one)."""
    return not any(row.get(key) for key in ("amount", "valid_from", "valid_to", "source"))


def _profile_changes(current: dict[str, Any],
                     posted: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """Return the changed fields for the service, and the form row of each history entry."""
    changes: dict[str, Any] = {}
    for key in PROFILE_TEXT_FIELDS:
        if posted[key] != current[key]:
            value = posted[key]
            if key in {"direct_award_limit", "tender_threshold", "social_value_weight_min"}:
                value = _typed_number(value)
            changes[key] = value
    for key in PROFILE_FLAGS:
        if posted[key] != current[key]:
            changes[key] = posted[key]
    kept: list[dict[str, Any]] = []
    rows: list[int] = []
    for n, row in enumerate(posted["history"], start=1):
        if row["remove"] or _blank_row(row):
            continue
        kept.append({**{key: row[key] for key in HISTORY_FIELDS},
                     "amount": _typed_number(row["amount"]),
                     "valid_to": row["valid_to"] or None, "confirmed": row["confirmed"]})
        rows.append(n)
    if [{**e, "valid_to": e["valid_to"] or ""} for e in kept] != current["history"]:
        changes["threshold_history"] = kept
    return changes, rows


@bp.route("/profile", methods=["GET", "POST"])
@require("profile.edit")
def profile() -> Any:
    """Show the municipality's regulatory and impact profile, its versions, and edit it."""
    db = get_session()
    actor = current_actor()
    found = admin.organization_profile(db, actor)
    current = profile_form(found)
    if request.method == "GET":
        return _render_profile(found, current, {})
    posted = _posted_profile()
    changes, rows = _profile_changes(current, posted)
    if not changes:
        flash(_("Aucune modification : aucune nouvelle version n'a été créée."), "success")
        return redirect(url_for("admin.profile"))
    try:
        admin.update_profile(db, actor, found.code, changes)
    except InvalidInput as exc:
        db.rollback()
        errors = field_errors(exc)
        for key in list(errors):  # an entry's problem goes next to its row of the form
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "threshold_history" and parts[1].isdigit():
                index = int(parts[1]) - 1
                if 0 <= index < len(rows):
                    errors[f"h{rows[index]}_{parts[2]}"] = errors.pop(key)
        if any(key.startswith("h") and "_" in key for key in errors):
            errors.pop("threshold_history", None)
        return _render_profile(admin.organization_profile(db, actor), posted, errors), 422
    db.commit()
    flash(_("Le profil a été enregistré : une nouvelle version datée figure dans "
            "l'historique."), "success")
    return redirect(url_for("admin.profile"))


def _render_profile(found: RegulatoryProfile, form: dict[str, Any],
                    errors: dict[str, str]) -> str:
    db = get_session()
    history = admin.profile_history(db, current_actor(), found.code)
    blank = {key: "" for key in HISTORY_FIELDS} | {"confirmed": False, "remove": False}
    rows = list(form["history"])
    while rows and _blank_row(rows[-1]) and not rows[-1].get("remove"):
        rows.pop()  # the posted empty row: one empty row is added below, not two
    return render_template("admin_profile.html", profile=found, form=form,
                           rows=[*rows, blank],
                           errors=errors, versions=history, kinds=THRESHOLD_KINDS,
                           scopes=SCOPES,
                           coefficients=found.impact_coefficients or {})
