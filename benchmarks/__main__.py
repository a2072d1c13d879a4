"""Run every benchmark (`make bench`); each prints its figures next to a same-run baseline."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = ("benchmarks.bench_import", "benchmarks.bench_matching", "benchmarks.bench_optimizer",
              "benchmarks.bench_cli")


def main() -> None:
    """Run the benchmarks named on the command line, or all of them."""
    names = sys.argv[1:] or list(BENCHMARKS)
    for name in names:
        module = importlib.import_module(name if "." in name else f"benchmarks.{name}")
        print(f"== {module.__name__}")
        started = time.perf_counter()
        module.run()
        print(f"   ({time.perf_counter() - started:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
