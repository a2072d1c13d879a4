"""Spending files: upload, list, report, and the mapping confirmation of a staged upload."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from app.api import base
from app.api.jobs import accepted, run_job
from app.api.schemas import (
    AsyncQuerySchema,
    ImportDetailSchema,
    ImportOutcomeSchema,
    ImportSchema,
    ImportUploadSchema,
    JobSchema,
    MappingConfirmSchema,
    WithdrawalSchema,
    WithdrawSchema,
)
from app.auth import require
from app.messages import report_layout
from procurement.services import imports, overview

CSV_DOC = {"content": {"text/csv": {"schema": {"type": "string"}}},
           "description": "The problem report as CSV (UTF-8)"}

blp = base.ApiBlueprint("imports", __name__, url_prefix="/api/imports",
                        description="Spending files: upload, problem report, column mapping.")


def _imported(kind_of_call: str, token: str, run_async: bool, **params: Any) -> Any:
    """Run the import of a staged upload as a job (the worker, or a thread here).

    Ended within PROCURE_API_JOB_WAIT seconds: the outcome, 201, as the call always
    answered; otherwise, or with `?async=1`, 202 with the job, whose result holds that
    outcome once done.
    """
    state = run_job("import_spend", {
        "token": token, "api": kind_of_call,
        "isolated": current_app.config["PARSE_IN_SUBPROCESS"], **params}, run_async=run_async)
    outcome = state.result.get("outcome") if state.finished else None
    if outcome is None:
        return accepted(state)
    return outcome


@blp.route("")
class ImportList(MethodView):
    @require("read")
    @blp.response(200, ImportSchema(many=True))
    @blp.paginate(page_size=base.PAGE_SIZE, max_page_size=base.MAX_PAGE_SIZE)
    def get(self, pagination_parameters: Any) -> Any:
        """List the municipality's imports, newest first."""
        page = overview.imports_page(base.session(), base.actor(),
                                     **base.page_window(pagination_parameters))
        return base.page_items(pagination_parameters, page)

    @require("import")
    @blp.arguments(ImportUploadSchema, location="multipart")
    @blp.response(201, ImportOutcomeSchema)
    @blp.alt_response(202, schema=JobSchema, description="The import's job, not ended yet")
    @blp.arguments(AsyncQuerySchema, location="query", as_kwargs=True)
    def post(self, form: dict[str, Any], run_async: bool = False) -> Any:
        """Upload a spending file: all lines or none unless accept_valid_rows.

        When the columns or the date order need a person's confirmation, nothing is
        stored: the answer has needs_confirmation, the detected mapping and a
        staged_upload token to POST the confirmed mapping to.
        """
        upload = form["file"]
        base.organization()  # an account without a municipality: 404
        name = Path(upload.filename or "upload").name
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload"
            upload.save(path)
            # The file must outlive the request: the job reads it from the staging folder.
            token = imports.stage_upload(Path(base.instance_path()), base.actor(), path, name)
        return _imported("upload", token, run_async, original_name=name, sheet=form.get("sheet"),
                         date_order=form.get("date_order"), currency=form.get("currency"),
                         accept_valid_rows=form["accept_valid_rows"])


@blp.route("/<id:import_id>")
class ImportItem(MethodView):
    @require("read")
    @blp.response(200, ImportDetailSchema)
    def get(self, import_id: int) -> Any:
        """Return one import with its mapping and problem report."""
        return overview.import_batch(base.session(), base.actor(), import_id)


@blp.route("/<id:import_id>/withdraw")
class ImportWithdraw(MethodView):
    @require("import")
    @blp.arguments(WithdrawSchema, required=False)
    @blp.response(200, WithdrawalSchema)
    def post(self, body: dict[str, Any] | None, import_id: int) -> Any:
        """Withdraw an imported file: its lines leave the spending; proposals that used them
        are marked stale; the withdrawal is audited. 409 unless the import is imported."""
        done = imports.withdraw_import(base.session(), base.actor(), import_id,
                                       reason=(body or {}).get("reason"))
        base.commit()
        return done.to_json()


@blp.route("/<id:import_id>/report.csv")
class ImportReport(MethodView):
    @require("read")
    @blp.doc(responses={"200": CSV_DOC})
    def get(self, import_id: int) -> Any:
        """Download an import's problem report as CSV."""
        content = overview.import_report_csv(base.session(), base.actor(), import_id,
                                             **report_layout())
        return Response(content, mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="import-{import_id}-report.csv"'})


@blp.route("/staged/<string:token>")
class StagedImport(MethodView):
    @require("import")
    @blp.arguments(MappingConfirmSchema)
    @blp.response(201, ImportOutcomeSchema)
    @blp.alt_response(202, schema=JobSchema, description="The import's job, not ended yet")
    @blp.arguments(AsyncQuerySchema, location="query", as_kwargs=True)
    def post(self, body: dict[str, Any], token: str, run_async: bool = False) -> Any:
        """Confirm the column mapping of a staged upload, import it and remember the mapping."""
        base.organization()  # an account without a municipality: 404
        _path, name = imports.staged_upload(Path(base.instance_path()), base.actor(), token)
        return _imported("confirm", token, run_async, original_name=name, sheet=body.get("sheet"),
                         mapping=body["mapping"], date_order=body.get("date_order"),
                         currency=body.get("currency"),
                         accept_valid_rows=body["accept_valid_rows"], save_mapping=True)
