"""Signing in from the login page, as a person does (shared by the browser tests)."""

from __future__ import annotations

from typing import Any


def sign_in(page: Any, demo: Any, role: str = "purchaser") -> None:
    """Sign the demo account of `role` in through the French login form."""
    email = f"{role}@demo.v3r.example"
    page.goto(f"{demo.url}/login")
    page.get_by_label("Adresse courriel").fill(email)
    page.get_by_label("Mot de passe").fill(demo.credentials[email])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{demo.url}/")
