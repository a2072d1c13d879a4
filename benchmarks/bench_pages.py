"""CPU per read of the pages and answers kept between readers, against recomputing them.

`python -m benchmarks bench_pages` loads the demo (`procure init --demo`) into a
throw-away instance (SQLite, or PROCURE_BENCH_DATABASE_URL), signs in its purchaser and
reads the dashboard, the proposal page and the proposal's API answer through the Flask
test client: each request's process CPU when the read model is kept (the next readers of
the municipality), and in the same run when it is computed again (the kept values dropped
before each request, as after a write). The ratio is the figure; the load test
(`benchmarks/loadtest.py`) shows what it does to a shared instance's latency.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROCURE = Path(sys.executable).parent / "procure"
REQUESTS = 40


def _cpu_ms(request: Callable[[], Any], *, drop: Callable[[], None] | None = None) -> float:
    """Return the median process CPU of `request` in milliseconds (after a warm-up)."""
    for _ in range(3):
        request()
    times = []
    for _ in range(REQUESTS):
        if drop is not None:
            drop()
        began = time.process_time()
        answer = request()
        times.append(time.process_time() - began)
        assert answer.status_code == 200, answer.status_code
    times.sort()
    return times[len(times) // 2] * 1000


def run() -> dict[str, Any]:
    """Print and return the CPU per read, kept and recomputed, and their ratio."""
    folder = Path(tempfile.mkdtemp(prefix="procure-bench-pages-"))
    url = os.environ.get("PROCURE_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    env = {**os.environ, "DATABASE_URL": url, "PROCURE_INSTANCE": str(folder),
           "SECRET_KEY": "bench-pages"}
    try:
        subprocess.run([str(PROCURE), "init", "--demo", "--json"], env=env, check=True,
                       capture_output=True, timeout=900)
        from sqlalchemy import select

        from app import create_app
        from procurement.data_versions import KEPT
        from procurement.demo import read_credentials
        from procurement.models import Proposal, User
        from procurement.users import actor_for, issue_token

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-pages",
                          "INSTANCE_PATH": str(folder), "WTF_CSRF_ENABLED": False})
        credentials = read_credentials(folder / "demo-credentials.txt")
        with app.extensions["db_factory"]() as session:
            user = session.scalars(select(User).where(
                User.role == "purchaser", User.email.in_(list(credentials)))).one()
            proposal_id = session.scalar(select(Proposal.id).where(
                Proposal.organization_id == user.organization_id))
            token = issue_token(session, actor_for(user), user, "bench")
            email = user.email
            session.commit()
        client = app.test_client()
        signed = client.post("/login", data={"email": email, "password": credentials[email]})
        assert signed.status_code == 302, signed.status_code
        headers = {"Authorization": f"Bearer {token}"}
        reads: dict[str, Callable[[], Any]] = {
            "dashboard": lambda: client.get("/"),
            "proposal page": lambda: client.get(f"/proposals/{proposal_id}"),
            "API: proposal": lambda: client.get(f"/api/proposals/{proposal_id}",
                                                headers=headers),
        }
        figures: dict[str, Any] = {}
        for name, read in reads.items():
            recomputed = _cpu_ms(read, drop=KEPT.clear)
            kept = _cpu_ms(read)
            key = re.sub(r"\W+", "_", name.lower()).strip("_")
            figures[key] = {"recomputed_ms": recomputed, "kept_ms": kept,
                            "kept_over_recomputed": kept / recomputed}
            print(f"   {name:<14} recomputed (baseline) {recomputed:6.1f} ms CPU, kept "
                  f"{kept:5.1f} ms ({kept / recomputed:.2f}× the baseline)")
        app.extensions["db_engine"].dispose()
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    run()
