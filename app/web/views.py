"""Thin views: read the form, call one service, render or redirect."""

from __future__ import annotations

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
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import LoginUser, current_actor, require
from app.database import get_session
from app.web import bp
from procurement.errors import InvalidInput
from procurement.services import exports, imports, matching, optimize, overview, review
from procurement.users import authenticate


@bp.get("/health")
def health() -> dict[str, str]:
    """Answer load balancers and `make run` checks."""
    return {"status": "ok"}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with e-mail and password (throttled)."""
    if request.method == "POST":
        db = get_session()
        user = authenticate(db, request.form.get("email", ""), request.form.get("password", ""),
                            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        db.commit()
        if user is None:
            flash(_("Adresse ou mot de passe incorrect (le compte se verrouille après "
                    "plusieurs essais)."), "error")
            return render_template("login.html"), 401
        session.clear()
        login_user(LoginUser(user))
        target = request.args.get("next") or ""
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("web.index")
        return redirect(target)
    return render_template("login.html")


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
    data = overview.dashboard(get_session(), current_actor())
    return render_template("index.html", data=data)


@bp.get("/proposals/<int:proposal_id>")
@require("read")
def proposal_detail(proposal_id: int) -> Any:
    """Show a proposal with its KPIs, allocations and explanations."""
    proposal = overview.proposal(get_session(), current_actor(), proposal_id)
    return render_template("proposal.html", proposal=proposal)


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
    """Approve or reject a submitted proposal."""
    db = get_session()
    review.decide(db, current_actor(), proposal_id, decision=request.form.get("decision", ""),
                  version=_int_field("version"), comment=request.form.get("comment"))
    db.commit()
    flash(_("Décision enregistrée."), "success")
    return redirect(url_for("web.proposal_detail", proposal_id=proposal_id))


@bp.get("/proposals/<int:proposal_id>/export.<fmt>")
@require("export")
def proposal_export(proposal_id: int, fmt: str) -> Any:
    """Download a proposal as xlsx or csv."""
    db = get_session()
    result = exports.export_proposal(db, current_actor(), proposal_id, fmt)
    db.commit()
    return Response(result.content, mimetype=result.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"'})


@bp.post("/scenarios/run")
@require("scenario.run")
def scenario_run() -> Any:
    """Run a scenario from the dashboard form."""
    db = get_session()
    org = overview.actor_organization(db, current_actor())
    params: dict[str, Any] = {"name": request.form.get("name") or "Scénario"}
    for field in ("budget_increase_pct", "max_premium_pct", "max_supplier_share"):
        raw = (request.form.get(field) or "").strip().replace(",", ".")
        if raw:
            try:
                params[field] = float(raw) / 100
            except ValueError as exc:
                raise InvalidInput(_("Le scénario n'est pas valide."),
                                   errors={field: _("« %(v)s » n'est pas un pourcentage",
                                                    v=raw)}) from exc
    outcome = optimize.run_scenario(db, current_actor(), org, params)
    db.commit()
    if outcome.proposal_id is None:
        flash(_("Aucune proposition: %(s)s", s=outcome.solution.status), "error")
        for item in outcome.solution.infeasibility:
            flash(item.explanation, "error")
        return redirect(url_for("web.index"))
    return redirect(url_for("web.proposal_detail", proposal_id=outcome.proposal_id))


@bp.route("/imports/new", methods=["GET", "POST"])
@require("import")
def import_new() -> Any:
    """Upload a spending file; all lines or none unless the clerk accepts valid rows only."""
    if request.method == "GET":
        return render_template("import_new.html")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(_("Choisissez un fichier."), errors={"file": _("obligatoire")})
    db = get_session()
    org = overview.actor_organization(db, current_actor())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        upload.save(path)
        outcome = imports.import_spend(
            db, current_actor(), org, path, original_name=upload.filename,
            accept_valid_rows=request.form.get("accept_valid_rows") == "1",
            isolated=current_app.config["PARSE_IN_SUBPROCESS"])
    if outcome.status == "imported":
        matching.run_matching(db, current_actor(), org)
    db.commit()
    flash(outcome.message, "success" if outcome.status != "refused" else "error")
    if outcome.import_id is None:
        return redirect(url_for("web.import_new"))
    return redirect(url_for("web.import_detail", import_id=outcome.import_id))


@bp.get("/imports/<int:import_id>")
@require("read")
def import_detail(import_id: int) -> Any:
    """Show an import and its problem report."""
    batch = overview.import_batch(get_session(), current_actor(), import_id)
    return render_template("import_detail.html", batch=batch)


def _int_field(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit():
        raise InvalidInput(_("Le formulaire est incomplet."), errors={name: _("obligatoire")})
    return int(raw)


@bp.app_context_processor
def inject_user() -> dict[str, Any]:
    """Give every template the user and their role."""
    return {"user": current_user}
