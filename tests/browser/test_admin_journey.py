"""Must-show 1, the administrator's step: edit the profile, create a user, in both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

WORDS = {
    "fr": {"email": "Adresse courriel", "password": "Mot de passe", "sign_in": "Se connecter",
           "admin": "Administration", "profile": "Profil réglementaire et d'impact",
           "save": "Enregistrer une nouvelle version", "source": "Source",
           "saved": "une nouvelle version datée", "required": "Obligatoire.",
           "accounts": "Comptes et jetons", "role": "Rôle", "create": "Créer le compte",
           "purchaser": "Acheteur", "created": "Compte créé", "name": "Nom",
           "municipalities": "Municipalités", "search": "Chercher par nom ou par code",
           "find": "Chercher"},
    "en": {"email": "E-mail address", "password": "Password", "sign_in": "Sign in",
           "admin": "Administration", "profile": "Regulatory and impact profile",
           "save": "Save a new version", "source": "Source",
           "saved": "a new dated version", "required": "Required.",
           "accounts": "Accounts and tokens", "role": "Role", "create": "Create the account",
           "purchaser": "Purchaser", "created": "Account created", "name": "Name",
           "municipalities": "Municipalities", "search": "Search by name or code",
           "find": "Search"},
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_administrator_edits_the_profile_and_creates_a_user(
        page: Any, live_demo: Any, screenshots: Any, lang: str) -> None:
    words = WORDS[lang]
    email = "admin@demo.v3r.example"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_demo.url}/login")
    if lang == "en":  # the site's own language switch, as a person would use it
        page.get_by_role("link", name="EN", exact=True).click()
    page.get_by_label(words["email"]).fill(email)
    page.get_by_label(words["password"]).fill(live_demo.credentials[email])
    shot = 1
    screenshots(page, lang, f"{shot:02d}-admin-login")
    page.get_by_role("button", name=words["sign_in"]).click()
    page.wait_for_url(f"{live_demo.url}/")

    # 2. The profile: an empty source is refused inline, the typed values stay.
    page.get_by_role("link", name=words["admin"], exact=True).click()
    page.get_by_role("link", name=words["profile"]).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith(words["profile"])
    source = page.locator("#source")
    source.fill("")
    page.locator("#tender_threshold").fill("139000")
    page.get_by_role("button", name=words["save"]).click()
    assert page.locator("#source-error").inner_text() == words["required"]
    assert page.locator("#tender_threshold").input_value() == "139000"
    shot += 1
    screenshots(page, lang, f"{shot:02d}-admin-profile-error")

    # 3. Corrected, it is saved as a new dated version with its source.
    note = f"Avis Muni-Express 2026 ({lang})"
    source.fill(note)
    page.get_by_role("button", name=words["save"]).click()
    assert words["saved"] in page.locator(".flash.success").inner_text()
    newest = page.locator("table.versions tbody tr").first
    assert note in newest.inner_text() and email in newest.inner_text()
    shot += 1
    screenshots(page, lang, f"{shot:02d}-admin-profile-saved")

    # 4. A new account, its one-time password shown once.
    page.get_by_role("link", name=words["accounts"]).click()
    newcomer = f"nouvelle.acheteuse.{lang}@demo.v3r.example"
    page.locator("#email").fill(newcomer)
    page.locator("#name").fill(f"Nouvelle acheteuse {lang.upper()}")
    page.get_by_label(words["role"]).select_option(label=words["purchaser"])
    page.get_by_role("button", name=words["create"]).click()
    assert page.get_by_role("heading", name=re.compile(words["created"])).is_visible()
    password = page.locator("#one-time-password").inner_text()
    assert len(password) >= 10
    assert page.get_by_role("cell", name=f"Nouvelle acheteuse {lang.upper()}").is_visible()
    shot += 1
    screenshots(page, lang, f"{shot:02d}-admin-user-created")

    # 5. Municipalities: searching without the accent finds the demo city.
    page.get_by_role("link", name=words["municipalities"], exact=True).click()
    page.get_by_label(words["search"]).fill("trois-rivieres")
    page.get_by_role("button", name=words["find"], exact=True).click()
    assert page.get_by_role("link", name="Trois-Rivières").is_visible()
    shot += 1
    screenshots(page, lang, f"{shot:02d}-admin-municipalities")

    # The new account signs in with the password it was given.
    context = page.context.browser.new_context(locale="fr-CA")
    other = context.new_page()
    other.goto(f"{live_demo.url}/login?lang={lang}")
    other.get_by_label(words["email"]).fill(newcomer)
    other.get_by_label(words["password"]).fill(password)
    other.get_by_role("button", name=words["sign_in"]).click()
    other.wait_for_url(f"{live_demo.url}/")
    context.close()


def test_the_administration_pages_fit_a_phone_and_a_desktop_screen(
        page: Any, live_demo: Any, screenshots: Any) -> None:
    email = "admin@demo.v3r.example"
    page.goto(f"{live_demo.url}/login")
    page.get_by_label("Adresse courriel").fill(email)
    page.get_by_label("Mot de passe").fill(live_demo.credentials[email])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_demo.url}/")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/admin/users", "/admin/municipalities", "/admin/profile"):
            page.goto(f"{live_demo.url}{path}")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
        if width == 390:
            screenshots(page, "fr", "90-admin-profile-390px")
