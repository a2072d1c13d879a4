"""Import benchmark: a 1,000,000-line .xlsx imported end to end into SQLite.

Printed next to two baselines measured in the same run: the raw python-calamine parse
of the same file, and the naive way (pandas.read_excel with openpyxl, then one ORM
object per row), measured on the first 100,000 lines and scaled. Goals: end to end
within 2x the raw parse, at least 5x faster than the naive way, peak memory < 2 GiB.
Run: python -m benchmarks.bench_import [n_lines]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.bench_import_parse import NAIVE_LINES, generate_spend_xlsx, time_calamine
from procurement.db import make_engine, make_session_factory, upgrade_database
from procurement.models import ImportBatch, Organization, PurchaseLine
from procurement.permissions import SYSTEM

CALAMINE_GOAL = 2.0  # end to end within 2x the raw calamine parse of the same file


def _fresh_database(folder: Path) -> tuple[Any, Organization]:
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade_database(url)
    factory = make_session_factory(make_engine(url))
    session = factory()
    org = Organization(code="99999", name="Ville de mesure", currency="CAD")
    session.add(org)
    session.commit()
    return session, org


def end_to_end(path: Path) -> dict[str, Any]:
    """Import `path` with the real service (parse in a child process, store in SQLite)."""
    from procurement.services.imports import import_spend

    with tempfile.TemporaryDirectory() as folder:
        session, org = _fresh_database(Path(folder))
        started = time.perf_counter()
        outcome = import_spend(session, SYSTEM, org, path, isolated=True,
                               accept_valid_rows=True)
        session.commit()
        seconds = time.perf_counter() - started
        session.close()
    peak_kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {"seconds": seconds, "lines": outcome.lines, "status": outcome.status,
            "peak_mib": peak_kib / 1024}


def naive(path: Path) -> float:
    """Time pandas.read_excel(openpyxl) and one ORM object per row, as a first try would."""
    with tempfile.TemporaryDirectory() as folder:
        session, org = _fresh_database(Path(folder))
        batch = ImportBatch(organization_id=org.id, kind="spend", status="imported",
                            file_name=path.name, file_hash="-")
        session.add(batch)
        session.commit()
        started = time.perf_counter()
        frame = pd.read_excel(path, engine="openpyxl", header=1)
        for row in frame.itertuples(index=False):
            session.add(PurchaseLine(
                organization_id=org.id, import_id=batch.id, source_row=0,
                date=pd.Timestamp(row[0]).date(), supplier_name=str(row[1]),
                supplier_ref=str(row[2]), description=str(row[3]), expense_category=str(row[4]),
                account_code=str(row[5]), department=str(row[6]),
                amount=Decimal(str(row[7])), currency="CAD"))
        session.commit()
        seconds = time.perf_counter() - started
        session.close()
    return seconds


def run(n_lines: int = 1_000_000) -> dict[str, Any]:
    """Measure and print the import figures."""
    path = generate_spend_xlsx(None, n_lines)
    calamine_s = time_calamine(path)
    # The end-to-end run gets its own process so its peak memory is its own.
    child = subprocess.run([sys.executable, "-m", "benchmarks.bench_import", "--e2e", str(path)],
                           capture_output=True, text=True, check=True)
    e2e = json.loads(child.stdout.strip().splitlines()[-1])
    sample = min(NAIVE_LINES, n_lines)
    naive_s = naive(generate_spend_xlsx(None, sample)) * (n_lines / sample)
    figures = {
        "lines": n_lines,
        "imported_lines": e2e["lines"],
        "end_to_end_s": round(e2e["seconds"], 2),
        "calamine_parse_s": round(calamine_s, 2),
        "naive_scaled_s": round(naive_s, 2),
        "end_to_end_over_calamine": round(e2e["seconds"] / calamine_s, 2),
        "naive_over_end_to_end": round(naive_s / e2e["seconds"], 2),
        "peak_memory_mib": round(e2e["peak_mib"], 1),
    }
    print("import benchmark (goal: end_to_end_over_calamine <= 2, naive_over_end_to_end >= 5, "
          "peak < 2048 MiB)")
    for key, value in figures.items():
        print(f"  {key:>26}: {value}")
    ratio = figures["end_to_end_over_calamine"]
    print(f"import of {n_lines:,} lines end to end {e2e['seconds']:.1f} s against the raw "
          f"calamine parse {calamine_s:.1f} s (same run): {ratio:.2f}x (goal <= "
          f"{CALAMINE_GOAL:g}x): " + ("goal met" if ratio <= CALAMINE_GOAL else "goal NOT met"))
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--e2e":
        print(json.dumps(end_to_end(Path(sys.argv[2]))))
    else:
        run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
