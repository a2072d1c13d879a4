"""Logging of the service: plain text by default, one JSON object per line on request."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from flask import Flask, g, has_request_context, request

# Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, request, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "process": record.process,
        }
        if has_request_context():
            entry.update(method=request.method, path=request.path,
                         request_id=g.get("request_id"))
        entry.update({key: value for key, value in vars(record).items()
                      if key not in _STANDARD and not key.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(log_format: str = "text", level: str = "INFO") -> None:
    """Send the service's logs to stderr, as text or JSON lines (idempotent)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_procure", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._procure = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.setLevel(level)


def init_app(app: Flask) -> None:
    """Configure the logs from PROCURE_LOG_FORMAT / PROCURE_LOG_LEVEL (not under tests)."""
    if app.config.get("TESTING"):
        return
    configure(app.config.get("LOG_FORMAT", "text"), app.config.get("LOG_LEVEL", "INFO"))
