"""Server-rendered pages for purchasing, finance and audit staff."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("web", __name__, template_folder="../templates")


def init_app(app: Flask) -> None:
    """Register the pages."""
    from app.web import views  # noqa: F401  (registers the routes on `bp`)

    app.register_blueprint(bp)
