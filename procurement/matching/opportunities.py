"""Unmet needs: where a municipality spends and no local social economy supplier exists."""

from __future__ import annotations

import pandas as pd

from .taxonomy import FALLBACK_CODE, Taxonomy

OUTPUT_COLUMNS = ["category_code", "label_fr", "label_en", "amount_cents", "n_local_candidates"]


def unmet_needs(
    spend_by_category: pd.DataFrame,
    candidates_by_category: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    se_relevant_only: bool = True,
) -> pd.DataFrame:
    """Rank the categories with spending and no eligible local supplier, largest spend first.

    `spend_by_category` has category_code, amount_cents (several rows per category are
    summed). `candidates_by_category` has category_code and either n_local_candidates or one
    row per candidate with supplier_key (counted distinct). Only categories social economy
    enterprises commonly sell are listed unless `se_relevant_only` is False; 'autre' never is.
    """
    spend = (
        spend_by_category.groupby("category_code", as_index=False)["amount_cents"]
        .sum()
        .query("amount_cents > 0")
    )
    if "n_local_candidates" in candidates_by_category:
        counts = candidates_by_category.groupby("category_code")["n_local_candidates"].sum()
    elif "supplier_key" in candidates_by_category:
        counts = candidates_by_category.groupby("category_code")["supplier_key"].nunique()
    else:
        counts = pd.Series(dtype="int64")
    spend["n_local_candidates"] = (
        spend["category_code"].map(counts).fillna(0).astype("int64").to_numpy()
    )
    keep = (spend["n_local_candidates"] == 0) & (spend["category_code"] != FALLBACK_CODE)
    keep &= spend["category_code"].isin(taxonomy.categories)
    if se_relevant_only:
        keep &= spend["category_code"].isin(taxonomy.se_relevant_codes())
    out = spend[keep].copy()
    out["label_fr"] = out["category_code"].map(lambda c: taxonomy.label(c, "fr"))
    out["label_en"] = out["category_code"].map(lambda c: taxonomy.label(c, "en"))
    out = out.sort_values(["amount_cents", "category_code"], ascending=[False, True])
    return out[OUTPUT_COLUMNS].reset_index(drop=True)
