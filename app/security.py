"""Web security: CSRF on forms, security headers, no caching, safe redirects, throttling."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from typing import cast
from urllib.parse import urlsplit

from flask import Flask, Response, request, url_for
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
logger = logging.getLogger(__name__)

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
    """Count events per key over the last `window` seconds (in this process's memory).

    An event may carry a `member` (an address seen on an account): `members` returns the
    distinct ones in the window. `RedisWindow` keeps the same counts in Redis, shared by
    every web process and machine.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, deque[tuple[float, str | None]]] = {}

    def _trim(self, key: str, window: float, now: float) -> deque[tuple[float, str | None]]:
        events = self._events.setdefault(key, deque())
        while events and events[0][0] <= now - window:
            events.popleft()
        return events

    def count(self, key: str, window: float) -> int:
        """Return how many events `key` had in the window."""
        with self._lock:
            return len(self._trim(key, window, time.monotonic()))

    def add(self, key: str, window: float, member: str | None = None) -> int:
        """Record an event for `key` and return the count in the window."""
        with self._lock:
            now = time.monotonic()
            events = self._trim(key, window, now)
            events.append((now, member))
            if len(self._events) > 100_000:  # bound the memory whatever the traffic
                for stale in [k for k, v in self._events.items() if not v][:50_000]:
                    del self._events[stale]
            return len(events)

    def members(self, key: str, window: float) -> set[str]:
        """Return the distinct members of `key`'s events in the window."""
        with self._lock:
            return {m for _, m in self._trim(key, window, time.monotonic()) if m is not None}

    def retry_after(self, key: str, window: float) -> int:
        """Return the seconds until the oldest event of `key` leaves the window."""
        with self._lock:
            events = self._trim(key, window, time.monotonic())
            if not events:
                return 1
            return max(1, int(events[0][0] + window - time.monotonic()) + 1)

    def clear(self, key: str) -> None:
        """Forget the events of `key`."""
        with self._lock:
            self._events.pop(key, None)


class RedisWindow:
    """The same counts as `SlidingWindow`, in Redis sorted sets (score = the event's time),
    so that every web process of a shared instance refuses the same attempts.

    When Redis does not answer, the counts go on in this process's memory (logged): a
    sign-in is still throttled, per process, rather than failing.
    """

    def __init__(self, url: str, prefix: str = "procure:throttle:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                           decode_responses=True)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._prefix = prefix
        self._fallback = SlidingWindow()

    def _trimmed(self, key: str, window: float) -> tuple[str, float]:
        name, now = self._prefix + key, time.time()
        self._redis.zremrangebyscore(name, "-inf", now - window)
        return name, now

    def _unavailable(self, exc: Exception) -> None:
        logger.warning("sign-in throttle: Redis unavailable (%s); counting in this process",
                       exc.__class__.__name__)

    def count(self, key: str, window: float) -> int:
        try:
            name, _ = self._trimmed(key, window)
            return int(cast(int, self._redis.zcard(name)))
        except self._errors as exc:
            self._unavailable(exc)
            return self._fallback.count(key, window)

    def add(self, key: str, window: float, member: str | None = None) -> int:
        try:
            name, now = self._trimmed(key, window)
            pipe = self._redis.pipeline()
            pipe.zadd(name, {member if member is not None else f"{now}:{uuid.uuid4().hex}": now})
            pipe.expire(name, int(window) + 1)
            pipe.zcard(name)
            return int(pipe.execute()[-1])
        except self._errors as exc:
            self._unavailable(exc)
            return self._fallback.add(key, window, member)

    def members(self, key: str, window: float) -> set[str]:
        try:
            name, _ = self._trimmed(key, window)
            return {str(m) for m in cast(list[str], self._redis.zrange(name, 0, -1))}
        except self._errors as exc:
            self._unavailable(exc)
            return self._fallback.members(key, window)

    def retry_after(self, key: str, window: float) -> int:
        try:
            name, now = self._trimmed(key, window)
            oldest = cast(list[tuple[str, float]],
                          self._redis.zrange(name, 0, 0, withscores=True))
        except self._errors as exc:
            self._unavailable(exc)
            return self._fallback.retry_after(key, window)
        if not oldest:
            return 1
        return max(1, int(float(oldest[0][1]) + window - now) + 1)

    def clear(self, key: str) -> None:
        try:
            self._redis.delete(self._prefix + key)
        except self._errors as exc:
            self._unavailable(exc)
        self._fallback.clear(key)


EventWindow = SlidingWindow | RedisWindow


class LoginThrottle:
    """Bound failed sign-ins per address, and per address and account.

    One address may fail `per_address` times per window whatever the accounts (then 429),
    and `per_account` times on one account (then 429 for that account from that address).
    The account's own lock (in the database, for every address) is allowed only when its
    failures in the window come from at least `lock_addresses` addresses: one address
    alone is throttled, it never locks another person out. The counts live in `store`
    (this process's memory by default; Redis for an instance served by several processes).
    """

    def __init__(self, *, per_address: int, per_account: int, window: int,
                 lock_addresses: int = 3, store: EventWindow | None = None) -> None:
        self.per_address = per_address
        self.per_account = per_account
        self.window = window
        self.lock_addresses = lock_addresses
        self.events: EventWindow = store if store is not None else SlidingWindow()

    @staticmethod
    def _pair(address: str, email: str) -> str:
        return f"pair\x1f{address}\x1f{email.strip().lower()}"

    @staticmethod
    def _address(address: str) -> str:
        return f"address\x1f{address}"

    @staticmethod
    def _account(email: str) -> str:
        return f"account\x1f{email.strip().lower()}"

    def refused(self, address: str, email: str) -> int | None:
        """Return the Retry-After seconds when this attempt must be refused, else None."""
        if self.events.count(self._address(address), self.window) >= self.per_address:
            return self.events.retry_after(self._address(address), self.window)
        pair = self._pair(address, email)
        if self.events.count(pair, self.window) >= self.per_account:
            return self.events.retry_after(pair, self.window)
        return None

    def failed(self, address: str, email: str) -> None:
        """Record a failed attempt of `address` on `email`."""
        self.events.add(self._address(address), self.window)
        self.events.add(self._pair(address, email), self.window)
        self.events.add(self._account(email), self.window, member=address)

    def may_lock(self, address: str, email: str) -> bool:
        """Tell whether a failure now may lock the account: several addresses failed on it."""
        recent = self.events.members(self._account(email), self.window)
        return len(recent | {address}) >= self.lock_addresses

    def succeeded(self, address: str, email: str) -> None:
        """Forget the address's failures on this account once it signs in."""
        self.events.clear(self._pair(address, email))

    def should_audit(self, address: str, kind: str) -> bool:
        """Tell whether to write this anonymous event: the first per address and window."""
        key = f"noted\x1f{kind}\x1f{address}"
        if self.events.count(key, self.window) >= 1:
            return False
        self.events.add(key, self.window)
        return True


def throttle_store(url: str | None) -> EventWindow:
    """Return where sign-in failures are counted: Redis when the instance has a broker
    (several processes, several machines), else this process's memory."""
    return RedisWindow(url) if url and url.startswith(("redis://", "rediss://")) \
        else SlidingWindow()


def init_app(app: Flask) -> None:
    """Enable CSRF (the JSON API authenticates otherwise) and add headers to every answer."""
    csrf.init_app(app)
    app.extensions["login_throttle"] = LoginThrottle(
        per_address=app.config.get("LOGIN_MAX_PER_ADDRESS", 20),
        per_account=app.config.get("LOGIN_MAX_FAILURES", 5),
        window=app.config.get("LOGIN_ADDRESS_WINDOW", 900),
        lock_addresses=app.config.get("LOGIN_LOCK_ADDRESSES", 3),
        store=throttle_store(app.config.get("LOGIN_THROTTLE_URL")
                             or app.config.get("CELERY_BROKER_URL")))

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
