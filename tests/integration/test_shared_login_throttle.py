"""Sign-in throttling shared by every web process of an instance, through a real Redis.

Without PROCURE_TEST_REDIS_URL the tests are skipped locally and fail on CI (CI=true).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from app.security import LoginThrottle, RedisWindow, SlidingWindow

pytestmark = pytest.mark.redis


def _throttle(store: Any) -> LoginThrottle:
    return LoginThrottle(per_address=20, per_account=3, window=900, lock_addresses=3,
                         store=store)


def test_two_processes_refuse_the_same_attempts(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    first = _throttle(RedisWindow(redis_url, prefix))   # one gunicorn worker
    second = _throttle(RedisWindow(redis_url, prefix))  # another, on another machine
    for _ in range(2):
        first.failed("203.0.113.7", "Clerk@Example.org")
    second.failed("203.0.113.7", "clerk@example.org")
    wait = first.refused("203.0.113.7", "clerk@example.org")
    assert wait is not None and 1 <= wait <= 901
    assert second.refused("203.0.113.7", "clerk@example.org") is not None
    assert second.refused("198.51.100.1", "clerk@example.org") is None  # another address
    # The account lock needs failures from three addresses, seen from any process.
    first.failed("198.51.100.1", "clerk@example.org")
    assert not second.may_lock("198.51.100.1", "clerk@example.org")
    assert second.may_lock("192.0.2.9", "clerk@example.org")
    second.succeeded("203.0.113.7", "clerk@example.org")
    assert first.refused("203.0.113.7", "clerk@example.org") is None


def test_processes_counting_in_memory_do_not_share() -> None:
    first, second = _throttle(SlidingWindow()), _throttle(SlidingWindow())
    for _ in range(3):
        first.failed("203.0.113.7", "clerk@example.org")
    assert first.refused("203.0.113.7", "clerk@example.org") is not None
    assert second.refused("203.0.113.7", "clerk@example.org") is None


def test_an_unreachable_redis_still_throttles_in_the_process() -> None:
    throttle = _throttle(RedisWindow("redis://127.0.0.1:9/0"))  # nothing listens there
    for _ in range(3):
        throttle.failed("203.0.113.7", "clerk@example.org")
    assert throttle.refused("203.0.113.7", "clerk@example.org") is not None


def test_an_instance_with_a_broker_counts_failures_in_redis(redis_url: str,
                                                             tmp_path: Path) -> None:
    from app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
                      "INSTANCE_PATH": str(tmp_path), "TESTING": True,
                      "SECRET_KEY": "test-secret", "CELERY_BROKER_URL": redis_url,
                      "WTF_CSRF_ENABLED": False})
    assert isinstance(app.extensions["login_throttle"].events, RedisWindow)
    client = app.test_client()
    email = f"{uuid.uuid4().hex}@example.org"
    answers = [client.post("/login", data={"email": email, "password": "wrong"},
                           environ_base={"REMOTE_ADDR": "203.0.113.50"}).status_code
               for _ in range(6)]
    assert answers[-1] == 429
    other = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
                        "INSTANCE_PATH": str(tmp_path), "TESTING": True,
                        "SECRET_KEY": "test-secret", "CELERY_BROKER_URL": redis_url,
                      "WTF_CSRF_ENABLED": False})
    again = other.test_client().post("/login", data={"email": email, "password": "wrong"},
                                     environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert again.status_code == 429
