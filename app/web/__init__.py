"""Server-rendered pages for purchasing, finance and audit staff."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("web", __name__, template_folder="../templates")


def init_app(app: Flask) -> None:
    """Register the pages."""
    from app.web import filters, impact_labels, resume, views  # noqa: F401  (views: routes)

    filters.init_app(app)
    resume.init_app(app)
    impact_labels.init_app(app)
    app.register_blueprint(bp)
