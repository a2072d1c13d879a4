"""`procure import-suppliers` reports merges; `procure undo-merge` undoes one."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from app.cli import cli

DATA = Path(__file__).resolve().parents[1] / "data"


def _procure(instance: Path, *args: str) -> Result:
    env = {"PROCURE_INSTANCE": str(instance), "DATABASE_URL": "",
           "PROCURE_PARSE_IN_SUBPROCESS": "false"}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_a_merge_is_listed_by_import_suppliers_and_undone_by_undo_merge(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    french = _procure(instance, "import-suppliers", str(DATA / "siae-france-sample.csv"),
                      "--json")
    assert french.exit_code == 0, french.stderr
    data = json.loads(french.stdout)
    assert {"import_id", "status", "added", "updated", "unchanged", "issues", "merged",
            "merges"} <= set(data)
    assert (data["status"], data["added"], data["merged"]) == ("imported", 60, 0)

    update = tmp_path / "maj.csv"
    update.write_text("Raison sociale;SIRET;Code NAF\n"
                      "ASSOC LES AMIS DU JARDIN;49448224300065;01.13Z\n", encoding="utf-8")
    merged = json.loads(_procure(instance, "import-suppliers", str(update), "--json").stdout)
    assert merged["merged"] == 1 and merged["updated"] == 1
    [entry] = merged["merges"]
    assert entry["matched_on"] == "identifier" and entry["before"] == {
        "activity_code": "81.30Z"}

    undone = _procure(instance, "undo-merge", str(entry["merge_id"]), "--json")
    assert undone.exit_code == 0, undone.stderr
    assert json.loads(undone.stdout)["restored"] == {"activity_code": "81.30Z"}
    again = _procure(instance, "undo-merge", str(entry["merge_id"]))
    assert again.exit_code != 0 and "already undone" in again.stderr
    missing = _procure(instance, "undo-merge", "999")
    assert missing.exit_code != 0 and "999" in missing.stderr
