"""With --json every `procure` command prints only JSON on stdout, errors included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from app.cli import cli


class Procure:
    def __init__(self, instance: Path) -> None:
        self.env = {"PROCURE_INSTANCE": str(instance), "DATABASE_URL": "",
                    "PROCURE_PARSE_IN_SUBPROCESS": "false"}

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=self.env, catch_exceptions=False)

    def error(self, *args: str) -> dict[str, Any]:
        result = self(*args, "--json")
        assert result.exit_code != 0, result.stdout
        document = json.loads(result.stdout)
        assert set(document) == {"error"}, document
        assert isinstance(document["error"]["code"], str) and document["error"]["code"]
        assert isinstance(document["error"]["message"], str) and document["error"]["message"]
        return dict(document["error"])


@pytest.fixture(scope="module")
def procure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Procure]:
    runner = Procure(tmp_path_factory.mktemp("cli-json"))
    result = runner("init", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["demo_org"] is None
    yield runner


def test_a_missing_file_is_a_json_error(procure: Procure, tmp_path: Path) -> None:
    missing = str(tmp_path / "absent.csv")
    assert procure.error("import-spend", missing, "--org", "37067")["code"] == "file_not_found"
    assert procure.error("import-suppliers", missing)["code"] == "file_not_found"


def test_an_unknown_municipality_is_a_json_error(procure: Procure, tmp_path: Path) -> None:
    path = tmp_path / "depenses.csv"
    path.write_text("Date,Fournisseur,Montant\n2024-01-01,ACME,10\n", encoding="utf-8")
    error = procure.error("import-spend", str(path), "--org", "00000")
    assert error["code"] == "not_found" and "00000" in error["message"]
    assert procure.error("match", "--org", "00000")["code"] == "not_found"
    assert procure.error("optimize", "--org", "00000")["code"] == "not_found"
    assert procure.error("grant-admin", "x@example.org", "--org", "00000")["code"]


def test_a_bad_scenario_and_a_bad_option_are_json_errors(procure: Procure, tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    scenario.write_text("{not json", encoding="utf-8")
    assert procure.error("optimize", "--org", "37067", "--scenario",
                         str(scenario))["code"] == "invalid_scenario"
    scenario.write_text("[1, 2]", encoding="utf-8")
    error = procure.error("optimize", "--org", "37067", "--scenario", str(scenario))
    assert error["code"] == "invalid_input" and set(error["errors"]) == {"scenario"}
    path = tmp_path / "d.csv"
    path.write_text("Date,Fournisseur,Montant\n2024-01-01,ACME,10\n", encoding="utf-8")
    assert procure.error("import-spend", str(path), "--org", "37067", "--map",
                         "colour=Bleu")["code"] == "invalid_input"
    assert procure.error("import-spend", str(path), "--org", "37067", "--currency",
                         "pounds")["code"] == "invalid_input"
    assert procure.error("export", "1", "--format", "docx", "-o", "x")["code"] == "usage"
    assert procure.error("match")["code"] == "usage"


def test_export_of_an_unknown_proposal_is_a_json_error(procure: Procure, tmp_path: Path) -> None:
    error = procure.error("export", "999999", "--format", "csv", "-o", str(tmp_path / "p.csv"))
    assert error["code"] == "not_found"
    assert not (tmp_path / "p.csv").exists()


def test_evaluate_with_a_broken_labels_file_is_a_json_error(
        procure: Procure, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("nom,numero\nX,1\n", encoding="utf-8")
    assert procure.error("evaluate", "--incumbents", str(broken))["code"]


def test_procure_version_names_the_version(procure: Procure) -> None:
    result = procure("--version")
    assert result.exit_code == 0 and result.stdout.startswith("procure ")


def test_the_console_script_prints_json_errors_on_stdout(tmp_path: Path) -> None:
    env = {**os.environ, "PROCURE_INSTANCE": str(tmp_path), "DATABASE_URL": ""}
    done = subprocess.run([sys.executable, "-m", "app.cli", "export", "1", "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"]["code"] == "usage"
    assert "Missing option" in done.stderr
