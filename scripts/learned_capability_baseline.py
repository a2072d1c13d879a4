"""Would a model learned from the labels find more capabilities than the rules? Measure it.

A logistic regression per category over the words of the activity text (accent-folded,
stemmed, the taxonomy's stopwords removed, words seen at least twice), fitted on the
development labels in 5 folds by organisation: each organisation is scored by a model
that never saw it. Printed: the rules alone, the model alone and the union of both, at
several probability thresholds, as precision and recall of the award-eligible pairs.
The rules are scored on the same organisations (in-sample for them: they were written on
these labels), so the union's gain over the rules is the figure to read.

Usage: python scripts/learned_capability_baseline.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FOLDS = 5
THRESHOLDS = (0.3, 0.5, 0.7, 0.9)
MIN_POSITIVES = 3  # a category with fewer labelled suppliers in a fold gets no model


def _fit(features: np.ndarray, target: np.ndarray, *, l2: float = 1.0,
         steps: int = 300, rate: float = 2.5) -> tuple[np.ndarray, float]:
    """Return the weights and bias of an L2 logistic regression (plain gradient descent)."""
    weights = np.zeros(features.shape[1])
    positives = target.sum()
    bias = float(np.log((positives + 1) / (len(target) - positives + 1)))
    for _ in range(steps):
        predicted = 1 / (1 + np.exp(-(features @ weights + bias)))
        error = predicted - target
        weights -= rate * (features.T @ error + l2 * weights) / len(target)
        bias -= rate / 5 * float(error.mean())
    return weights, bias


def _score(truth: set[tuple[str, str]], predicted: set[tuple[str, str]]) -> str:
    """Say the evaluation's own precision and recall (`score_capabilities`) in one line."""
    from procurement.matching.evaluate import score_capabilities

    found = score_capabilities(truth, predicted, 0)
    return (f"precision {found['precision']:.3f}  recall {found['recall']:.3f}  "
            f"({found['true_positives']} right, {found['false_positives']} wrong)")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from procurement import matching
    from procurement.data import REFERENCE_DIR
    from procurement.matching import evaluate as ev
    from procurement.matching.capabilities import AWARD_EVIDENCE
    from procurement.services.evaluation import DEVELOPMENT_LABELS

    taxonomy = matching.load_taxonomy()
    registry = matching.load_registry_frames(REFERENCE_DIR)
    labels = ev.capability_label_columns(pd.concat(
        [matching.load_labels(matching.default_labels_dir() / f) for f in DEVELOPMENT_LABELS]))
    rows = ev.capability_registry(labels, registry).drop_duplicates("key")
    truth = ev.label_pairs(labels)
    predictions = ev.capability_predictions(labels, registry, taxonomy)
    eligible = predictions[predictions["evidence"].isin(AWARD_EVIDENCE)]
    rules = set(zip(eligible["key"], eligible["category_code"], strict=True))

    with_activity = ev.organisations_with_activity(rows)
    keys = [k for k in rows["key"] if k in with_activity]
    words = {k: set(taxonomy.tokens(a)) for k, a in zip(rows["key"], rows["activity"],
                                                        strict=True) if k in with_activity}
    categories = sorted({code for _, code in truth})
    order = np.random.default_rng(0).permutation(len(keys))
    scores: dict[tuple[str, str], float] = {}
    for fold in range(FOLDS):
        test = [keys[i] for i in order[fold::FOLDS]]
        held = set(test)
        train = [k for k in keys if k not in held]
        seen = pd.Series([w for k in train for w in words[k]]).value_counts()
        column = {w: i for i, w in enumerate(seen[seen >= 2].index)}

        def matrix(part: list[str], column: dict[str, int] = column) -> np.ndarray:
            out = np.zeros((len(part), len(column)))
            for row, key in enumerate(part):
                out[row, [column[w] for w in words[key] if w in column]] = 1
            return out

        train_x, test_x = matrix(train), matrix(test)
        for code in categories:
            target = np.array([(k, code) in truth for k in train], dtype=float)
            if target.sum() < MIN_POSITIVES:
                continue
            weights, bias = _fit(train_x, target)
            for key, p in zip(test, 1 / (1 + np.exp(-(test_x @ weights + bias))), strict=True):
                scores[(key, code)] = float(p)

    print(f"{len(labels)} development organisations, {len(keys)} with activity text, "
          f"{len(truth)} true pairs; {FOLDS}-fold cross-validation by organisation")
    print(f"rules alone            {_score(truth, rules)}")
    for threshold in THRESHOLDS:
        model = {pair for pair, p in scores.items() if p >= threshold}
        print(f"model  p >= {threshold:.1f}       {_score(truth, model)}")
        print(f"rules or model >= {threshold:.1f} {_score(truth, rules | model)}")


if __name__ == "__main__":
    main()
