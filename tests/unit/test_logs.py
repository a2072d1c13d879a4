"""Structured logs: one JSON object per line, with the request and the extras."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask

from app.config import ConfigError, from_env
from app.logs import JsonFormatter


def test_a_log_record_becomes_one_json_line_with_the_request_and_the_extras() -> None:
    record = logging.makeLogRecord({"name": "procurement.jobs", "levelno": logging.ERROR,
                                    "levelname": "ERROR", "msg": "job %s failed",
                                    "args": (7,), "job_id": 7})
    with Flask(__name__).test_request_context("/imports/new", method="POST"):
        line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "job 7 failed" and entry["level"] == "ERROR"
    assert entry["method"] == "POST" and entry["path"] == "/imports/new"
    assert entry["job_id"] == 7 and entry["time"].endswith("+00:00")


def test_the_log_format_and_the_broker_come_from_the_environment(tmp_path: object) -> None:
    env = {"PROCURE_INSTANCE": str(tmp_path), "SECRET_KEY": "x", "PROCURE_LOG_FORMAT": "JSON",
           "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}
    config = from_env(env)
    assert config["LOG_FORMAT"] == "json" and config["CELERY_QUEUE"] == "procure"
    assert config["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/0"
    with pytest.raises(ConfigError, match="PROCURE_LOG_FORMAT"):
        from_env({**env, "PROCURE_LOG_FORMAT": "xml"})
