"""Optimization scenarios: run one, list those run."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from app.api import base
from app.api.jobs import accepted, run_job
from app.api.schemas import (
    AsyncQuerySchema,
    JobSchema,
    ScenarioParamsSchema,
    ScenarioResultSchema,
    ScenarioSchema,
)
from app.auth import require
from procurement.services import optimize, overview

blp = base.ApiBlueprint("scenarios", __name__, url_prefix="/api/scenarios",
                        description="Optimization scenarios and their results.")


@blp.route("")
class ScenarioList(MethodView):
    @require("read")
    @blp.response(200, ScenarioSchema(many=True))
    @blp.paginate(page_size=base.PAGE_SIZE, max_page_size=base.MAX_PAGE_SIZE)
    def get(self, pagination_parameters: Any) -> Any:
        """List the municipality's scenarios, newest first."""
        page = overview.scenarios_page(base.session(), base.actor(),
                                       **base.page_window(pagination_parameters))
        return base.page_items(pagination_parameters, page)

    @require("scenario.run")
    @blp.arguments(ScenarioParamsSchema)
    @blp.response(201, ScenarioResultSchema)
    @blp.alt_response(202, schema=JobSchema, description="The run's job, not ended yet")
    @blp.arguments(AsyncQuerySchema, location="query", as_kwargs=True)
    def post(self, params: dict[str, Any], run_async: bool = False) -> Any:
        """Run a scenario (a job); a draft proposal is stored when the solution is sound.

        The body is the scenario JSON `procure optimize --scenario` reads (weights,
        budget_increase_pct, max_premium_pct, targets, …), checked by the same validator
        with the same field errors (422, at once); an empty object runs the defaults.
        Shares are fractions: write 0.02 for 2 %. The run is a job (a worker when
        configured): ended within PROCURE_API_JOB_WAIT seconds, the answer is 201 with the
        shape of `procure optimize --json`; otherwise, or with `?async=1`, 202 with the
        job (Location: /api/jobs/{id}; its result is that answer once done).
        """
        optimize.check_scenario(base.session(), base.actor(), base.organization(), params)
        base.session().rollback()
        state = run_job("optimize", {"scenario": params}, run_async=run_async)
        if state.status != "done":
            return accepted(state)
        return state.result
