"""`procure --help` start-up time against the bare interpreter's, measured in the same run.

Target: under 0.5 s. The commands import pandas, SQLAlchemy, rich and the solvers only
when they run (app/cli.py), so the help answers without loading them.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

PROCURE = Path(sys.executable).parent / "procure"
TARGET_SECONDS = 0.5


def _median_seconds(command: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def run() -> dict[str, float | bool]:
    """Print and return the median start-up of `procure --help` next to `python -c pass`."""
    baseline = _median_seconds([sys.executable, "-c", "pass"])
    helped = _median_seconds([str(PROCURE), "--help"])
    print(f"   python -c pass (baseline): {baseline:.3f} s")
    print(f"   procure --help:            {helped:.3f} s "
          f"({helped / baseline:.1f}× the bare interpreter; target < {TARGET_SECONDS} s: "
          f"{'met' if helped < TARGET_SECONDS else 'MISSED'})")
    return {"baseline_s": baseline, "help_s": helped, "target_s": TARGET_SECONDS,
            "met": helped < TARGET_SECONDS}


if __name__ == "__main__":
    run()
