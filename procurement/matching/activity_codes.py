"""Activity codes (NAICS/SCIAN, NACE: NAF rév.2, UK SIC 2007) -> categories or 'not a supplier'.

A registry may give an activity code instead of (or beside) activity text: SCIAN/NAICS in
Quebec and the rest of North America, NAF rév.2 in France (``81.30Z``), SIC 2007 in the UK
(``81300``). NAF rév.2 and UK SIC 2007 both refine NACE Rev.2, so one NACE prefix table
(the taxonomy's ``nace`` lists) serves both; NAICS/SCIAN uses the taxonomy's ``naics`` lists.
The longest matching prefix wins. Some codes say the organisation sells nothing a
municipality buys (membership organisations, religious bodies, unions, banks, housing):
those give a non-supplier reason instead of a category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import is_missing
from .taxonomy import Taxonomy

NACE = "nace"
NAICS = "naics"

# NACE Rev.2 classes (prefixes, digits without the dot; NAF letter kept when it matters).
NACE_NON_SUPPLIERS: dict[str, str] = {
    "6411": "financial", "6419": "financial", "6492": "financial", "643": "financial",
    "6820A": "housing",  # NAF: location de logements
    "9411": "business", "9412": "business", "9420": "union", "9491": "religious",
    "9492": "advocacy",
    "8411": "public_body", "8412": "public_body", "8413": "public_body",
}
# NAICS 2022 / SCIAN Canada 2022 prefixes.
NAICS_NON_SUPPLIERS: dict[str, str] = {
    "5221": "financial", "5222": "financial", "5231": "financial",
    "53111": "housing", "531110": "housing", "531111": "housing", "531112": "housing",
    "8131": "religious", "8132": "foundation", "8133": "advocacy", "8134": "club",
    "81391": "business", "81392": "business", "81393": "union", "81394": "advocacy",
    "9111": "public_body", "9131": "public_body", "9139": "public_body", "921": "public_body",
}

_NACE_RE = re.compile(r"^(\d{2})[.\s]?(\d{1,2})?(?:[.\s]?(\d{0,2}))?\s*([A-Z])?$")
_NAF_WRITTEN = re.compile(r"\b(\d{2})\.(\d{2})([A-Z])\b")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class CodeMatch:
    """What an activity code says: a category (or a non-supplier reason) and how precisely."""

    scheme: str  # "nace" or "naics"
    code: str  # the normalized code, e.g. "8130Z" or "561730"
    prefix: str  # the table prefix that matched
    category_code: str | None
    non_supplier: str | None

    @property
    def strength(self) -> str:
        """Return 'code' for a class-level match (4+ digits), 'code_broad' for a division."""
        digits = sum(ch.isdigit() for ch in self.prefix)
        return "code" if digits >= 4 else "code_broad"


def scheme_for(country: object, raw_code: str) -> str | None:
    """Guess the scheme of a code from the country and the way it is written."""
    country_key = "" if is_missing(country) else str(country).strip().upper()
    text = raw_code.strip().upper()
    if _NAF_WRITTEN.search(text) or re.fullmatch(r"\d{4}[A-Z]", text.replace(".", "")):
        return NACE
    if country_key in {"FR", "FRA", "FRANCE", "GB", "UK", "GBR", "UNITED KINGDOM", "BE", "LU"}:
        return NACE
    if country_key in {"CA", "CAN", "CANADA", "QC", "QUEBEC", "QUÉBEC", "US", "USA", "MX"}:
        return NAICS
    digits = "".join(_DIGITS.findall(text))
    if "." in text and len(digits) in (4, 5):
        return NACE
    if len(digits) == 6:
        return NAICS
    return None


def normalize_code(raw: object, scheme: str) -> str:
    """Return the code as table keys are written: NACE '8130Z' / '81300', NAICS '561730'."""
    if is_missing(raw):
        return ""
    text = str(raw).strip().upper()
    if scheme == NACE:
        m = _NAF_WRITTEN.search(text)
        if m:
            return f"{m.group(1)}{m.group(2)}{m.group(3)}"
        head = text.split()[0] if text.split() else ""
        letter = head[-1] if head and head[-1].isalpha() else ""
        digits = "".join(_DIGITS.findall(head))
        return digits[:5] + letter
    numbers = _DIGITS.findall(text)
    return numbers[0] if numbers else ""


def _longest(code: str, table: dict[str, str]) -> str | None:
    for size in range(len(code), 1, -1):
        if code[:size] in table:
            return code[:size]
    return None


def _category_tables(taxonomy: Taxonomy) -> dict[str, dict[str, str]]:
    nace: dict[str, str] = {}
    naics: dict[str, str] = {}
    for cat in taxonomy.categories.values():
        for prefix in cat.nace:
            nace.setdefault(prefix.upper(), cat.code)
        for prefix in cat.naics:
            naics.setdefault(prefix, cat.code)
    return {NACE: nace, NAICS: naics}


_TABLES: dict[int, dict[str, dict[str, str]]] = {}


def match_activity_code(taxonomy: Taxonomy, raw_code: object, country: object = None
                        ) -> CodeMatch | None:
    """Map an activity code to a category or a non-supplier reason (longest prefix wins)."""
    if is_missing(raw_code) or not str(raw_code).strip():
        return None
    scheme = scheme_for(country, str(raw_code))
    if scheme is None:
        return None
    code = normalize_code(raw_code, scheme)
    if not code:
        return None
    tables = _TABLES.setdefault(id(taxonomy), _category_tables(taxonomy))
    categories = tables[scheme]
    refusals = NACE_NON_SUPPLIERS if scheme == NACE else NAICS_NON_SUPPLIERS
    cat_prefix = _longest(code, categories)
    not_prefix = _longest(code, refusals)
    # The more specific table entry decides (6820A housing beats a broader 68 entry).
    if not_prefix and (cat_prefix is None or len(not_prefix) >= len(cat_prefix)):
        return CodeMatch(scheme, code, not_prefix, None, refusals[not_prefix])
    if cat_prefix:
        return CodeMatch(scheme, code, cat_prefix, categories[cat_prefix], None)
    return None
