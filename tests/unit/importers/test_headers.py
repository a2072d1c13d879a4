"""Header rows are found under preambles and their labels map to fields in two languages."""

from __future__ import annotations

import pandas as pd

from importers import detect_columns
from importers.headers import find_header, label_score, normalize_label, unique_labels

BRADFORD = [
    "Service Code", "Service Label", "Expenditure code", "Expenditure category",
    "Payment date", "Transaction Number", "Net Amount", "Supplier Number", "Supplier Name",
]  # fmt: skip


def test_labels_are_folded_without_accents_case_or_punctuation() -> None:
    assert normalize_label("Montant ($)") == "montant"
    assert normalize_label("N° fournisseur") == "no fournisseur"
    assert normalize_label("  Libellé ") == "libelle"


def test_bradford_headers_map_automatically() -> None:
    detection = detect_columns(BRADFORD)
    assert detection.mapping == {
        "department": "Service Label",
        "account_code": "Expenditure code",
        "expense_category": "Expenditure category",
        "date": "Payment date",
        "amount": "Net Amount",
        "supplier_id": "Supplier Number",
        "supplier_name": "Supplier Name",
    }
    assert not detection.needs_confirmation


def test_a_transaction_number_is_not_a_contract_reference() -> None:
    assert label_score("Transaction Number", "contract_ref") == 0.0
    assert "contract_ref" not in detect_columns(BRADFORD).mapping


def test_french_headers_map_automatically() -> None:
    detection = detect_columns(
        ["Date de facture", "Nom du fournisseur", "N° fournisseur", "Objet", "Catégorie",
         "Poste budgétaire", "Direction", "Montant ($)", "Devise", "Numéro de contrat"]
    )  # fmt: skip
    assert set(detection.mapping) == {
        "date", "supplier_name", "supplier_id", "description", "expense_category",
        "account_code", "department", "amount", "currency", "contract_ref",
    }  # fmt: skip
    assert detection.mapping["supplier_id"] == "N° fournisseur"


def test_a_missing_supplier_column_needs_confirmation() -> None:
    detection = detect_columns(["Date", "Montant"])
    assert detection.missing_required == ["supplier_name"]
    assert detection.needs_confirmation


def test_content_fills_an_unlabelled_amount_column_with_weak_confidence() -> None:
    sample = pd.DataFrame(
        {"Fournisseur": ["A", "B"], "Col": ["1 234,56 $", "99,10 $"]}, dtype=object
    )
    detection = detect_columns(["Fournisseur", "Col"], sample)
    assert detection.mapping["amount"] == "Col"
    assert detection.confidence["amount"] < 0.7
    assert detection.needs_confirmation


def test_two_equally_good_amount_columns_are_ambiguous() -> None:
    sample = pd.DataFrame(
        {"Fournisseur": ["A"], "Montant HT": ["10,00"], "Montant TTC": ["11,50"]}, dtype=object
    )
    detection = detect_columns(list(sample.columns), sample)
    assert "amount" in detection.ambiguous
    assert detection.needs_confirmation


def test_the_header_is_found_under_title_rows() -> None:
    rows = [
        ["Ville de Trois-Rivières", "", ""],
        ["Paiements aux fournisseurs, janvier 2024", "", ""],
        ["", "", ""],
        ["Date", "Fournisseur", "Montant"],
        ["2024-01-05", "ACME", "12,50"],
    ]
    guess = find_header(rows)
    assert guess is not None
    assert guess.last_row == 3 and guess.n_rows == 1


def test_a_header_split_over_two_rows_is_combined() -> None:
    rows = [
        ["Date", "Fournisseur", "", "Montant"],
        ["", "Nom", "Numéro", ""],
        ["2024-01-05", "ACME", "42", "12,50"],
    ]
    guess = find_header(rows)
    assert guess is not None
    assert guess.n_rows == 2
    assert guess.labels == ["Date", "Fournisseur Nom", "Fournisseur Numéro", "Montant"]
    mapping = detect_columns(guess.labels).mapping
    assert mapping["supplier_name"] == "Fournisseur Nom"
    assert mapping["supplier_id"] == "Fournisseur Numéro"


def test_blank_and_repeated_labels_get_unique_names() -> None:
    assert unique_labels(["Montant", "", "Montant"]) == ["Montant", "(B)", "Montant (2)"]


def test_registry_headers_map_to_supplier_fields() -> None:
    detection = detect_columns(
        ["NEQ", "NomEntreprise", "Adresse", "Municipalite", "Adresse_Lign3", "CodePostal",
         "SecteurActivite", "FormeJuridique", "lat", "long"],
        kind="supplier",
    )  # fmt: skip
    assert detection.mapping["name"] == "NomEntreprise"
    assert detection.mapping["legal_form"] == "FormeJuridique"
    assert detection.mapping["lon"] == "long"
    assert detection.mapping["address"] == "Adresse"
