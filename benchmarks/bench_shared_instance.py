"""A shared instance for a whole province, measured on a sample and extrapolated.

One database holds Quebec's ~1,100 municipalities (the MAMH reference), one registry of
social economy suppliers, and a year of spending for each municipality. Lines per year are
modelled from the population (LINES_PER_RESIDENT, at least MIN_LINES, at most MAX_LINES:
the Bradford journal gives 0.2 lines per resident per year). A sample of municipalities
across the population range is imported, matched and optimized for real; the per-line and
per-municipality costs measured here give the yearly load, the database size, and the
workers a monthly import day needs.

Run: python -m benchmarks.bench_shared_instance [sample_size]
     PROCURE_BENCH_DATABASE_URL=postgresql+psycopg://… to measure on PostgreSQL
     (default: a temporary SQLite file).
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LINES_PER_RESIDENT = 0.2
MIN_LINES = 300
MAX_LINES = 400_000
MONTHLY_WINDOW_HOURS = 2.0  # every municipality's month imported within two hours


@dataclass
class Sampled:
    """What one sampled municipality cost."""

    code: str
    population: int
    lines: int
    import_s: float
    match_s: float
    optimize_s: float
    bytes_added: int


def yearly_lines(population: int | None) -> int:
    """Return the modelled spending lines of a municipality for one year."""
    return int(min(MAX_LINES, max(MIN_LINES, round((population or 0) * LINES_PER_RESIDENT))))


def write_year(path: Path, lines: int, seed: int) -> None:
    """Write a year of spending in the demo city's categories, scaled to `lines`."""
    from procurement.demo import DEMO_CATEGORIES

    rng = random.Random(seed)
    weights = [c.yearly_lines for c in DEMO_CATEGORIES]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Date", "Fournisseur", "Description", "Poste budgétaire", "Montant"])
        for category in rng.choices(DEMO_CATEGORIES, weights, k=lines):
            need = rng.randrange(len(category.descriptions))
            amount = round(rng.lognormvariate(0, 0.6) * category.typical_amount, 2)
            writer.writerow([f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                             category.suppliers[need % len(category.suppliers)],
                             category.descriptions[need], category.account, f"{amount:.2f}"])


def database_bytes(session: Any, url: str) -> int:
    """Return the database's size on disk."""
    from sqlalchemy import text

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return int(session.scalar(text("SELECT pg_database_size(current_database())")))


def sample_of(populations: list[tuple[str, int]], size: int) -> list[tuple[str, int]]:
    """Pick municipalities spread over the population quantiles (largest excluded)."""
    ordered = sorted(populations, key=lambda item: item[1])
    # The few largest cities get a file of their own scale: measure per line up to 40,000.
    eligible = [item for item in ordered if yearly_lines(item[1]) <= 40_000]
    step = max(1, len(eligible) // max(1, size - 1))
    return [*eligible[step // 2::step][:size - 1], eligible[-1]]


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Return (fixed, per_unit) of the least-squares line y = fixed + per_unit * x."""
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    per_unit = (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
                if spread else 0.0)
    return max(0.0, mean_y - per_unit * mean_x), max(0.0, per_unit)


def run(sample_size: int = 8) -> dict[str, Any]:
    """Measure the sample, extrapolate to every municipality, print the figures."""
    from sqlalchemy import func, select

    from procurement import demo
    from procurement.db import make_engine, make_session_factory, upgrade_database
    from procurement.matching import normalize_company_name
    from procurement.models import Organization, PurchaseLine, Supplier
    from procurement.permissions import SYSTEM
    from procurement.services import matching, optimize
    from procurement.services.imports import import_spend

    folder = Path(tempfile.mkdtemp(prefix="procure-shared-"))
    url = os.environ.get("PROCURE_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'shared.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        started = time.perf_counter()
        demo.load_demo(session, instance=folder, normalize_name=normalize_company_name,
                       log=lambda _m: None)
        session.commit()
        setup_s = time.perf_counter() - started
        populations = [(code, pop or 0) for code, pop in session.execute(
            select(Organization.code, Organization.population))]
        suppliers = session.scalar(select(func.count()).select_from(Supplier))
        base_bytes = database_bytes(session, url)
    sampled: list[Sampled] = []
    for number, (code, population) in enumerate(sample_of(
            [p for p in populations if p[0] != demo.DEMO_ORG_CODE], sample_size)):
        lines = yearly_lines(population)
        path = folder / f"{code}.csv"
        write_year(path, lines, seed=number)
        with factory() as session:
            before = database_bytes(session, url)
            org = session.scalar(select(Organization).where(Organization.code == code))
            began = time.perf_counter()
            outcome = import_spend(session, SYSTEM, org, path, isolated=False)
            session.commit()
            imported = time.perf_counter()
            matching.run_matching(session, SYSTEM, org)
            session.commit()
            matched = time.perf_counter()
            optimize.run_scenario(session, SYSTEM, org, {"name": "Province"})
            session.commit()
            optimized = time.perf_counter()
            assert outcome.lines == lines, outcome.message
            sampled.append(Sampled(code, population, lines, imported - began,
                                   matched - imported, optimized - matched,
                                   database_bytes(session, url) - before))
    with factory() as session:
        stored = session.scalar(select(func.count()).select_from(PurchaseLine))
    engine.dispose()

    # Each cost = a fixed part per municipality + a part per line, fitted on the sample.
    xs = [float(s.lines) for s in sampled]
    import_fixed, per_line_import = fit(xs, [s.import_s for s in sampled])
    match_fixed, per_line_match = fit(xs, [s.match_s for s in sampled])
    bytes_fixed, per_line_bytes = fit(xs, [float(s.bytes_added) for s in sampled])
    optimize_mean = sum(s.optimize_s for s in sampled) / len(sampled)
    counts = [yearly_lines(p) for _, p in populations]
    province_lines = sum(counts)
    municipalities = len(populations)
    fixed = import_fixed + match_fixed
    per_line = per_line_import + per_line_match
    yearly_cpu_h = (municipalities * (fixed + optimize_mean) + province_lines * per_line) / 3600
    monthly_cpu_h = (municipalities * fixed + province_lines / 12 * per_line) / 3600
    workers = max(1, int(-(-monthly_cpu_h // MONTHLY_WINDOW_HOURS)))
    figures = {
        "database": url.split(":", 1)[0],
        "municipalities": municipalities, "registry_suppliers": suppliers,
        "setup_s": round(setup_s, 1), "lines_stored_in_sample_run": stored,
        "sample": [(s.code, s.population, s.lines, round(s.import_s, 2), round(s.match_s, 2),
                    round(s.optimize_s, 2)) for s in sampled],
        "import_s_fixed_per_municipality": round(import_fixed, 2),
        "import_ms_per_1000_lines": round(per_line_import * 1e6, 1),
        "match_s_fixed_per_municipality": round(match_fixed, 2),
        "match_ms_per_1000_lines": round(per_line_match * 1e6, 1),
        "optimize_s_per_municipality": round(optimize_mean, 2),
        "bytes_per_line": round(per_line_bytes),
        "province_lines_per_year": province_lines,
        "province_database_gib_per_year": round(
            (base_bytes + municipalities * bytes_fixed + province_lines * per_line_bytes)
            / 2**30, 2),
        "province_cpu_hours_per_year": round(yearly_cpu_h, 2),
        "monthly_import_day_cpu_hours": round(monthly_cpu_h, 2),
        f"workers_for_the_month_within_{MONTHLY_WINDOW_HOURS:g}_h": workers,
    }
    print("shared instance: Quebec's municipalities, one registry, a year of spending each "
          f"(measured on {len(sampled)} municipalities, extrapolated)")
    print("  sample (code, population, lines, import s, match s, optimize s):")
    for row in figures.pop("sample"):
        print(f"    {row}")
    for key, value in figures.items():
        print(f"  {key:>40}: {value}")
    return figures


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
