"""Shared fixtures: paths to the real data, the application, the database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("PROCURE_REALDATA", ROOT.parent / "shared" / "realdata"))


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Return the folder of public real files (read in place, never copied)."""
    if not REALDATA.is_dir():
        pytest.fail(f"real data folder not found: {REALDATA} (set PROCURE_REALDATA)")
    return REALDATA
