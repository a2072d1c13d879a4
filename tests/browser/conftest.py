"""Browser tests: the real app on a free local port, the demo data, Debian's chromium.

Playwright cannot download browsers here; it drives the system chromium. When chromium
or pytest-playwright is missing, the tests are skipped with the reason, except on CI
(CI=true), where they fail: a green CI run must have exercised a real browser.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
#: axe-core, installed from npm by `npm ci --prefix tests/browser` (package-lock.json pins it).
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """Return axe-core's script, installing it once with `npm ci` when it is missing.

    Locally, without npm or without the registry, the accessibility tests are skipped
    with the reason; on CI (CI=true) they fail: a green run must have run axe.
    """
    if AXE.is_file():
        return AXE
    npm = shutil.which("npm")
    problem = None
    if npm is None:
        problem = "npm is not installed (apt-get install -y npm)"
    else:
        done = subprocess.run([npm, "ci", "--prefix", str(HERE), "--no-audit", "--no-fund"],
                              capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0 or not AXE.is_file():
            problem = f"npm ci --prefix tests/browser failed: {done.stderr[-2000:]}"
    if problem is not None:
        if _on_ci():
            pytest.fail(f"CI=true but axe-core is missing: {problem}")
        pytest.skip(f"axe-core is missing: {problem}")
    return AXE


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Browse as a Quebec clerk: French first (the pages follow Accept-Language)."""
    return {**browser_context_args, "locale": "fr-CA"}


@dataclass
class LiveDemo:
    """The running demo: its address, a proposal, and the demo accounts."""

    url: str
    proposal_id: int
    credentials: dict[str, str]
    instance: Path


@pytest.fixture(scope="session")
def live_demo(tmp_path_factory: pytest.TempPathFactory, realdata: Path,
              request: pytest.FixtureRequest) -> Iterator[LiveDemo]:
    """Load the demo with `procure demo` into a temporary instance and serve the app."""
    from werkzeug.serving import make_server

    from app import create_app
    from procurement.demo import read_credentials

    instance = tmp_path_factory.mktemp("instance")
    env = {**os.environ, "PROCURE_INSTANCE": str(instance)}
    env.pop("DATABASE_URL", None)
    database_url = f"sqlite:///{instance / 'procurement.db'}"
    if os.environ.get("PROCURE_TEST_DATABASE", "sqlite") == "postgres":
        database_url = request.getfixturevalue("postgres_databases").create(migrated=False)
        env["DATABASE_URL"] = database_url
    done = subprocess.run([sys.executable, "-m", "app.cli", "demo", "--json"], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["proposal_id"], result
    app = create_app({
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "browser-tests",
        "PARSE_IN_SUBPROCESS": False,
    })
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveDemo(url=f"http://127.0.0.1:{server.server_port}",
                       proposal_id=int(result["proposal_id"]),
                       credentials=read_credentials(instance / "demo-credentials.txt"),
                       instance=instance)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["db_engine"].dispose()


ARTIFACTS = HERE / "artifacts"  # screenshots of the journeys, one folder per language (gitignored)


@pytest.fixture
def screenshots() -> Any:
    """Return shot(page, lang, name): save a full-page screenshot as artifacts/<lang>/<name>.png."""

    def shot(page: Any, lang: str, name: str) -> Path:
        folder = ARTIFACTS / lang
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot
