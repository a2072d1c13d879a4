"""Spending files: upload, list, report, and the mapping confirmation of a staged upload."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from app.api import base
from app.api.schemas import (
    ImportDetailSchema,
    ImportOutcomeSchema,
    ImportSchema,
    ImportUploadSchema,
    MappingConfirmSchema,
)
from app.auth import require
from app.jobs import import_settings
from app.messages import report_layout
from procurement.services import imports, matching, overview
from procurement.services.imports import ImportOutcome

MAX_ISSUES_IN_ANSWER = 1000
CSV_DOC = {"content": {"text/csv": {"schema": {"type": "string"}}},
           "description": "The problem report as CSV (UTF-8)"}

blp = base.ApiBlueprint("imports", __name__, url_prefix="/api/imports",
                        description="Spending files: upload, problem report, column mapping.")


def _answer(outcome: ImportOutcome, staged: str | None = None) -> dict[str, Any]:
    """Shape an import outcome for the API (the first issues; the CSV report has them all)."""
    data = dataclasses.asdict(outcome)
    data["issues"] = data["issues"][:MAX_ISSUES_IN_ANSWER]
    data["staged_upload"] = staged
    return data


def _after_import(outcome: ImportOutcome) -> None:
    """Match the new lines so that lists and scenarios see them at once."""
    if outcome.status == "imported":
        matching.run_matching(base.session(), base.actor(), base.organization())


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
    def post(self, form: dict[str, Any]) -> Any:
        """Upload a spending file: all lines or none unless accept_valid_rows.

        When the columns or the date order need a person's confirmation, nothing is
        stored: the answer has needs_confirmation, the detected mapping and a
        staged_upload token to POST the confirmed mapping to.
        """
        upload = form["file"]
        org = base.organization()
        name = Path(upload.filename or "upload").name
        staged = None
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload"
            upload.save(path)
            outcome = imports.import_spend(
                base.session(), base.actor(), org, path, original_name=name,
                sheet=form.get("sheet"), date_order=form.get("date_order"),
                currency=form.get("currency"), accept_valid_rows=form["accept_valid_rows"],
                settings=import_settings(current_app))
            if outcome.needs_confirmation:
                staged = imports.stage_upload(Path(base.instance_path()), base.actor(), path,
                                              name)
        _after_import(outcome)
        base.commit()
        return _answer(outcome, staged)


@blp.route("/<id:import_id>")
class ImportItem(MethodView):
    @require("read")
    @blp.response(200, ImportDetailSchema)
    def get(self, import_id: int) -> Any:
        """Return one import with its mapping and problem report."""
        return overview.import_batch(base.session(), base.actor(), import_id)


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
    def post(self, body: dict[str, Any], token: str) -> Any:
        """Confirm the column mapping of a staged upload, import it and remember the mapping."""
        instance = Path(base.instance_path())
        path, name = imports.staged_upload(instance, base.actor(), token)
        outcome = imports.import_spend(
            base.session(), base.actor(), base.organization(), path, original_name=name,
            sheet=body.get("sheet"), mapping=body["mapping"], date_order=body.get("date_order"),
            currency=body.get("currency"), accept_valid_rows=body["accept_valid_rows"],
            save_mapping=True,
            settings=import_settings(current_app))
        _after_import(outcome)
        base.commit()
        if outcome.status != "refused":
            imports.discard_staged(instance, token)
        return _answer(outcome, None if outcome.status != "refused" else token)
