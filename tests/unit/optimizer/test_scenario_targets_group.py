"""Scenario files may group their targets under "targets"."""

from __future__ import annotations

import pytest

from optimizer import ScenarioError, Target, scenario_from_dict


def test_targets_grouped_under_targets_are_read_like_top_level_ones() -> None:
    scenario = scenario_from_dict({"targets": {
        "social_economy_share": {"value": 0.3, "hard": True},
        "local_share": 0.2,
        "social_economy_share_by_category": {"traiteur_alimentation": {"value": 0.5}},
    }})
    assert scenario.social_economy_share == Target(0.3, hard=True)
    assert scenario.local_share == Target(0.2, hard=False)
    assert scenario.social_economy_share_by_category["traiteur_alimentation"] == Target(0.5)


def test_an_unknown_or_duplicated_target_is_named() -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"local_share": 0.1,
                            "targets": {"local_share": 0.2, "green_share": 0.5}})
    assert set(caught.value.errors) == {"targets.local_share", "targets.green_share"}


def test_targets_must_be_an_object() -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"targets": [0.3]})
    assert "targets" in caught.value.errors
