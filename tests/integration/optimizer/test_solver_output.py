"""Solvers never write on stdout: `procure ... --json` must stay JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json
    from optimizer import CandidateInput, solve
    from optimizer.examples import lot, problem, supplier, with_scenario

    data = problem([lot("a", 10_000)], [supplier("s1", 1.0, capacity=3_000)],
                   [CandidateInput("a", "s1", 0.0)])
    solution = solve(with_scenario(data, solver={solver!r}, mode={mode!r}))
    print(json.dumps({{"status": solution.status}}))
""")


@pytest.mark.parametrize(("solver", "mode"), [("highs", "divisible"), ("highs", "indivisible"),
                                              ("cbc", "divisible"), ("cbc", "indivisible")])
def test_a_solve_prints_nothing_but_the_callers_json_on_stdout(solver: str, mode: str) -> None:
    # A fresh process: HiGHS prints its banner once per process, when first built.
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(solver=solver, mode=mode)],
                          capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout)["status"] in {"optimal", "feasible"}, done.stdout
