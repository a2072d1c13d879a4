"""Background jobs: where a long task is (phase, progress) and how it ended.

The API's long calls (a scenario run, an import, a large export, a matching run) queue a
job. `run_job` waits for it up to API_JOB_WAIT seconds: a job ended by then answers as the
call always did (201 with the result); otherwise, or with `?async=1`, the answer is 202 with
the job and its URL in Location, to read until its status is done or failed.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, send_file, url_for
from flask.views import MethodView

from app.api import base
from app.api.schemas import JobSchema
from app.auth import require
from app.jobs import queue_job, runner, wait_for_job
from procurement.services import jobs

blp = base.ApiBlueprint("jobs", __name__, url_prefix="/api/jobs",
                        description="Background jobs: phase, progress and result of a long task.")

def run_job(kind: str, params: dict[str, Any] | None = None, *,
            run_async: bool = False) -> jobs.JobState:
    """Queue a job for the call and wait for it unless asked not to; return its state."""
    job_id = queue_job(kind, params)
    wait = 0.0 if run_async else float(current_app.config["API_JOB_WAIT"])
    return wait_for_job(job_id, wait)


def accepted(state: jobs.JobState) -> Response:
    """Answer 202 with the job (still running, or failed: see status and message)."""
    url = url_for("jobs.JobItem", job_id=state.id)
    body = JobSchema().dump(state)
    body["url"] = url
    response = jsonify(body)
    response.status_code = 202
    response.headers["Location"] = url
    return response


@blp.route("/<id:job_id>")
class JobItem(MethodView):
    @require("read")
    @blp.response(200, JobSchema)
    def get(self, job_id: int) -> Any:
        """Return a job of the municipality: status, phase, progress and result."""
        return runner().state(jobs.get_job(base.session(), base.actor(), job_id))


@blp.route("/<id:job_id>/download")
class JobDownload(MethodView):
    @require("export")
    @blp.doc(responses={"200": {"description": "The file an export job wrote"}})
    def get(self, job_id: int) -> Any:
        """Download the file of a finished export job."""
        path, result = jobs.export_file(base.session(), base.actor(),
                                        base.instance_path_obj(), job_id)
        return send_file(path, mimetype=str(result["mimetype"]), as_attachment=True,
                         download_name=str(result["filename"]))
