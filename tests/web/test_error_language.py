"""Errors are said in the reader's language, naming things in words, pages and API alike."""

from __future__ import annotations

from typing import Any


def test_the_api_says_a_refusal_in_the_language_of_accept_language(as_role: Any) -> None:
    client = as_role("purchaser")
    french = client.get("/api/users", headers={"Accept-Language": "fr"})
    english = client.get("/api/users?lang=en", headers={"Accept-Language": "en"})
    assert french.status_code == english.status_code == 403
    assert french.json["code"] == english.json["code"] == "forbidden"
    assert french.json["message"] == ("Votre rôle (Acheteur) ne permet pas cette action "
                                      "(gérer les utilisateurs).")
    assert english.json["message"] == ("Your role (Purchaser) does not allow this action "
                                       "(manage users).")


def test_a_missing_object_is_named_in_words(as_role: Any) -> None:
    client = as_role("auditor")
    answer = client.get("/imports/424242?lang=en")
    assert answer.status_code == 404
    page = answer.get_data(as_text=True)
    assert "Not found: the import no. 424242 does not exist" in page
    assert "ImportBatch" not in page


def test_an_expired_form_is_said_in_french(as_role: Any) -> None:
    client = as_role("purchaser")
    client.get("/?lang=fr")
    answer = client.post("/logout", data={"csrf_token": "expired"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "Le formulaire a expiré" in page and "CSRF" not in page
