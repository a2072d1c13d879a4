"""Configurable limits that keep one upload from exhausting the server."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bound the size, shape, expansion, time and memory of one import."""

    max_bytes: int = 200 * MIB
    max_rows: int = 2_000_000
    max_columns: int = 200
    # Readers allocate the whole rectangle from the first to the last cell: one cell at
    # CZ1048576 costs 109 million cells. 60 million covers 2 million rows of 30 columns.
    max_cells: int = 60_000_000
    zip_max_members: int = 10_000
    zip_max_total_uncompressed: int = 3 * 1024 * MIB
    # Real sheets compress 5-30x; deflate tops out near 1000x on runs of zeros.
    zip_max_ratio: float = 200.0
    # Below this size a high ratio cannot hurt, and tiny XML parts compress very well.
    zip_ratio_min_size: int = 1 * MIB
    max_xml_scan_bytes: int = 3 * 1024 * MIB
    parse_timeout_seconds: float = 600.0
    memory_limit_bytes: int = 6 * 1024 * MIB


DEFAULT_LIMITS = Limits()
