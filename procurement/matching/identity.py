"""When two registry records are the same organisation: the rule of the registry merge.

Two records are the same organisation on the same identifier of one kind (NEQ, SIRET,
SIREN, company number, charity number), or on the same normalized name when none of
their other facts contradicts it. Facts that contradict a name match:
  - different countries;
  - different identifiers of the same kind (two NEQs, two SIRETs…);
  - different postal codes; or, when one of them lacks a postal code, different
    municipalities (a shared postal code settles the place whatever the spelling).
Records are plain mappings of supplier facts (`neq`, `siret`, `country`, `postal_code`…).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from importers.identifiers import IDENTIFIER_COUNTRY, postal_code_country
from procurement.matching.locality import municipality_key

IDENTIFIER_KINDS = tuple(IDENTIFIER_COUNTRY)  # neq, siret, siren, company_number, charity_number


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def identifiers(facts: Mapping[str, Any]) -> dict[str, str]:
    """Return a record's identifiers by kind; a SIREN without SIRET may sit in `other_id`."""
    found = {kind: text for kind in IDENTIFIER_KINDS
             if kind != "siren" and (text := _text(facts.get(kind)))}
    siren = _text(facts.get("siren"))
    if siren is None and "siret" not in found and facts.get("country") == "FR":
        other = _text(facts.get("other_id"))
        siren = other if other and re.fullmatch(r"\d{9}", other) else None
    if siren:
        found["siren"] = siren
    return found


def _postal(facts: Mapping[str, Any]) -> str | None:
    text = _text(facts.get("postal_code"))
    return re.sub(r"[^0-9A-Z]", "", text.upper()) if text else None


def country_of(facts: Mapping[str, Any]) -> str | None:
    """Return a record's country: as stated, else from its identifiers or postal code."""
    stated = _text(facts.get("country"))
    if stated:
        return stated.upper()
    for kind in identifiers(facts):
        return IDENTIFIER_COUNTRY[kind]
    return postal_code_country(_text(facts.get("postal_code")), None)


def contradiction(incoming: Mapping[str, Any], existing: Mapping[str, Any]) -> str | None:
    """Name the fact that says two same-named records are different organisations, or None."""
    countries = country_of(incoming), country_of(existing)
    if None not in countries and countries[0] != countries[1]:
        return "country"
    ours, theirs = identifiers(incoming), identifiers(existing)
    for kind in IDENTIFIER_KINDS:
        if kind in ours and kind in theirs and ours[kind] != theirs[kind]:
            return kind
    postals = _postal(incoming), _postal(existing)
    if None not in postals:
        return "postal_code" if postals[0] != postals[1] else None
    places = (municipality_key(incoming.get("municipality")),
              municipality_key(existing.get("municipality")))
    if all(places) and places[0] != places[1]:
        return "municipality"
    return None


def agreement(incoming: Mapping[str, Any], existing: Mapping[str, Any]) -> int:
    """Count the facts two same-named records share (postal code, municipality, country)."""
    score = 0
    if _postal(incoming) and _postal(incoming) == _postal(existing):
        score += 2
    place = municipality_key(incoming.get("municipality"))
    if place and place == municipality_key(existing.get("municipality")):
        score += 1
    if country_of(incoming) and country_of(incoming) == country_of(existing):
        score += 1
    return score
