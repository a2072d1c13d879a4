"""Flask application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing the package (the `procure` command) does not load Flask
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the application: configuration, database, auth, blueprints, errors."""
    from flask import Flask

    from app import api, auth, database, errors, i18n, jobs, logs, security, web
    from app.config import audit_key_from, from_env
    from importers import assert_defused_openpyxl

    # Uploaded workbooks are untrusted XML: refuse to start if openpyxl would parse them
    # without defusedxml's protection against entity expansion.
    assert_defused_openpyxl()

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(from_env())
    if config:
        app.config.from_mapping(config)
        if "SECRET_KEY" in config and "AUDIT_KEY" not in config:
            app.config["AUDIT_KEY"] = audit_key_from(str(config["SECRET_KEY"]))
    logs.init_app(app)
    database.init_app(app)
    jobs.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    api.init_app(app)
    return app
