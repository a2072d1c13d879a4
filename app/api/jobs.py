"""Background jobs: where a long import is (phase, lines stored) and how it ended."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from app.api import base
from app.api.schemas import JobSchema
from app.auth import require
from procurement.services import jobs

blp = base.ApiBlueprint("jobs", __name__, url_prefix="/api/jobs",
                        description="Background jobs: phase, progress and result of an import.")


@blp.route("/<id:job_id>")
class JobItem(MethodView):
    @require("read")
    @blp.response(200, JobSchema)
    def get(self, job_id: int) -> Any:
        """Return a job of the municipality: status, phase, lines stored and result."""
        runner: jobs.JobRunner = current_app.extensions["job_runner"]
        return runner.state(jobs.get_job(base.session(), base.actor(), job_id))
