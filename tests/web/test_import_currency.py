"""A UK file in pounds uploaded from the page never goes in silently as Canadian dollars."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from procurement.models import ImportBatch, Organization, PurchaseLine
from tests.web.test_import_pages import finish, lines, upload

POUNDS = ("Payment Date,Beneficiary Name,Amount,Company Number,Charity Number\n"
          "15/04/2024,Pothole Fixers Ltd,\"£1,234.56\",01234567,\n"
          "16/04/2024,Reading Together,£250.00,,1099887\n")
AMBIGUOUS = ("Date;Fournisseur;Montant\n"
             "03/04/2024;Coop du Cap;100,00 $\n04/05/2024;Imprimerie Gagné;50,00 $\n")


def test_the_upload_page_offers_currency_and_date_order(as_role: Any) -> None:
    page = as_role("purchaser").get("/imports/new").get_data(as_text=True)
    assert 'name="currency"' in page and '<option value="GBP"' in page
    assert 'name="date_order"' in page and '<option value="mdy"' in page


def test_a_file_in_pounds_asks_for_its_currency_then_imports_in_pounds(
        as_role: Any, csrf: Any, db: Session, org: Organization) -> None:
    client = as_role("purchaser")
    response = upload(client, csrf, POUNDS, name="council.csv")
    mapping_url = response.headers["Location"]
    assert "/imports/mapping/" in mapping_url
    assert lines(db, org) == 0
    page = client.get(mapping_url).get_data(as_text=True)
    assert 'name="currency" value="GBP"' in page and "GBP" in page
    # Confirming the columns without the currency is not enough.
    form = {"csrf_token": csrf(client, mapping_url), "map_supplier_name": "Beneficiary Name",
            "map_amount": "Amount", "map_date": "Payment Date"}
    refused = client.post(mapping_url, data=form)
    assert refused.status_code == 422 and 'id="currency-error"' in refused.get_data(as_text=True)
    response = finish(client, client.post(mapping_url, data={
        **form, "csrf_token": csrf(client, mapping_url), "currency": "GBP"}))
    assert response.status_code == 302 and "/imports/mapping/" not in response.headers["Location"]
    db.expire_all()
    assert set(db.scalars(select(PurchaseLine.currency).where(
        PurchaseLine.organization_id == org.id))) == {"GBP"}
    batch = db.scalar(select(ImportBatch).where(ImportBatch.status == "imported"))
    assert batch is not None and batch.currency == "GBP" and str(batch.total) == "1484.56"


def test_a_currency_chosen_on_upload_imports_at_once(
        as_role: Any, csrf: Any, db: Session, org: Organization) -> None:
    client = as_role("purchaser")
    response = upload(client, csrf, POUNDS, name="council.csv", currency="GBP")
    assert "/imports/mapping/" not in response.headers["Location"]
    assert lines(db, org) == 2


def test_a_date_order_chosen_on_upload_settles_ambiguous_dates(
        as_role: Any, csrf: Any, db: Session, org: Organization) -> None:
    client = as_role("purchaser")
    response = upload(client, csrf, AMBIGUOUS, date_order="mdy")
    assert "/imports/mapping/" not in response.headers["Location"]
    db.expire_all()
    dates = sorted(d.isoformat() for d in db.scalars(select(PurchaseLine.date).where(
        PurchaseLine.organization_id == org.id)))
    assert dates == ["2024-03-04", "2024-04-05"]


def test_ambiguous_dates_are_asked_on_the_mapping_page(as_role: Any, csrf: Any) -> None:
    client = as_role("purchaser")
    response = upload(client, csrf, AMBIGUOUS)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="date_order" value="mdy"' in page


def test_an_unknown_currency_is_refused_by_the_upload_form(as_role: Any, csrf: Any) -> None:
    import io

    client = as_role("purchaser")
    answer = client.post("/imports/new", data={
        "csrf_token": csrf(client, "/imports/new"), "file": (io.BytesIO(POUNDS.encode()), "x.csv"),
        "currency": "XXX"}, content_type="multipart/form-data")
    assert answer.status_code == 422 and 'id="currency-error"' in answer.get_data(as_text=True)
