"""The demo, end to end: impact in units, one lever per lot, two fiscal years against a target."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.cli import cli
from procurement.db import make_engine, make_session_factory
from procurement.exports.impact_pdf import impact_lines
from procurement.models import Lot, Proposal, PurchaseLine

UNIT_KEYS = {"social_economy_spending", "local_spending", "work_integration_hours",
             "jobs_fte_years"}


class Procure:
    """Run `procure` against one instance folder."""

    def __init__(self, instance: Path) -> None:
        self.instance = instance
        self.env = {"PROCURE_INSTANCE": str(instance), "DATABASE_URL": "",
                    "PROCURE_PARSE_IN_SUBPROCESS": "false", "PROCURE_LANG": "en"}

    def json(self, *args: str) -> Any:
        result = CliRunner().invoke(cli, [*args, "--json"], env=self.env,
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.stderr or result.output
        return json.loads(result.stdout)

    def run(self, *args: str) -> None:
        result = CliRunner().invoke(cli, list(args), env=self.env, catch_exceptions=False)
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def procure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Procure]:
    yield Procure(tmp_path_factory.mktemp("impact"))


@pytest.fixture(scope="module")
def demo(procure: Procure) -> dict[str, Any]:
    return dict(procure.json("demo"))


def _session(procure: Procure) -> Any:
    url = f"sqlite:///{next(procure.instance.glob('*.db'))}"
    return make_session_factory(make_engine(url))()


def test_demo_json_states_impact_in_units_and_one_lever_per_lot(demo: dict[str, Any]) -> None:
    assert demo["status"] == "optimal"
    units = demo["impact_units"]
    assert set(units) >= UNIT_KEYS
    for key in UNIT_KEYS:
        assert {"before", "after", "unit"} <= set(units[key])
    se = units["social_economy_spending"]
    assert re.fullmatch(r"\d+\.\d\d", se["before"]) and se["unit"] == "CAD"
    assert Decimal(se["after"]) > Decimal(se["before"])
    assert se["share_after"] == pytest.approx(demo["social_economy_share_after"])
    assert units["work_integration_hours"]["unit"] == "h"
    levers = demo["levers"]
    assert len(levers) == demo["kpis"]["lots"] == len({lever["lot"] for lever in levers})
    for lever in levers:
        assert {"lot", "lever", "reason", "suppliers"} <= set(lever)
        assert lever["reason"] and "%(" not in lever["reason"]
    # PROCURE_LANG=en: the reasons are in English, one language at a time.
    assert all(not lever["reason"].startswith(("Aucun", "Le lot")) for lever in levers)
    assert demo["fiscal_year"] == 2025
    assert any(w["code"] == "threshold_unconfirmed" for w in demo["warnings"])


def test_the_demo_proposal_stores_units_levers_and_the_year(procure: Procure,
                                                            demo: dict[str, Any]) -> None:
    with _session(procure) as session:
        proposal = session.get(Proposal, demo["proposal_id"])
        assert proposal.impact_units["social_economy_spending"] == \
            demo["impact_units"]["social_economy_spending"]
        assert [lever["lot"] for lever in proposal.levers] == [
            lever["lot"] for lever in demo["levers"]]
        assert proposal.fiscal_year == 2025 and proposal.version == 1
        assert proposal.regulatory["tender_threshold"] == "133800.00"
        assert proposal.warnings
        lots = session.scalar(select(func.count()).select_from(Lot).where(
            Lot.proposal_id == proposal.id))
        assert lots == len(proposal.levers)


def test_optimize_json_carries_units_and_levers_too(procure: Procure, demo: dict[str, Any],
                                                    tmp_path: Path) -> None:
    scenario = tmp_path / "path.json"
    scenario.write_text(json.dumps({"target_path": {"share": 0.2, "year": 2028}}))
    data = procure.json("optimize", "--org", "37067", "--scenario", str(scenario))
    assert data["status"] == "optimal"
    # A path from the 2025 baseline to 20 % by 2028, one step a year.
    assert [step["year"] for step in data["target_path"]] == [2026, 2027, 2028]
    assert data["target_path"][-1]["target_share"] == pytest.approx(0.2)
    assert set(data["impact_units"]) >= UNIT_KEYS
    assert len(data["levers"]) == data["kpis"]["lots"]


def test_the_workbook_has_units_levers_years_and_method_that_reconcile(
        procure: Procure, demo: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    procure.run("export", str(demo["proposal_id"]), "--format", "xlsx", "-o", str(path),
                "--lang", "fr")
    book = load_workbook(path)
    assert {"Impact en unités", "Par catégorie", "Leviers", "Par année", "Méthode"} <= set(
        book.sheetnames)
    assert sum(len(sheet._charts) for sheet in book.worksheets) >= 3
    mine = [book[name] for name in ("Impact en unités", "Par catégorie", "Leviers",
                                    "Par année", "Méthode")]
    for sheet in mine:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not cell.value.endswith("_cents")
                    assert not re.fullmatch(r"[a-z]+(_[a-z]+)+", cell.value), cell.value
                    assert not cell.value.startswith(("contract:", "cat:")), cell.value
    units = book["Impact en unités"]
    rows = {r[0].value: r for r in units.iter_rows(min_row=3) if r[0].value}
    se = rows["Dépenses à l'économie sociale"]
    assert Decimal(str(se[1].value)) == Decimal(demo["impact_units"][
        "social_economy_spending"]["before"])
    assert "$" in se[1].number_format and se[4].number_format == "0.0%"
    years = book["Par année"]
    year_rows = [r for r in years.iter_rows(min_row=2, values_only=True) if r[0] in
                 {"2024", "2025"}]
    assert [r[0] for r in year_rows] == ["2024", "2025"]
    with _session(procure) as session:
        for year, total, *_rest in year_rows:
            stored = session.scalar(select(func.sum(PurchaseLine.amount)).where(
                func.strftime("%Y", PurchaseLine.date) == year))
            assert Decimal(str(total)).quantize(Decimal("0.01")) == stored
    assert all(r[4] == pytest.approx(0.2) for r in year_rows)  # the demo's target
    assert "$" in years.cell(2, 2).number_format
    method = [c for row in book["Méthode"].iter_rows(values_only=True) for c in row if c]
    text = " ".join(str(c) for c in method)
    assert "133800" in text.replace(" ", "") and "2024-01-01" in text
    assert "depenses-2024.xlsx" in text and "Le marché de l'inclusion" in text
    levers = book["Leviers"]
    assert levers.max_row - 1 == len(demo["levers"])


def test_the_pdf_summary_states_the_units(procure: Procure, demo: dict[str, Any]) -> None:
    with _session(procure) as session:
        lines = impact_lines(session.get(Proposal, demo["proposal_id"]))
    text = "\n".join(lines).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Heures d'insertion" in text and "ETP" in text
    before = Decimal(demo["impact_units"]["social_economy_spending"]["before"])
    assert f"{before:,.2f}".replace(",", " ").replace(".", ",") + " $" in text


def test_ocds_states_each_lever_as_the_method_rationale_and_stays_valid(
        procure: Procure, demo: dict[str, Any], tmp_path: Path) -> None:
    import jsonschema_rs

    from procurement.exports.ocds import release_schema

    path = tmp_path / "p.ocds.json"
    procure.run("export", str(demo["proposal_id"]), "--format", "ocds", "-o", str(path))
    package = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema_rs.Draft4Validator(release_schema())
    for release in package["releases"]:
        errors = [e.message for e in validator.iter_errors(release)]
        assert errors == [], errors
        assert release["tender"]["procurementMethodRationale"]
    assert len(package["releases"]) == len(demo["levers"])
