"""Use case: measure matching quality on a labelled set (the project's, or a user's file)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from procurement import matching
from procurement.data import REFERENCE_DIR
from procurement.errors import InvalidInput

REQUIRED = {
    "incumbents": ("name", "neq"),
    "categories": ("category_code",),
}


def _labels(path: Path, kind: str) -> pd.DataFrame:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such labels file.", errors={kind: "file not found"})
    try:
        frame = matching.load_labels(path)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidInput(f"{path}: not a readable UTF-8 CSV file ({exc}).",
                           errors={kind: "unreadable CSV"}) from exc
    missing = [c for c in REQUIRED[kind] if c not in frame.columns]
    if kind == "categories" and not {"expense_category", "description"} & set(frame.columns):
        missing.append("expense_category or description")
    if missing:
        raise InvalidInput(
            f"{path}: the labels file lacks the column(s) {', '.join(missing)}; found "
            f"{', '.join(frame.columns) or 'none'}.", errors={kind: "missing columns"})
    if frame.empty:
        raise InvalidInput(f"{path}: the labels file has no rows.", errors={kind: "empty"})
    return frame


def _capability_labels(path: Path) -> pd.DataFrame:
    """Read a capability labels file: CSV (comma, semicolon or tab), UTF-8 or Windows-1252."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such labels file.",
                           errors={"capabilities": "file not found"})
    raw = path.read_bytes()
    text = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or not text.strip():
        raise InvalidInput(f"{path}: the labels file is empty or not a text CSV file.",
                           errors={"capabilities": "empty"})
    first = text.splitlines()[0]
    sep = max((";", ",", "\t"), key=first.count)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidInput(f"{path}: not a readable CSV file ({exc}).",
                           errors={"capabilities": "unreadable CSV"}) from exc
    frame = matching.capability_label_columns(frame)
    missing = [c for c in ("name", "categories") if c not in frame.columns]
    if not {"neq", "siret"} & set(frame.columns):
        missing.append("neq or siret")
    if missing:
        raise InvalidInput(
            f"{path}: the labels file lacks the column(s) {', '.join(missing)}; found "
            f"{', '.join(map(str, frame.columns)) or 'none'}. Expected: name, categories "
            "(taxonomy codes separated by ';', empty when the organisation supplies nothing "
            "to a municipality) and an identifier column neq or siret.",
            errors={"capabilities": "missing columns"})
    if frame.empty:
        raise InvalidInput(f"{path}: the labels file has no rows.",
                           errors={"capabilities": "empty"})
    known = set(matching.load_taxonomy().codes)
    for number, value in enumerate(frame["categories"].tolist(), start=2):
        unknown = [c.strip() for c in str(value).split(";") if c.strip() and c.strip() not in known]
        if unknown:
            raise InvalidInput(
                f"{path}, row {number}, column categories: unknown category code(s) "
                f"{', '.join(repr(c) for c in unknown)}; expected taxonomy codes such as "
                "entretien_menager or amenagement_paysager, separated by ';'.",
                errors={"capabilities": f"row {number}: unknown category code"})
    return frame


_RATES = ("precision", "recall", "recall_with_activity")


def _capability_scores(found: dict[str, Any]) -> dict[str, Any]:
    return {key: (float(value) if key in _RATES else int(value))
            for key, value in found.items()}


# The development labels (the rules and the calibration were revised on them: in-sample;
# the second to sixth files were each evaluated once as held out, then read) and
# the held-out set (labelled before the last rule change, evaluated once).
DEVELOPMENT_LABELS = ("capabilities.csv", "capabilities-holdout.csv", "capabilities-blind.csv",
                      "capabilities-fresh.csv", "capabilities-fifth.csv",
                      "capabilities-sixth.csv")
HELD_OUT_LABELS = "capabilities-seventh.csv"


def capability_report(path: Path | None = None) -> dict[str, Any]:
    """Return precision/recall of award-eligible capabilities on a labels file.

    Without a file: all development organisations (`DEVELOPMENT_LABELS`, in-sample: the
    rules and the calibration were built on them) at the top level and under `in_sample`
    (with each file under `development_sets`), and the held-out set (`HELD_OUT_LABELS`)
    under `held_out`. Each set also says how many true pairs it has (`pairs`), how many
    belong to organisations with activity text or an activity code, where award evidence
    can exist (`pairs_with_activity`), and the recall among those (`recall_with_activity`).
    """
    taxonomy = matching.load_taxonomy()
    registry = matching.load_registry_frames(REFERENCE_DIR)
    if path is not None:
        labels = _capability_labels(path)
        return _capability_scores(matching.evaluate_capabilities(labels, registry, taxonomy))
    labels_dir = matching.default_labels_dir()
    parts = {name: _capability_labels(labels_dir / name) for name in DEVELOPMENT_LABELS}
    labels = pd.concat(list(parts.values()), ignore_index=True)
    out = _capability_scores(matching.evaluate_capabilities(labels, registry, taxonomy))
    out["in_sample"] = dict(out)
    out["development_sets"] = {
        name: _capability_scores(matching.evaluate_capabilities(part, registry, taxonomy))
        for name, part in parts.items()}
    held_out = _capability_labels(labels_dir / HELD_OUT_LABELS)
    out["held_out"] = _capability_scores(
        matching.evaluate_capabilities(held_out, registry, taxonomy))
    return out


def evaluation_report(*, incumbents: Path | None = None, categories: Path | None = None,
                      capabilities: Path | None = None) -> dict[str, Any]:
    """Return the quality of incumbent recognition, categorization and capabilities.

    Given only a capability labels file, only the capability figures are computed.
    """
    if capabilities is not None and incumbents is None and categories is None:
        return {"capabilities": capability_report(capabilities)}
    labels_dir = matching.default_labels_dir()
    registry = matching.load_registry_frames(REFERENCE_DIR)
    incumbent_labels = _labels(incumbents or labels_dir / "incumbents.csv", "incumbents")
    category_labels = _labels(categories or labels_dir / "categories.csv", "categories")
    found = matching.evaluate_incumbents(incumbent_labels, registry)
    accuracy = matching.evaluate_categories(category_labels, matching.load_taxonomy())
    return {
        "incumbents": {"precision": float(found["precision"]), "recall": float(found["recall"]),
                       "n": int(found["n"])},
        "categories": {"accuracy": float(accuracy["accuracy"]), "n": int(accuracy["n"]),
                       **_category_parts(category_labels if categories is None else None)},
        "capabilities": capability_report(capabilities),
    }


# The category labels written after the keywords were frozen and never used to tune them.
CATEGORIES_HELD_OUT_SOURCE = "fr-after-freeze"


def _category_parts(labels: pd.DataFrame | None) -> dict[str, Any]:
    """Return the project's category accuracy per part: in-sample (the keywords were written
    on those rows) and held out (`CATEGORIES_HELD_OUT_SOURCE`). Nothing for another file."""
    if labels is None or "source" not in labels:
        return {}
    taxonomy = matching.load_taxonomy()
    held = labels["source"] == CATEGORIES_HELD_OUT_SOURCE

    def part(rows: pd.DataFrame) -> dict[str, Any]:
        found = matching.evaluate_categories(rows.reset_index(drop=True), taxonomy)
        return {"accuracy": float(found["accuracy"]), "n": int(found["n"])}

    return {"in_sample": part(labels[~held]), "held_out": part(labels[held])}
