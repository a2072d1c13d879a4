"""Signing in and out through the pages."""

from __future__ import annotations

from typing import Any

from flask import Flask


def test_a_user_signs_in_with_the_right_password(app: Flask, users: dict[str, str],
                                                 login: Any) -> None:
    client = app.test_client()
    response = login(client, users["purchaser"])
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Trois-Rivières" in page
    assert "Test purchaser" in page


def test_a_wrong_password_is_refused_with_a_message(app: Flask, users: dict[str, str],
                                                    login: Any, password: str) -> None:
    client = app.test_client()
    response = login(client, users["purchaser"], password + "x")
    assert response.status_code == 401
    assert "mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_visitor_is_sent_to_the_login_page(app: Flask) -> None:
    response = app.test_client().get("/matching")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_login_form_needs_its_csrf_token(app: Flask, users: dict[str, str],
                                             password: str) -> None:
    client = app.test_client()
    response = client.post("/login", data={"email": users["purchaser"], "password": password})
    assert response.status_code == 400


def test_signing_out_ends_the_session(app: Flask, users: dict[str, str], login: Any,
                                      csrf: Any) -> None:
    client = app.test_client()
    login(client, users["finance"])
    response = client.post("/logout", data={"csrf_token": csrf(client)})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
