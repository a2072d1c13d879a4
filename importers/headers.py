"""Find the header row of a sheet and map its columns to fields, in French and English.

Labels are compared accent-, case- and punctuation-insensitively against alias lists;
the content of the columns breaks ties and fills gaps (a column of amounts, of dates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd
from unidecode import unidecode

from importers.values import is_blank, parse_amounts, parse_dates, to_text

SPEND_FIELDS: tuple[str, ...] = (
    "date",
    "supplier_name",
    "supplier_id",
    "description",
    "expense_category",
    "account_code",
    "department",
    "amount",
    "currency",
    "contract_ref",
)
SPEND_REQUIRED: tuple[str, ...] = ("supplier_name", "amount")

SUPPLIER_FIELDS: tuple[str, ...] = (
    "name",
    "neq",
    "other_id",
    "siret",
    "siren",
    "company_number",
    "charity_number",
    "country",
    "activity_code",
    "legal_form",
    "org_type",
    "sector",
    "activity",
    "address",
    "municipality",
    "postal_code",
    "territory",
    "website",
    "lat",
    "lon",
    "categories",
)
SUPPLIER_REQUIRED: tuple[str, ...] = ("name",)

SPEND_ALIASES: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "date de paiement",
        "date paiement",
        "payment date",
        "date de facture",
        "date facture",
        "invoice date",
        "transaction date",
        "date de transaction",
        "date comptable",
        "posting date",
        "paid date",
        "date du cheque",
        "date cheque",
        "date d'emission",
        "date de la depense",
        "date de l'achat",
        "purchase date",
        "effective date",
        "date du paiement",
        "date de la transaction",
    ),
    "supplier_name": (
        "fournisseur",
        "nom du fournisseur",
        "nom fournisseur",
        "supplier",
        "supplier name",
        "beneficiary",
        "beneficiary name",
        "payee",
        "payee name",
        "vendor",
        "vendor name",
        "beneficiaire",
        "nom du beneficiaire",
        "raison sociale",
        "prestataire",
        "titulaire",
        "creditor",
        "creditor name",
        "merchant",
        "merchant name",
        "adjudicataire",
        "nom de l'entreprise",
        "entreprise",
        "contractant",
        "cocontractant",
        "attributaire",
    ),
    "supplier_id": (
        "numero de fournisseur",
        "numero fournisseur",
        "no fournisseur",
        "n fournisseur",
        "no de fournisseur",
        "code fournisseur",
        "id fournisseur",
        "identifiant fournisseur",
        "supplier number",
        "supplier no",
        "supplier id",
        "supplier code",
        "supplier ref",
        "vendor number",
        "vendor no",
        "vendor id",
        "vendor code",
        "neq",
        "siret",
        "siren",
        "company number",
        "companies house number",
        "charity number",
        "payee id",
    ),
    "description": (
        "description",
        "libelle",
        "objet",
        "designation",
        "detail",
        "details",
        "purpose",
        "narrative",
        "item description",
        "objet de la depense",
        "description de la depense",
        "motif",
        "objet du contrat",
        "description du contrat",
        "transaction description",
        "line description",
        "nature de l'achat",
        "commentaire",
    ),
    "expense_category": (
        "categorie",
        "categorie de depense",
        "categorie de depenses",
        "expenditure category",
        "nature de la depense",
        "category",
        "expense category",
        "expense type",
        "type de depense",
        "spend category",
        "purchase category",
        "procurement category",
        "account description",
        "expense description",
        "subjective description",
        "expenditure type",
        "nature",
        "famille d'achat",
        "famille",
        "proclass",
    ),
    "account_code": (
        "poste budgetaire",
        "compte",
        "account code",
        "expenditure code",
        "numero de compte",
        "code budgetaire",
        "account",
        "gl code",
        "gl account",
        "code de compte",
        "compte budgetaire",
        "imputation",
        "imputation budgetaire",
        "account number",
        "ledger code",
        "subjective code",
        "expense code",
        "compte de grand livre",
        "code comptable",
        "no de compte",
    ),
    "department": (
        "service",
        "departement",
        "direction",
        "service label",
        "department",
        "service name",
        "unite administrative",
        "directorate",
        "division",
        "cost centre",
        "cost center",
        "centre de cout",
        "centre de couts",
        "service area",
        "responsibility centre",
        "unite",
        "service demandeur",
        "service requerant",
        "department name",
        "nom du service",
        "portfolio",
        "organisational unit",
        "organizational unit",
    ),
    "amount": (
        "montant",
        "net amount",
        "amount",
        "valeur du contrat",
        "total",
        "montant total",
        "montant ttc",
        "montant ht",
        "montant net",
        "montant paye",
        "amount paid",
        "paid amount",
        "valeur",
        "value",
        "montant de la depense",
        "contract value",
        "montant du contrat",
        "line amount",
        "total amount",
        "gross amount",
        "somme",
        "debit",
        "spend",
        "montant du paiement",
        "payment amount",
        "amount gbp",
        "amount cad",
        "amount eur",
        "montant cad",
        "montant eur",
        "valeur totale",
        "montant facture",
        "invoice amount",
        "amount excluding vat",
        "net",
    ),
    "currency": ("devise", "currency", "monnaie", "currency code", "code devise", "code de devise"),
    "contract_ref": (
        "numero de contrat",
        "numero du contrat",
        "no de contrat",
        "no contrat",
        "contract reference",
        "contract ref",
        "contract number",
        "contract no",
        "contract id",
        "reference du contrat",
        "reference contrat",
        "contrat",
        "contract",
        "id du contrat",
        "numero de l'entente",
        "entente",
    ),
}

SUPPLIER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "nomentreprise",
        "nom entreprise",
        "nom de l'entreprise",
        "nom",
        "name",
        "entreprise",
        "organisation",
        "organization",
        "organisme",
        "raison sociale",
        "denomination",
        "denomination sociale",
        "nom de la structure",
        "organisation name",
        "organization name",
        "supplier name",
        "company name",
        "nom de l'organisme",
        "fournisseur",
        "supplier",
    ),
    "neq": (
        "neq",
        "numero d'entreprise du quebec",
        "numero neq",
        "no neq",
        "quebec enterprise number",
    ),
    "other_id": (
        "registration number",
        "numero d'entreprise",
        "business number",
        "numero d'enregistrement",
        "identifiant",
    ),
    "siret": ("siret", "numero siret", "no siret", "siret de l'etablissement", "n siret"),
    "siren": ("siren", "numero siren", "no siren", "n siren"),
    "company_number": (
        "company number",
        "company no",
        "company registration number",
        "registered company number",
        "companies house number",
        "crn",
    ),
    "charity_number": (
        "charity number",
        "charity no",
        "registered charity number",
        "charity registration number",
        "charity reg no",
    ),
    "country": ("pays", "country", "code pays", "country code"),
    "activity_code": (
        "code naf",
        "naf",
        "code ape",
        "code naf ape",
        "naf ape",
        "apet700",
        "activiteprincipaleetablissement",
        "activite principale exercee",
        "sic code",
        "sic",
        "sic codes",
        "sic 2007",
        "sic code 2007",
        "code scian",
        "scian",
        "naics",
        "naics code",
        "code cae",
    ),
    "legal_form": ("formejuridique", "forme juridique", "legal form", "statut juridique", "forme"),
    "org_type": (
        "type",
        "type d'organisation",
        "organisation type",
        "type d'entreprise",
        "org type",
        "type de structure",
        "type structure",
        "structure type",
        "type siae",
        "type of organisation",
        "type of organization",
    ),
    "sector": (
        "secteuractivite",
        "secteur activite",
        "secteur d'activite",
        "secteur",
        "sector",
        "industry",
        "domaine",
    ),
    "activity": (
        "activite",
        "activity",
        "description",
        "activites",
        "mission",
        "services offerts",
        "libelle naf",
        "libelle ape",
        "libelle de l'activite",
        "nature of business",
        "sic description",
    ),
    "address": ("adresse", "address", "adresse civique", "rue", "street", "address line 1"),
    "municipality": (
        "municipalite",
        "municipality",
        "ville",
        "city",
        "town",
        "localite",
        "commune",
    ),
    "postal_code": (
        "codepostal",
        "code postal",
        "postal code",
        "postcode",
        "zip",
        "zip code",
        "cp",
    ),
    "territory": (
        "territoire",
        "territory",
        "region",
        "mrc",
        "region administrative",
        "county",
        "departement",
    ),
    "website": ("siteweb", "site web", "website", "site internet", "web", "url", "internet"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("long", "lon", "lng", "longitude", "x"),
    "categories": (
        "categoriemembre",
        "categorie membre",
        "categorie de membre",
        "categories",
        "categorie",
        "category",
        "categories de produits",
        "membership",
    ),
}

# Registries a supplier identifier column may name; several are all kept (supplier_ids).
IDENTIFIER_SCHEMES: dict[str, str] = {
    "company number": "company_number",
    "companies house number": "company_number",
    "company registration number": "company_number",
    "company reg no": "company_number",
    "charity number": "charity_number",
    "registered charity number": "charity_number",
    "charity registration number": "charity_number",
    "charity no": "charity_number",
    "neq": "neq",
    "numero d entreprise du quebec": "neq",
    "siret": "siret",
    "siren": "siren",
    "vat number": "vat_number",
    "vat registration number": "vat_number",
}


def identifier_scheme(label: object) -> str | None:
    """Return the registry a column of supplier identifiers names (company_number, ...)."""
    return IDENTIFIER_SCHEMES.get(normalize_label(label))


STOPWORDS = frozenset(
    {"de", "du", "des", "la", "le", "les", "l", "d", "of", "the", "en", "a", "au", "par", "in"}
)
# A label naming an identifier must not feed a text field through a partial match.
ID_TOKENS = frozenset({"code", "numero", "number", "no", "n", "id", "num", "nr", "ref", "nbr"})
TEXT_FIELDS = frozenset(
    {"supplier_name", "description", "expense_category", "department", "name", "activity"}
)
# Labels that look like a field but are not it (a transaction number is no contract).
FORBIDDEN_TOKENS: dict[str, frozenset[str]] = {
    "contract_ref": frozenset({"transaction", "facture", "invoice", "cheque", "paiement"}),
    "amount": frozenset({"date", "code", "numero", "number", "taux", "rate", "quantite"}),
    "date": frozenset({"code", "numero", "number"}),
}
MIN_SCORE = 0.6
WEAK_CONFIDENCE = 0.7
HEADER_SCAN_ROWS = 40


def normalize_label(label: object) -> str:
    """Fold a header to lowercase ASCII words separated by single spaces."""
    if label is None:
        return ""
    # unidecode spells "N°" as "Ndeg"; clerks mean "No".
    text = (
        unidecode(str(label).replace("°", "o").replace("º", "o"))
        .lower()
        .replace("'", " ")
        .replace("’", " ")
    )
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _stem(token: str) -> str:
    return token[:-1] if len(token) > 3 and token.endswith(("s", "x")) else token


def _tokens(normalized: str) -> tuple[str, ...]:
    return tuple(_stem(t) for t in normalized.split() if t not in STOPWORDS)


@lru_cache(maxsize=8)
def _alias_table(kind: str) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    aliases = SPEND_ALIASES if kind == "spend" else SUPPLIER_ALIASES
    return {
        name: tuple((normalize_label(a), _tokens(normalize_label(a))) for a in names)
        for name, names in aliases.items()
    }


def label_score(label: str, field_name: str, kind: str = "spend") -> float:
    """Score how well a header label names a field, from 0 (no) to 1 (exact alias)."""
    normalized = normalize_label(label)
    if not normalized:
        return 0.0
    tokens = _tokens(normalized)
    token_set = set(tokens)
    if token_set & FORBIDDEN_TOKENS.get(field_name, frozenset()):
        return 0.0
    compact = normalized.replace(" ", "")
    best = 0.0
    for alias, alias_tokens in _alias_table(kind)[field_name]:
        if normalized == alias or compact == alias.replace(" ", ""):
            return 1.0
        alias_set = set(alias_tokens)
        if not alias_set:
            continue
        if alias_set == token_set:
            best = max(best, 0.95)
        elif alias_set < token_set:
            extra = token_set - alias_set
            if field_name in TEXT_FIELDS and extra & ID_TOKENS:
                continue
            best = max(best, 0.6 + 0.3 * len(alias_set) / len(token_set))
    return round(best, 3)


def best_field_score(label: str, kind: str = "spend") -> float:
    """Return the best score of a label over all fields of the kind."""
    fields = SPEND_FIELDS if kind == "spend" else SUPPLIER_FIELDS
    return max((label_score(label, name, kind) for name in fields), default=0.0)


# ---------------------------------------------------------------- header row


@dataclass
class HeaderGuess:
    """Where the header is (0-based index of its last row in the sheet rows) and its labels."""

    last_row: int
    n_rows: int
    labels: list[str]
    score: float


def _is_text(cell: object) -> bool:
    return isinstance(cell, str) and bool(cell.strip()) and not _looks_numeric(cell)


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\s$€£()+\-.,\d\u00a0\u202f/:]+", text)) and any(
        ch.isdigit() for ch in text
    )


def _row_labels(row: Sequence[object], width: int) -> list[str]:
    return [
        " ".join(str(row[i]).split()) if i < len(row) and _is_text(row[i]) else ""
        for i in range(width)
    ]


def _merged_fill(top: list[str], bottom: list[str], spans: list[tuple[int, int]]) -> list[str]:
    """Spread a label across the columns its merged cell covers, or over blanks below labels."""
    filled = list(top)
    if spans:
        for first, last in spans:
            for col in range(first + 1, last + 1):
                if col < len(filled) and not filled[col]:
                    filled[col] = filled[first]
        return filled
    for col in range(1, len(filled)):
        if not filled[col] and filled[col - 1] and bottom[col] and bottom[col - 1]:
            filled[col] = filled[col - 1]
    return filled


def _score_labels(labels: list[str], kind: str) -> float:
    scores = [best_field_score(label, kind) for label in labels if label]
    matched = [s for s in scores if s >= MIN_SCORE]
    return sum(matched) + 0.05 * (len(scores) - len(matched))


def find_header(
    rows: Sequence[Sequence[object]],
    kind: str = "spend",
    merged: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
    *,
    fallback: bool = False,
) -> HeaderGuess | None:
    """Find the header among the first rows: best alias score, possibly split over two rows.

    With `fallback`, a file whose titles match no alias ("Qui", "Combien") still gets its
    first row of titles as header, with a low score, so the clerk can map the columns.
    """
    scan = rows[:HEADER_SCAN_ROWS]
    width = max((len(r) for r in scan), default=0)
    best: HeaderGuess | None = None
    first_titles: HeaderGuess | None = None
    for index, row in enumerate(scan):
        labels = _row_labels(row, width)
        filled = sum(1 for label in labels if label)
        numbers = sum(1 for cell in row if not is_blank(cell) and not _is_text(cell))
        if filled < 2 or numbers > filled:
            continue
        if first_titles is None and numbers == 0:
            first_titles = HeaderGuess(index, 1, labels, 0.0)
        candidates = [HeaderGuess(index, 1, labels, _score_labels(labels, kind))]
        if index > 0:
            top = _row_labels(rows[index - 1], width)
            if sum(1 for label in top if label) >= 1 and not any(
                not is_blank(c) and not _is_text(c) for c in rows[index - 1]
            ):
                spans = [
                    (c0, c1) for (r0, c0), (r1, c1) in merged if r0 <= index - 1 <= r1 and c1 > c0
                ]
                top = _merged_fill(top, labels, spans)
                combined = [
                    f"{a} {b}".strip() if a != b else a for a, b in zip(top, labels, strict=True)
                ]
                candidates.append(HeaderGuess(index, 2, combined, _score_labels(combined, kind)))
        for candidate in candidates:
            if best is None or candidate.score > best.score + 1e-9:
                best = candidate
    if best is None or best.score < MIN_SCORE:
        return first_titles if fallback else None
    return best


def unique_labels(labels: Sequence[str]) -> list[str]:
    """Name blank headers by their column letter and make repeated headers unique."""
    seen: dict[str, int] = {}
    result = []
    for index, label in enumerate(labels):
        name = label or f"({column_letter(index)})"
        count = seen.get(name, 0)
        seen[name] = count + 1
        result.append(name if count == 0 else f"{name} ({count + 1})")
    return result


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---------------------------------------------------------------- column mapping


@dataclass
class ColumnDetection:
    """A proposed {field: column} mapping with a confidence per field."""

    mapping: dict[str, str]
    confidence: dict[str, float]
    needs_confirmation: bool
    missing_required: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    weak: list[str] = field(default_factory=list)


def _content_fit(field_name: str, values: pd.Series | None) -> float | None:
    """Return the share of non-blank sample values that parse for this field, if checkable."""
    if values is None or field_name not in ("amount", "date"):
        return None
    sample = values[[not is_blank(v) for v in values]]
    if sample.empty:
        return None
    if field_name == "amount":
        parsed = parse_amounts(sample)
        return float((~parsed.invalid).mean())
    dates = parse_dates(sample)
    return float((~dates.invalid).mean())


def _looks_like_amounts(values: pd.Series) -> bool:
    """Tell a column of money from a column of identifiers (decimals or currency marks)."""
    sample = values[[not is_blank(v) for v in values]]
    if len(sample) < 1:
        return False
    parsed = parse_amounts(sample)
    if parsed.invalid.mean() > 0.1:
        return False
    has_cents = (parsed.cents % 100 != 0).mean() > 0.2
    has_marks = pd.notna(parsed.currency_mark).any()
    return bool(has_cents or has_marks)


def detect_columns(
    headers: Sequence[str],
    sample: pd.DataFrame | None = None,
    *,
    kind: str = "spend",
) -> ColumnDetection:
    """Map header labels to fields by alias, then use the sample's content for ties and gaps."""
    fields = SPEND_FIELDS if kind == "spend" else SUPPLIER_FIELDS
    required = SPEND_REQUIRED if kind == "spend" else SUPPLIER_REQUIRED

    def column_values(header: str) -> pd.Series | None:
        if sample is None or header not in sample.columns:
            return None
        return sample[header]

    candidates = [
        (label_score(header, name, kind), -fields.index(name), name, header)
        for name in fields
        for header in headers
    ]
    candidates = [c for c in candidates if c[0] >= MIN_SCORE]
    fits: dict[tuple[str, str], float | None] = {}
    for _, _, name, header in candidates:
        fits[(name, header)] = _content_fit(name, column_values(header))

    def rank(candidate: tuple[float, int, str, str]) -> tuple[float, float, int]:
        score, order, name, header = candidate
        fit = fits[(name, header)]
        return (score, fit if fit is not None else 0.5, order)

    candidates.sort(key=rank, reverse=True)
    mapping: dict[str, str] = {}
    confidence: dict[str, float] = {}
    ambiguous: dict[str, list[str]] = {}
    used: set[str] = set()
    for score, _, name, header in candidates:
        if name in mapping or header in used:
            continue
        rivals = [
            h
            for s, _, n, h in candidates
            if n == name
            and h != header
            and h not in used
            and s == score
            and fits[(n, h)] == fits[(name, header)]
        ]
        fit = fits[(name, header)]
        value = score if fit is None else score * (0.5 + 0.5 * fit)
        if rivals and name == "supplier_id" and _distinct_registries([header, *rivals]):
            rivals = []  # a company and a charity number: both are kept, none is a doubt
        if rivals:
            ambiguous[name] = [header, *rivals]
            value = min(value, 0.5)
        mapping[name] = header
        confidence[name] = round(value, 3)
        used.add(header)

    if kind == "spend" and sample is not None:
        _fill_from_content(headers, sample, mapping, confidence, used)

    missing = [name for name in required if name not in mapping]
    weak = [name for name, value in confidence.items() if value < WEAK_CONFIDENCE]
    return ColumnDetection(
        mapping=mapping,
        confidence=confidence,
        needs_confirmation=bool(missing or weak or ambiguous),
        missing_required=missing,
        ambiguous=ambiguous,
        weak=weak,
    )


def _distinct_registries(headers: Sequence[str]) -> bool:
    schemes = [identifier_scheme(header) for header in headers]
    return None not in schemes and len(set(schemes)) == len(schemes)


def _fill_from_content(
    headers: Sequence[str],
    sample: pd.DataFrame,
    mapping: dict[str, str],
    confidence: dict[str, float],
    used: set[str],
) -> None:
    """Propose an amount or a date column from content when no label named one."""
    free = [h for h in headers if h not in used and h in sample.columns]
    if "amount" not in mapping:
        money = [h for h in free if _looks_like_amounts(sample[h])]
        if money:
            mapping["amount"] = money[-1]  # amounts usually sit right of the descriptions
            confidence["amount"] = 0.5 if len(money) == 1 else 0.3
            used.add(money[-1])
            free.remove(money[-1])
    if "date" not in mapping:
        for header in free:
            fit = _content_fit("date", sample[header])
            values = sample[header]
            textual = any(isinstance(v, str) and not v.strip().isdigit() for v in values)
            typed = any(hasattr(v, "year") for v in values)
            if fit is not None and fit >= 0.95 and (textual or typed):
                mapping["date"] = header
                confidence["date"] = 0.7
                used.add(header)
                break


def apply_explicit_mapping(
    explicit: Mapping[str, str], headers: Sequence[str], fields: Sequence[str]
) -> tuple[dict[str, str], list[str]]:
    """Keep the caller's mapping; return it and the headers it names that the file lacks."""
    unknown_fields = [name for name in explicit if name not in fields]
    if unknown_fields:
        raise ValueError(f"unknown fields in mapping: {unknown_fields}; expected {list(fields)}")
    by_normalized = {normalize_label(h): h for h in headers}
    mapping: dict[str, str] = {}
    absent: list[str] = []
    for name, header in explicit.items():
        if header in headers:
            mapping[name] = header
        elif normalize_label(header) in by_normalized:
            mapping[name] = by_normalized[normalize_label(header)]
        else:
            absent.append(header)
    return mapping, absent


# What a column holds, for a person choosing the mapping (the mapping page shows it).
COLUMN_KINDS = ("date", "amount", "identifier", "text")
_FIELD_KINDS = {"date": "date", "amount": "amount", "supplier_id": "identifier",
                "account_code": "identifier", "contract_ref": "identifier"}
_CODE_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]*$")


def column_kind(header: str, values: pd.Series, mapped_to: str | None = None) -> str:
    """Tell what a column holds: date, amount, identifier or text.

    The field a column is mapped to decides; otherwise its non-blank values do: dates
    that parse, money (decimals or currency marks), codes (one token with digits, or a
    column titled as an identifier such as a NEQ), else text.
    """
    if mapped_to in _FIELD_KINDS:
        return _FIELD_KINDS[mapped_to]
    sample = values[[not is_blank(v) for v in values]]
    if sample.empty:
        return "text"
    if any(isinstance(v, dt.date) for v in sample) or (
            (_content_fit("date", sample) or 0) >= 0.8
            and all(not str(v).strip().lstrip("-").replace(".", "").isdigit() for v in sample)):
        return "date"
    if _looks_like_amounts(sample):
        return "amount"
    texts = [str(to_text(v) or "") for v in sample]
    if identifier_scheme(header) is not None or all(
            _CODE_LIKE.match(t) and any(c.isdigit() for c in t) for t in texts):
        return "identifier"
    if (_content_fit("amount", sample) or 0) >= 0.9 and label_score(header, "amount") > 0:
        return "amount"
    return "text"


def column_samples(columns: Sequence[str], frame: pd.DataFrame,
                   mapping: dict[str, str] | None = None,
                   count: int = 3) -> dict[str, dict[str, Any]]:
    """Return, per column, its first `count` different non-blank values (as text) and its
    kind."""
    field_of = {header: name for name, header in (mapping or {}).items()}
    samples: dict[str, dict[str, Any]] = {}
    for header in columns:
        if header not in frame.columns:
            continue
        values = frame[header]
        # The first different values: three times the same value tells a person little.
        shown = list(dict.fromkeys(str(to_text(v)) for v in values if not is_blank(v)))[:count]
        samples[header] = {"values": [text[:80] for text in shown],
                           "kind": column_kind(header, values, field_of.get(header))}
    return samples
