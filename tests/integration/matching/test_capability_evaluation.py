"""Capabilities measured on labelled organisations: the project's set and a user's list."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from app.cli import cli
from procurement.data import REFERENCE_DIR
from procurement.matching import (
    default_labels_dir,
    evaluate_capabilities,
    load_labels,
    load_registry_frames,
    load_taxonomy,
)
from procurement.matching.capabilities import CALIBRATION
from procurement.matching.evaluate import (
    capability_label_columns,
    capability_predictions,
    fit_capability_calibration,
    label_identifier,
)
from procurement.services.evaluation import DEVELOPMENT_LABELS, HELD_OUT_LABELS

# Measured once on the seventh set (capabilities-seventh.csv), labelled blind by another
# labeller, after the rules were frozen; regression floors, not targets (the issue's
# targets, 0.95 and 0.70, are not met held out). When HELD_OUT_LABELS points to a new set,
# these come from its single evaluation.
HELD_OUT_PRECISION_FLOOR = 0.92  # measured 0.929 (26 right of 28 predicted)
HELD_OUT_RECALL_FLOOR = 0.54  # measured 0.542 (26 of 48 true pairs)
# In-sample, where award evidence can exist (measured 0.779 on the 1,249 development
# organisations once the sixth set joined them).
IN_SAMPLE_RECALL_WITH_ACTIVITY_FLOOR = 0.77

# A French list of work-integration enterprises, as such lists come (semicolon, NAF code,
# structure type); none of them is in the shipped Quebec registry.
FRENCH_LIST = """raison sociale;siret;type de structure;code NAF;ville;categories
ASSOC LES AMIS DU JARDIN;41234567800011;ACI;81.30Z;Dinan;amenagement_paysager
Ressourcerie du Pays Vert;52234567800019;ACI;38.32Z;Vire;collecte_recyclage
Régie de quartier Les Sources;53234567800027;EI;81.21Z;Lyon;entretien_menager
Intérim Solidaire 35;54234567800035;ETTI;78.20Z;Rennes;ressources_humaines
Atelier Couture Solidaire;55234567800043;ACI;14.12Z;Lille;vetements_travail
Cuisine de l'Espoir;56234567800051;EI;56.21Z;Nantes;traiteur_alimentation
Mission locale du Pays;57234567800069;AI;94.99Z;Brest;ressources_humaines
"""


@pytest.fixture(scope="module")
def shipped() -> dict[str, object]:
    return {
        # The development labels: the first set and the four former held-out sets (each
        # evaluated once, then read: development data since).
        "labels": pd.concat([load_labels(default_labels_dir() / name)
                             for name in DEVELOPMENT_LABELS], ignore_index=True),
        "blind": load_labels(default_labels_dir() / HELD_OUT_LABELS),
        "registry": load_registry_frames(REFERENCE_DIR),
        "taxonomy": load_taxonomy(),
    }


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_project_set_has_over_300_organisations_with_many_non_suppliers(shipped) -> None:
    labels = shipped["labels"]
    assert len(labels) >= 300
    assert {"name", "neq", "categories", "source", "notes"} <= set(labels.columns)
    assert (labels["categories"] == "").mean() > 0.5
    codes = {c for v in labels["categories"] for c in v.split(";") if c}
    assert codes <= set(shipped["taxonomy"].codes) - {"autre"}


def test_no_organisation_is_labelled_in_two_capability_files() -> None:
    files = sorted(default_labels_dir().glob("capabilities*.csv"))
    assert {p.name for p in files} >= {*DEVELOPMENT_LABELS, HELD_OUT_LABELS}
    seen_ids: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    for path in files:
        labels = load_labels(path)
        for row in labels.to_dict("records"):
            ident, name = label_identifier(row), row["name"].casefold()
            assert seen_ids.setdefault(ident, path.name) == path.name, ident
            assert seen_names.setdefault(name, path.name) == path.name, name


def test_the_development_set_is_the_six_earlier_files(shipped) -> None:
    dev, blind = shipped["labels"], shipped["blind"]
    assert len(dev) == 1249
    assert {"capabilities-fifth.csv", "capabilities-sixth.csv"} <= set(DEVELOPMENT_LABELS)
    assert HELD_OUT_LABELS not in DEVELOPMENT_LABELS
    assert len(blind) >= 150
    assert set(blind.columns) == set(dev.columns)
    codes = {c for v in blind["categories"] for c in v.split(";") if c}
    assert codes <= set(shipped["taxonomy"].codes) - {"autre"}
    # The directory rows with REQ activity text were all used by the first two sets.
    assert set(load_labels(default_labels_dir() / "capabilities-blind.csv")["source"]) == {
        "directory", "req"}


def test_award_eligible_capabilities_meet_the_targets_in_sample(shipped) -> None:
    whole = evaluate_capabilities(shipped["labels"], shipped["registry"], shipped["taxonomy"])
    assert whole["n"] == len(shipped["labels"])
    assert whole["precision"] >= 0.95
    # Recall is measured where award evidence can exist: organisations known by their name
    # alone give prospects, never awards.
    assert whole["recall_with_activity"] >= IN_SAMPLE_RECALL_WITH_ACTIVITY_FLOOR


def test_coverage_counts_the_true_pairs_that_have_activity_evidence(shipped) -> None:
    labels = pd.DataFrame({
        "name": ["Traiteur Sans Registre", "Les Délices de Marie"],
        "neq": ["", ""], "categories": ["traiteur_alimentation", "traiteur_alimentation"],
        "activity": ["", "SERVICE DE TRAITEUR"]})
    found = evaluate_capabilities(labels, None, shipped["taxonomy"])
    assert found["pairs"] == 2 and found["pairs_with_activity"] == 1
    # The caterer known by its name alone is a prospect, never an award.
    assert found["recall"] == 0.5 and found["recall_with_activity"] == 1.0


def test_the_blind_set_is_scored_separately(shipped) -> None:
    held = evaluate_capabilities(shipped["blind"], shipped["registry"], shipped["taxonomy"])
    # Measured once, after the rules were frozen; see docs/matching.md for whether it meets
    # the 0.95 / 0.70 targets. This floor only catches a regression of the method.
    assert held["n"] == len(shipped["blind"])
    assert held["precision"] >= HELD_OUT_PRECISION_FLOOR
    assert held["recall"] >= HELD_OUT_RECALL_FLOOR


def test_the_shipped_calibration_is_what_the_development_set_measures(shipped) -> None:
    labels = capability_label_columns(shipped["labels"])
    predictions = capability_predictions(labels, shipped["registry"], shipped["taxonomy"])
    fitted = fit_capability_calibration(predictions)
    for bucket, value in CALIBRATION.items():
        assert fitted[bucket]["confidence"] == pytest.approx(value, abs=0.02), bucket


def test_evaluate_without_a_file_reports_in_sample_and_held_out() -> None:
    result = run("evaluate", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"incumbents", "categories", "capabilities"} <= set(data)
    caps = data["capabilities"]
    assert {"precision", "recall", "n", "in_sample", "held_out"} <= set(caps)
    assert {"precision", "recall", "n"} <= set(caps["held_out"])
    assert caps["in_sample"]["n"] == caps["n"] == 1249
    assert set(caps["development_sets"]) == set(DEVELOPMENT_LABELS)
    for part in (caps, caps["held_out"], *caps["development_sets"].values()):
        assert {"pairs", "pairs_with_activity", "recall_with_activity"} <= set(part)
        assert 0 <= part["pairs_with_activity"] <= part["pairs"]
    assert caps["held_out"]["n"] >= 150
    assert caps["precision"] >= 0.95
    assert caps["recall_with_activity"] >= IN_SAMPLE_RECALL_WITH_ACTIVITY_FLOOR
    assert caps["held_out"]["precision"] >= HELD_OUT_PRECISION_FLOOR
    assert caps["held_out"]["recall"] >= HELD_OUT_RECALL_FLOOR
    text = run("evaluate")
    assert "held out" in text.output and "in-sample" in text.output


def test_evaluate_scores_the_project_labels_given_as_a_file() -> None:
    path = default_labels_dir() / "capabilities.csv"
    result = run("evaluate", "--capabilities", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"capabilities"}
    assert data["capabilities"]["n"] == len(pd.read_csv(path))
    assert data["capabilities"]["precision"] >= 0.95


def test_evaluate_scores_an_unseen_french_list_from_its_own_columns(tmp_path: Path) -> None:
    path = tmp_path / "siae.csv"
    path.write_text(FRENCH_LIST, encoding="cp1252")
    result = run("evaluate", "--capabilities", str(path), "--json")
    assert result.exit_code == 0, result.output
    caps = json.loads(result.stdout)["capabilities"]
    assert caps["n"] == 7
    # Six of seven from the NAF code; the AI (94.99Z) from its structure type.
    assert caps["precision"] == 1.0 and caps["recall"] == 1.0


def test_rows_join_the_registry_by_neq_else_by_name(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "name,neq,categories\n"
        "CPE Premier pas de La Tuque,1164142102,services_garde_education\n"
        "Coopérative de solidarité Abattoir Massicotte,,traiteur_alimentation\n",
        encoding="utf-8")
    caps = json.loads(run("evaluate", "--capabilities", str(path), "--json").stdout)
    assert caps["capabilities"]["recall"] == 1.0


@pytest.mark.parametrize(("content", "message"), [
    ("nom,numero\nX,1\n", "name, categories"),
    ("name,categories\nX,culture_evenements\n", "neq or siret"),
    ("name,neq,categories\nX,1,deneigement;plomberie\n", "row 2, column categories"),
    ("name,neq,categories\n", "no rows"),
])
def test_a_bad_labels_file_gets_a_clear_error(tmp_path: Path, content: str,
                                              message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = run("evaluate", "--capabilities", str(path), "--json")
    assert result.exit_code != 0
    assert message in result.stdout + result.stderr


def test_a_missing_labels_file_is_named(tmp_path: Path) -> None:
    result = run("evaluate", "--capabilities", str(tmp_path / "none.csv"), "--json")
    assert result.exit_code != 0 and "none.csv" in result.stdout + result.stderr
