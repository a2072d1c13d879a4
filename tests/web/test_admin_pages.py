"""The administration pages: accounts and tokens, municipalities, the regulatory profile."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.models import ApiToken, AuditEvent, Organization, User
from procurement.permissions import SYSTEM
from procurement.regulatory import seed_profiles
from procurement.users import create_user, grant_management

PAGES = ("/admin/users", "/admin/municipalities", "/admin/profile")


@pytest.fixture
def profiles(db: Session) -> None:
    """Load the default regulatory profiles, as `procure init` does."""
    seed_profiles(db)
    db.commit()


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'id="{re.escape(name)}-error">([^<]+)<', page)
    assert found, f"no error shown for {name}"
    return found.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_an_administrator_opens_each_administration_page(as_role: Any, profiles: None,
                                                         path: str) -> None:
    response = as_role("admin").get(path)
    assert response.status_code == 200
    assert 'aria-current="page"' in _text(response)


@pytest.mark.parametrize("role", ["purchaser", "finance", "auditor"])
@pytest.mark.parametrize("path", PAGES)
def test_other_roles_are_refused_the_administration_pages(as_role: Any, profiles: None,
                                                          role: str, path: str) -> None:
    client = as_role(role)
    assert client.get(path).status_code == 403
    assert "/admin/users" not in _text(client.get("/"))  # no "Administration" link either


def test_only_administrators_see_the_administration_link(as_role: Any) -> None:
    page = _text(as_role("admin").get("/"))
    assert '<a href="/admin/users">Administration</a>' in page


def test_accounts_are_listed_by_name_with_their_role_in_words(as_role: Any, db: Session,
                                                              org: Organization) -> None:
    create_user(db, SYSTEM, email="zed@example.org", name="Aline Zed", role="finance",
                password="x" * 12, organization_id=org.id)
    db.commit()
    page = _text(as_role("admin").get("/admin/users"))
    names = re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', page)
    assert names[0] == "Aline Zed" and names == sorted(names, key=str.lower)
    assert "<td>Finances</td>" in page and "<td>finance</td>" not in page
    english = _text(as_role("admin").get("/admin/users?lang=en"))
    assert "<td>Finance</td>" in english and "<td>Purchaser</td>" in english


def test_a_created_account_signs_in_with_the_one_time_password(
        app: Flask, as_role: Any, csrf: Any, login: Any, db: Session, org: Organization) -> None:
    client = as_role("admin")
    response = client.post("/admin/users", data={
        "csrf_token": csrf(client, "/admin/users"), "email": "New.Clerk@example.org",
        "name": "Nouvelle commis", "role": "purchaser", "organization_id": str(org.id)})
    assert response.status_code == 201
    page = _text(response)
    password = re.search(r'id="one-time-password">([^<]+)<', page)
    assert password, page
    assert _text(client.get("/admin/users")).count(password.group(1)) == 0  # shown once
    created = db.scalar(select(User).where(User.email == "new.clerk@example.org"))
    assert created is not None and created.role == "purchaser"
    assert created.organization_id == org.id
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"
                                               ).order_by(AuditEvent.id.desc()))
    assert event is not None and event.actor == "admin@example.org"

    newcomer = app.test_client()
    assert login(newcomer, "new.clerk@example.org", password.group(1)).status_code == 302
    assert newcomer.get("/").status_code == 200


def test_a_refused_account_shows_every_error_and_keeps_the_form(as_role: Any, csrf: Any,
                                                                org: Organization) -> None:
    client = as_role("admin")
    response = client.post("/admin/users", data={
        "csrf_token": csrf(client, "/admin/users"), "email": "pas-une-adresse",
        "name": "Quelqu'un", "role": "chef", "organization_id": str(org.id)})
    assert response.status_code == 422
    page = _text(response)
    assert "courriel" in _field_error(page, "email")
    assert "rôle" in _field_error(page, "role")
    assert 'value="pas-une-adresse"' in page and "Quelqu&#39;un" in page


def test_an_administrator_changes_a_role_and_deactivates_an_account(
        app: Flask, as_role: Any, csrf: Any, login: Any, db: Session, users: dict[str, str],
        password: str) -> None:
    client = as_role("admin")
    target = db.scalar(select(User).where(User.email == users["auditor"]))
    assert target is not None
    url = f"/admin/users/{target.id}"
    response = client.post(url, data={"csrf_token": csrf(client, url), "role": "finance",
                                      "organization_id": str(target.organization_id)})
    assert response.status_code == 302
    assert "Finances" in _text(client.get(url))
    response = client.post(f"{url}/active", data={"csrf_token": csrf(client, url),
                                                  "active": "0"})
    assert response.status_code == 302
    db.expire_all()
    target = db.get(User, target.id)
    assert target is not None and target.role == "finance" and not target.active
    actions = list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == str(target.id))))
    assert "user.updated" in actions and "user.deactivated" in actions
    assert login(app.test_client(), users["auditor"], password).status_code == 401


def test_an_administrator_cannot_lock_themselves_out(as_role: Any, csrf: Any, db: Session,
                                                     users: dict[str, str]) -> None:
    client = as_role("admin")
    me = db.scalar(select(User).where(User.email == users["admin"]))
    assert me is not None
    url = f"/admin/users/{me.id}"
    response = client.post(f"{url}/active", data={"csrf_token": csrf(client, url),
                                                  "active": "0"})
    assert response.status_code == 422
    assert "votre propre compte" in _text(response)
    db.expire_all()
    assert db.get(User, me.id).active  # type: ignore[union-attr]


def test_a_token_is_shown_once_and_a_revoked_token_is_refused_by_the_api(
        as_role: Any, app: Flask, csrf: Any, db: Session, users: dict[str, str]) -> None:
    client = as_role("admin")
    target = db.scalar(select(User).where(User.email == users["purchaser"]))
    assert target is not None
    url = f"/admin/users/{target.id}"
    response = client.post(f"{url}/tokens", data={"csrf_token": csrf(client, url),
                                                  "name": "export nocturne"})
    assert response.status_code == 201
    token = re.search(r'id="issued-token">([^<]+)<', _text(response))
    assert token
    script = app.test_client()
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    assert script.get("/api/me", headers=headers).status_code == 200
    page = _text(client.get(url))
    assert "export nocturne" in page and token.group(1) not in page

    row = db.scalar(select(ApiToken).where(ApiToken.user_id == target.id))
    assert row is not None
    response = client.post(f"{url}/tokens/{row.id}/revoke",
                           data={"csrf_token": csrf(client, url)})
    assert response.status_code == 302
    assert script.get("/api/me", headers=headers).status_code == 401
    assert "Révoqué" in _text(client.get(url))
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "token.revoked"))


def test_municipalities_are_searched_without_accents_and_paginated(
        as_role: Any, db: Session, org: Organization) -> None:
    db.add_all([Organization(code=f"9{n:04d}", name=f"Saint-Élie-{n:03d}") for n in range(60)])
    db.add(Organization(code="66023", name="Montréal"))
    db.commit()
    client = as_role("admin")
    page = _text(client.get("/admin/municipalities?q=montreal"))
    assert "Montréal" in page and "Saint-Élie" not in page
    page = _text(client.get("/admin/municipalities?q=TROIS-RIVIERES"))
    assert "Trois-Rivières" in page and "vous la gérez" in page
    first = _text(client.get("/admin/municipalities?q=saint-elie"))
    assert "60 municipalités" in first and "Saint-Élie-049" in first
    assert "Saint-Élie-050" not in first and 'rel="next"' in first
    second = _text(client.get("/admin/municipalities?q=saint-elie&offset=50"))
    assert "Saint-Élie-050" in second and "Saint-Élie-049" not in second


def test_an_administrator_sees_only_the_accounts_of_the_municipalities_they_manage(
        as_role: Any, db: Session, org: Organization, users: dict[str, str]) -> None:
    other = Organization(code="23027", name="Québec")
    db.add(other)
    db.flush()
    create_user(db, SYSTEM, email="clerk@quebec.example", name="Commis de Québec",
                role="purchaser", password="x" * 12, organization_id=other.id)
    db.commit()
    client = as_role("admin")
    assert "clerk@quebec.example" not in _text(client.get("/admin/users"))
    listing = _text(client.get("/admin/municipalities?q=quebec"))
    assert "gérée par d'autres" in listing and f"/admin/municipalities/{other.id}" not in listing
    assert client.get(f"/admin/municipalities/{other.id}").status_code == 404
    stranger = db.scalar(select(User).where(User.email == "clerk@quebec.example"))
    assert stranger is not None
    assert client.get(f"/admin/users/{stranger.id}").status_code == 404
    assert "clerk@quebec.example" not in _text(client.get(f"/admin/municipalities/{org.id}"))

    # Once granted the other municipality, the administrator sees its members there.
    grant_management(db, SYSTEM, email=users["admin"], organization_id=other.id)
    db.commit()
    members = _text(client.get(f"/admin/municipalities/{other.id}"))
    assert "clerk@quebec.example" in members


def test_a_profile_edit_creates_a_dated_version_in_the_history(
        as_role: Any, csrf: Any, db: Session, profiles: None, users: dict[str, str]) -> None:
    client = as_role("admin")
    page = _text(client.get("/admin/profile"))
    assert "version initiale" in page and "Arrêté ministériel du 2022-10-07" in page
    form = _profile_form(page)
    form.update({"csrf_token": csrf(client, "/admin/profile"), "tender_threshold": "133 800,00",
                 "source": "Avis Muni-Express 2024 du MAMH."})
    response = client.post("/admin/profile", data=form)
    assert response.status_code == 302, _text(response)
    page = _text(client.get("/admin/profile"))
    versions = page.split('<table class="versions">')[1]
    newest = versions.split("<tr>")[2]
    assert users["admin"] in newest and "Avis Muni-Express 2024 du MAMH." in newest
    assert "Seuil d&#39;appel d&#39;offres public" in newest and "133" in newest
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "regulatory_profile.updated"))
    assert event is not None and event.after["tender_threshold"] == "133800.00"  # type: ignore[index]

    # Posting the form unchanged creates no version.
    form = _profile_form(page)
    form["csrf_token"] = csrf(client, "/admin/profile")
    client.post("/admin/profile", data=form)
    assert db.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "regulatory_profile.updated").offset(1)) is None


def test_an_invalid_profile_shows_every_error_inline_and_keeps_the_input(
        as_role: Any, csrf: Any, db: Session, profiles: None) -> None:
    client = as_role("admin")
    form = _profile_form(_text(client.get("/admin/profile")))
    new_row = int(form["history_rows"])
    form.update({"csrf_token": csrf(client, "/admin/profile"), "tender_threshold": "beaucoup",
                 "valid_from": "31/12/2026", "social_value_weight_min": "15", "source": " ",
                 f"h{new_row}_amount": "139000", f"h{new_row}_valid_from": "2028-01-01",
                 f"h{new_row}_valid_to": "2027-01-01", f"h{new_row}_source": ""})
    response = client.post("/admin/profile", data=form)
    assert response.status_code == 422
    page = _text(response)
    assert "beaucoup n&#39;est pas un montant" in _field_error(page, "tender_threshold")
    assert "AAAA-MM-JJ" in _field_error(page, "valid_from")
    assert "fraction" in _field_error(page, "social_value_weight_min")
    assert _field_error(page, "source") == "Obligatoire."
    assert "précède" in _field_error(page, f"h{new_row}_valid_to")
    assert "source" in _field_error(page, f"h{new_row}_source")
    assert 'value="beaucoup"' in page and 'value="31/12/2026"' in page
    assert 'value="2028-01-01"' in page
    assert db.scalar(select(AuditEvent).where(
        AuditEvent.action == "regulatory_profile.updated")) is None
    english = client.post("/admin/profile?lang=en", data=form)
    assert "is not an amount" in _field_error(_text(english), "tender_threshold")


def _profile_form(page: str) -> dict[str, str]:
    """Read the profile form's fields as a browser would post them."""
    form = page.split('action="/admin/profile"')[1].split("</form>")[0]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        data[name.group(1)] = _unescape(value.group(1) if value else "")
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form):
        data[name] = _unescape(text)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form,
                                    flags=re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options) or re.search(
            r'<option value="([^"]*)"', options)
        data[name] = chosen.group(1) if chosen else ""
    return data


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_the_api_changes_a_role_with_the_same_rules_as_the_page(
        as_role: Any, app: Flask, csrf: Any, db: Session, users: dict[str, str]) -> None:
    client = as_role("admin")
    me = db.scalar(select(User).where(User.email == users["admin"]))
    target = db.scalar(select(User).where(User.email == users["finance"]))
    assert me is not None and target is not None
    url = f"/admin/users/{target.id}"
    response = client.post(url, data={"csrf_token": csrf(client, url), "role": "comptable"})
    assert response.status_code == 422 and "rôle" in _field_error(_text(response), "role")

    token = client.post(f"{url}/tokens", data={"csrf_token": csrf(client, url), "name": "s"})
    found = re.search(r'id="issued-token">([^<]+)<', _text(token))
    assert found
    script = app.test_client()
    headers = {"Authorization": f"Bearer {found.group(1)}"}
    assert script.get("/api/me", headers=headers).status_code == 200
    # The finance account's own token may not manage accounts; the admin's may.
    assert script.patch(f"/api/users/{me.id}", json={"role": "auditor"},
                        headers=headers).status_code == 403
    admin_url = f"/admin/users/{me.id}"
    issued = client.post(f"{admin_url}/tokens",
                         data={"csrf_token": csrf(client, admin_url), "name": "a"})
    admin_token = re.search(r'id="issued-token">([^<]+)<', _text(issued))
    assert admin_token
    admin_headers = {"Authorization": f"Bearer {admin_token.group(1)}"}
    own = script.patch(f"/api/users/{me.id}", json={"active": False}, headers=admin_headers)
    assert own.status_code == 422 and "active" in own.get_json()["errors"]
    changed = script.patch(f"/api/users/{target.id}", json={"role": "auditor"},
                           headers=admin_headers)
    assert changed.status_code == 200 and changed.get_json()["role"] == "auditor"
    assert "Vérificateur" in _text(client.get(url))


def test_a_version_made_for_another_municipality_does_not_name_its_author(
        as_role: Any, db: Session, profiles: None) -> None:
    from procurement.permissions import Actor
    from procurement.services.admin import update_profile

    other = Organization(code="23027", name="Québec")
    db.add(other)
    db.flush()
    stranger = Actor(user_id=None, name="admin@quebec.example", role="admin",
                     organization_id=other.id)
    update_profile(db, stranger, "QC-2024", {"notes": "Vérifié par Québec."})
    db.commit()
    page = _text(as_role("admin").get("/admin/profile"))
    versions = page.split('<table class="versions">')[1]
    assert "un administrateur d&#39;une autre municipalité" in versions or \
        "un administrateur d'une autre municipalité" in versions
    assert "admin@quebec.example" not in page and "Vérifié par Québec." in versions


def test_confirming_a_dated_threshold_shows_what_changed_in_the_history(
        as_role: Any, csrf: Any, profiles: None) -> None:
    client = as_role("admin")
    form = _profile_form(_text(client.get("/admin/profile")))
    row = next(n for n in range(1, int(form["history_rows"]))
               if form.get(f"h{n}_amount") == "139000.00")
    form.update({"csrf_token": csrf(client, "/admin/profile"), f"h{row}_confirmed": "1"})
    assert client.post("/admin/profile", data=form).status_code == 302
    newest = _text(client.get("/admin/profile")).split('<table class="versions">')[1].split(
        "<tr>")[2]
    assert "Seuil retiré : Seuil d&#39;appel d&#39;offres public" in newest
    assert "(confirmé)" in newest and "139" in newest
