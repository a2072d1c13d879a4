"""The command line, the API and the form accept and refuse the same scenarios, field by field."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import factories
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from app.cli import cli

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FIELD_ERROR = re.compile(r'<p class="field-error" id="([^"]+)-error">')
OTHER_ERROR = re.compile(r"<li><code>([^<]+)</code>\s*:")

# (scenario, the fields in error: empty when the scenario is valid)
SCENARIOS: list[tuple[Any, set[str]]] = [
    ({}, set()),
    # The README's example, targets grouped; and a time limit the optimizer allows.
    ({"budget_increase_pct": 0.05,
      "targets": {"social_economy_share": {"value": 0.3, "hard": True}}}, set()),
    ({"time_limit_s": 1000, "mode": "indivisible", "solver": "highs"}, set()),
    ({"min_capability_evidence": "name", "max_supplier_share": 0.5,
      "social_economy_share": {"value": 0.2, "hard": False}}, set()),
    ({"period_start": "2024-01-01", "period_end": "2024-12-31",
      "weights": {"locality": 1, "work_integration": 2}}, set()),
    ({"budget_increase_pct": 2}, {"budget_increase_pct"}),
    ({"max_premium_pct": 250, "solver": "gurobi", "time_limit_s": 0,
      "min_capability_evidence": "rumour"},
     {"max_premium_pct", "solver", "time_limit_s", "min_capability_evidence"}),
    ({"targets": {"social_economy_share": 30, "local": 0.2}, "colour": "blue"},
     {"targets.social_economy_share", "targets.local", "colour"}),
    ({"period_start": "2024-13-01", "local_share": {"value": 0.4, "hard": "yes"}},
     {"period_start", "local_share"}),
    ({"period_start": "2024-06-01", "period_end": "2024-01-01"}, {"period_end"}),
    ({"weights": {"locality": 1, "beauty": 2}, "explain": "yes"}, {"weights.beauty", "explain"}),
    ([0.02], {"scenario"}),
]
PERCENT_FIELDS = ("budget_increase_pct", "max_premium_pct", "max_supplier_share")
TARGET_FIELDS = ("social_economy_share", "local_share")
TEXT_FIELDS = ("mode", "solver", "min_capability_evidence", "period_start", "period_end",
               "time_limit_s")


def via_cli(app: Flask, tmp_path: Path, scenario: Any) -> set[str] | None:
    """Run `procure optimize --scenario` on the app's database; return the fields in error,
    or None if it ran."""
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    env = {"PROCURE_INSTANCE": str(tmp_path), "DATABASE_URL": app.config["DATABASE_URL"],
           "SECRET_KEY": app.config["SECRET_KEY"], "PROCURE_PARSE_IN_SUBPROCESS": "false"}
    result = CliRunner().invoke(cli, ["optimize", "--org", "37067", "--scenario", str(path),
                                      "--json"], env=env, catch_exceptions=False)
    answer = json.loads(result.stdout)  # with --json, errors too are JSON on stdout
    if "error" not in answer:
        assert "status" in answer
        return None
    assert result.exit_code != 0 and answer["error"]["code"] == "invalid_input", answer
    return set(answer["error"]["errors"])


def via_api(client: FlaskClient, headers: dict[str, str], scenario: Any) -> set[str] | None:
    """POST the scenario to the API; return the fields in error, or None if it ran."""
    answer = client.post("/api/scenarios", json=scenario, headers=headers)
    if answer.status_code == 201:
        return None
    assert answer.status_code == 422, answer.get_json()
    body = answer.get_json()
    assert set(body) == {"code", "message", "errors"} and body["code"] == "invalid_input"
    return set(body["errors"])


def as_form(scenario: Any) -> dict[str, str]:
    """Say a scenario as the form does: its own fields in percentages, the rest as JSON."""
    if not isinstance(scenario, dict):
        return {"scenario_json": json.dumps(scenario)}
    data: dict[str, str] = {}
    rest = dict(scenario)
    for name in PERCENT_FIELDS:
        if name in rest:
            data[name] = f"{rest.pop(name) * 100:g}"
    for name in TARGET_FIELDS:
        target = rest.get(name)
        if isinstance(target, dict) and set(target) == {"value", "hard"} \
                and isinstance(target["hard"], bool):
            rest.pop(name)
            data[name] = f"{target['value'] * 100:g}"
            if target["hard"]:
                data[f"{name}_hard"] = "1"
    for name in TEXT_FIELDS:
        if name in rest:
            data[name] = str(rest.pop(name))
    if rest:
        data["scenario_json"] = json.dumps(rest)
    return data


def via_form(client: FlaskClient, scenario: Any) -> set[str] | None:
    """Post the scenario form with its CSRF token; return the fields in error, or None."""
    page = client.get("/scenarios/new").get_data(as_text=True)
    token = CSRF.search(page)
    assert token is not None
    answer = client.post("/scenarios/run", data={"csrf_token": token.group(1),
                                                 **as_form(scenario)})
    if answer.status_code in (200, 302):
        return None
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    return set(FIELD_ERROR.findall(html)) | set(OTHER_ERROR.findall(html))


@pytest.fixture
def signed_in(make_app: Callable[..., Flask], make_world: Any) -> tuple[Flask, Any, FlaskClient]:
    """The app with CSRF on, its world, and the purchaser signed in through the login form."""
    app = make_app(WTF_CSRF_ENABLED=True)
    world = make_world(app)
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token is not None
    answer = client.post("/login", data={"email": world.a.emails["purchaser"],
                                         "password": factories.PASSWORD,
                                         "csrf_token": token.group(1)})
    assert answer.status_code == 302
    return app, world, client


def test_the_cli_the_api_and_the_form_give_the_same_field_errors(
        signed_in: tuple[Flask, Any, FlaskClient], tmp_path: Path) -> None:
    app, world, browser = signed_in
    api = app.test_client()
    for scenario, expected in SCENARIOS:
        said = {
            "cli": via_cli(app, tmp_path, scenario),
            "api": via_api(api, world.a.headers("purchaser"), scenario),
            "form": via_form(browser, scenario),
        }
        wanted = expected or None
        assert said == {"cli": wanted, "api": wanted, "form": wanted}, scenario


def test_a_share_above_one_says_to_write_a_fraction(
        signed_in: tuple[Flask, Any, FlaskClient], tmp_path: Path) -> None:
    app, world, browser = signed_in
    answer = app.test_client().post("/api/scenarios", json={"budget_increase_pct": 2},
                                    headers=world.a.headers("purchaser"))
    assert "write 0.02 for 2 %" in answer.get_json()["errors"]["budget_increase_pct"]
    page = browser.post("/scenarios/run?lang=fr", data={
        "csrf_token": CSRF.search(browser.get("/scenarios/new").get_data(as_text=True))
        .group(1),  # type: ignore[union-attr]
        "scenario_json": json.dumps({"targets": {"local_share": 30}})}).get_data(as_text=True)
    assert "0.02 pour 2 %" in page and "(ici 0.3)" in page
