"""Use case: measure matching quality on a labelled set (the project's, or a user's file)."""

from __future__ import annotations

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


def evaluation_report(*, incumbents: Path | None = None,
                      categories: Path | None = None) -> dict[str, Any]:
    """Return precision/recall of incumbent recognition and accuracy of categorization."""
    labels_dir = matching.default_labels_dir()
    registry = matching.load_registry_frames(REFERENCE_DIR)
    incumbent_labels = _labels(incumbents or labels_dir / "incumbents.csv", "incumbents")
    category_labels = _labels(categories or labels_dir / "categories.csv", "categories")
    found = matching.evaluate_incumbents(incumbent_labels, registry)
    accuracy = matching.evaluate_categories(category_labels, matching.load_taxonomy())
    return {
        "incumbents": {"precision": float(found["precision"]), "recall": float(found["recall"]),
                       "n": int(found["n"])},
        "categories": {"accuracy": float(accuracy["accuracy"]), "n": int(accuracy["n"])},
    }
