"""Group purchase lines into lots: one need (a category over the period, or one contract).

The band of a lot (direct award, invitation, public tender) comes from the lot's whole
value; pieces of a lot inherit it, so no split can bring a piece under a threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LOT_COLUMNS = ["key", "category_code", "value_cents", "line_count", "se_cents", "local_cents"]


def lot_keys(lines: pd.DataFrame) -> pd.Series:
    """Return each line's lot key: its contract when it has one, else its category.

    Computed on the distinct contracts and categories (a year holds few of each), then
    spread back to the lines.
    """
    contract_codes, contracts = pd.factorize(lines["contract_ref"], use_na_sentinel=True)
    category_codes, categories = pd.factorize(lines["category_code"], use_na_sentinel=True)
    # The sentinel -1 picks the last entry: no contract, or no category ("autre").
    by_contract = np.array([(f"contract:{text}" if (text := str(c).strip()) else None)
                            for c in contracts] + [None], dtype=object)
    by_category = np.array([f"cat:{c}" for c in categories] + ["cat:autre"], dtype=object)
    contract = by_contract[contract_codes]
    keys = np.where(pd.isna(contract), by_category[category_codes], contract)
    return pd.Series(keys, index=lines.index, dtype=object)


def build_lots(lines: pd.DataFrame) -> pd.DataFrame:
    """Aggregate lines into lots, vectorized.

    `lines` has columns category_code, contract_ref, amount_cents, incumbent_is_se,
    incumbent_is_local, and optionally key (from `lot_keys`). Lines with a contract
    reference form one lot per contract; the others form one lot per category (the
    municipality's need over the period).
    Credits net against their lot; lots whose net value is not positive are dropped.
    """
    if lines.empty:
        return pd.DataFrame(columns=LOT_COLUMNS)
    frame = lines.copy()
    frame["category_code"] = frame["category_code"].fillna("autre")
    if "key" not in frame:
        frame["key"] = lot_keys(frame)
    frame["se_cents"] = frame["amount_cents"].where(frame["incumbent_is_se"].astype(bool), 0)
    frame["local_cents"] = frame["amount_cents"].where(frame["incumbent_is_local"].astype(bool), 0)
    grouped = frame.groupby("key", sort=True).agg(
        category_code=("category_code", "first"),
        value_cents=("amount_cents", "sum"),
        line_count=("amount_cents", "size"),
        se_cents=("se_cents", "sum"),
        local_cents=("local_cents", "sum"),
    ).reset_index()
    grouped = grouped[grouped["value_cents"] > 0].copy()
    # A credit can make the SE part exceed the lot's net value; cap it to stay consistent.
    grouped["se_cents"] = grouped[["se_cents", "value_cents"]].min(axis=1).clip(lower=0)
    grouped["local_cents"] = grouped[["local_cents", "value_cents"]].min(axis=1).clip(lower=0)
    return grouped[LOT_COLUMNS].reset_index(drop=True)
