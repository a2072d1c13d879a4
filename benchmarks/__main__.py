"""Run every benchmark (`make bench`); each prints its figures next to a same-run baseline.

A final block sums up the four speed figures of the issue, read from the dicts the
benchmarks' ``run()`` return (a figure a benchmark did not return reads "n/a").
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Mapping
from typing import Any

BENCHMARKS = ("benchmarks.bench_import", "benchmarks.bench_matching", "benchmarks.bench_optimizer",
              "benchmarks.bench_cli")


def _number(figures: Mapping[str, Any] | None, *path: str) -> float | None:
    value: Any = figures
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def summary(results: Mapping[str, Any]) -> list[str]:
    """Return the lines of the speed summary from the benchmarks' returned figures."""
    lines = ["== speed summary (figure | same-run baseline | goal | verdict)"]
    imp = results.get("benchmarks.bench_import")
    e2e, parse = _number(imp, "end_to_end_s"), _number(imp, "calamine_parse_s")
    ratio = _number(imp, "end_to_end_over_calamine")
    if ratio is None and e2e is not None and parse:
        ratio = e2e / parse
    lines.append(f"  import 1M lines end to end: {_fmt(e2e, 's')} | calamine parse "
                 f"{_fmt(parse, 's')} | ratio {_fmt(ratio, 'x')} <= 2.0x | "
                 f"{_verdict(None if ratio is None else ratio <= 2.0)}")
    match = results.get("benchmarks.bench_matching")
    database, engine = _number(match, "database_end_to_end_s"), _number(match, "total_s")
    ratio = database / engine if database is not None and engine else None
    lines.append(f"  matching 1M lines through the database: {_fmt(database, 's')} | engine "
                 f"alone {_fmt(engine, 's')} | ratio {_fmt(ratio, 'x')} <= 3.0x | "
                 f"{_verdict(None if ratio is None else ratio <= 3.0)}")
    opt = results.get("benchmarks.bench_optimizer")
    for key in ("indivisible", "indivisible_highs"):
        milp = opt.get(key) if isinstance(opt, Mapping) else None
        if key == "indivisible_highs" and milp is None:
            continue
        gap, seconds = _number(milp, "gap"), _number(milp, "seconds")
        lp = _number(opt, "relaxation", "seconds")
        solver = milp.get("solver", "cbc") if isinstance(milp, Mapping) else "cbc"
        lines.append(f"  indivisible 5,000 lots x 20, {solver}: gap "
                     f"{'n/a' if gap is None else f'{gap:.3%}'} after {_fmt(seconds, 's')} "
                     f"({_fmt(_number(milp, 'cpu_seconds'), 's')} CPU) | LP relaxation "
                     f"{_fmt(lp, 's')} | gap <= 0.1 % within 30 s | "
                     f"{_verdict(milp.get('goal_met') if isinstance(milp, Mapping) else None)}")
    cli = results.get("benchmarks.bench_cli")
    helped, bare = _number(cli, "help_s"), _number(cli, "baseline_s")
    lines.append(f"  procure --help: {_fmt(helped, 's')} | python -c pass {_fmt(bare, 's')} | "
                 f"< 0.5 s | {_verdict(None if helped is None else helped < 0.5)}")
    return lines


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}{unit}" if unit == "x" else f"{value:.2f} {unit}"


def main() -> None:
    """Run the benchmarks named on the command line, or all of them, then the summary."""
    names = sys.argv[1:] or list(BENCHMARKS)
    results: dict[str, Any] = {}
    for name in names:
        module = importlib.import_module(name if "." in name else f"benchmarks.{name}")
        print(f"== {module.__name__}")
        started = time.perf_counter()
        results[module.__name__] = module.run()
        print(f"   ({time.perf_counter() - started:.0f} s)\n", flush=True)
    print("\n".join(summary(results)), flush=True)


if __name__ == "__main__":
    main()
