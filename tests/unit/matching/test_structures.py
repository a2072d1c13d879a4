"""Structure types that mean work integration or disability employment set two facts."""

from __future__ import annotations

import pytest

from procurement.matching.structures import structure_facts


@pytest.mark.parametrize("org_type", [
    "EI", "ACI", "AI", "ETTI", "EITI", "SIAE", "EA", "ESAT",
    "Entreprise d'insertion", "Atelier et chantier d'insertion", "Chantier d'insertion",
    "Association intermédiaire", "Entreprise de travail temporaire d'insertion",
    "Entreprise d'insertion par le travail indépendant", "ENTREPRISE ADAPTEE",
    "Entreprise adaptée de travail temporaire",
    "Établissement et service d'aide par le travail", "ESAT (ex-CAT)", "SIAE - ACI",
])
def test_french_siae_and_disability_employers_integrate_and_may_be_reserved(
        org_type: str) -> None:
    facts = structure_facts(org_type, None, "FR")
    assert facts.work_integration and facts.reserved_eligible, org_type


def test_a_french_acronym_without_a_country_is_read_as_french() -> None:
    assert structure_facts("ACI", None, None).reserved_eligible
    assert structure_facts("ETTI").kind == "FR:ETTI"


def test_a_geiq_integrates_people_but_is_no_siae_so_no_reserved_contract() -> None:
    facts = structure_facts("GEIQ", None, "FR")
    assert facts.work_integration and not facts.reserved_eligible
    long_form = structure_facts(
        "Groupement d'employeurs pour l'insertion et la qualification", None, "FR")
    assert long_form.kind == "FR:GEIQ" and not long_form.reserved_eligible


@pytest.mark.parametrize("org_type", [
    "SCOP", "SCIC", "Association loi 1901", "Régie de quartier", "Fondation", None, "",
])
def test_other_french_structures_set_nothing(org_type: str | None) -> None:
    facts = structure_facts(org_type, None, "FR")
    assert not facts.work_integration and not facts.reserved_eligible


def test_a_legal_form_ei_is_an_entreprise_individuelle_not_an_insertion_enterprise() -> None:
    assert not structure_facts(None, "EI", "FR").work_integration
    assert structure_facts(None, "Entreprise d'insertion", "FR").work_integration


def test_quebec_insertion_and_adapted_enterprises_integrate_without_a_reserved_regime() -> None:
    for org_type in ("entreprise-d-insertion", "Entreprise d'insertion", "Entreprise adaptée"):
        facts = structure_facts(org_type, None, "CA")
        assert facts.work_integration and not facts.reserved_eligible, org_type
        assert facts.kind is not None and facts.kind.startswith("QC:")


@pytest.mark.parametrize("org_type", [
    "obnl-a-volet-marchand", "cooperative-de-solidarite", "cooperative-de-travail", "autre",
    "mrc-mekinac", "EI", "ACI",
])
def test_quebec_types_and_french_acronyms_in_quebec_set_nothing(org_type: str) -> None:
    assert structure_facts(org_type, "APE", "CA") == structure_facts(None)


def test_a_uk_supported_business_may_be_reserved_a_contract() -> None:
    facts = structure_facts("Supported business", None, "GB")
    assert facts.work_integration and facts.reserved_eligible
    assert structure_facts("Supported employment provider", None, None).reserved_eligible
    assert not structure_facts("Community interest company", None, "GB").work_integration
    assert not structure_facts("ACI", None, "GB").work_integration


def test_a_word_inside_a_longer_type_is_not_an_acronym() -> None:
    for org_type in ("Eiffel services", "Aide à domicile", "Maison de l'eau", "Kaizen"):
        assert not structure_facts(org_type, None, "FR").work_integration, org_type
