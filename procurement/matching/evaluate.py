"""Measure matching quality against labelled sets (labels come from people, not the matcher)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from .categorize import categorize
from .incumbents import match_incumbents
from .normalize import normalize_identifier
from .taxonomy import Taxonomy


def default_labels_dir() -> Path:
    """Return the folder of the labelled sets shipped with the package."""
    return Path(str(resources.files("procurement.data").joinpath("labels")))


def load_labels(path: str | Path) -> pd.DataFrame:
    """Read a labels CSV keeping empty cells as empty strings (an empty NEQ means 'none')."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def incumbent_predictions(labels: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """Return the labels with the matcher's decision and the predicted NEQ side by side."""
    suppliers = pd.DataFrame({"supplier_name": labels["name"], "supplier_id": None})
    matched = match_incumbents(suppliers, registry)
    neq_by_key = dict(
        zip(registry["key"].astype(str), registry["neq"].map(normalize_identifier), strict=True)
    )
    out = labels.copy()
    out["truth"] = labels["neq"].map(normalize_identifier)
    out["decision"] = matched["decision"].to_numpy()
    out["method"] = matched["method"].to_numpy()
    out["confidence"] = matched["confidence"].to_numpy()
    out["registry_key"] = matched["registry_key"].to_numpy()
    out["predicted"] = [neq_by_key.get(k, "") if k else "" for k in out["registry_key"]]
    out["registry_name"] = [
        dict(zip(registry["key"], registry["name"], strict=True)).get(k, "") if k else ""
        for k in out["registry_key"]
    ]
    return out


def evaluate_incumbents(labels: pd.DataFrame, registry: pd.DataFrame) -> dict[str, float | int]:
    """Return precision, recall and n of automatic incumbent matches.

    Only decision == "auto" counts as a prediction (reviews wait for a clerk).
    precision = correct / (correct + wrong supplier + matched when the truth is none);
    recall = correct / labelled positives. A match to a registry row without NEQ cannot be
    shown correct, so it counts as wrong.
    """
    p = incumbent_predictions(labels, registry)
    auto = p["decision"] == "auto"
    positive = p["truth"] != ""
    correct = auto & positive & (p["predicted"] == p["truth"])
    wrong_supplier = auto & positive & (p["predicted"] != p["truth"])
    spurious = auto & ~positive
    tp, fp = int(correct.sum()), int(wrong_supplier.sum() + spurious.sum())
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / int(positive.sum()) if positive.any() else 1.0,
        "n": len(p),
        "true_positives": tp,
        "wrong_supplier": int(wrong_supplier.sum()),
        "matched_non_registry": int(spurious.sum()),
        "review": int((p["decision"] == "review").sum()),
    }


def evaluate_categories(labels: pd.DataFrame, taxonomy: Taxonomy) -> dict[str, float | int]:
    """Return the accuracy of categorization on labelled (expense_category, description) rows.

    Every row counts, whatever its confidence: a low-confidence answer is still an answer.
    """
    data = labels.rename(columns={"category_code": "truth"})
    cols = [c for c in ("expense_category", "account_code", "description") if c in data]
    result = categorize(data[cols], taxonomy)
    ok = result["category_code"].to_numpy() == data["truth"].to_numpy()
    return {"accuracy": float(ok.mean()) if len(ok) else 1.0, "n": len(ok)}
