"""Registry files of other layouts and countries are recognised with no option."""

from __future__ import annotations

import csv
from pathlib import Path

from importers import parse_supplier_file
from importers.spend import canonical_hash
from procurement.data import REFERENCE_DIR
from tests.factories import said

DATA = Path(__file__).resolve().parents[2] / "data"
FRENCH = DATA / "siae-france-sample.csv"
UK = DATA / "uk-social-enterprises-sample.csv"
QUEBEC_FILES = ("mauricie-se-directory.csv", "mauricie-se-hub-members.csv",
                "mauricie-req-nonprofits-coops.csv")
# The fields a registry file was hashed on before other countries' identifiers were read.
LEGACY_FIELDS = ("name", "neq", "other_id", "legal_form", "org_type", "sector", "activity",
                 "address", "municipality", "postal_code", "territory", "website", "lat", "lon",
                 "categories")


def _rows(path: Path, delimiter: str = ";") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def test_a_french_siae_list_is_read_with_its_identifiers_codes_and_country() -> None:
    result = parse_supplier_file(FRENCH)
    assert result.mapping == {
        "name": "Raison sociale", "siret": "SIRET", "org_type": "Type de structure",
        "activity_code": "Code NAF", "address": "Adresse", "postal_code": "Code postal",
        "municipality": "Ville", "territory": "Département"}
    assert not result.needs_confirmation
    assert len(result.records) == len(_rows(FRENCH)) == 60
    assert set(result.records["country"]) == {"FR"}
    first = result.records.iloc[0]
    assert (first["name"], first["siret"], first["activity_code"], first["postal_code"]) == (
        "ASSOC LES AMIS DU JARDIN", "49448224300065", "81.30Z", None)
    by_name = result.records.set_index("name")
    assert by_name.loc["Tremplin Services Armor", "activity_code"] == "78.30Z"  # extra spaces
    assert by_name.loc["Azur Jardins Solidaires", "postal_code"] == "06000"  # lost zero
    assert by_name.loc["Lyon Logistique Inclusive", "postal_code"] == "69003"  # CEDEX
    assert by_name.loc["Metz Déconstruction Solidaire", "activity_code"] == "43.11Z"


def test_messy_french_rows_are_kept_with_one_issue_each_and_a_stable_code() -> None:
    result = parse_supplier_file(FRENCH)
    issues = sorted((i.row, i.code, i.severity, i.value) for i in result.report.issues)
    assert issues == [
        (11, "invalid_siret", "warning", "4,18726E+13"),
        (15, "invalid_siret", "warning", "5202221830001"),
        (22, "siren_in_siret_column", "info", "563696251"),
        (27, "siret_checksum", "warning", "54151341200050"),
        (32, "invalid_activity_code", "warning", "NC"),
    ]
    assert not result.report.has_blocking_errors
    records = result.records.set_index("source_row")
    assert records.loc[11, "siret"] is None and records.loc[11, "country"] == "FR"
    assert records.loc[22, "siren"] == "563696251" and records.loc[22, "siret"] is None
    assert records.loc[27, "siret"] == "54151341200050"  # kept: the clerk checks it
    message = next(i for i in result.report.issues if i.row == 15)
    assert "SIRET" in said(message) and "14" in said(message, "fr")


def test_a_uk_list_keeps_company_and_charity_numbers_and_sic_codes() -> None:
    result = parse_supplier_file(UK)
    assert {"company_number", "charity_number", "activity_code", "postal_code",
            "municipality", "org_type"} <= set(result.mapping)
    assert set(result.records["country"]) == {"GB"}
    rows = result.records.set_index("name")
    aire = rows.loc["Aire Valley Supported Workshops"]
    assert (aire["company_number"], aire["charity_number"], aire["activity_code"]) == (
        "04512367", "1098765", "82920")
    assert rows.loc["Calder Green Spaces CIC", "company_number"] == "09876543"
    assert rows.loc["Calder Green Spaces CIC", "postal_code"] == "HX1 1UZ"
    assert rows.loc["Wharfe Valley Growers", "activity_code"] == "01130"
    assert result.report.counts_by_code() == {"invalid_charity_number": 1}


def test_quebec_files_read_as_before_and_are_canadian() -> None:
    for name in QUEBEC_FILES:
        result = parse_supplier_file(REFERENCE_DIR / name)
        assert set(result.records["country"]) == {"CA"}, name
        for other in ("siret", "siren", "company_number", "charity_number", "activity_code"):
            assert result.records[other].isna().all(), (name, other)
        # Same content hash as before the new fields: the file is still a known duplicate.
        assert result.content_hash == canonical_hash(result.records, LEGACY_FIELDS), name


def test_a_file_without_any_sign_of_its_country_gets_none_never_quebec(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    path.write_text("Nom;Ville;Activité\nAtelier du Lin;Lyon;Tissage\n", encoding="utf-8")
    assert parse_supplier_file(path).records["country"].tolist() == [None]


def test_a_country_column_wins_and_a_siret_file_is_french_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "mixte.csv"
    path.write_text("Raison sociale;SIRET;Pays;Code postal\n"
                    "Atelier A;;Belgique;1000\n"
                    "Atelier B;;;75011\n"
                    "Atelier C;73282932000074;;\n", encoding="utf-8")
    records = parse_supplier_file(path).records
    assert records["country"].tolist() == ["BE", "FR", "FR"]
    assert records["postal_code"].tolist() == ["1000", "75011", None]
