"""Server-rendered pages for purchasing, finance and audit staff."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("web", __name__, template_folder="../templates")


def init_app(app: Flask) -> None:
    """Register the pages."""
    # views and registry register their routes on `bp`; admin has its own blueprint.
    from app.web import admin, filters, impact_labels, registry, resume, views  # noqa: F401

    filters.init_app(app)
    resume.init_app(app)
    impact_labels.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(admin.bp)
