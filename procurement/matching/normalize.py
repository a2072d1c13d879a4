"""Text, company-name and identifier normalization shared by every matcher.

All functions are pure and idempotent; they accept None/NaN and return "".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# "s.e.n.c.", "c.p.e." -> "senc", "cpe" before punctuation turns them into letters.
_ACRONYM = re.compile(r"\b(?:[a-z0-9]\.){2,}[a-z0-9]?\.?")
# Numbered companies ("9123-4567 Québec inc."): the number is the identity, keep it whole.
_NUMBERED = re.compile(r"\b(\d{4})[\s-]?(\d{4})\b")


def is_missing(value: object) -> bool:
    """Return True for None, NaN, pandas NA and blank strings."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        if value != value:  # pandas NA / NaT compare unequal to themselves
            return True
    except (TypeError, ValueError):
        return True
    return isinstance(value, str) and not value.strip()


def fold(value: object) -> str:
    """Fold accents and case: 'Trois-Rivières' -> 'trois-rivieres'."""
    if is_missing(value):
        return ""
    return unidecode(str(value).casefold()).lower()


def normalize_text(value: object) -> str:
    """Fold accents and case, turn punctuation into spaces, collapse spaces."""
    text = fold(value).replace("&", " & ")
    text = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def stem(token: str) -> str:
    """Strip a French/English plural: services->service, bureaux->bureau, supplies->supply."""
    if len(token) <= 3 or token.isdigit():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("ss"):
        return token
    if token[-1] in "sx":
        return token[:-1]
    return token


def match_tokens(
    value: object,
    abbreviations: Mapping[str, str] | None = None,
    stopwords: Iterable[str] = (),
) -> tuple[str, ...]:
    """Return the tokens used for keyword matching: normalized, expanded, stemmed, no stopwords."""
    stops = frozenset(stopwords)
    out: list[str] = []
    for raw in normalize_text(value).split():
        expanded = abbreviations.get(raw, raw) if abbreviations else raw
        for tok in expanded.split():
            if tok in stops:
                continue
            out.append(stem(tok))
    return tuple(out)


# --- company names -----------------------------------------------------------

# Abbreviations finance systems and clerks use in supplier names, expanded both sides.
COMPANY_ABBREVIATIONS: dict[str, str] = {
    "st": "saint",
    "ste": "sainte",
    "stes": "saintes",
    "sts": "saints",
    "cie": "compagnie",
    "assoc": "association",
    "ass": "association",
    "assn": "association",
    "coop": "cooperative",
    "co-op": "cooperative",
    "coops": "cooperative",
    "serv": "services",
    "servs": "services",
    "svcs": "services",
    "ent": "entreprises",
    "entr": "entreprises",
    "entrep": "entreprises",
    "gr": "groupe",
    "grp": "groupe",
    "mtl": "montreal",
    "qc": "quebec",
    "que": "quebec",
    "corp": "corporation",
    "soc": "societe",
    "ctre": "centre",
    "cte": "comite",
    "dev": "developpement",
    "intl": "international",
    "natl": "national",
    "regl": "regional",
    "reg": "regional",
    "org": "organisme",
    "fdn": "fondation",
    "mun": "municipalite",
    "bros": "brothers",
    "mfg": "manufacturing",
    "and": "et",
    "&": "et",
}

# Legal forms and suffixes: interchangeable, dropped or added by finance systems.
LEGAL_WORDS: frozenset[str] = frozenset(
    {
        "inc",
        "incorporee",
        "incorporated",
        "incorporation",
        "ltee",
        "limitee",
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "enr",
        "enregistree",
        "senc",
        "sencrl",
        "srl",
        "sec",
        "cooperative",
        "obnl",
        "osbl",
        "corporation",
        "compagnie",
        "societe",
        "association",
    }
)
# Qualifiers of a co-operative ("coopérative de solidarité"): part of the legal form.
_COOP_QUALIFIERS: frozenset[str] = frozenset(
    {"solidarite", "travail", "producteurs", "consommateurs", "travailleurs"}
)
# Legal-form families: two names carrying different families are different entities.
LEGAL_FAMILIES: dict[str, str] = {
    "cooperative": "coop",
    "association": "association",
    "corporation": "corporation",
    "societe": "societe",
    "fondation": "fondation",
    "club": "club",
    "syndicat": "syndicat",
    "federation": "federation",
}
NAME_STOPWORDS: frozenset[str] = frozenset(
    {
        "la",
        "le",
        "les",
        "de",
        "du",
        "des",
        "d",
        "l",
        "un",
        "une",
        "et",
        "the",
        "of",
        "a",
        "au",
        "aux",
        "en",
    }
)


@lru_cache(maxsize=200_000)
def name_tokens(name: str) -> tuple[str, ...]:
    """Return the expanded tokens of a company name, stopwords removed, legal words kept."""
    text = fold(name).replace("&", " et ").replace("'", " ").replace("\u2019", " ")
    text = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    text = _NUMBERED.sub(r"\1\2", text)
    tokens: list[str] = []
    for raw in _NON_ALNUM.sub(" ", text).split():
        for tok in COMPANY_ABBREVIATIONS.get(raw, raw).split():
            if tok not in NAME_STOPWORDS:
                tokens.append(tok)
    return tuple(tokens)


def _core(tokens: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    after_coop = False
    for tok in tokens:
        if tok in LEGAL_WORDS:
            after_coop = tok == "cooperative"
            continue
        if after_coop and tok in _COOP_QUALIFIERS:
            continue
        after_coop = False
        out.append(tok)
    # A name made only of legal words ("Coopérative de travail") keeps them.
    return tuple(out) if out else tokens


def light_company_name(name: object) -> str:
    """Normalize a name but keep legal words: used for truncated-prefix matching."""
    if is_missing(name):
        return ""
    return " ".join(name_tokens(str(name)))


def normalize_company_name(name: object) -> str:
    """Normalize a supplier name to its distinctive words.

    Folds accents/case, expands abbreviations (st->saint, coop->cooperative),
    joins numbered-company numbers (9123-4567 -> 91234567), maps '&'/'and' to 'et',
    drops articles and legal forms (inc, ltée, coopérative de solidarité, OBNL...).
    Word order is kept; use `company_key` for an order-free key.
    """
    if is_missing(name):
        return ""
    return " ".join(_core(name_tokens(str(name))))


def company_key(name: object) -> str:
    """Return the order-free key of a name (sorted distinctive tokens)."""
    return " ".join(sorted(normalize_company_name(name).split()))


def legal_families(name: object) -> frozenset[str]:
    """Return the legal-form families a name states (coop, association, fondation...)."""
    if is_missing(name):
        return frozenset()
    return frozenset(LEGAL_FAMILIES[t] for t in name_tokens(str(name)) if t in LEGAL_FAMILIES)


def number_tokens(normalized: str) -> frozenset[str]:
    """Return the numeric tokens of a normalized name (numbered companies, branch numbers)."""
    return frozenset(t for t in normalized.split() if any(c.isdigit() for c in t))


# --- identifiers --------------------------------------------------------------


def normalize_identifier(value: object) -> str:
    """Normalize an enterprise identifier: uppercase alphanumerics only ('1142934315.0' too)."""
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def identifier_kind(normalized: str) -> str:
    """Classify a normalized identifier: neq, siret, siren_or_bn, company_number, charity, other."""
    if not normalized:
        return "none"
    if normalized.isdigit():
        if len(normalized) == 10:
            return "neq"
        if len(normalized) == 14:
            return "siret"
        if len(normalized) == 9:
            return "siren_or_bn"
        if len(normalized) in (6, 7):
            return "charity"
    if len(normalized) == 8:
        return "company_number"
    if len(normalized) == 15 and normalized[:9].isdigit():  # CRA BN with program account
        return "siren_or_bn"
    return "other"


# --- registry search ----------------------------------------------------------

# The supplier facts the registry search reads, identifiers first.
SEARCH_IDENTIFIERS = ("neq", "other_id", "siret", "company_number", "charity_number")
SEARCH_FACTS = ("name", *SEARCH_IDENTIFIERS, "activity_code", "activity", "sector")


def search_columns(facts: Mapping[str, object]) -> dict[str, str]:
    """Return the folded search copies of a supplier's facts: search_name and search_text.

    `search_name` is the folded name (the sort key), followed by the expansions of its
    abbreviations ("Coop du Cap" also reads "cooperative"); `search_text` adds
    the identifiers (alphanumerics only), the activity code, the activity text and the
    sector. Both are lowercase ASCII words separated by single spaces.
    """
    name = normalize_text(facts.get("name"))
    words = set(name.split())
    expansions = [w for w in dict.fromkeys(light_company_name(facts.get("name")).split())
                  if w not in words]
    search_name = " ".join([name, *expansions]) if expansions else name
    parts = [search_name]
    parts += [normalize_identifier(facts.get(key)).lower() for key in SEARCH_IDENTIFIERS]
    # One folding for the three texts: unidecode is the cost of a 100,000-supplier import.
    parts.append(normalize_text(" ".join(str(facts.get(key)) for key in (
        "activity_code", "activity", "sector") if not is_missing(facts.get(key)))))
    return {"search_name": search_name, "search_text": " ".join(p for p in parts if p)}


def search_terms(query: object) -> list[str]:
    """Split a search query into the folded words every match must contain."""
    return list(dict.fromkeys(normalize_text(query).split()))
