"""French first, English too: locale from the user, the session or the browser."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel
from flask_login import current_user

LOCALES = ("fr", "en")


def select_locale() -> str:
    """Pick the interface language."""
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in LOCALES:
        return str(chosen)
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return str(current_user.locale)
    return request.accept_languages.best_match(LOCALES) or "fr"


def init_app(app: Flask) -> None:
    """Configure Flask-Babel with the project's translations."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=select_locale)

    @app.before_request
    def remember_language() -> None:
        if request.args.get("lang") in LOCALES:
            session["lang"] = request.args["lang"]
