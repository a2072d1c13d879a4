"""Structure types that mean work integration or disability employment, and what the law allows.

`structure_facts(org_type, legal_form, country)` reads a registry's structure type as
given ("ACI", "Atelier et chantier d'insertion", "entreprise-d-insertion", "Supported
business") and says whether the organisation integrates people far from employment
(`work_integration`) and whether a public buyer may reserve a contract for it
(`reserved_eligible`):

- France: the SIAE (EI, ACI, AI, ETTI and the EITI, Code du travail L.5132-4 and the
  2018 experiment) may be reserved a contract (Code de la commande publique L.2113-13),
  and so may EA and ESAT (L.2113-12, disability employment). A GEIQ integrates people
  but is not an SIAE: work integration, not reserved.
- Quebec: an entreprise d'insertion (member of the Collectif des entreprises
  d'insertion) and an entreprise adaptée integrate people; municipal contract law has no
  reserved-contract regime for them: work integration, not reserved.
- UK: a supported business (supported employment provider; Public Contracts Regulations
  2015 reg. 20, Procurement Act 2023 s. 32) may be reserved a contract.

Acronyms (EI, EA, ACI…) are French unless the country says otherwise; a word inside a
name is never read: only the structure-type and legal-form fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unidecode import unidecode


@dataclass(frozen=True)
class StructureFacts:
    """What a structure type says: its kind (e.g. `FR:ACI`), and the two facts."""

    kind: str | None
    work_integration: bool
    reserved_eligible: bool


NONE = StructureFacts(None, False, False)

# Long forms first (a long form contains words an acronym test would miss), folded.
_FRENCH_LONG: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (r"\bentreprises? de travail temporaire d insertion\b", "ETTI"),
        (r"\bentreprises? d insertion par le travail independant\b", "EITI"),
        (r"\bateliers? (et|ou) chantiers? d insertion\b", "ACI"),
        (r"\bchantiers? d insertion\b", "ACI"),
        (r"\bassociations? intermediaires?\b", "AI"),
        (r"\bentreprises? d insertion\b", "EI"),
        (r"\bentreprises? adaptees?( de travail temporaire)?\b", "EA"),
        (r"\betablissements? (et|ou) services? d aide par le travail\b", "ESAT"),
        (r"\bcentres? d aide par le travail\b", "ESAT"),
        (r"\bgroupements? d employeurs pour l insertion et la qualification\b", "GEIQ"),
        (r"\bstructures? d insertion par l activite economique\b", "SIAE"),
    )
)
_ACRONYMS: dict[str, str] = {
    "ei": "EI", "aci": "ACI", "ai": "AI", "etti": "ETTI", "eiti": "EITI", "ea": "EA",
    "eatt": "EA", "esat": "ESAT", "cat": "ESAT", "geiq": "GEIQ", "siae": "SIAE",
}
_UK_SUPPORTED = re.compile(
    r"\bsupported (business|businesses|factory|factories|employment provider)\b")

_FRENCH_FACTS: dict[str, tuple[bool, bool]] = {
    "EI": (True, True), "ACI": (True, True), "AI": (True, True), "ETTI": (True, True),
    "EITI": (True, True), "SIAE": (True, True), "EA": (True, True), "ESAT": (True, True),
    "GEIQ": (True, False),
}


def _fold(value: str | None) -> str:
    if not value:
        return ""
    text = unidecode(value).lower().replace("'", " ").replace("\u2019", " ")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _french_kind(text: str, type_text: str) -> str | None:
    """Find a long form in the type or legal form, else an acronym in the type alone.

    A legal form "EI" is an entreprise individuelle, not an entreprise d'insertion.
    """
    for pattern, kind in _FRENCH_LONG:
        if pattern.search(text):
            return kind
    for token in type_text.split():
        if token in _ACRONYMS:
            return _ACRONYMS[token]
    return None


def structure_facts(org_type: str | None, legal_form: str | None = None,
                    country: str | None = None) -> StructureFacts:
    """Return the work-integration and reserved-contract facts a structure type implies."""
    type_text = _fold(org_type)
    text = " ".join(part for part in (type_text, _fold(legal_form)) if part)
    if not text:
        return NONE
    if country == "GB" or (country is None and _UK_SUPPORTED.search(text)):
        return StructureFacts("UK:supported-business", True, True) \
            if _UK_SUPPORTED.search(text) else NONE
    kind = _french_kind(text, type_text)
    if kind is None:
        return NONE
    if country == "CA":
        # Quebec uses the long forms; an acronym alone would be a guess.
        if kind == "EI" and re.search(r"\bentreprises? d insertion\b", text):
            return StructureFacts("QC:entreprise-d-insertion", True, False)
        if kind == "EA" and re.search(r"\bentreprises? adaptees?\b", text):
            return StructureFacts("QC:entreprise-adaptee", True, False)
        return NONE
    if country not in (None, "FR"):
        return NONE
    work_integration, reserved = _FRENCH_FACTS[kind]
    return StructureFacts(f"FR:{kind}", work_integration, reserved)
