"""Shared fixtures: the public test files, the browser."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

# Public files used only by tests (sources and licences in the README); the reference
# files the engine itself needs ship in procurement/data/reference.
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Return the folder of public real files shipped for the tests."""
    return TEST_DATA


# --- browser tests (Playwright driving Debian's chromium) ---------------------------

CHROMIUM = Path(os.environ.get("PROCURE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def missing_browser() -> str | None:
    """Say what is missing to drive a browser, or None."""
    if importlib.util.find_spec("pytest_playwright") is None:
        return "pytest-playwright is not installed (pip install pytest-playwright)"
    if not CHROMIUM.is_file():
        return f"chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    return None


def on_ci() -> bool:
    """Tell whether the tests run on continuous integration."""
    return os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip browser tests locally when no browser can run; on CI they fail instead."""
    reason = missing_browser()
    if reason is None or on_ci():
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=f"no browser: {reason}"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's chromium (Playwright cannot download browsers here)."""
    reason = missing_browser()
    if reason is not None:
        pytest.fail(f"the browser tests cannot run: {reason}")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM),
            "args": CHROMIUM_ARGS}
