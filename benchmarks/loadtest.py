"""Load test of a shared instance on loopback: gunicorn + PostgreSQL + a Celery worker.

`make loadtest` (or `python -m benchmarks.loadtest --users 50 --seconds 120`) starts a
private PostgreSQL and Redis (scripts/start-postgres.sh, start-redis.sh; as root), loads
the demo with `procure init --demo`, serves it with gunicorn, starts `procure worker`, then
lets simulated users work: dashboard and proposal pages, API reads, incumbent-match and
capability confirmations, a few imports and scenario runs (jobs on the worker).

Phases, so that the figures describe the steady state and not the start: the users sign
in one after the other (an argon2 check each), then start working one by one over `--ramp`
seconds, then all of them work for `--warmup` seconds (caches, connection pools, each
process's first requests); all of this is timed apart and printed as "warm-up". Then the
measured window of `--seconds`: every request that starts in it counts. It prints
requests/s, p50/p95/p99 per kind and the errors; it exits non-zero when any request failed
(warm-up included), and also when the reads' p95 exceeds 300 ms with `--fail-over-target`
(for a dedicated machine: on a shared one the latency measures the neighbours too).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
READS = ("dashboard", "proposal_page", "proposals_api", "matches_api", "lines_api")
READ_TARGET_MS = 300.0


@dataclass
class Stats:
    """Latencies and failures per kind of request, shared by the user threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind].append(error)


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of `values`, in milliseconds."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index] * 1000


class Client:
    """One simulated user's keep-alive connection, cookies and bearer token."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.cookie = ""
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, api: bool = False
                ) -> tuple[int, bytes, dict[str, str]]:
        sent = dict(headers or {})
        if api:
            sent["Authorization"] = f"Bearer {self.token}"
        elif self.cookie:
            sent["Cookie"] = self.cookie
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # A keep-alive connection the server closed: reconnect once.
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                             timeout=60)
                if attempt == 2:
                    raise
        answer = {k.lower(): v for k, v in response.getheaders()}
        for value in response.headers.get_all("Set-Cookie") or []:
            pair = value.split(";", 1)[0]
            name = pair.split("=", 1)[0]
            kept = [c for c in self.cookie.split("; ") if c and not c.startswith(name + "=")]
            self.cookie = "; ".join([*kept, pair])
        return response.status, data, answer

    def csrf(self, path: str) -> str:
        status, page, _ = self.request("GET", path)
        found = CSRF.search(page.decode("utf-8", "replace"))
        if status != 200 or not found:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return found.group(1)

    def login(self, email: str, password: str) -> None:
        token = self.csrf("/login")
        body = urlencode({"email": email, "password": password, "csrf_token": token}).encode()
        status, _, _ = self.request("POST", "/login", body, {
            "Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}")


def multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    """Encode a form with one file as multipart/form-data."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                 + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def spending_file(seed: int, rows: int = 300) -> bytes:
    """Return a small spending CSV, different for every seed (no duplicate import)."""
    lines = ["Fournisseur,Montant,Date,Description"]
    for i in range(rows):
        lines.append(f"Fournisseur {i % 37},{(seed * 7919 + i * 31) % 9000 + 10}.{i % 100:02d},"
                     f"2025-0{i % 9 + 1}-{i % 27 + 1:02d},Entretien ménager {i % 11}")
    return ("\n".join(lines) + "\n").encode()


@dataclass
class World:
    """What the users act on: the demo's accounts, tokens and objects."""

    port: int
    credentials: dict[str, str]
    emails: dict[str, str]
    tokens: dict[str, str]
    proposal_ids: list[int]
    match_ids: list[int]
    supplier_categories: list[tuple[int, list[str]]]


class User(threading.Thread):
    """A simulated person: mostly reads, some confirmations, rarely an import or a scenario."""

    def __init__(self, number: int, world: World, stats: Stats, deadline: float,
                 budget: dict[str, int], budget_lock: threading.Lock, *,
                 warmup: Stats | None = None, measure_from: float = 0.0,
                 arrive_at: float = 0.0) -> None:
        super().__init__(name=f"user-{number}", daemon=True)
        self.number = number
        self.world = world
        self.measured = stats
        self.warmup = warmup or stats
        self.measure_from = measure_from  # time.monotonic() when the measured window opens
        self.arrive_at = arrive_at
        self.deadline = deadline
        self.budget = budget
        self.budget_lock = budget_lock
        self.random = random.Random(number)
        role = ("purchaser", "finance", "auditor", "admin")[number % 4]
        self.role = role
        self.client = Client(world.port, world.tokens[role])

    def take(self, kind: str) -> bool:
        """Take one of the window's writes of `kind` when one is due by now.

        The budget is spread evenly over the measured window (none in the warm-up): the
        imports and scenario runs, and what they make every reader recompute, fall inside
        the figures instead of being used up before them.
        """
        now = time.monotonic()
        if now < self.measure_from or now >= self.deadline:
            return False
        share = (now - self.measure_from) / max(self.deadline - self.measure_from, 1e-9)
        with self.budget_lock:
            total, taken = self.budget.get(kind, 0), self.budget.get(f"{kind} taken", 0)
            if taken >= total or taken >= math.ceil(total * share):
                return False
            self.budget[f"{kind} taken"] = taken + 1
            return True

    @property
    def stats(self) -> Stats:
        """Where a request starting now is counted: the warm-up, or the measured window."""
        return self.measured if time.monotonic() >= self.measure_from else self.warmup

    def timed(self, kind: str, method: str, path: str, expect: tuple[int, ...] = (200,),
              **kwargs: Any) -> tuple[int, bytes]:
        stats = self.stats
        began = time.perf_counter()
        try:
            status, body, _ = self.client.request(method, path, **kwargs)
        except Exception as exc:
            stats.record(kind, time.perf_counter() - began, f"{type(exc).__name__}: {exc}")
            return 0, b""
        error = None if status in expect else f"{method} {path} -> {status}"
        stats.record(kind, time.perf_counter() - began, error)
        return status, body

    def sign_in(self) -> bool:
        """Sign in through the login form (timed apart, never in the measured window)."""
        began = time.perf_counter()
        try:
            email = self.world.emails[self.role]
            self.client.login(email, self.world.credentials[email])
        except Exception as exc:
            self.warmup.record("login", time.perf_counter() - began,
                               f"{type(exc).__name__}: {exc}")
            return False
        self.warmup.record("login", time.perf_counter() - began, None)
        return True

    def run(self) -> None:
        time.sleep(max(0.0, self.arrive_at - time.monotonic()))  # the ramp: one by one
        while time.monotonic() < self.deadline:
            self.act()
            time.sleep(self.random.uniform(0.5, 1.5))  # a person reads before clicking

    def act(self) -> None:
        draw = self.random.random()
        world = self.world
        proposal = self.random.choice(world.proposal_ids)
        if self.role == "purchaser" and draw < 0.03 and self.take("imports"):
            token = self.client.csrf("/imports/new")
            body, kind = multipart({"csrf_token": token},
                                   f"mois-{self.number}-{uuid.uuid4().hex[:6]}.csv",
                                   spending_file(self.random.randrange(10**9)))
            self.timed("import_upload", "POST", "/imports/new", (302, 303), body=body,
                       headers={"Content-Type": kind})
        elif self.role == "purchaser" and draw < 0.06 and self.take("scenarios"):
            # 201 with the result when the job ends within the API's wait, else 202 (a job)
            self.timed("scenario_run", "POST", "/api/scenarios", (201, 202), api=True,
                       body=json.dumps({"name": f"Charge {self.number}"}).encode(),
                       headers={"Content-Type": "application/json"})
        elif self.role == "purchaser" and draw < 0.16 and world.match_ids:
            match_id = world.match_ids[self.random.randrange(len(world.match_ids))]
            self.timed("match_confirm", "POST", f"/api/matches/incumbents/{match_id}",
                       (200,), api=True, body=json.dumps({"decision": "confirm"}).encode(),
                       headers={"Content-Type": "application/json"})
        elif self.role == "admin" and draw < 0.15 and world.supplier_categories:
            supplier_id, codes = self.random.choice(world.supplier_categories)
            self.timed("capability_confirm", "PUT",
                       f"/api/suppliers/{supplier_id}/categories", (200,), api=True,
                       body=json.dumps({"categories": codes}).encode(),
                       headers={"Content-Type": "application/json"})
        elif draw < 0.45:
            self.timed("dashboard", "GET", "/")
        elif draw < 0.70:
            self.timed("proposal_page", "GET", f"/proposals/{proposal}")
        elif draw < 0.82:
            self.timed("proposals_api", "GET", f"/api/proposals/{proposal}", api=True)
        elif draw < 0.92:
            self.timed("matches_api", "GET", "/api/matches/incumbents?page_size=20", api=True)
        else:
            self.timed("lines_api", "GET", "/api/lines?page_size=50", api=True)


# --- the instance under test ---------------------------------------------------------

class CpuMeter:
    """CPU seconds used by each part of the instance and by the load generator itself.

    On a shared machine the latencies measure the neighbours too; the CPU each request
    costs the server does not, and tells whether the generator (same cores) is in the way.
    """

    def __init__(self, roots: dict[str, list[int]]) -> None:
        self.roots = roots
        self.start: dict[str, float] = {}

    def sample(self) -> dict[str, float]:
        """Return CPU seconds so far per part (its processes and their children)."""
        import psutil

        out: dict[str, float] = {}
        for part, pids in self.roots.items():
            total = 0.0
            for pid in pids:
                try:
                    root = psutil.Process(pid)
                    family = [root, *root.children(recursive=True)]
                except psutil.Error:
                    continue
                for process in family:
                    try:  # a process may end between the listing and the reading
                        times = process.cpu_times()
                    except psutil.Error:
                        continue
                    # Children that ended (PostgreSQL's backends) count in their parent's.
                    total += (times.user + times.system + times.children_user
                              + times.children_system)
            out[part] = total
        usage = resource.getrusage(resource.RUSAGE_SELF)
        out["load generator"] = usage.ru_utime + usage.ru_stime
        return out

    def begin(self) -> None:
        self.start = self.sample()

    def used(self) -> dict[str, float]:
        """Return the CPU seconds used since `begin`, per part."""
        end = self.sample()
        return {part: end[part] - self.start.get(part, 0.0) for part in end}


def report_cpu(used: dict[str, float], seconds: float, requests: int) -> None:
    """Print the CPU each part used in the measured window, and the server's per request."""
    parts = ", ".join(f"{part} {value:.1f} s" for part, value in used.items())
    web = used.get("gunicorn", 0.0)
    print(f"CPU in the measured window ({seconds:.0f} s on {os.cpu_count()} cores): {parts}; "
          f"gunicorn {web / max(1, requests) * 1000:.1f} ms per request")


def _postmaster_pid(data_dir: str) -> list[int]:
    try:
        return [int((Path(data_dir) / "data" / "postmaster.pid").read_text().split()[0])]
    except (OSError, ValueError, IndexError):
        return []


def _exports(script: str, port: int) -> dict[str, str]:
    done = subprocess.run([str(ROOT / "scripts" / script), str(port)], capture_output=True,
                          text=True, check=True, timeout=120)
    return dict(line.removeprefix("export ").split("=", 1)
                for line in done.stdout.splitlines() if line.startswith("export "))


def _wait_http(port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /health")


def prepare(env: dict[str, str], port: int) -> World:
    """Load the demo, issue API tokens, and list the objects the users act on."""
    done = subprocess.run([str(BIN / "procure"), "init", "--demo", "--json"], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"procure init --demo failed: {done.stderr[-2000:]}")
    from sqlalchemy import select

    from procurement.db import make_engine, make_session_factory
    from procurement.demo import read_credentials
    from procurement.models import IncumbentMatch, Proposal, Supplier, SupplierCategory, User
    from procurement.users import actor_for, issue_token

    credentials = read_credentials(Path(env["PROCURE_INSTANCE"]) / "demo-credentials.txt")
    engine = make_engine(env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    tokens: dict[str, str] = {}
    emails: dict[str, str] = {}
    with make_session_factory(engine)() as session:
        for role in ("purchaser", "finance", "auditor", "admin"):
            user = session.scalar(select(User).where(User.role == role,
                                                     User.email.in_(list(credentials))))
            assert user is not None, f"no demo {role}"
            emails[role] = user.email
            tokens[role] = issue_token(session, actor_for(user), user, "loadtest")
        org_id = session.scalar(select(User.organization_id).where(
            User.email == emails["purchaser"]))
        proposals = list(session.scalars(select(Proposal.id).where(
            Proposal.organization_id == org_id)))
        matches = list(session.scalars(select(IncumbentMatch.id).where(
            IncumbentMatch.organization_id == org_id,
            IncumbentMatch.supplier_id.is_not(None)).limit(200)))
        pairs: dict[int, list[str]] = defaultdict(list)
        rows = session.execute(select(SupplierCategory.supplier_id,
                                      SupplierCategory.category_code).join(Supplier)
                               .limit(400)).all()
        for supplier_id, code in rows:
            pairs[supplier_id].append(code)
        session.commit()
    engine.dispose()
    return World(port=port, credentials=credentials, emails=emails,
                 tokens=tokens, proposal_ids=proposals,
                 match_ids=matches, supplier_categories=list(pairs.items())[:40])


def report_warmup(stats: Stats, seconds: float) -> int:
    """Print the sign-ins, ramp and warm-up apart (not in the figures); return its errors."""
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(len(v) for v in stats.errors.values())
    logins = stats.latencies.get("login", [])
    others = [v for kind, values in stats.latencies.items() if kind != "login" for v in values]
    print(f"warm-up (not counted): {total} requests (ramp and warm-up: {seconds:.0f} s), "
          f"errors: {errors}; "
          f"sign-ins p50 {percentile(logins, 50):.0f} ms, p95 {percentile(logins, 95):.0f} ms; "
          f"other requests p50 {percentile(others, 50):.0f} ms, "
          f"p95 {percentile(others, 95):.0f} ms")
    for kind, messages in stats.errors.items():
        for message in sorted(set(messages))[:5]:
            print(f"  warm-up error {kind}: {message}")
    return errors


def report(stats: Stats, seconds: float) -> bool:
    """Print the figures of the measured window; return whether it had no error."""
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(len(v) for v in stats.errors.values())
    print(f"{'kind':<20}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        print(f"{kind:<20}{len(values):>7}{len(stats.errors.get(kind, [])):>8}"
              f"{percentile(values, 50):>9.0f}{percentile(values, 95):>9.0f}"
              f"{percentile(values, 99):>9.0f}")
    reads = [v for kind in READS for v in stats.latencies.get(kind, [])]
    read_p95 = percentile(reads, 95)
    print(f"\nrequests: {total} in {seconds:.0f} s = {total / seconds:.1f} requests/s; "
          f"errors: {errors}")
    print(f"reads: p50 {percentile(reads, 50):.0f} ms, p95 {read_p95:.0f} ms, "
          f"p99 {percentile(reads, 99):.0f} ms (target p95 < {READ_TARGET_MS:.0f} ms: "
          f"{'met' if read_p95 < READ_TARGET_MS else 'MISSED'})")
    for kind, messages in stats.errors.items():
        for message in sorted(set(messages))[:5]:
            print(f"  error {kind}: {message}")
    print(json.dumps({"requests": total, "seconds": round(seconds, 1),
                      "requests_per_second": round(total / seconds, 1), "errors": errors,
                      "read_p50_ms": round(percentile(reads, 50)),
                      "read_p95_ms": round(read_p95), "read_p99_ms": round(percentile(reads, 99)),
                      "reads": len(reads), "mean_read_ms": round(
                          statistics.fmean(reads) * 1000 if reads else 0)}))
    return errors == 0


def read_p95(stats: Stats) -> float:
    """Return the reads' p95 in milliseconds."""
    return percentile([v for kind in READS for v in stats.latencies.get(kind, [])], 95)


def main(argv: list[str] | None = None) -> int:
    """Start the instance, run the users, print the figures, stop everything."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120.0,
                        help="the measured window, after the ramp and the warm-up")
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="seconds over which the users arrive (not counted)")
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="seconds all users work before the measured window (not counted)")
    parser.add_argument("--fail-over-target", action="store_true",
                        help="exit non-zero when the reads' p95 exceeds 300 ms")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=18431)
    parser.add_argument("--postgres-port", type=int, default=54381)
    parser.add_argument("--redis-port", type=int, default=63781)
    options = parser.parse_args(argv)
    users = max(1, min(options.users, 500))
    seconds = max(5.0, min(options.seconds, 3600.0))
    folder = Path(tempfile.mkdtemp(prefix="procure-loadtest-"))
    processes: list[subprocess.Popen[bytes]] = []
    postgres = _exports("start-postgres.sh", options.postgres_port)
    redis = _exports("start-redis.sh", options.redis_port)
    try:
        env = {**os.environ, "DATABASE_URL": postgres["PROCURE_TEST_POSTGRES_URL"],
               "CELERY_BROKER_URL": redis["PROCURE_TEST_REDIS_URL"],
               "PROCURE_INSTANCE": str(folder), "SECRET_KEY": "loadtest-" + uuid.uuid4().hex,
               "PROCURE_CELERY_QUEUE": "loadtest", "PROCURE_AUTO_MIGRATE": "false",
               "PROCURE_LOGIN_MAX_FAILURES": "1000"}
        started = time.perf_counter()
        world = prepare(env, options.port)
        print(f"demo loaded in {time.perf_counter() - started:.0f} s; "
              f"{len(world.proposal_ids)} proposals, {len(world.match_ids)} matches")
        log = (folder / "services.log").open("wb")
        processes.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(options.web_workers), "--threads",
             str(options.threads), "--bind", f"127.0.0.1:{options.port}", "--timeout", "120",
             "--log-level", "warning", "app:create_app()"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT))
        processes.append(subprocess.Popen(
            [str(BIN / "procure"), "worker", "--concurrency", "1", "--loglevel", "WARNING"],
            env=env, stdout=log, stderr=subprocess.STDOUT))
        _wait_http(options.port)
        stats, warmup = Stats(), Stats()
        ramp, warm = max(0.0, options.ramp), max(0.0, options.warmup)
        budget = {"imports": max(2, int(seconds // 20)), "scenarios": max(1, int(seconds // 40))}
        lock = threading.Lock()
        crowd = [User(n, world, stats, 0.0, budget, lock, warmup=warmup) for n in range(users)]
        # Everyone signs in first, one after the other (an argon2 check each: a morning's
        # sign-ins, not a burst of fifty at the same second), timed apart.
        signing = time.perf_counter()
        crowd = [user for user in crowd if user.sign_in()]
        print(f"{len(crowd)} of {users} users signed in, one after the other, in "
              f"{time.perf_counter() - signing:.0f} s")
        start = time.monotonic()
        measure_from = start + ramp + warm
        deadline = measure_from + seconds
        for n, user in enumerate(crowd):
            user.arrive_at, user.measure_from = start + ramp * n / users, measure_from
            user.deadline = deadline
            user.start()
        meter = CpuMeter({"gunicorn": [processes[0].pid], "worker": [processes[1].pid],
                          "PostgreSQL": _postmaster_pid(postgres["PROCURE_TEST_POSTGRES_DIR"])})
        time.sleep(max(0.0, measure_from - time.monotonic()))
        meter.begin()
        began = time.perf_counter()
        time.sleep(max(0.0, deadline - time.monotonic()))
        cpu = meter.used()
        for user in crowd:
            user.join(timeout=seconds + 120)
        elapsed = max(seconds, time.perf_counter() - began)
        print(f"{users} users arriving over {ramp:.0f} s, {warm:.0f} s of warm-up, then "
              f"{seconds:.0f} s measured against gunicorn ({options.web_workers} workers × "
              f"{options.threads} threads) + PostgreSQL + 1 Celery worker")
        warm_errors = report_warmup(warmup, ramp + warm)
        ok = report(stats, elapsed) and warm_errors == 0
        report_cpu(cpu, seconds, sum(len(v) for v in stats.latencies.values()))
        if options.fail_over_target and read_p95(stats) >= READ_TARGET_MS:
            print(f"reads p95 over {READ_TARGET_MS:.0f} ms: failing (--fail-over-target)")
            ok = False
        return 0 if ok else 1
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run([str(ROOT / "scripts" / "stop-redis.sh"), str(options.redis_port)],
                       check=False)
        subprocess.run([str(ROOT / "scripts" / "stop-postgres.sh")], check=False,
                       env={**os.environ,
                            "PROCURE_TEST_POSTGRES_DIR": postgres["PROCURE_TEST_POSTGRES_DIR"]})
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
