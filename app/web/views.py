"""Thin views: read the form, call one service, render or redirect."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

import importers
from app.auth import LoginUser, attempt_sign_in, current_actor, require
from app.database import get_session
from app.jobs import queue_job, runner
from app.messages import report_layout
from app.security import safe_next
from app.web import bp, filters, proposals
from app.web.field_messages import field_message
from app.web.labels import is_english
from procurement.errors import InvalidInput, NotFound, PermissionDenied
from procurement.permissions import PERMISSIONS, ROLES
from procurement.services import (
    capabilities,
    exports,
    imports,
    jobs,
    matching,
    optimize,
    overview,
    pages,
    review,
)
from procurement.services.scenario import (
    EVIDENCE_LEVELS,
    FieldError,
    ScenarioInvalid,
    field_errors,
)

PAGE_SIZE = 50
MAX_OFFSET = 2**31  # as the API's: beyond any real list
# Roles that read the audit trail page (see the report: a permission would be better).
STAGED_KEY = "staged_imports"
# Currencies a clerk may choose for a spending file (the file's own, never assumed).
IMPORT_CURRENCIES = ("CAD", "EUR", "GBP", "USD")
DATE_ORDERS = ("dmy", "mdy")


@bp.get("/health")
def health() -> dict[str, str]:
    """Answer load balancers and `make run` checks."""
    return {"status": "ok"}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with e-mail and password (throttled)."""
    if request.method == "POST":
        user, wait = attempt_sign_in(request.form.get("email", ""),
                                     request.form.get("password", ""))
        email = request.form.get("email", "")
        if wait is not None:
            flash(_("Trop de tentatives depuis votre adresse ; réessayez dans quelques "
                    "minutes."), "error")
            return render_template("login.html", email=email), 429, {"Retry-After": str(wait)}
        if user is None:
            flash(_("Adresse ou mot de passe incorrect (le compte se verrouille après "
                    "plusieurs essais)."), "error")
            return render_template("login.html", email=email), 401
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        login_user(LoginUser(user))
        return redirect(safe_next(request.args.get("next")))
    return render_template("login.html")


@bp.post("/organization")
@require("users.manage")
def switch_organization() -> Any:
    """Let an administrator of several municipalities choose the one they act for."""
    wanted = request.form.get("organization_id", type=int)
    if wanted not in {org_id for org_id, _ in current_user.managed}:
        raise NotFound("You do not manage this municipality.", reason="not_your_municipality")
    session["acting_org_id"] = wanted
    return redirect(url_for("web.index"))


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Sign out."""
    logout_user()
    session.clear()
    return redirect(url_for("web.login"))


@bp.get("/")
@require("read")
def index() -> Any:
    """Show the municipality's dashboard."""
    return proposals.render_dashboard()


# --- imports -----------------------------------------------------------------------------

@bp.get("/imports")
@require("read")
def import_list() -> Any:
    """List the municipality's imports, newest first."""
    offset = _offset()
    page = overview.import_files_page(get_session(), current_actor(), limit=PAGE_SIZE,
                                      offset=offset)
    return render_template("import_list.html", page=page, offset=offset, size=PAGE_SIZE)


@bp.route("/imports/new", methods=["GET", "POST"])
@require("import")
def import_new() -> Any:
    """Upload a spending file; all lines or none unless the clerk accepts valid rows only."""
    if request.method == "GET":
        return _render_new({})
    upload = request.files.get("file")
    currency = request.form.get("currency") or None
    date_order = request.form.get("date_order") or None
    errors: dict[str, str] = {}
    if upload is None or not upload.filename:
        errors["file"] = _("Choisissez un fichier.")
    if currency is not None and currency not in IMPORT_CURRENCIES:
        errors["currency"] = _("Choisissez une devise de la liste.")
    if date_order is not None and date_order not in DATE_ORDERS:
        errors["date_order"] = _("Choisissez jour/mois ou mois/jour.")
    if errors or upload is None or not upload.filename:
        return _render_new(errors), 422
    actor = current_actor()
    overview.actor_organization(get_session(), actor)  # an account without a municipality: 404
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        upload.save(path)
        # The file must outlive the request: the job reads it from the staging folder.
        token = imports.stage_upload(_instance(), actor, path, upload.filename)
    return _start_import(token, original_name=upload.filename, ask_mapping=True,
                         currency=currency, date_order=date_order,
                         accept_valid_rows=request.form.get("accept_valid_rows") == "1",
                         review_mapping=request.form.get("review_mapping") == "1")


def _render_new(errors: dict[str, str]) -> str:
    # request.values: the form sent, or the choices kept through signing in again.
    return render_template("import_new.html", errors=errors, currencies=IMPORT_CURRENCIES,
                           currency=request.values.get("currency", ""),
                           date_order=request.values.get("date_order", ""),
                           accept_valid_rows=request.values.get("accept_valid_rows") == "1",
                           review_mapping=request.values.get("review_mapping") == "1")


@bp.route("/imports/mapping/<token>", methods=["GET", "POST"])
@require("import")
def import_mapping(token: str) -> Any:
    """Let the clerk choose the column of each field, then import with that mapping."""
    staged = pages.staged_with_note(_instance(), current_actor(), token)
    if request.method == "GET":  # the detected mapping, or the one chosen before signing in
        chosen = {**(staged.note.get("mapping") or {}),
                  **{name: request.args[f"map_{name}"] for name in importers.SPEND_FIELDS
                     if request.args.get(f"map_{name}")}}
        return _render_mapping(staged, chosen, {})
    chosen = {name: request.form.get(f"map_{name}", "") for name in importers.SPEND_FIELDS}
    mapping = {name: header for name, header in chosen.items() if header}
    date_order = request.form.get("date_order") or None
    currency = request.form.get("currency") or staged.note.get("currency") or None
    errors = {name: _("obligatoire") for name in ("supplier_name", "amount")
              if name not in mapping}
    if date_order not in (None, "dmy", "mdy"):
        errors["date_order"] = _("Choisissez jour/mois ou mois/jour.")
    if staged.note.get("currencies") and currency is None:
        errors["currency"] = _("Confirmez la devise des montants.")
    if currency is not None and currency not in IMPORT_CURRENCIES:
        errors["currency"] = _("Choisissez une devise de la liste.")
    columns = staged.note.get("columns") or []
    errors.update({name: _("Cette colonne n'existe pas dans le fichier.")
                   for name, header in mapping.items() if columns and header not in columns})
    if errors:
        return _render_mapping(staged, chosen, errors), 422
    return _start_import(token, original_name=staged.name, mapping=mapping,
                         date_order=date_order, currency=currency,
                         save_mapping=request.form.get("save_mapping") == "1",
                         accept_valid_rows=request.form.get("accept_valid_rows") == "1")


@bp.post("/imports/mapping/<token>/discard")
@require("import")
def import_mapping_discard(token: str) -> Any:
    """Abandon a staged upload."""
    staged = pages.staged_with_note(_instance(), current_actor(), token)
    _discard(staged.token)
    flash(_("Le fichier a été abandonné ; rien n'a été importé."), "success")
    return redirect(url_for("web.import_new"))


@bp.get("/imports/<int:import_id>")
@require("read")
def import_detail(import_id: int) -> Any:
    """Show an import and its problem report, grouped by code."""
    batch = overview.import_batch(get_session(), current_actor(), import_id)
    token = _staged_token(import_id) if batch.status == "refused" else None
    return render_template("import_detail.html", batch=batch, token=token,
                           can_accept_valid=token is not None
                           and batch.rows_read > batch.refused_rows,
                           attempts=overview.import_attempts(get_session(), current_actor(),
                                                             batch),
                           can_withdraw=batch.status == "imported" and batch.kind == "spend"
                           and current_actor().can("import"))


@bp.route("/imports/<int:import_id>/withdraw", methods=["GET", "POST"])
@require("import")
def import_withdraw(import_id: int) -> Any:
    """Confirm, then withdraw an import: its lines leave the spending, the file stays listed."""
    db = get_session()
    batch = overview.import_batch(db, current_actor(), import_id)
    if request.method == "GET" or request.form.get("confirm") != "1":
        stale = imports.proposals_using(db, batch) if batch.status == "imported" else []
        return render_template("import_withdraw.html", batch=batch, stale=stale,
                               reason=request.form.get("reason", ""))
    done = imports.withdraw_import(db, current_actor(), import_id,
                                   reason=request.form.get("reason"))
    db.commit()
    flash(_("Import retiré : %(n)s lignes enlevées des dépenses.",
            n=filters.number(done.lines_removed)) + " "
          + ngettext("%(num)s proposition qui les utilisait est marquée périmée.",
                     "%(num)s propositions qui les utilisaient sont marquées périmées.",
                     len(done.stale_proposals)), "success")
    return redirect(url_for("web.import_detail", import_id=import_id))


@bp.get("/imports/<int:import_id>/report.csv")
@require("read")
def import_report(import_id: int) -> Any:
    """Download an import's problem report as CSV."""
    content = overview.import_report_csv(get_session(), current_actor(), import_id,
                                         **report_layout())
    return Response(content, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="import-{import_id}-rapport.csv"'})


@bp.post("/imports/<int:import_id>/accept-valid")
@require("import")
def import_accept_valid(import_id: int) -> Any:
    """Import the valid rows of a refused file, still staged, and report the refused ones."""
    token = _staged_token(import_id)
    if token is None:
        raise NotFound("This upload is no longer available; upload the file again.",
                       reason="upload_gone")
    staged = pages.staged_with_note(_instance(), current_actor(), token)
    return _start_import(token, original_name=staged.name,
                         mapping=staged.note.get("confirmed_mapping"),
                         date_order=staged.note.get("date_order"),
                         currency=staged.note.get("currency"), accept_valid_rows=True)


def _start_import(token: str, **params: Any) -> Any:
    """Queue the import of a staged upload, start it, and send the clerk to its page."""
    job_id = queue_job("import_spend", {
        "token": token, "isolated": current_app.config["PARSE_IN_SUBPROCESS"], **params})
    return redirect(url_for("web.job_detail", job_id=job_id))


@bp.get("/jobs/<int:job_id>")
@require("read")
def job_detail(job_id: int) -> Any:
    """Show a job's phase and progress (the page reloads itself); once done, go on."""
    job = jobs.get_job(get_session(), current_actor(), job_id)
    state = runner().state(job)
    if state.status != "done" or state.kind == "export":
        return render_template("job.html", job=state)
    result = state.result
    if state.kind == "match":
        flash(_("Appariement relancé : %(n)s lignes, %(p)s éléments à vérifier.",
                n=result.get("lines"), p=result.get("pending_review")), "success")
        return redirect(url_for("web.matching_overview"))
    if state.kind == "optimize":
        if result.get("proposal_id") is not None:
            return redirect(url_for("web.proposal_detail", proposal_id=result["proposal_id"]))
        # No sound solution: the form again, as typed, with why (nothing was stored).
        return _render_scenario(dict((job.params or {}).get("form") or {}), {},
                                outcome={"solution": result})
    if result.get("next") == "mapping":
        flash(_("Confirmez l'association des colonnes avant l'import ; rien n'a encore été "
                "enregistré."), "info")
        return redirect(url_for("web.import_mapping", token=result["staged"]))
    if result.get("status") == "refused" and result.get("staged") and result.get("import_id"):
        # The import page offers to store the valid rows of the still-staged file.
        staged = dict(session.get(STAGED_KEY) or {})
        staged[str(result["import_id"])] = result["staged"]
        session[STAGED_KEY] = dict(list(staged.items())[-5:])
    flash(_import_message(result), "error" if result.get("status") == "refused" else "success")
    if result.get("import_id") is None:
        return redirect(url_for("web.import_new"))
    return redirect(url_for("web.import_detail", import_id=result["import_id"]))


@bp.get("/jobs/<int:job_id>/download")
@require("export")
def job_download(job_id: int) -> Any:
    """Download the file an export job wrote."""
    path, result = jobs.export_file(get_session(), current_actor(), _instance(), job_id)
    return send_file(path, mimetype=str(result["mimetype"]), as_attachment=True,
                     download_name=str(result["filename"]))


def _import_message(result: dict[str, Any]) -> str:
    if result.get("status") == "imported":
        return _("Import réussi : %(n)s lignes, total %(total)s.",
                 n=filters.number(result.get("lines") or 0),
                 total=filters.money(result.get("total") or "0", result.get("currency") or ""))
    if result.get("status") == "duplicate":
        return _("Ces données ont déjà été importées (import n° %(id)s) ; rien n'a été ajouté.",
                 id=result.get("import_id"))
    return _("Le fichier a été refusé ; rien n'a été enregistré. Le rapport ci-dessous dit "
             "pourquoi.")


def _render_mapping(staged: pages.StagedUpload, chosen: dict[str, str],
                    errors: dict[str, Any]) -> str:
    return render_template(
        "import_mapping.html", staged=staged, fields=importers.SPEND_FIELDS,
        required=("supplier_name", "amount"), columns=staged.note.get("columns") or [],
        chosen=chosen, errors=errors, date_ambiguous=staged.note.get("date_ambiguous"),
        date_order=request.values.get("date_order", ""),
        currencies=staged.note.get("currencies") or [],
        currency_choices=IMPORT_CURRENCIES,
        currency=request.values.get("currency") or staged.note.get("currency") or "",
        accept_valid_rows=request.values.get("accept_valid_rows") == "1",
        save_mapping=request.values.get("save_mapping") == "1" or (
            request.method == "GET" and "map_amount" not in request.args),
        samples=staged.note.get("samples") or {})


def _staged_token(import_id: int) -> str | None:
    """Return the staged upload of a refused import: this session's, else the one whose
    note names the import (a new session after signing in again keeps the choice)."""
    token = (session.get(STAGED_KEY) or {}).get(str(import_id))
    try:
        if token is not None:
            pages.staged_with_note(_instance(), current_actor(), token)
            return str(token)
        found = pages.staged_for_import(_instance(), current_actor(), import_id)
    except (NotFound, PermissionDenied):
        return None
    return None if found is None else found.token


def _discard(token: str) -> None:
    imports.discard_staged(_instance(), token)
    pages.discard_note(_instance(), token)
    staged = {k: v for k, v in (session.get(STAGED_KEY) or {}).items() if v != token}
    session[STAGED_KEY] = staged


def _instance() -> Path:
    return Path(current_app.config["INSTANCE_PATH"])


# --- matching ----------------------------------------------------------------------------

@bp.get("/matching")
@require("read")
def matching_overview() -> Any:
    """List spending by category, with each match's confidence, method and reason."""
    band = request.args.get("band") or None
    if band not in (None, "high", "medium", "low"):
        band = None
    offset = _offset()
    page = pages.matching_page(get_session(), current_actor(), band=band, limit=PAGE_SIZE,
                               offset=offset)
    return render_template("matching.html", page=page, band=band, offset=offset,
                           size=PAGE_SIZE)


@bp.post("/matching/correct")
@require("match.correct")
def matching_correct() -> Any:
    """Record a clerk's category for every line with this expense category or description."""
    db = get_session()
    org = overview.actor_organization(db, current_actor())
    scope = request.form.get("scope") or (
        "expense_category" if request.form.get("expense_category") else "description")
    if scope not in ("expense_category", "description"):
        scope = "description"
    rule = matching.correct_category(
        db, current_actor(), org, kind=scope, pattern=request.form.get(scope, ""),
        category_code=request.form.get("category_code", ""))
    db.commit()
    names = capabilities.category_labels().get(rule.category_code)
    flash(_("Correction enregistrée : « %(p)s » → %(c)s, appliquée dès maintenant et aux "
            "prochains imports.", p=rule.pattern,
            c=(names[1] if is_english() else names[0]) if names else rule.category_code),
          "success")
    back = request.form.get("back") or ""
    return redirect(safe_next(back, "web.matching_overview"))


@bp.post("/matching/run")
@require("match.correct")
def matching_run() -> Any:
    """Re-run the categorization and incumbent recognition on all the spending."""
    overview.actor_organization(get_session(), current_actor())  # no municipality: 404
    return redirect(url_for("web.job_detail", job_id=queue_job("match")))


@bp.get("/matching/incumbents")
@require("read")
def incumbent_queue() -> Any:
    """Show the current suppliers that may be social economy enterprises, for a person."""
    db = get_session()
    queue = matching.review_queue(db, overview.actor_organization(db, current_actor()))
    return render_template("incumbents.html", queue=queue)


@bp.post("/matching/incumbents/<int:match_id>")
@require("match.correct")
def incumbent_decide(match_id: int) -> Any:
    """Confirm or reject one incumbent match."""
    db = get_session()
    confirm = request.form.get("decision") == "confirm"
    found = matching.decide_incumbent(db, current_actor(),
                                      overview.actor_organization(db, current_actor()),
                                      match_id, supplier_id=None, confirm=confirm)
    db.commit()
    flash(_("« %(name)s » : %(what)s.", name=found.supplier_name,
            what=_("confirmé") if confirm else _("rejeté")), "success")
    return redirect(url_for("web.incumbent_queue"))


@bp.get("/matching/opportunities")
@require("read")
def opportunities() -> Any:
    """List the categories where the city spends and no local social economy supplier exists."""
    db = get_session()
    summary = matching.summarize(db, overview.actor_organization(db, current_actor()))
    return render_template("opportunities.html", summary=summary)


# --- capabilities ------------------------------------------------------------------------

@bp.get("/capabilities")
@require("read")
def capability_queue() -> Any:
    """List the (supplier, category) pairs waiting for a person, most spending first."""
    filters = _capability_filters()
    offset = _offset()
    db = get_session()
    page = capabilities.capability_queue(db, current_actor(),
                                         overview.actor_organization(db, current_actor()),
                                         **filters, offset=offset, limit=PAGE_SIZE)
    return render_template("capabilities.html", page=page, filters=filters, offset=offset,
                           size=PAGE_SIZE, categories=capabilities.category_labels(),
                           evidence_levels=EVIDENCE_LEVELS,
                           can_decide=current_actor().can("capability.decide"))


@bp.post("/capabilities/decide")
@require("capability.decide")
def capability_decide() -> Any:
    """Confirm or reject the checked pairs, or the one of the row's button, all or none."""
    one = request.form.get("one", "")
    if one:
        chosen, decision = [one.rsplit(":", 1)[0]], one.rsplit(":", 1)[-1]
    else:
        chosen, decision = request.form.getlist("pair"), request.form.get("decision", "")
    decisions = []
    for value in chosen:
        supplier, _sep, category = value.partition(":")
        decisions.append((int(supplier) if supplier.isdigit() else supplier, category,
                          decision))
    back = request.form.get("back") or ""
    target = safe_next(back, "web.capability_queue")
    if not decisions:
        flash(_("Cochez au moins une ligne ; rien n'a été enregistré."), "error")
        return redirect(target)
    db = get_session()
    try:
        outcome = capabilities.decide_capabilities(db, current_actor(), decisions,
                                                   comment=request.form.get("comment") or None)
    except InvalidInput as exc:
        db.rollback()
        flash(_("Rien n'a été enregistré : %(n)s choix ne sont pas valides (%(fields)s).",
                n=len(exc.errors), fields=", ".join(sorted(exc.errors))), "error")
        return redirect(target)
    db.commit()
    flash(_("Décisions enregistrées : %(c)s confirmée(s), %(r)s rejetée(s).",
            c=outcome.confirmed, r=outcome.rejected), "success")
    return redirect(target)


def _capability_filters() -> dict[str, Any]:
    evidence = request.args.get("evidence") or None
    category = request.args.get("category") or None
    return {"evidence": evidence if evidence in EVIDENCE_LEVELS else None,
            "category": category if category in capabilities.category_labels() else None,
            "decided": request.args.get("decided") == "1"}


# --- proposals and scenarios -------------------------------------------------------------

@bp.get("/proposals/<int:proposal_id>")
@require("read")
def proposal_detail(proposal_id: int) -> Any:
    """Show a proposal: settings, KPIs, explanations, a page of its allocations."""
    return proposals.render_proposal(proposal_id)


@bp.post("/proposals/<int:proposal_id>/submit")
@require("proposal.submit")
def proposal_submit(proposal_id: int) -> Any:
    """Send a draft to finance."""
    db = get_session()
    review.submit(db, current_actor(), proposal_id, version=_int_field("version"))
    db.commit()
    flash(_("Proposition soumise pour approbation."), "success")
    return redirect(url_for("web.proposal_detail", proposal_id=proposal_id))


@bp.post("/proposals/<int:proposal_id>/decide")
@require("proposal.decide")
def proposal_decide(proposal_id: int) -> Any:
    """Approve or reject a submitted proposal, and optionally each allocation."""
    db = get_session()
    per_allocation = {}
    for key, value in request.form.items():
        if key.startswith("alloc_") and key[6:].isdigit() and value:
            per_allocation[int(key[6:])] = value
    comment = request.form.get("comment") or ""
    try:
        review.decide(db, current_actor(), proposal_id,
                      decision=request.form.get("decision", ""),
                      version=_int_field("version"), comment=comment,
                      allocation_decisions=per_allocation)
    except InvalidInput as exc:
        db.rollback()
        # The same page again, its decision form showing every problem and what was typed.
        return proposals.render_proposal(
            proposal_id, decision_errors=_decision_errors(exc.errors),
            decision_form={"comment": comment, "allocations": per_allocation}), 422
    db.commit()
    flash(_("Décision enregistrée : proposition approuvée.")
          if request.form.get("decision") == "approved"
          else _("Décision enregistrée : proposition rejetée."), "success")
    return redirect(url_for("web.proposal_detail", proposal_id=proposal_id))


def _decision_errors(errors: dict[str, Any]) -> dict[str, str]:
    """Say the decision's field errors with the catalogue (the service names the fields)."""
    said: dict[str, str] = {}
    for key in errors:
        if key == "comment":
            said["comment"] = _("Dites pourquoi vous rejetez la proposition : le commentaire "
                                "est obligatoire pour rejeter.")
        elif key == "decision":
            said["decision"] = _("Choisissez « Approuver » ou « Rejeter ».")
        elif key == "version":
            said["decision"] = _("Le formulaire est incomplet ; rechargez la page.")
        else:  # an allocation's choice
            said["allocations"] = _("Choisissez « approuver » ou « rejeter » pour chaque "
                                    "allocation de cette proposition.")
    return said


@bp.get("/proposals/compare")
@require("read")
def proposal_compare() -> Any:
    """Compare two proposals: settings, indicators, units, amounts that differ."""
    return proposals.render_compare()


@bp.get("/proposals/<int:proposal_id>/sensitivity")
@require("read")
def proposal_sensitivity(proposal_id: int) -> Any:
    """Re-solve the proposal's scenario for other budgets and targets (nothing stored)."""
    raw = (request.args.get("targets") or "").strip()
    shares: list[float] = []
    error = None
    if raw:
        try:
            shares = [float(part.strip().replace(",", ".")) / 100
                      for part in raw.replace(";", " ").split() if part.strip()]
        except ValueError:
            error = _("Donnez des pourcentages séparés par des espaces, par exemple 20 30 40.")
    db = get_session()
    proposal = overview.proposal(db, current_actor(), proposal_id)
    rows = [] if error else optimize.sensitivity_table(db, current_actor(), proposal_id,
                                                       target_shares=tuple(shares))
    return render_template("sensitivity.html", proposal=proposal, rows=rows, targets=raw,
                           error=error), (422 if error else 200)


@bp.get("/proposals/<int:proposal_id>/export.<fmt>")
@require("export")
def proposal_export(proposal_id: int, fmt: str) -> Any:
    """Download a proposal as xlsx, csv or OCDS JSON (a large one is written by a job)."""
    db = get_session()
    lang = str(get_locale() or "fr")[:2]
    if exports.is_large(db, current_actor(), proposal_id, fmt,
                        current_app.config["EXPORT_JOB_MIN_ALLOCATIONS"]):
        job_id = queue_job("export", {"proposal_id": proposal_id, "format": fmt, "lang": lang})
        return redirect(url_for("web.job_detail", job_id=job_id))
    result = exports.export_proposal(db, current_actor(), proposal_id, fmt, lang=lang,
                                     gettext=_)
    db.commit()
    return Response(result.content, mimetype=result.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"'})


SCENARIO_PERCENT_FIELDS = ("budget_increase_pct", "max_premium_pct", "max_supplier_share")
SCENARIO_TARGETS = ("social_economy_share", "local_share")
# Fields the form sends as they are typed; the scenario validator judges them.
SCENARIO_TEXT_FIELDS = ("mode", "solver", "min_capability_evidence", "period_start",
                        "period_end", "regulatory_profile")


@bp.get("/scenarios/new")
@require("scenario.run")
def scenario_new() -> Any:
    """Show the scenario form (with the values kept through signing in again, if any)."""
    return _render_scenario(request.args.to_dict(), {})


@bp.post("/scenarios/run")
@require("scenario.run")
def scenario_run() -> Any:
    """Run a scenario from the form; show field errors or why no proposal was possible."""
    form = request.form.to_dict()
    params, form_errors = _scenario_params(form)
    # Every field error at once: the form's own (unreadable JSON) and the validator's.
    errors = {**_scenario_field_errors(field_errors(params), form), **form_errors}
    if errors:
        return _render_scenario(form, errors, message=_("Le scénario n'est pas valide ; rien "
                                                        "n'a été calculé.")), 422
    db = get_session()
    try:
        # Said at once; the run itself is a job (a worker, or a thread of this process).
        optimize.check_scenario(db, current_actor(),
                                overview.actor_organization(db, current_actor()), params)
    except ScenarioInvalid as exc:
        db.rollback()
        return _render_scenario(form, _scenario_field_errors(exc.field_errors, form),
                                message=_("Le scénario n'est pas valide ; rien n'a été "
                                          "calculé.")), 422
    except InvalidInput as exc:
        db.rollback()
        if "period" in exc.errors:  # no spending in the period: said next to its dates
            said = _("Aucune dépense appariée dans cette période : importez un fichier de "
                     "dépenses ou choisissez d'autres dates.")
            return _render_scenario(form, {"period_start": said},
                                    message=_("Le scénario n'est pas valide ; rien n'a été "
                                              "calculé.")), 422
        return _render_scenario(form, {key: str(value) for key, value in exc.errors.items()},
                                message=exc.message), 422
    db.rollback()
    form.pop("csrf_token", None)
    job_id = queue_job("optimize", {"scenario": params, "form": form})
    return redirect(url_for("web.job_detail", job_id=job_id))


def _render_scenario(form: dict[str, str], errors: dict[str, str], **context: Any) -> str:
    context.setdefault("outcome", None)
    return render_template("scenario.html", form=form, errors=errors,
                           evidence_levels=EVIDENCE_LEVELS, **context)


def _scenario_field_errors(errors: dict[str, FieldError],
                           form: dict[str, str]) -> dict[str, str]:
    """Say the validator's field errors with the catalogue; percentages in the form's terms."""
    ranges = {
        "budget_increase_pct": _("Entrez un pourcentage entre -50 et 100."),
        "max_premium_pct": _("Entrez un pourcentage entre 0 et 100."),
        "max_supplier_share": _("Entrez un pourcentage plus grand que 0, au plus 100."),
        "social_economy_share": _("Entrez une cible entre 0 et 100 %."),
        "local_share": _("Entrez une cible entre 0 et 100 %."),
    }
    said: dict[str, str] = {}
    for name, error in errors.items():
        typed = (form.get(name) or "").strip()
        if name in ranges and typed and error.code == "not_a_number":
            said[name] = _("« %(v)s » n'est pas un pourcentage.", v=typed)
        elif name in ranges and typed:
            said[name] = str(ranges[name])
        else:
            said[name] = field_message(error)
    return said


def _scenario_params(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Build the scenario JSON from the form: percentages become fractions.

    The optional `scenario_json` field holds other settings as the scenario JSON of the
    command line; the form's own fields win over it. What cannot be read as a number is
    passed as typed, so that the validator names the field. Returns the scenario and the
    errors of the form itself (JSON that cannot be read as an object), so that the other
    fields are still checked.
    """
    params: dict[str, Any] = {}
    form_errors: dict[str, str] = {}
    advanced = (form.get("scenario_json") or "").strip()
    if advanced:
        try:
            parsed = json.loads(advanced)
        except json.JSONDecodeError as exc:
            parsed = None
            form_errors["scenario_json"] = _(
                "Ce n'est pas du JSON lisible (ligne %(line)s, colonne %(col)s).",
                line=exc.lineno, col=exc.colno)
        if isinstance(parsed, dict):
            params = parsed
        elif "scenario_json" not in form_errors:  # the validator's word, as CLI and API say
            form_errors["scenario"] = field_message(FieldError("not_an_object"))
    name = (form.get("name") or "").strip()
    if name or "name" not in params:
        params["name"] = name or _("Scénario")
    for key in (*SCENARIO_PERCENT_FIELDS, *SCENARIO_TARGETS):
        raw = (form.get(key) or "").strip().replace(",", ".").rstrip("%").strip()
        if not raw:
            continue
        value: Any
        try:
            value = float(raw) / 100
        except ValueError:
            value = raw
        if key in SCENARIO_TARGETS and not isinstance(value, str):
            params[key] = {"value": value, "hard": form.get(f"{key}_hard") == "1"}
        else:
            params[key] = value
    raw_limit = (form.get("time_limit_s") or "").strip().replace(",", ".")
    if raw_limit:
        try:
            params["time_limit_s"] = float(raw_limit)
        except ValueError:
            params["time_limit_s"] = raw_limit
    for key in SCENARIO_TEXT_FIELDS:
        if form.get(key):
            params[key] = form[key]
    return params, form_errors


# --- audit -------------------------------------------------------------------------------

@bp.get("/audit")
@require("audit.read")
def audit_events() -> Any:
    """Show the audit trail of the municipality (auditors and administrators)."""
    offset = _offset()
    page = overview.audit_page(get_session(), current_actor(), limit=PAGE_SIZE, offset=offset)
    return render_template("audit.html", page=page, offset=offset, size=PAGE_SIZE)


# --- helpers -----------------------------------------------------------------------------

def _int_field(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit():
        raise InvalidInput("The form is incomplete.", errors={name: _("obligatoire")},
                           reason="form_incomplete")
    return int(raw)


def _offset() -> int:
    """Read the list offset of a page: a whole number from 0 to MAX_OFFSET, else 422."""
    raw = request.args.get("offset", "0").strip() or "0"
    if not raw.isdigit() or len(raw) > 12 or int(raw) > MAX_OFFSET:
        raise InvalidInput("The position in the list is not valid.", reason="bad_list_position",
                           errors={"offset": _("un nombre entier de 0 à %(n)s", n=MAX_OFFSET)})
    return int(raw)


@bp.app_context_processor
def inject_user() -> dict[str, Any]:
    """Give every template the user and their role."""
    return {"user": current_user,
            "audit_roles": {role for role in ROLES if role in PERMISSIONS["audit.read"]}}
