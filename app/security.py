"""Web security: CSRF on forms, security headers, no caching, safe redirects, throttling."""

from __future__ import annotations

import threading
import time
from collections import deque
from urllib.parse import urlsplit

from flask import Flask, Response, request, url_for
from flask_wtf import CSRFProtect

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)


def local_path(target: str | None) -> str | None:
    """Return `target` when it is a path of this site, else None.

    Browsers drop tabs and line breaks from URLs and read a backslash as a slash, so
    `/\\t/evil.example` or `/\\\\evil.example` would leave the site: any control character,
    space or backslash refuses the target, as does anything with a scheme or a host.
    """
    if not target or not target.startswith("/") or len(target) > 2000:
        return None
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


def safe_next(target: str | None, fallback: str = "web.index") -> str:
    """Return where to send the user next: `target` if it is a path of this site."""
    return local_path(target) or url_for(fallback)


class SlidingWindow:
    """Count events per key over the last `window` seconds (in this process's memory)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, deque[float]] = {}

    def _trim(self, key: str, window: float, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - window:
            events.popleft()
        return events

    def count(self, key: str, window: float) -> int:
        """Return how many events `key` had in the window."""
        with self._lock:
            return len(self._trim(key, window, time.monotonic()))

    def add(self, key: str, window: float) -> int:
        """Record an event for `key` and return the count in the window."""
        with self._lock:
            now = time.monotonic()
            events = self._trim(key, window, now)
            events.append(now)
            if len(self._events) > 100_000:  # bound the memory whatever the traffic
                for stale in [k for k, v in self._events.items() if not v][:50_000]:
                    del self._events[stale]
            return len(events)

    def retry_after(self, key: str, window: float) -> int:
        """Return the seconds until the oldest event of `key` leaves the window."""
        with self._lock:
            events = self._trim(key, window, time.monotonic())
            if not events:
                return 1
            return max(1, int(events[0] + window - time.monotonic()) + 1)

    def clear(self, key: str) -> None:
        """Forget the events of `key`."""
        with self._lock:
            self._events.pop(key, None)


class LoginThrottle:
    """Bound failed sign-ins per address, and per address and account.

    One address may fail `per_address` times per window whatever the accounts (then 429),
    and `per_account` times on one account (then 429 for that account from that address).
    The account's own lock (in the database, for every address) is allowed only when its
    failures in the window come from at least `lock_addresses` addresses: one address
    alone is throttled, it never locks another person out.
    """

    def __init__(self, *, per_address: int, per_account: int, window: int,
                 lock_addresses: int = 3) -> None:
        self.per_address = per_address
        self.per_account = per_account
        self.window = window
        self.lock_addresses = lock_addresses
        self.failures = SlidingWindow()
        self.noted = SlidingWindow()  # audit events of anonymous failures already written
        self._lock = threading.Lock()
        self._addresses: dict[str, dict[str, float]] = {}  # account -> address -> last failure

    @staticmethod
    def _pair(address: str, email: str) -> str:
        return f"{address}\x1f{email.strip().lower()}"

    def refused(self, address: str, email: str) -> int | None:
        """Return the Retry-After seconds when this attempt must be refused, else None."""
        if self.failures.count(address, self.window) >= self.per_address:
            return self.failures.retry_after(address, self.window)
        pair = self._pair(address, email)
        if self.failures.count(pair, self.window) >= self.per_account:
            return self.failures.retry_after(pair, self.window)
        return None

    def failed(self, address: str, email: str) -> None:
        """Record a failed attempt of `address` on `email`."""
        self.failures.add(address, self.window)
        self.failures.add(self._pair(address, email), self.window)
        with self._lock:
            if len(self._addresses) > 100_000:
                self._addresses.clear()
            self._addresses.setdefault(email.strip().lower(), {})[address] = time.monotonic()

    def may_lock(self, address: str, email: str) -> bool:
        """Tell whether a failure now may lock the account: several addresses failed on it."""
        now = time.monotonic()
        with self._lock:
            seen = self._addresses.get(email.strip().lower(), {})
            recent = {a for a, moment in seen.items() if moment > now - self.window}
        return len(recent | {address}) >= self.lock_addresses

    def succeeded(self, address: str, email: str) -> None:
        """Forget the address's failures on this account once it signs in."""
        self.failures.clear(self._pair(address, email))

    def should_audit(self, address: str, kind: str) -> bool:
        """Tell whether to write this anonymous event: the first per address and window."""
        key = f"{kind}\x1f{address}"
        if self.noted.count(key, self.window) >= 1:
            return False
        self.noted.add(key, self.window)
        return True


def init_app(app: Flask) -> None:
    """Enable CSRF (the JSON API authenticates otherwise) and add headers to every answer."""
    csrf.init_app(app)
    app.extensions["login_throttle"] = LoginThrottle(
        per_address=app.config.get("LOGIN_MAX_PER_ADDRESS", 20),
        per_account=app.config.get("LOGIN_MAX_FAILURES", 5),
        window=app.config.get("LOGIN_ADDRESS_WINDOW", 900),
        lock_addresses=app.config.get("LOGIN_LOCK_ADDRESSES", 3))

    @app.after_request
    def add_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            # Pages and API answers show a municipality's data: no cache may keep them
            # (a shared computer's back button, a proxy). Static files may be cached.
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        return response
