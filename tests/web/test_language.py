"""French first, English too: the switch, the catalog and its compilation at start."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale, refresh

from app.i18n import TRANSLATIONS, compile_catalogs, page_gettext, page_language
from app.web.labels import label
from procurement.models import Proposal

APP = Path(__file__).resolve().parents[2] / "app"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def test_the_proposal_page_speaks_english_when_asked(as_role: Any, proposal: Proposal) -> None:
    client = as_role("purchaser")
    page = html.unescape(client.get(f"/proposals/{proposal.id}?lang=en").get_data(
        as_text=True))
    assert '<html lang="en">' in page
    assert "Social economy share" in page
    assert "5.0% → 12.5%" in page
    assert "Tender with social clauses" in page
    assert "Part à l'économie sociale" not in page
    # The choice sticks for the next pages.
    assert "Spending matching" in client.get("/matching").get_data(as_text=True)
    assert "Appariement des dépenses" in client.get("/matching?lang=fr").get_data(as_text=True)


def test_the_login_page_follows_the_browser_language(app: Any) -> None:
    page = app.test_client().get("/login", headers={"Accept-Language": "en-CA,en;q=0.8"})
    assert "Password" in page.get_data(as_text=True)


def test_every_french_string_of_the_pages_has_an_english_translation() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id: m.string for m in catalog if m.id}
    assert all(translated.values()), [k for k, v in translated.items() if not v]
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {str(message[2]) for message in extract_from_dir(
        str(APP), method_map, keywords={"_": None, "_l": None, "gettext": None, "N_": None})}
    # The domain's sentences (import issues) are msgids too, marked N_.
    for package in ("importers", "procurement"):
        found |= {str(message[2]) for message in extract_from_dir(
            str(APP.parent / package), [("**.py", "python")], keywords={"N_": None})}
    assert found - set(translated) == set(), "run pybabel extract/update (app/translations)"


def test_a_stale_catalog_is_compiled_again(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "en" / "LC_MESSAGES").mkdir(parents=True)
    po = source / "en" / "LC_MESSAGES" / "messages.po"
    po.write_bytes(PO.read_bytes())
    target = tmp_path / "out"
    assert compile_catalogs(source, target) == [target / "en" / "LC_MESSAGES" / "messages.mo"]
    assert compile_catalogs(source, target) == []
    mo = target / "en" / "LC_MESSAGES" / "messages.mo"
    os.utime(mo, (1, 1))
    assert compile_catalogs(source, target) == [mo]


def test_the_page_language_follows_force_locale_and_refresh(app: Flask) -> None:
    # The fast lookup remembers the request's locale: a forced or refreshed one wins.
    with app.test_request_context("/?lang=en"):
        assert page_language() == "en" and page_gettext("Brouillon") == "Draft"
        assert label("status", "draft") == "Draft"
        with force_locale("fr"):
            assert page_language() == "fr" and page_gettext("Brouillon") == "Brouillon"
            assert label("status", "draft") == "Brouillon"
        assert page_language() == "en" and label("status", "draft") == "Draft"
    with app.test_request_context("/?lang=fr"):
        assert page_language() == "fr"
        refresh()
        assert page_language() == "fr" and page_gettext("Brouillon") == "Brouillon"
