"""JSON API (flask-smorest) with its OpenAPI 3 description at /api/openapi.json."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

api = Api()


def init_app(app: Flask) -> None:
    """Register the API blueprints; the API uses tokens or sessions, never CSRF forms."""
    from app.api import resources
    from app.security import csrf

    api.init_app(app)
    for blueprint in resources.BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
