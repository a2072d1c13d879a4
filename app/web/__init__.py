"""Server-rendered pages for purchasing, finance and audit staff."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("web", __name__, template_folder="../templates")


def init_app(app: Flask) -> None:
    """Register the pages."""
    from app.web import admin, filters, impact_labels, views  # noqa: F401  (views registers routes)

    filters.init_app(app)
    impact_labels.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(admin.bp)
