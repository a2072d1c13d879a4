"""Registry identifiers, activity codes, countries and postal codes of Quebec, France and the UK.

Every function is pure: it takes a cell as typed (text or number) and returns the
canonical form, or None when the cell does not hold one. Canonical forms:
  NEQ (Quebec)            10 digits              1142934315
  SIRET (France)          14 digits              35600000000048
  SIREN (France)          9 digits               356000000
  company number (UK)     8 characters           01234567, SC123456
  charity number (UK)     as registered          1012345, 1012345-1, SC012345
  activity code           NAF/APE 81.30Z, UK SIC 81300, SCIAN/NAICS 561730
  country                 ISO 3166 alpha-2       CA, FR, GB
  postal code             G9A 5K8 (CA), 75011 (FR), BD1 1HY (GB)
"""

from __future__ import annotations

import re

from unidecode import unidecode

from importers.values import to_text

_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f]")
_NAF = re.compile(r"^(\d{2})\.?(\d{2})\s*([A-Z])$")
_DIGIT_CODE = re.compile(r"^\d{2,6}$")
# A code followed by its label: "81300 - Landscape service activities", "81.30Z Services…".
_CODE_THEN_LABEL = re.compile(r"^([0-9][0-9.]*\s?[A-Z]?)(?:\s*[-:–]\s*|\s+)\D.*$")
_COMPANY_NUMBER = re.compile(r"^(?:\d{8}|[A-Z]{2}\d{6})$")
_CHARITY_NUMBER = re.compile(r"^(?:\d{6,8}(?:-\d{1,2})?|SC\d{6}|NIC?\d{5,6})$")
CANADIAN_POSTAL = re.compile(r"^([A-Z]\d[A-Z])\s*-?\s*(\d[A-Z]\d)$")
UK_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})$")
FRENCH_POSTAL = re.compile(r"^(\d{2})\s?(\d{3})(?:\s+cedex(?:\s+\d+)?)?$", re.IGNORECASE)
QUEBEC_SUFFIX = re.compile(r"\s*\((québec|quebec|qc)\)\s*$", re.IGNORECASE)

# Which country an identifier belongs to.
IDENTIFIER_COUNTRY = {
    "neq": "CA",
    "siret": "FR",
    "siren": "FR",
    "company_number": "GB",
    "charity_number": "GB",
}

COUNTRY_NAMES: dict[str, str] = {
    **dict.fromkeys(("ca", "can", "canada", "quebec", "qc", "province de quebec"), "CA"),
    **dict.fromkeys(("fr", "fra", "france", "france metropolitaine", "republique francaise"),
                    "FR"),
    **dict.fromkeys(("gb", "gbr", "uk", "united kingdom", "great britain", "royaume uni",
                     "england", "scotland", "wales", "northern ireland", "angleterre",
                     "ecosse", "pays de galles", "irlande du nord", "grande bretagne"), "GB"),
    **dict.fromkeys(("be", "bel", "belgique", "belgium"), "BE"),
    **dict.fromkeys(("ch", "che", "suisse", "switzerland"), "CH"),
    **dict.fromkeys(("lu", "lux", "luxembourg"), "LU"),
    **dict.fromkeys(("us", "usa", "united states", "etats unis"), "US"),
    **dict.fromkeys(("de", "deu", "germany", "allemagne"), "DE"),
    **dict.fromkeys(("ie", "irl", "ireland", "irlande"), "IE"),
}

# Header words that tell the language of a file (accent-folded, lowercase).
FRENCH_WORDS = frozenset({
    "nom", "raison", "sociale", "denomination", "adresse", "ville", "commune", "departement",
    "pays", "courriel", "telephone", "secteur", "activite", "structure", "entreprise",
    "organisme", "municipalite", "forme", "juridique", "codepostal", "enseigne", "libelle",
    "siret", "siren", "naf", "ape", "nomentreprise", "secteuractivite", "siteweb",
})
ENGLISH_WORDS = frozenset({
    "name", "address", "town", "city", "postcode", "county", "company", "charity", "number",
    "country", "phone", "email", "website", "sector", "activity", "sic", "zip", "organisation",
    "organization", "registered",
})


def _text(value: object) -> str | None:
    """Return a cell as text; a whole number a spreadsheet wrote as `1234.0` loses its `.0`."""
    text = to_text(value)
    if not text:
        return None
    text = text.strip()
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def _digits(value: object) -> str | None:
    """Return the digits of an identifier typed with spaces, dots or a spreadsheet's `.0`."""
    text = _text(value)
    if text is None:
        return None
    return _SEPARATORS.sub("", text)


def normalize_siret(value: object) -> str | None:
    """Return a 14-digit SIRET from `356 000 000 00048` or `35600000000048.0`, else None."""
    digits = _digits(value)
    return digits if digits and re.fullmatch(r"\d{14}", digits) else None


def normalize_siren(value: object) -> str | None:
    """Return a 9-digit SIREN from `356 000 000`, else None."""
    digits = _digits(value)
    return digits if digits and re.fullmatch(r"\d{9}", digits) else None


def luhn_ok(digits: str) -> bool:
    """Tell whether a SIREN or SIRET passes its Luhn check (La Poste's SIRETs use their own)."""
    if digits.startswith("356000000") and len(digits) == 14 and sum(map(int, digits)) % 5 == 0:
        return True
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total % 10 == 0


def normalize_company_number(value: object) -> str | None:
    """Return a Companies House number: 8 digits (leading zeros restored) or 2 letters + 6."""
    text = _text(value)
    if text is None:
        return None
    compact = _SEPARATORS.sub("", text.upper())
    if compact.isdigit() and len(compact) <= 8:
        compact = compact.zfill(8)
    elif re.fullmatch(r"[A-Z]{2}\d{1,6}", compact):
        compact = compact[:2] + compact[2:].zfill(6)
    return compact if _COMPANY_NUMBER.match(compact) else None


def normalize_charity_number(value: object) -> str | None:
    """Return a UK charity number (England and Wales 1012345[-1], Scotland SC012345)."""
    text = _text(value)
    if text is None:
        return None
    compact = re.sub(r"[\s.\u00a0]", "", text.upper())
    return compact if _CHARITY_NUMBER.match(compact) else None


def normalize_country(value: object) -> str | None:
    """Return the ISO alpha-2 code of `France`, `FR`, `FRA`, `Royaume-Uni`, `Canada`…"""
    text = _text(value)
    if text is None:
        return None
    key = " ".join(re.findall(r"[a-z]+", unidecode(text).lower()))
    if key in COUNTRY_NAMES:
        return COUNTRY_NAMES[key]
    return text.upper() if re.fullmatch(r"[A-Za-z]{2}", text) else None


def normalize_activity_code(value: object) -> str | None:
    """Return the first activity code of a cell: NAF `81.30Z`, SIC `81300`, NAICS `561730`.

    `8130Z`, `81.30 z` and `81.30Z - Services d'aménagement paysager` all give `81.30Z`;
    `81300 - Landscape service activities` gives `81300`; text without a code gives None.
    """
    text = _text(value)
    if text is None:
        return None
    first = re.split(r"[;,/\n|]", text.upper())[0].strip()
    naf = _NAF.match(first)
    if naf is None:
        labelled = _CODE_THEN_LABEL.match(first)
        if labelled:
            first = labelled.group(1).strip()
        naf = _NAF.match(first)
    if naf:
        return f"{naf.group(1)}.{naf.group(2)}{naf.group(3)}"
    compact = first.replace(" ", "")
    return compact if _DIGIT_CODE.match(compact) else None


def postal_code_country(text: str | None, language: str | None) -> str | None:
    """Tell the country a postal code's shape belongs to (5 digits count only in French)."""
    if not text:
        return None
    upper = text.strip().upper()
    if CANADIAN_POSTAL.match(upper):
        return "CA"
    if UK_POSTCODE.match(upper):
        return "GB"
    if language == "fr" and FRENCH_POSTAL.match(upper):
        return "FR"
    return None


def normalize_postal_code_for(text: str | None, country: str | None) -> tuple[str | None, bool]:
    """Write a postal code in its country's form; return (code, whether it fits the country).

    A French code that lost its leading zero in a spreadsheet (`6000` for Nice) gets it back.
    Codes of other countries are kept as they are.
    """
    if text is None:
        return None, True
    upper = " ".join(text.upper().split())
    if country == "CA":
        match = CANADIAN_POSTAL.match(upper)
        return (f"{match.group(1)} {match.group(2)}", True) if match else (text, False)
    if country == "GB":
        match = UK_POSTCODE.match(upper)
        return (f"{match.group(1)} {match.group(2)}", True) if match else (text, False)
    if country == "FR":
        compact = upper[:-2] if re.fullmatch(r"\d+\.0", upper) else upper
        if re.fullmatch(r"\d{4}", compact):
            return "0" + compact, True
        match = FRENCH_POSTAL.match(compact)
        return (match.group(1) + match.group(2), True) if match else (text, False)
    return text, True


def header_language(labels: list[str]) -> str | None:
    """Guess the language of a file from its header words: `fr`, `en` or None."""
    words: set[str] = set()
    for label in labels:
        words.update(re.findall(r"[a-z]+", unidecode(str(label)).lower()))
    french, english = len(words & FRENCH_WORDS), len(words & ENGLISH_WORDS)
    if french > english:
        return "fr"
    if english > french:
        return "en"
    return None
