"""Measure matching quality against labelled sets (labels come from people, not the matcher)."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from unidecode import unidecode

from .capabilities import (
    AWARD_EVIDENCE,
    CALIBRATION_ORDER,
    CALIBRATION_PRIOR,
    MAX_INFERRED_CONFIDENCE,
    capability_buckets,
)
from .categorize import categorize
from .incumbents import match_incumbents
from .normalize import company_key, is_missing, normalize_company_name, normalize_identifier
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


# --- capabilities -------------------------------------------------------------------------

# Column names a labels file may use (folded, punctuation as "_"), per registry field.
CAPABILITY_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "nom", "raison_sociale", "denomination", "nom_entreprise", "nomentreprise",
             "organisation", "organization", "enseigne"),
    "neq": ("neq",),
    "siret": ("siret", "siren"),
    "categories": ("categories", "category_codes", "categorie", "categories_attendues"),
    "activity": ("activity", "activite", "secteuractivite", "secteur_activite", "libelle_naf",
                 "libelle_ape", "activite_principale", "description", "objet"),
    "activity_code": ("activity_code", "code_naf", "naf", "code_ape", "ape", "naf_code",
                      "sic", "sic_code", "sic_2007", "naics", "scian", "code_scian",
                      "code_naics"),
    "org_type": ("org_type", "type", "type_de_structure", "type_structure", "structure",
                 "kind"),
    "legal_form": ("legal_form", "forme_juridique", "formejuridique"),
    "sector": ("sector", "secteur"),
    "country": ("country", "pays"),
}
HELD_OUT_SHARE = 3  # one organisation in three is held back from tuning


def _header_key(column: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", unidecode(str(column)).lower()).strip("_")


def capability_label_columns(labels: pd.DataFrame) -> pd.DataFrame:
    """Return the labels with their columns renamed to the registry's names (aliases)."""
    keys = {_header_key(c): c for c in labels.columns}
    rename: dict[str, str] = {}
    for target, aliases in CAPABILITY_ALIASES.items():
        for alias in aliases:
            if alias in keys and keys[alias] not in rename and target not in rename.values():
                rename[keys[alias]] = target
                break
    return labels.rename(columns=rename)


def label_identifier(row: Mapping[Any, Any]) -> str:
    """Return the identifier of a labelled organisation: NEQ, SIRET, else its folded name."""
    for column in ("neq", "siret"):
        value = normalize_identifier(row.get(column))
        if value:
            return f"{column}:{value}"
    return "name:" + normalize_company_name(row.get("name"))


def split_of(identifier: str) -> str:
    """Return 'held_out' for about one organisation in three (by a hash), else 'tuning'."""
    digest = int(hashlib.sha1(f"capabilities-split:{identifier}".encode()).hexdigest()[:12], 16)
    return "held_out" if digest % HELD_OUT_SHARE == 0 else "tuning"


def _first(values: list[object]) -> object:
    for value in values:
        if not is_missing(value) and str(value).strip() not in ("", "-"):
            return value
    return None


def capability_registry(labels: pd.DataFrame, registry: pd.DataFrame | None) -> pd.DataFrame:
    """Return one registry row per labelled organisation (key = label identifier).

    A label joins the registry by NEQ (or SIRET), else by normalized name (word order and
    legal words aside, never across a contradicting identifier); the facts of every
    registry record of the organisation are combined (the REQ gives the activity text, a hub
    the sector). A label that joins nothing uses its own columns (name, activity, activity
    code, type...), so a list from another registry can be scored as it is.
    """
    fields = ("name", "activity", "activity_code", "org_type", "legal_form", "sector",
              "country")
    by_id: dict[str, list[dict[Any, Any]]] = {}
    by_name: dict[str, list[dict[Any, Any]]] = {}
    if registry is not None and len(registry):
        for rec in registry.to_dict("records"):
            for column in ("neq", "siret"):
                value = normalize_identifier(rec.get(column))
                if value:
                    by_id.setdefault(f"{column}:{value}", []).append(rec)
            folded = company_key(rec.get("name"))
            if folded:
                by_name.setdefault(folded, []).append(rec)
    rows = []
    for label in labels.to_dict("records"):
        ident = label_identifier(label)
        matches = by_id.get(ident)
        if not matches:
            # A name joins only records that no identifier contradicts: "ASSOC LES AMIS DU
            # JARDIN" with a SIRET is not the Quebec "Les Amis du Jardin" with its NEQ.
            has_id = not ident.startswith("name:")
            matches = [m for m in by_name.get(company_key(label.get("name")), [])
                       if not has_id or not any(normalize_identifier(m.get(c))
                                                for c in ("neq", "siret"))]
        if matches:
            row = {f: _first([m.get(f) for m in matches] + [label.get(f)]) for f in fields}
            row["joined"] = "registry"
        else:
            row = {f: label.get(f) for f in fields}
            if is_missing(row.get("country")) and normalize_identifier(label.get("siret")):
                row["country"] = "FR"
            row["joined"] = "labels"
        row["key"] = ident
        rows.append(row)
    return pd.DataFrame(rows, columns=["key", *fields, "joined"])


def label_pairs(labels: pd.DataFrame) -> set[tuple[str, str]]:
    """Return the (identifier, category) pairs the labels say are true."""
    pairs = set()
    for label in labels.to_dict("records"):
        ident = label_identifier(label)
        for code in str(label.get("categories") or "").split(";"):
            if code.strip():
                pairs.add((ident, code.strip()))
    return pairs


def score_capabilities(truth: set[tuple[str, str]], predicted: set[tuple[str, str]], n: int,
                       with_activity: set[str] | None = None) -> dict[str, Any]:
    """Return precision, recall and n of predicted pairs against true pairs.

    With `with_activity` (the organisations that have activity text or an activity code,
    the only ones award evidence can come from), also the coverage: `pairs` (true pairs),
    `pairs_with_activity` (true pairs of those organisations) and `recall_with_activity`
    (recall among them). A true pair of an organisation known by its name alone can only
    be a prospect, so recall over all pairs mixes the method with what the registry says.
    """
    tp = len(truth & predicted)
    out: dict[str, Any] = {
        "precision": tp / len(predicted) if predicted else 1.0,
        "recall": tp / len(truth) if truth else 1.0,
        "n": n,
        "true_positives": tp,
        "false_positives": len(predicted - truth),
        "false_negatives": len(truth - predicted),
    }
    if with_activity is not None:
        reachable = {pair for pair in truth if pair[0] in with_activity}
        out["pairs"] = len(truth)
        out["pairs_with_activity"] = len(reachable)
        out["recall_with_activity"] = (len(reachable & predicted) / len(reachable)
                                       if reachable else 1.0)
    return out


def capability_predictions(labels: pd.DataFrame, registry: pd.DataFrame | None,
                           taxonomy: Taxonomy) -> pd.DataFrame:
    """Return every inferred pair of the labelled organisations with its bucket and truth."""
    rows = capability_registry(labels, registry)
    buckets = capability_buckets(rows, taxonomy)
    truth = label_pairs(labels)
    buckets["truth"] = [
        (k, c) in truth for k, c in zip(buckets["key"], buckets["category_code"], strict=True)]
    buckets["split"] = buckets["key"].map(split_of)
    return buckets


def evaluate_capabilities(labels: pd.DataFrame, registry: pd.DataFrame | None,
                          taxonomy: Taxonomy, *, evidence: tuple[str, ...] = AWARD_EVIDENCE,
                          split: str | None = None) -> dict[str, Any]:
    """Return precision/recall of the award-eligible pairs (activity evidence by default).

    `split` ('tuning' or 'held_out') keeps only that part of the labels.
    """
    labels = capability_label_columns(labels)
    if split is not None:
        labels = labels[[split_of(label_identifier(r)) == split
                         for r in labels.to_dict("records")]]
    rows = capability_registry(labels, registry)
    buckets = capability_buckets(rows, taxonomy)
    chosen = buckets[buckets["evidence"].isin(evidence)]
    predicted = set(zip(chosen["key"], chosen["category_code"], strict=True))
    return score_capabilities(label_pairs(labels), predicted, len(labels),
                              with_activity=organisations_with_activity(rows))


def organisations_with_activity(rows: pd.DataFrame) -> set[str]:
    """Return the keys of the rows that have activity text or an activity code."""
    def stated(value: object) -> bool:
        return not is_missing(value) and str(value).strip() not in ("", "-")

    return {key for key, text, code in zip(rows["key"], rows["activity"],
                                           rows["activity_code"], strict=True)
            if stated(text) or stated(code)}


def _pool_adjacent(values: list[float], weights: list[float]) -> list[float]:
    """Return the non-decreasing sequence closest to values (pool adjacent violators)."""
    blocks = [[v, w, 1] for v, w in zip(values, weights, strict=True)]
    i = 0
    while i < len(blocks) - 1:
        if blocks[i][0] > blocks[i + 1][0]:
            v1, w1, n1 = blocks[i]
            v2, w2, n2 = blocks[i + 1]
            w = w1 + w2
            blocks[i] = [(v1 * w1 + v2 * w2) / w if w else (v1 + v2) / 2, w, n1 + n2]
            del blocks[i + 1]
            i = max(i - 1, 0)
        else:
            i += 1
    out: list[float] = []
    for v, _, n in blocks:
        out.extend([v] * int(n))
    return out


def fit_capability_calibration(predictions: pd.DataFrame, *, prior_weight: float = 4.0
                               ) -> dict[str, dict[str, float]]:
    """Fit the confidence of each evidence bucket on labelled predictions.

    Each bucket's confidence is its share of true pairs, shrunk toward its prior
    (`CALIBRATION_PRIOR`) by `prior_weight` pseudo-pairs (few labels move it little), then
    made monotone
    along `CALIBRATION_ORDER` and capped at `MAX_INFERRED_CONFIDENCE`.
    Returns {bucket: {"confidence", "n", "right"}}.
    """
    stats: dict[str, dict[str, float]] = {}
    for bucket, prior in CALIBRATION_PRIOR.items():
        part = predictions[predictions["bucket"] == bucket]
        n, right = len(part), int(part["truth"].sum())
        stats[bucket] = {"n": n, "right": right,
                         "confidence": (right + prior_weight * prior) / (n + prior_weight)
                         if n + prior_weight else prior}
    for chain in CALIBRATION_ORDER:
        fitted = _pool_adjacent([stats[b]["confidence"] for b in chain],
                                [stats[b]["n"] + prior_weight for b in chain])
        for bucket, value in zip(chain, fitted, strict=True):
            stats[bucket]["confidence"] = value
    for chain in CALIBRATION_ORDER:  # a bucket shared by two chains may have moved: re-check
        for weaker, stronger in itertools.pairwise(chain):
            if stats[stronger]["confidence"] < stats[weaker]["confidence"]:
                stats[stronger]["confidence"] = stats[weaker]["confidence"]
    for bucket_stats in stats.values():
        bucket_stats["confidence"] = round(
            min(bucket_stats["confidence"], MAX_INFERRED_CONFIDENCE), 2)
    return stats


def reliability_table(predictions: pd.DataFrame) -> list[dict[str, Any]]:
    """Return, per confidence value, how many pairs and the share that were right."""
    rows = []
    for conf in sorted(predictions["confidence"].unique()):
        part = predictions[predictions["confidence"] == conf]
        rows.append({"confidence": float(conf), "pairs": len(part),
                     "right": int(part["truth"].sum()),
                     "observed": float(part["truth"].mean()) if len(part) else 0.0})
    return rows
