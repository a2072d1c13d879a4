"""Spending files over the API: upload, report, and the mapping confirmation of a staged file."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient

CLEAR_CSV = ("Date,Fournisseur,Description,Montant\n"
             "2024-01-15,Entretien Plus,Entretien ménager,1200.50\n"
             "2024-02-15,Traiteur du Coin,Repas,350.00\n"
             "2024-03-15,Traiteur du Coin,Repas,abc\n")
AMBIGUOUS_CSV = ("Date,Fournisseur,Description,Montant\n"
                 "01/02/2024,Entretien Plus,Entretien ménager,1200.50\n"
                 "03/04/2024,Traiteur du Coin,Repas,350.00\n")


def upload(client: FlaskClient, headers: dict[str, str], text: str, name: str,
           **fields: str) -> Any:
    """Upload a spending file as a multipart form."""
    return client.post("/api/imports", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(text.encode()), name), **fields})


def test_a_file_with_a_bad_row_is_refused_whole_and_its_report_downloads_as_csv(
        client: FlaskClient, world: Any):
    headers = world.a.headers("purchaser")
    answer = upload(client, headers, CLEAR_CSV, "mars.csv")
    assert answer.status_code == 201, answer.json
    assert answer.json["status"] == "refused"
    assert answer.json["lines"] == 0
    assert any(issue["row"] == 4 for issue in answer.json["issues"])

    import_id = answer.json["import_id"]
    detail = client.get(f"/api/imports/{import_id}", headers=headers)
    assert detail.json["status"] == "refused"
    report = client.get(f"/api/imports/{import_id}/report.csv", headers=headers)
    assert report.status_code == 200
    assert report.mimetype == "text/csv"
    assert report.get_data(as_text=True).lstrip("\ufeff").startswith(
        "Feuille,Ligne,Colonne,Valeur,Problème,Détail,Gravité")
    english = client.get(f"/api/imports/{import_id}/report.csv",
                         headers={**headers, "Accept-Language": "en"})
    assert english.get_data(as_text=True).lstrip("\ufeff").startswith(
        "Sheet,Row,Column,Value,Problem,Details,Severity")


def test_accepting_the_valid_rows_imports_them_and_lists_the_lines(
        client: FlaskClient, world: Any):
    headers = world.a.headers("purchaser")
    answer = upload(client, headers, CLEAR_CSV, "mars.csv", accept_valid_rows="true")
    assert answer.json["status"] == "imported", answer.json
    assert answer.json["lines"] == 2
    assert answer.json["total"] == "1550.50"
    lines = client.get(f"/api/lines?import_id={answer.json['import_id']}", headers=headers)
    assert lines.status_code == 200
    assert [line["amount"] for line in lines.json] == ["1200.50", "350.00"]
    assert '"total": 2' in lines.headers["X-Pagination"]
    again = upload(client, headers, CLEAR_CSV, "copie.csv", accept_valid_rows="true")
    assert again.json["status"] == "duplicate"


def test_an_ambiguous_file_waits_for_the_clerk_to_confirm_its_mapping(
        client: FlaskClient, world: Any):
    headers = world.a.headers("purchaser")
    answer = upload(client, headers, AMBIGUOUS_CSV, "avril.csv")
    assert answer.status_code == 201, answer.json
    assert answer.json["needs_confirmation"] is True
    assert answer.json["lines"] == 0
    token = answer.json["staged_upload"]
    assert token

    other_town = client.post(f"/api/imports/staged/{token}", headers=world.b.headers("purchaser"),
                             json={"mapping": answer.json["mapping"], "date_order": "dmy"})
    assert other_town.status_code == 404

    confirmed = client.post(f"/api/imports/staged/{token}", headers=headers,
                            json={"mapping": answer.json["mapping"], "date_order": "dmy"})
    assert confirmed.status_code == 201, confirmed.json
    assert confirmed.json["status"] == "imported"
    lines = client.get(f"/api/lines?import_id={confirmed.json['import_id']}", headers=headers)
    assert [line["date"] for line in lines.json] == ["2024-02-01", "2024-04-03"]
    gone = client.post(f"/api/imports/staged/{token}", headers=headers,
                       json={"mapping": answer.json["mapping"], "date_order": "dmy"})
    assert gone.status_code == 404


def test_an_upload_without_a_file_names_the_missing_field(client: FlaskClient, world: Any):
    answer = client.post("/api/imports", headers=world.a.headers("purchaser"),
                         content_type="multipart/form-data", data={"sheet": "x"})
    assert answer.status_code == 422
    assert answer.json["code"] == "invalid_input"
    assert "file" in answer.json["errors"]


POUNDS_CSV = ("Payment Date,Beneficiary Name,Amount\n"
              "15/04/2024,Pothole Fixers Ltd,£1234.56\n16/04/2024,Reading Together,£250.00\n")


def test_a_file_in_pounds_waits_for_its_currency_then_imports_in_pounds(
        client: FlaskClient, world: Any):
    headers = world.a.headers("purchaser")
    answer = upload(client, headers, POUNDS_CSV, "council.csv")
    assert answer.status_code == 201, answer.json
    assert answer.json["status"] == "refused" and answer.json["lines"] == 0
    assert any(i["code"] == "currency_needs_confirmation" for i in answer.json["issues"])
    token = answer.json["staged_upload"]
    confirmed = client.post(f"/api/imports/staged/{token}", headers=headers,
                            json={"mapping": answer.json["mapping"], "currency": "GBP"})
    assert confirmed.status_code == 201, confirmed.json
    assert confirmed.json["status"] == "imported" and confirmed.json["total"] == "1484.56"
    direct = upload(client, headers, POUNDS_CSV.replace("2024", "2025"), "may.csv",
                    currency="GBP")
    assert direct.json["status"] == "imported", direct.json
