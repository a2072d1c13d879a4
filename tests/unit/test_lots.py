"""Lots: one need per category (or contract); credits net; the band comes from the whole."""

from __future__ import annotations

import pandas as pd

from procurement.lots import build_lots


def _lines(rows: list[tuple[str | None, str | None, int, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["category_code", "contract_ref", "amount_cents",
                                       "incumbent_is_se"]).assign(incumbent_is_local=False)


def test_lines_of_one_category_make_one_lot_whatever_their_size() -> None:
    lots = build_lots(_lines([("traiteur", None, 2_000_000, False)] * 3))
    assert lots[["key", "value_cents", "line_count"]].values.tolist() == [
        ["cat:traiteur", 6_000_000, 3]]


def test_a_contract_reference_makes_its_own_lot() -> None:
    lots = build_lots(_lines([("traiteur", None, 100, False), ("traiteur", "C-12", 300, True)]))
    assert sorted(lots["key"]) == ["cat:traiteur", "contract:C-12"]
    assert lots.set_index("key").loc["contract:C-12", "se_cents"] == 300


def test_credits_net_against_their_lot_and_empty_lots_disappear() -> None:
    lots = build_lots(_lines([("impression", None, 500, False), ("impression", None, -500, False),
                              ("formation", None, 800, True), ("formation", None, -100, True)]))
    assert lots[["key", "value_cents", "se_cents"]].values.tolist() == [
        ["cat:formation", 700, 700]]


def test_uncategorized_lines_fall_into_the_catch_all() -> None:
    lots = build_lots(_lines([(None, None, 100, False)]))
    assert lots["key"].tolist() == ["cat:autre"]
