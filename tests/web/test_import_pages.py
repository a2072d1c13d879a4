"""Import pages: upload, confirm a column mapping, report, store the valid rows only."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procurement.models import ImportBatch, MappingProfile, Organization, PurchaseLine

# "Qui" and "Combien" are no known titles: the supplier column cannot be detected, and the
# amount only guessed from content. (Date and Description let the header row be found.)
ODD_HEADERS = (
    "Date;Qui;Combien;Description\n"
    "2024-03-15;Coop de nettoyage du Cap;1 234,56;Nettoyage des arénas\n"
    "2024-03-20;Imprimerie Durand;250,00;Impression de dépliants\n"
    "2024-04-02;Traiteur Saveurs;99,95;Repas du conseil\n"
)
WITH_BAD_ROW = (
    "Fournisseur;Montant;Date;Description\n"
    "Coop de nettoyage du Cap;1 234,56 $;2024-03-15;Nettoyage\n"
    "Imprimerie Durand;pas un montant;2024-03-20;Impression\n"
    "Traiteur Saveurs;99,95 $;2024-04-02;Repas\n"
)


def finish(client: Any, response: Any, timeout: float = 30.0) -> Any:
    """Follow an import's job page until the job has ended; return its last answer."""
    assert response.status_code == 302, response.get_data(as_text=True)
    job_url = response.headers["Location"]
    assert re.search(r"/jobs/\d+$", job_url), job_url
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(job_url)
        if answer.status_code != 200 or 'http-equiv="refresh"' not in answer.get_data(
                as_text=True):
            return answer
        assert time.monotonic() < deadline, "the import job did not end"
        time.sleep(0.02)


def post_upload(client: Any, csrf: Any, content: str | bytes, name: str = "depenses.csv",
                **fields: str) -> Any:
    """Post a file to the upload form (the answer sends to the job page)."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    data = {"csrf_token": csrf(client, "/imports/new"), "file": (io.BytesIO(raw), name),
            **fields}
    return client.post("/imports/new", data=data, content_type="multipart/form-data")


def upload(client: Any, csrf: Any, content: str | bytes, name: str = "depenses.csv",
           **fields: str) -> Any:
    """Post a file to the upload form and wait for its import: the page it ends on."""
    return finish(client, post_upload(client, csrf, content, name, **fields))


def lines(db: Session, org: Organization) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(PurchaseLine).where(
        PurchaseLine.organization_id == org.id)) or 0)


def test_odd_headers_lead_to_the_mapping_page_then_to_an_import(
        as_role: Any, csrf: Any, db: Session, org: Organization, tmp_path: Path) -> None:
    client = as_role("purchaser")
    response = upload(client, csrf, ODD_HEADERS)
    assert response.status_code == 302
    mapping_url = response.headers["Location"]
    assert "/imports/mapping/" in mapping_url
    assert lines(db, org) == 0

    page = client.get(mapping_url).get_data(as_text=True)
    for column in ("Date", "Qui", "Combien", "Description"):
        assert f'<option value="{column}"' in page
    # The detected columns are preselected.
    assert '<option value="Combien" selected>' in page
    assert 'for="map_supplier_name"' in page
    assert 'name="save_mapping"' in page

    response = finish(client, client.post(mapping_url, data={
        "csrf_token": csrf(client, mapping_url), "map_supplier_name": "Qui",
        "map_amount": "Combien", "map_date": "Date", "map_description": "Description",
        "save_mapping": "1"}))
    assert response.status_code == 302
    assert re.search(r"/imports/\d+$", response.headers["Location"])
    assert lines(db, org) == 3
    profile = db.scalar(select(MappingProfile).where(MappingProfile.organization_id == org.id))
    assert profile is not None
    assert profile.mapping["supplier_name"] == "Qui"
    # The staged file is gone once imported.
    assert not [p for p in (tmp_path / "uploads").iterdir() if "." not in p.name]

    # Next month, the same headers are imported without asking.
    response = upload(client, csrf, ODD_HEADERS.replace("2024-04-02", "2024-05-02"),
                      name="depenses-mai.csv")
    assert "/imports/mapping/" not in response.headers["Location"]
    assert lines(db, org) == 6


def test_the_mapping_page_requires_supplier_and_amount(as_role: Any, csrf: Any) -> None:
    client = as_role("purchaser")
    mapping_url = upload(client, csrf, ODD_HEADERS).headers["Location"]
    response = client.post(mapping_url, data={"csrf_token": csrf(client, mapping_url),
                                              "map_supplier_name": "Qui"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="amount-error"' in page
    assert 'aria-invalid="true"' in page


def test_a_refused_file_shows_its_report_and_can_store_its_valid_rows(
        as_role: Any, csrf: Any, db: Session, org: Organization) -> None:
    client = as_role("purchaser")
    response = upload(client, csrf, WITH_BAD_ROW)
    detail_url = response.headers["Location"]
    assert re.search(r"/imports/\d+$", detail_url)
    assert lines(db, org) == 0
    page = client.get(detail_url).get_data(as_text=True)
    assert "Refusé" in page
    assert "Problèmes par type" in page
    assert "pas un montant" in page
    assert "/accept-valid" in page

    report = client.get(detail_url + "/report.csv")
    assert report.status_code == 200
    text = report.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == "Feuille,Ligne,Colonne,Valeur,Problème,Détail,Gravité"
    assert "Montant illisible" in text and "invalid_amount" not in text
    assert "pas un montant" in text

    response = finish(client, client.post(detail_url + "/accept-valid",
                                          data={"csrf_token": csrf(client, detail_url)}))
    assert response.status_code == 302
    assert re.search(r"/imports/\d+$", response.headers["Location"])
    assert lines(db, org) == 2
    batch = db.scalar(select(ImportBatch).where(ImportBatch.status == "imported"))
    assert batch is not None and batch.refused_rows == 1


def test_the_import_list_shows_every_import(as_role: Any, csrf: Any) -> None:
    client = as_role("purchaser")
    upload(client, csrf, WITH_BAD_ROW, name="mars.csv")
    page = client.get("/imports").get_data(as_text=True)
    assert "mars.csv" in page
    assert "Refusé" in page


def test_an_upload_without_a_file_is_answered_next_to_the_field(as_role: Any,
                                                                csrf: Any) -> None:
    client = as_role("purchaser")
    response = client.post("/imports/new", data={"csrf_token": csrf(client, "/imports/new")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="file-error"' in response.get_data(as_text=True)
