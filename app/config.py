"""Configuration from environment variables, with validated defaults."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class ConfigError(Exception):
    """A configuration value is invalid; the message names the variable."""


def _int_env(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from exc
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _bool_env(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} must be true or false")


def _choice_env(env: Mapping[str, str], name: str, choices: tuple[str, ...],
                default: str) -> str:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise ConfigError(f"{name}={raw!r} must be one of {', '.join(choices)}")


def instance_path(env: Mapping[str, str] | None = None) -> Path:
    """Return the folder holding the SQLite file, the secret key and uploads."""
    env = os.environ if env is None else env
    return Path(env.get("PROCURE_INSTANCE", ROOT / "instance")).resolve()


def load_secret_key(folder: Path) -> str:
    """Read the secret key stored under the instance folder, creating it once."""
    path = folder / "secret_key"
    if path.exists():
        return path.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def audit_key_from(secret_key: str) -> str:
    """Derive the audit key from the secret key (a separate, labelled derivation)."""
    return hmac.new(secret_key.encode(), b"procure audit anchor", hashlib.sha256).hexdigest()


def from_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the application configuration from environment variables."""
    env = os.environ if env is None else env
    folder = instance_path(env)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{folder / 'procurement.db'}"
    if not database_url.startswith(("sqlite", "postgresql")):
        raise ConfigError("DATABASE_URL must start with sqlite:// or postgresql://")
    if database_url.startswith("postgresql://"):
        database_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    upload_mb = _int_env(env, "PROCURE_MAX_UPLOAD_MB", 50)
    secret_key = env.get("SECRET_KEY") or load_secret_key(folder)
    secure_cookies = _bool_env(env, "PROCURE_SECURE_COOKIES", False)
    return {
        "INSTANCE_PATH": str(folder),
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        # Signs the head of the audit chain; keep it stable (set it apart from SECRET_KEY
        # to rotate the session key without re-anchoring the trail).
        "AUDIT_KEY": env.get("PROCURE_AUDIT_KEY") or audit_key_from(secret_key),
        # Bounded waits: an unavailable database answers 503 in seconds.
        "DB_LOCK_TIMEOUT": _int_env(env, "PROCURE_DB_LOCK_TIMEOUT", 5),
        "DB_CONNECT_TIMEOUT": _int_env(env, "PROCURE_DB_CONNECT_TIMEOUT", 5),
        "DB_RETRY_AFTER": _int_env(env, "PROCURE_DB_RETRY_AFTER", 30),
        # Record a token's use at most once per this many seconds (reads never wait on it).
        "TOKEN_USE_INTERVAL": _int_env(env, "PROCURE_TOKEN_USE_INTERVAL", 300),
        "MAX_CONTENT_LENGTH": upload_mb * 1024 * 1024,
        "MAX_IMPORT_ROWS": _int_env(env, "PROCURE_MAX_IMPORT_ROWS", 2_000_000),
        "PARSE_IN_SUBPROCESS": _bool_env(env, "PROCURE_PARSE_IN_SUBPROCESS", True),
        "AUTO_MIGRATE": _bool_env(env, "PROCURE_AUTO_MIGRATE", True),
        # Imports from the pages run in a background thread; inline runs them in the request.
        "JOBS_INLINE": _bool_env(env, "PROCURE_JOBS_INLINE", False),
        # With a broker (redis://host:port/0), jobs run on Celery workers (`procure worker`).
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL") or None,
        "CELERY_QUEUE": env.get("PROCURE_CELERY_QUEUE") or "procure",
        # A proposal with this many allocations or more is exported by a job (a worker).
        "EXPORT_JOB_MIN_ALLOCATIONS": _int_env(env, "PROCURE_EXPORT_JOB_MIN_ALLOCATIONS", 2000),
        # How long an API call that runs a job (scenario, import) waits for it before
        # answering 202 with the job; 0 always answers 202 (as ?async=1 does).
        "API_JOB_WAIT": _int_env(env, "PROCURE_API_JOB_WAIT", 60),
        "LOG_FORMAT": _choice_env(env, "PROCURE_LOG_FORMAT", ("text", "json"), "text"),
        "LOG_LEVEL": _choice_env(env, "PROCURE_LOG_LEVEL",
                                 ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "BABEL_DEFAULT_LOCALE": "fr",
        "LOGIN_MAX_FAILURES": _int_env(env, "PROCURE_LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int_env(env, "PROCURE_LOGIN_LOCK_MINUTES", 15),
        # Failed sign-ins one address may make per window before 429 (any accounts).
        "LOGIN_MAX_PER_ADDRESS": _int_env(env, "PROCURE_LOGIN_MAX_PER_ADDRESS", 20),
        "LOGIN_ADDRESS_WINDOW": _int_env(env, "PROCURE_LOGIN_ADDRESS_WINDOW", 900),
        # The account itself locks only when its failures come from this many addresses.
        "LOGIN_LOCK_ADDRESSES": _int_env(env, "PROCURE_LOGIN_LOCK_ADDRESSES", 3),
        # Where failed sign-ins are counted: a Redis URL shares the counts between web
        # processes and machines (the broker's by default); unset: each process's memory.
        "LOGIN_THROTTLE_URL": env.get("PROCURE_LOGIN_THROTTLE_URL") or None,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "API_TITLE": "Responsible procurement engine API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": None,
        "OPENAPI_REDOC_PATH": None,
    }
