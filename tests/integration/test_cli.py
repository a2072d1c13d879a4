"""The `procure` command line keeps the names and JSON keys of its contract.

The contract is written in docs/architecture.md.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook

from app.cli import cli
from procurement.data import REFERENCE_DIR

ISSUE_KEYS = {"sheet", "row", "column", "value", "code", "message"}


class Procure:
    """Run `procure` against one instance folder, as a script would."""

    def __init__(self, instance: Path, database_url: str) -> None:
        self.env = {"PROCURE_INSTANCE": str(instance),
                    "DATABASE_URL": database_url, "PROCURE_PARSE_IN_SUBPROCESS": "false"}
        self.instance = instance
        self.database_url = database_url

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=self.env, catch_exceptions=False)

    def json(self, *args: str, exit_code: int = 0) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == exit_code, result.stderr or result.output
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def procure(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
            ) -> Iterator[Procure]:
    instance = tmp_path_factory.mktemp("cli")
    # The CLI creates and migrates its database itself: SQLite in the instance folder, or
    # an empty PostgreSQL database of this module.
    url = ""
    if os.environ.get("PROCURE_TEST_DATABASE", "sqlite") == "postgres":
        databases = request.getfixturevalue("postgres_databases")
        url = databases.create(migrated=False)
    runner = Procure(instance, url)
    loaded = runner.json("init", "--demo")
    assert set(loaded) == {"database", "demo_org", "municipalities"}
    assert loaded["demo_org"] == "37067" and loaded["municipalities"] > 1000
    yield runner


def test_init_demo_names_the_demo_municipality_and_loads_once(procure: Procure) -> None:
    again = procure.json("init", "--demo")
    assert again["demo_org"] == "37067"
    proposals = procure.json("match", "--org", "37067")
    assert proposals["lines"] == 2 * 2870  # two fiscal years, loaded once, not twice


def test_import_spend_of_the_real_bradford_month_follows_the_contract(
        procure: Procure, realdata: Path) -> None:
    path = str(realdata / "bradford-spend-2019-08.csv")
    data = procure.json("import-spend", path, "--org", "36033", "--currency", "GBP")
    assert {"import_id", "status", "lines", "total", "issues", "issue_counts"} <= set(data)
    assert data["status"] == "imported" and data["lines"] == 9708
    assert data["total"] == "40954151.47"
    again = procure.json("import-spend", path, "--org", "36033")
    assert again["status"] == "duplicate" and again["import_id"] == data["import_id"]


def test_a_refused_file_prints_its_issues_and_exits_non_zero(
        procure: Procure, tmp_path: Path) -> None:
    path = tmp_path / "fevrier.csv"
    path.write_text("Date;Fournisseur;Montant\n2025-02-01;Imprimerie Gagné;12,50\n"
                    "2025-02-02;Traiteur;beaucoup\n", encoding="cp1252")
    data = procure.json("import-spend", str(path), "--org", "36033", exit_code=1)
    assert data["status"] == "refused" and data["lines"] == 0
    issue = next(i for i in data["issues"] if i["code"] == "invalid_amount")
    assert set(issue) >= ISSUE_KEYS and issue["row"] == 3 and issue["value"] == "beaucoup"
    assert data["issue_counts"]["invalid_amount"] == 1
    kept = procure.json("import-spend", str(path), "--org", "36033", "--accept-valid-rows")
    assert kept["status"] == "imported" and kept["lines"] == 1 and kept["total"] == "12.50"


def test_an_unknown_municipality_is_a_clear_error_without_a_traceback(
        procure: Procure, realdata: Path) -> None:
    result = procure("import-spend", str(realdata / "bradford-spend-2019-08.csv"),
                     "--org", "00000", "--json")
    assert result.exit_code != 0
    assert "No municipality with code '00000'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_import_suppliers_reports_added_updated_unchanged(procure: Procure,
                                                          tmp_path: Path) -> None:
    # The demo already holds the whole REQ extract: its first 100 rows, in another file,
    # are 100 suppliers the import recognises.
    rows = (REFERENCE_DIR / "mauricie-req-nonprofits-coops.csv").read_text(
        encoding="utf-8").splitlines()[:101]
    registry = tmp_path / "req-extrait.csv"
    registry.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = procure.json("import-suppliers", str(registry))
    assert {"import_id", "status", "added", "updated", "unchanged", "issues"} <= set(data)
    assert data["status"] == "imported"
    assert data["added"] + data["updated"] + data["unchanged"] == 100
    assert procure.json("import-suppliers", str(
        registry))["status"] == "duplicate"


def test_match_reports_methods_bands_baseline_and_the_review_queue(procure: Procure) -> None:
    data = procure.json("match", "--org", "37067")
    assert {"lines", "by_method", "by_confidence", "baseline_social_economy_share",
            "pending_review", "opportunities"} <= set(data)
    assert sum(data["by_method"].values()) == data["lines"]
    assert 0 < data["baseline_social_economy_share"] < 1


def test_optimize_with_a_scenario_file_stores_a_proposal(procure: Procure,
                                                         tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"budget_increase_pct": 0.05, "max_supplier_share": 0.05,
                                    "targets": {"social_economy_share": 0.1}}))
    data = procure.json("optimize", "--org", "37067", "--scenario", str(scenario))
    assert {"proposal_id", "status", "objective", "kpis", "binding", "infeasibility"} <= set(data)
    assert data["status"] == "optimal" and isinstance(data["proposal_id"], int)
    assert all({"constraint", "explanation"} <= set(b) for b in data["binding"])
    awards = [a for a in data["allocations"] if a["supplier_id"] is not None]
    assert awards, "the scenario shifts some spending"
    for award in data["allocations"]:
        assert {"lot", "supplier", "supplier_id", "amount", "capability_evidence",
                "confirmed_by", "confirmed_at"} <= set(award)
        assert Decimal(award["amount"]) > 0
    # Every award rests on trusted capability evidence (the default minimum: activity).
    assert all(a["capability_evidence"] in {"confirmed", "activity"} and a["supplier"]
               for a in awards)
    output = tmp_path / "proposition.xlsx"
    result = procure("export", str(data["proposal_id"]), "--format", "xlsx", "-o", str(output))
    assert result.exit_code == 0 and output.read_bytes()[:2] == b"PK"


def test_an_unreachable_hard_target_is_explained_and_stores_nothing(
        procure: Procure, tmp_path: Path) -> None:
    scenario = tmp_path / "ambitious.json"
    scenario.write_text(json.dumps(
        {"targets": {"social_economy_share": {"value": 0.9, "hard": True}}}))
    data = procure.json("optimize", "--org", "37067", "--scenario", str(scenario), exit_code=1)
    assert data["status"] == "infeasible" and data["proposal_id"] is None
    reasons = data["infeasibility"]
    assert reasons and all({"constraint", "explanation", "shortfall"} <= set(r) for r in reasons)
    assert any("social economy" in r["explanation"].lower() for r in reasons)


def test_an_invalid_scenario_names_each_field(procure: Procure, tmp_path: Path) -> None:
    scenario = tmp_path / "bad.json"
    scenario.write_text(json.dumps({"budget_increase_pct": "beaucoup", "mode": "magic",
                                    "colour": "blue"}))
    result = procure("optimize", "--org", "37067", "--scenario", str(scenario), "--json")
    assert result.exit_code != 0
    for field in ("budget_increase_pct", "mode", "colour"):
        assert field in result.stderr


def test_evaluate_meets_the_quality_goals_and_accepts_a_labels_file(
        procure: Procure, tmp_path: Path) -> None:
    data = procure.json("evaluate")
    assert data["incumbents"]["precision"] >= 0.98 and data["incumbents"]["recall"] >= 0.90
    assert data["categories"]["accuracy"] >= 0.85
    # The rows written after the keywords were frozen are reported apart (held out).
    held = data["categories"]["held_out"]
    assert held["n"] == 44 and held["accuracy"] >= 0.85
    assert data["categories"]["in_sample"]["n"] + held["n"] == data["categories"]["n"]
    labels = tmp_path / "labels.csv"
    labels.write_text("name,neq\nRECYCLE 3R MAURICIE,1170555792\nBELL CANADA,\n",
                      encoding="utf-8")
    mine = procure.json("evaluate", "--incumbents", str(labels))
    assert mine["incumbents"]["n"] == 2 and mine["incumbents"]["precision"] == 1.0
    broken = tmp_path / "broken.csv"
    broken.write_text("nom,numero\nX,1\n", encoding="utf-8")
    result = procure("evaluate", "--incumbents", str(broken), "--json")
    assert result.exit_code != 0 and "name, neq" in result.stderr


def test_corrections_persist_as_rules_and_apply_to_next_months_import(
        procure: Procure, tmp_path: Path) -> None:
    from procurement.db import make_engine, make_session_factory
    from procurement.permissions import SYSTEM
    from procurement.services import matching
    from procurement.services.common import organization_by_code

    def month(name: str, day: str) -> Path:
        book = Workbook()
        sheet = book.active
        sheet.append(["Date", "Fournisseur", "Description", "Montant"])
        sheet.append([day, "Atelier Quatre Saisons", "Service Xyzzy mensuel", 1500])
        sheet.append([day, "Imprimerie Gagné", "Impression du bulletin", 800])
        path = tmp_path / name
        book.save(path)
        return path

    assert procure.json("import-spend", str(month("mars.xlsx", "2025-03-31")),
                        "--org", "51015")["status"] == "imported"
    engine = make_engine(procure.database_url
                         or f"sqlite:///{procure.instance / 'procurement.db'}")
    with make_session_factory(engine)() as session:
        org = organization_by_code(session, "51015")
        matching.correct_category(session, SYSTEM, org, kind="description",
                                  pattern="Service Xyzzy mensuel",
                                  category_code="entretien_menager")
        session.commit()
    assert procure.json("import-spend", str(month("avril.xlsx", "2025-04-30")),
                        "--org", "51015")["status"] == "imported"
    with make_session_factory(engine)() as session:
        from sqlalchemy import select

        from procurement.models import PurchaseLine

        rows = session.execute(select(PurchaseLine.date, PurchaseLine.category_code,
                                      PurchaseLine.category_method).where(
            PurchaseLine.organization_id == org.id,
            PurchaseLine.description == "Service Xyzzy mensuel")).all()
    engine.dispose()
    assert len(rows) == 2
    assert {(code, method) for _, code, method in rows} == {("entretien_menager", "rule")}


def test_demo_runs_the_whole_chain(procure: Procure) -> None:
    data = procure.json("demo")
    assert {"proposal_id", "status", "social_economy_share_before",
            "social_economy_share_after", "kpis"} <= set(data)
    assert data["status"] == "optimal" and data["proposal_id"]
    assert data["social_economy_share_after"] > data["social_economy_share_before"]
    awards = [a for a in data["allocations"] if a["supplier_id"] is not None]
    assert awards and all(a["capability_evidence"] in {"confirmed", "activity"}
                          for a in awards)


def test_audit_verify_passes_on_an_untouched_trail(procure: Procure) -> None:
    data = procure.json("audit", "verify")
    assert data["ok"] is True and data["events"] > 0


def test_optimize_can_add_a_sensitivity_table(procure: Procure) -> None:
    data = procure.json("optimize", "--org", "37067", "--sensitivity")
    table = data["sensitivity"]
    assert [round(row["budget_increase_pct"], 2) for row in table] == [
        -0.08, -0.03, 0.02, 0.07, 0.12, 0.22]
    solved = [row for row in table if row["objective"] is not None]
    # More budget never buys less impact (to the rounding of amounts to cents).
    objectives = [row["objective"] for row in solved]
    assert solved and all(later >= earlier * (1 - 1e-6)
                          for earlier, later in itertools.pairwise(objectives))


def test_unrecognised_columns_are_mapped_once_and_remembered(procure: Procure,
                                                             tmp_path: Path) -> None:
    first = tmp_path / "maison-01.csv"
    first.write_text("Qui;Combien;Quand\nImprimerie Gagné;12,50;2025-01-03\n"
                     "Traiteur Laviolette;40;2025-01-04\n", encoding="utf-8")
    refused = procure("import-spend", str(first), "--org", "51015")
    assert refused.exit_code == 1 and "--map FIELD=COLUMN" in refused.stderr
    assert "Qui, Combien, Quand" in refused.stderr
    mapped = procure.json("import-spend", str(first), "--org", "51015", "--map",
                          "supplier_name=Qui", "--map", "amount=Combien", "--map", "date=Quand")
    assert mapped["status"] == "imported" and mapped["total"] == "52.50"
    second = tmp_path / "maison-02.csv"
    second.write_text("Qui;Combien;Quand\nCopie Express;99;2025-02-03\n", encoding="utf-8")
    assert procure.json("import-spend", str(second), "--org", "51015")["lines"] == 1
    wrong = procure("import-spend", str(second), "--org", "51015", "--map", "fournisseur=Qui")
    assert wrong.exit_code != 0 and "supplier_name" in wrong.stderr


def test_ambiguous_dates_ask_for_the_order_and_import_once_given(procure: Procure,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "dates.csv"
    path.write_text("Date;Fournisseur;Montant\n03/04/2025;Imprimerie Gagné;12,50\n"
                    "05/06/2025;Traiteur;40\n", encoding="utf-8")
    refused = procure("import-spend", str(path), "--org", "51020")
    assert refused.exit_code == 1 and "--date-order dmy" in refused.stderr
    done = procure.json("import-spend", str(path), "--org", "51020", "--date-order", "dmy")
    assert done["status"] == "imported" and done["lines"] == 2


def test_optimize_with_highs_and_export_print_only_json(procure: Procure, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    scenario = tmp_path / "highs.json"
    scenario.write_text(json.dumps({"solver": "highs", "mode": "indivisible"}))
    # A real process: HiGHS writes its banner on file descriptor 1, below Python.
    env = {**os.environ, **procure.env}
    done = subprocess.run([sys.executable, "-m", "app.cli", "optimize", "--org", "37067",
                           "--scenario", str(scenario), "--json"],
                          capture_output=True, text=True, env=env, timeout=600)
    data = json.loads(done.stdout)
    assert data["status"] in {"optimal", "feasible"}, done.stderr
    output = tmp_path / "proposition.csv"
    exported = procure.json("export", str(data["proposal_id"]), "--format", "csv",
                            "-o", str(output))
    assert exported["path"] == str(output) and exported["bytes"] == output.stat().st_size
    assert exported["format"] == "csv"


def test_a_file_in_pounds_needs_currency_on_the_command_line(
        procure: Procure, tmp_path: Path) -> None:
    path = tmp_path / "council-pounds.csv"
    path.write_text("Payment Date,Beneficiary Name,Amount\n"
                    "15/04/2024,Pothole Fixers Ltd,£1234.56\n16/04/2024,Reading Together,£250\n",
                    encoding="utf-8")
    refused = procure("import-spend", str(path), "--org", "36033", "--json")
    assert refused.exit_code == 1
    data = json.loads(refused.stdout)
    assert data["status"] == "refused" and data["lines"] == 0
    assert data["issue_counts"] == {"currency_needs_confirmation": 1}
    assert "--currency GBP" in refused.stderr
    imported = procure.json("import-spend", str(path), "--org", "36033", "--currency", "GBP")
    assert imported["status"] == "imported" and imported["total"] == "1484.56"
    assert imported["currency"] == "GBP"
