"""The final block of `make bench`: the four speed figures of the issue, from run() results."""

from __future__ import annotations

from benchmarks.__main__ import summary


def test_the_summary_reads_the_four_figures_and_judges_each_against_its_goal():
    lines = summary({
        "benchmarks.bench_import": {"end_to_end_s": 30.0, "calamine_parse_s": 20.0,
                                    "end_to_end_over_calamine": 1.5},
        "benchmarks.bench_matching": {"database_end_to_end_s": 25.7, "total_s": 3.4},
        "benchmarks.bench_optimizer": {
            "relaxation": {"seconds": 4.0},
            "indivisible": {"solver": "cbc", "gap": 0.0028, "seconds": 30.4,
                            "cpu_seconds": 8.3, "goal_met": False},
        },
        "benchmarks.bench_cli": {"help_s": 0.31, "baseline_s": 0.02},
    })
    assert len(lines) == 5
    imp, match, milp, cli = lines[1:]
    assert "ratio 1.50x" in imp and imp.endswith("| met")
    assert "ratio 7.56x" in match and match.endswith("| MISSED")
    assert "gap 0.280% after 30.40 s" in milp and "LP relaxation 4.00 s" in milp
    assert milp.endswith("| MISSED")
    assert "0.31 s" in cli and cli.endswith("| met")


def test_a_benchmark_that_was_not_run_reads_not_available():
    lines = summary({"benchmarks.bench_cli": {"help_s": 0.7, "baseline_s": 0.02}})
    assert lines[1].endswith("| n/a") and lines[2].endswith("| n/a")
    assert lines[3].endswith("| n/a")
    assert lines[4].endswith("| MISSED")
