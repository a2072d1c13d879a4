"""Pages of the supplier registry: search, a supplier, its edit, and registry imports."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from babel import Locale
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth import current_actor, require
from app.database import get_session
from app.jobs import import_settings
from app.security import safe_next
from app.web import bp
from app.web.field_messages import field_message
from app.web.filters import number_locale
from app.web.labels import is_english
from app.web.views import PAGE_SIZE, _offset
from importers.values import parse_amount
from procurement.matching import normalize_text
from procurement.permissions import PERMISSIONS, ROLES
from procurement.services import capabilities, overview, registry, registry_search
from procurement.services.common import MAX_ID
from procurement.services.scenario import EVIDENCE_LEVELS

# The search form's fields, as the address carries them.
SEARCH_FIELDS = ("q", "org_type", "legal_form", "mrc", "region", "category", "evidence",
                 "locality", "work_integration")
FLAGS = ("active", "work_integration", "reserved_eligible")
SCORE_FIELDS = ("work_integration", "locality", "governance", "environment")


def _search_args() -> dict[str, str]:
    """Read the search form from the address; values the filters do not offer are dropped."""
    args: dict[str, str] = {}
    for key in SEARCH_FIELDS:
        value = (request.args.get(key) or "").strip()[:registry_search.MAX_QUERY]
        if value:
            args[key] = value
    if args.get("category") not in capabilities.category_labels():
        args.pop("category", None)
    if args.get("evidence") not in EVIDENCE_LEVELS:
        args.pop("evidence", None)
    if args.get("locality") not in registry_search.LOCALITIES:
        args.pop("locality", None)
    if args.get("work_integration") != "1":
        args.pop("work_integration", None)
    return args


@bp.get("/registry")
@require("read")
def registry_list() -> Any:
    """Search the registry by name, identifier or activity, with filters; sorted by name."""
    args = _search_args()
    filters = registry_search.RegistryFilters(
        text=args.get("q"), org_type=args.get("org_type"), legal_form=args.get("legal_form"),
        mrc=args.get("mrc"), region=args.get("region"), category=args.get("category"),
        evidence=args.get("evidence"), locality=args.get("locality"),
        work_integration=True if args.get("work_integration") else None)
    offset = _offset()
    db = get_session()
    actor = current_actor()
    page = registry_search.search_suppliers(db, actor, filters, limit=PAGE_SIZE, offset=offset)
    return render_template(
        "registry_list.html", page=page, rows=registry_search.describe(db, actor, page.items),
        args=args, offset=offset, size=PAGE_SIZE,
        options=registry_search.filter_options(db, actor),
        category_choices=category_choices(), evidence_levels=EVIDENCE_LEVELS,
        localities=registry_search.LOCALITIES)


def category_name(code: str) -> str:
    """Return a taxonomy category's name in the page's language."""
    names = capabilities.category_labels().get(code)
    if names is None:
        return code
    return names[1] if is_english() else names[0]


def country_name(code: str) -> str:
    """Return the name of an ISO 3166 country in the page's language ("CA" -> "Canada")."""
    names = Locale.parse(number_locale()).territories
    return str(names.get(code.upper(), code))


def category_choices() -> list[tuple[str, str]]:
    """Return (code, name) of every category, sorted by name in the page's language."""
    return sorted(((code, category_name(code)) for code in capabilities.category_labels()),
                  key=lambda item: (normalize_text(item[1]), item[0]))


@bp.get("/registry/<int:supplier_id>")
@require("read")
def registry_supplier(supplier_id: int) -> Any:
    """Show a supplier: facts, capabilities and evidence, impact scores, merges, lots."""
    profile = registry.supplier_profile(get_session(), current_actor(), supplier_id)
    return render_template("registry_supplier.html", profile=profile,
                           supplier=profile.supplier,
                           can_decide=current_actor().can("capability.decide"),
                           can_edit=current_actor().can("registry.edit"))


@bp.route("/registry/<int:supplier_id>/edit", methods=["GET", "POST"])
@require("registry.edit")
def registry_edit(supplier_id: int) -> Any:
    """Let an administrator change a supplier's capacity, service area, flags and scores."""
    db = get_session()
    actor = current_actor()
    supplier = overview.supplier(db, actor, _known_id(supplier_id))
    if request.method == "GET":
        return _render_edit(supplier, _form_of(supplier), {})
    form = request.form.to_dict()
    changes, errors = _changes_from(form)
    try:
        registry.update_supplier(db, actor, supplier_id, changes)
    except registry.SupplierInvalid as exc:
        db.rollback()
        errors.update({_form_field(key): _edit_message(key, error)
                       for key, error in exc.field_errors.items()})
    if errors:
        db.rollback()
        return _render_edit(supplier, form, errors), 422
    db.commit()
    flash(_("Fiche du fournisseur enregistrée."), "success")
    return redirect(url_for("web.registry_supplier", supplier_id=supplier_id))


def _form_of(supplier: Any) -> dict[str, str]:
    """Return the edit form's values for a supplier as it is."""
    form = {"capacity": "" if supplier.capacity is None else f"{supplier.capacity:.2f}",
            "service_area": supplier.service_area or ""}
    form.update({flag: "1" for flag in FLAGS if getattr(supplier, flag)})
    overrides = supplier.score_overrides or {}
    for key in (*SCORE_FIELDS, "premium_pct"):
        if key in overrides:
            value = float(overrides[key]) * (100 if key == "premium_pct" else 1)
            form[f"score_{key}"] = f"{value:g}"
    return form


def _number(raw: str) -> float | str:
    """Read a number typed in French or English ("0,8", "0.8"); return the text otherwise."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return raw.strip()


def _changes_from(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Build the edit the API's PATCH accepts from the form; name what cannot be read."""
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {flag: form.get(flag) == "1" for flag in FLAGS}
    capacity = (form.get("capacity") or "").strip()
    if capacity:
        cents = parse_amount(capacity)
        changes["capacity"] = capacity if cents is None else f"{cents / 100:.2f}"
    else:
        changes["capacity"] = None
    changes["service_area"] = form.get("service_area") or None
    scores: dict[str, Any] = {}
    for key in (*SCORE_FIELDS, "premium_pct"):
        raw = (form.get(f"score_{key}") or "").strip()
        if not raw:
            continue
        value = _number(raw)
        if isinstance(value, str):
            errors[f"score_{key}"] = _("« %(v)s » n'est pas un nombre.", v=raw)
        else:
            scores[key] = value / 100 if key == "premium_pct" else value
    changes["score_overrides"] = scores
    return changes, errors


def _form_field(key: str) -> str:
    """Return the form field of a validator's key (score_overrides.governance -> score_...)."""
    return "score_" + key.split(".", 1)[1] if key.startswith("score_overrides.") else key


def _edit_message(key: str, error: Any) -> str:
    if key == "capacity" and error.code == "not_a_number":
        return _("« %(v)s » n'est pas un montant ; exemple : 150 000,00.",
                 v=error.params.get("value"))
    if key == "score_overrides.premium_pct" and error.code == "out_of_range":
        return _("Entrez un pourcentage entre 0 et 100.")
    return field_message(error)


def _render_edit(supplier: Any, form: dict[str, str], errors: dict[str, str]) -> str:
    return render_template("registry_edit.html", supplier=supplier, form=form, errors=errors,
                           service_areas=registry.SERVICE_AREAS, score_fields=SCORE_FIELDS)


# --- registry imports -------------------------------------------------------------------

@bp.route("/registry/import", methods=["GET", "POST"])
@require("registry.edit")
def registry_import_new() -> Any:
    """Upload a registry file; show what it added, merged and left unchanged."""
    db = get_session()
    actor = current_actor()
    if request.method == "GET":
        return _render_import({})
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render_import({"file": _("Choisissez un fichier.")}), 422
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registry-upload"
        upload.save(path)
        outcome = registry.import_registry(db, actor, path, original_name=upload.filename,
                                           settings=import_settings(current_app))
    db.commit()
    if outcome.status == "imported":
        flash(_("Registre importé : %(a)s ajoutés, %(m)s fusionnés, %(u)s inchangés.",
                a=outcome.added, m=outcome.updated, u=outcome.unchanged), "success")
    elif outcome.status == "duplicate":
        flash(_("Ce contenu du registre a déjà été importé (import n° %(id)s) ; rien n'a été "
                "ajouté.", id=outcome.import_id), "info")
    else:
        flash(_("Le fichier a été refusé ; rien n'a été enregistré. Le rapport ci-dessous dit "
                "pourquoi."), "error")
    if outcome.import_id is None:
        return redirect(url_for("web.registry_import_new"))
    return redirect(url_for("web.registry_import_detail", import_id=outcome.import_id))


def _render_import(errors: dict[str, str]) -> str:
    return render_template("registry_import.html", errors=errors,
                           imports=registry.registry_imports(get_session(), current_actor()))


@bp.get("/registry/imports/<int:import_id>")
@require("registry.edit")
def registry_import_detail(import_id: int) -> Any:
    """Show a registry import: counts, problems, and each merge with its undo button."""
    report = registry.registry_import(get_session(), current_actor(), import_id)
    return render_template("registry_import_detail.html", report=report, batch=report.batch)


@bp.post("/registry/merges/<int:merge_id>/undo")
@require("registry.edit")
def registry_merge_undo(merge_id: int) -> Any:
    """Undo a registry merge (the API's POST /api/suppliers/merges/<id>/undo)."""
    db = get_session()
    outcome = registry.undo_merge(db, current_actor(), _known_id(merge_id))
    db.commit()
    if outcome.split_supplier_id:
        flash(_("Fusion annulée : le fournisseur a retrouvé ses données et l'enregistrement "
                "fusionné est devenu un fournisseur distinct."), "success")
    else:
        flash(_("Fusion annulée : le fournisseur a retrouvé ses données."), "success")
    back = request.form.get("back")
    if back:
        return redirect(safe_next(back, "web.registry_list"))
    return redirect(url_for("web.registry_supplier", supplier_id=outcome.supplier_id))


def _known_id(value: int) -> int:
    """Refuse an id no table can hold (a 404, before the database sees it)."""
    if not 0 < value <= MAX_ID:
        abort(404)
    return value


@bp.app_context_processor
def inject_registry_helpers() -> dict[str, Any]:
    """Give the templates category names and the roles that may edit the registry."""
    return {"category_name": category_name, "country_name": country_name,
            "registry_edit_roles": {role for role in ROLES
                                    if role in PERMISSIONS["registry.edit"]}}
