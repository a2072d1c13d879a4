"""Measure spending-file parsing against raw calamine and naive pandas+openpyxl.

Run: .venv/bin/python benchmarks/bench_import_parse.py [n_lines]
Generated workbooks are cached under $PROCURE_BENCH_CACHE (default: the system temp dir).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import pandas as pd
import python_calamine

from importers import parse_spend_file

HEADER = [
    "Date de paiement", "Nom du fournisseur", "Numéro de fournisseur", "Description",
    "Catégorie", "Poste budgétaire", "Service", "Montant ($)",
]  # fmt: skip
NAIVE_LINES = 100_000
SUPPLIERS = [f"Fournisseur {i:04d} inc." for i in range(1500)]
CATEGORIES = [f"Catégorie {i}" for i in range(250)]
SERVICES = ["Travaux publics", "Loisirs", "Greffe", "Finances", "Urbanisme", "Police"]


def cache_dir() -> Path:
    """Return the folder where generated workbooks are kept between runs."""
    folder = Path(os.environ.get("PROCURE_BENCH_CACHE", tempfile.gettempdir())) / "procure-bench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def generate_spend_xlsx(path: Path | None, n_lines: int, seed: int = 42) -> Path:
    """Write (or reuse) a spending workbook of n_lines with a title row and a header."""
    path = path or cache_dir() / f"spend-{n_lines}-{seed}.xlsx"
    if path.exists():
        return path
    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Dépenses")
    sheet.append(["Ville de démonstration — paiements aux fournisseurs"])
    sheet.append(HEADER)
    start = dt.date(2024, 1, 1)
    for _ in range(n_lines):
        supplier = rng.randrange(len(SUPPLIERS))
        sheet.append(
            [
                start + dt.timedelta(days=rng.randrange(365)),
                SUPPLIERS[supplier],
                100000 + supplier,
                f"Facture {rng.randrange(10**6)}",
                CATEGORIES[rng.randrange(len(CATEGORIES))],
                f"02-{rng.randrange(100, 999)}-00-{rng.randrange(100, 999)}",
                SERVICES[rng.randrange(len(SERVICES))],
                round(rng.uniform(-500, 50000), 2),
            ]
        )
    partial = path.with_suffix(".partial.xlsx")
    book.save(partial)
    partial.rename(path)
    return path


def time_calamine(path: Path) -> float:
    """Return seconds to load every row of the first sheet with python-calamine."""
    started = time.perf_counter()
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    book.get_sheet_by_index(0).to_python()
    return time.perf_counter() - started


def time_parse(path: Path) -> tuple[float, int]:
    """Return seconds of parse_spend_file and the number of valid records."""
    started = time.perf_counter()
    result = parse_spend_file(path)
    return time.perf_counter() - started, len(result.records)


def time_naive_openpyxl(path: Path) -> float:
    """Return seconds of pandas.read_excel(engine="openpyxl") on the file."""
    started = time.perf_counter()
    pd.read_excel(path, engine="openpyxl", header=1)
    return time.perf_counter() - started


def measure_parse(n_lines: int, *, naive: bool = True) -> dict[str, float]:
    """Measure calamine, our parser and (scaled from 100k lines) naive openpyxl on n_lines."""
    path = generate_spend_xlsx(None, n_lines)
    calamine_s = time_calamine(path)
    parse_s, records = time_parse(path)
    figures: dict[str, float] = {
        "n_lines": n_lines,
        "records": records,
        "calamine_s": round(calamine_s, 3),
        "parse_spend_file_s": round(parse_s, 3),
        "parse_over_calamine": round(parse_s / calamine_s, 2),
    }
    if naive:
        sample = min(NAIVE_LINES, n_lines)
        naive_s = time_naive_openpyxl(generate_spend_xlsx(None, sample)) * (n_lines / sample)
        figures["naive_openpyxl_scaled_s"] = round(naive_s, 3)
        figures["naive_over_parse"] = round(naive_s / parse_s, 2)
    return figures


def main() -> None:
    """Print the figures for the line count given on the command line (default 1,000,000)."""
    n_lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    for key, value in measure_parse(n_lines).items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
