"""French first, English too: locale from the user, the session or the browser.

The English catalog is kept as text (`messages.po`) in git; the binary `.mo` that
gettext reads is compiled when the application starts, whenever it is missing or older
than its `.po`, into the package folder or, when that is read-only, the instance folder.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_app_context, request, session
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user

LOCALES = ("fr", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
log = logging.getLogger(__name__)


def _page_locale_key() -> str | None:
    """Return the page's locale as text ("fr", "en"), None outside an application context.

    A page asks for it hundreds of times (every word, number and label); Flask-Babel's own
    lookup walks several context proxies each time. This reads the locale Flask-Babel keeps
    for the request (the one `force_locale` and `refresh` replace) and remembers its text
    next to it, for as long as that same locale object is the request's.
    """
    if not has_app_context():
        return None
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        locale = get_locale()
        state = g.get("_flask_babel")
    remembered = getattr(state, "page_locale_key", None)
    if remembered is not None and remembered[0] is locale:
        return str(remembered[1])
    key = str(locale) if locale is not None else None
    if state is not None:
        state.page_locale_key = (locale, key)
    return key


def page_language() -> str:
    """Return "en" or "fr", the language of the page."""
    return "en" if (_page_locale_key() or "fr").startswith("en") else "fr"


# The compiled catalogues, one per folder and locale: read once per process, as
# Flask-Babel does (two applications of one process may read different folders).
_catalogues: dict[tuple[str, str], NullTranslations] = {}


def page_translations() -> NullTranslations:
    """Return the catalogue of the page's language."""
    key = _page_locale_key()
    if key is None:
        return NullTranslations()
    folder = str(current_app.config.get("BABEL_TRANSLATION_DIRECTORIES", ""))
    found = _catalogues.get((folder, key))
    if found is None:
        found = _catalogues[(folder, key)] = get_translations()
    return found


def page_gettext(msgid: str) -> str:
    """Translate `msgid` into the page's language (no formatting)."""
    return page_translations().ugettext(msgid)


def page_ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a plural into the page's language (no formatting)."""
    return page_translations().ungettext(singular, plural, n)


def select_locale() -> str:
    """Pick the interface language."""
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in LOCALES:
        return str(chosen)
    if request.path.startswith("/api/") and request.headers.get("Accept-Language"):
        # A script says the language it wants with each request; it wins over the profile.
        asked = request.accept_languages.best_match(LOCALES)
        if asked:
            return str(asked)
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return str(current_user.locale)
    return request.accept_languages.best_match(LOCALES) or "fr"


def compile_catalogs(source: Path, target: Path) -> list[Path]:
    """Compile every `<lang>/LC_MESSAGES/messages.po` under `source` whose `.mo` is stale.

    Writes `<lang>/LC_MESSAGES/messages.mo` under `target` atomically (several workers may
    start at once) and returns the files written.
    """
    written = []
    for po_path in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        relative = po_path.relative_to(source).with_suffix(".mo")
        mo_path = target / relative
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=relative.parts[0])
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalog)
        os.replace(tmp, mo_path)
        written.append(mo_path)
    return written


def translation_directory(instance: Path | None) -> Path:
    """Compile the catalogs and return the folder that holds the `.mo` files."""
    try:
        compile_catalogs(TRANSLATIONS, TRANSLATIONS)
        return TRANSLATIONS
    except OSError:
        if instance is None:
            raise
        target = instance / "translations"
        log.info("translations folder is read-only; compiling the catalogs into %s", target)
        compile_catalogs(TRANSLATIONS, target)
        return target


def init_app(app: Flask) -> None:
    """Configure Flask-Babel with the project's translations, compiled if needed."""
    if "BABEL_TRANSLATION_DIRECTORIES" not in app.config:
        instance = app.config.get("INSTANCE_PATH")
        folder = translation_directory(Path(instance) if instance else None)
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(folder)
    Babel(app, locale_selector=select_locale)
    # The templates' _() and ngettext(), through the fast lookups above (Jinja's newstyle
    # wrapper still escapes and formats).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=page_gettext, ngettext=page_ngettext, newstyle=True,
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n))

    @app.before_request
    def remember_language() -> None:
        if request.args.get("lang") in LOCALES:
            session["lang"] = request.args["lang"]

    @app.context_processor
    def inject_locale() -> dict[str, str]:
        return {"locale": str(get_locale() or "fr")}


def catalogue_gettext(lang: str) -> Callable[[str], str] | None:
    """Return the catalogue's gettext of `lang` outside a request (None for French, the
    source language): the command line and the job runner's exports use it."""
    if lang != "en":
        return None
    from babel.support import Translations

    try:
        folder = translation_directory(None)
    except OSError:
        folder = TRANSLATIONS
    return Translations.load(str(folder), [lang]).gettext
