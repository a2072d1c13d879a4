"""Parse amounts into integer cents and dates into datetime.date, a whole column at a time.

Amounts: `1 234,56 $`, `1 234,56` (narrow no-break space), `1,234.56`, `(1 234,56)`,
`-1234.5`, `1234.5-`, `£500`, `1.234,56 €`, `1234`, Excel numbers. A column decides its
decimal separator from its unambiguous values, so `1,234` reads as 1234 in an English
column and 1.234 in a French one. More than two decimals round half-even (flagged).
Dates: ISO, d/m/y and m/d/y (order decided per column), yyyymmdd, Excel serials,
date/datetime cells, French and English month names, month-only values (first day).
Each distinct value is parsed once, then broadcast to the rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd
from unidecode import unidecode

CENT = Decimal("0.01")
MAX_INT_DIGITS = 13  # ten billion dollars in cents still fits comfortably in int64
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_SERIAL_RANGE = (1.0, 2_958_465.0)  # 1900-01-01 .. 9999-12-31

SPACES = "\u00a0\u202f\u2009\u2007\u2002\u2003"
_GAP = r"[\s" + SPACES + r"]?"
# "$ CA" and "CA $" (French), "US$", ISO codes; bare "$" is handled apart (any dollar).
_MARKS = (
    r"\$" + _GAP + r"CA|\$" + _GAP + r"US|CA" + _GAP + r"\$|US" + _GAP + r"\$"
    + r"|C\$|CAD|USD|EUR|GBP"
)
_STRIP_RE = re.compile(_MARKS + r"|[\s" + SPACES + r"'’$€£]")
_CURRENCY_RE = re.compile(r"(" + _MARKS + r"|\$|€|£)")
_CURRENCY_BY_MARK = {
    "€": "EUR",
    "EUR": "EUR",
    "£": "GBP",
    "GBP": "GBP",
    "USD": "USD",
    "US$": "USD",
    "$US": "USD",
    "CAD": "CAD",
    "CA$": "CAD",
    "$CA": "CAD",
    "C$": "CAD",
}
_LABEL_CURRENCY = re.compile(
    r"(?<![A-Za-z])(" + _MARKS + r"|€|£)(?![A-Za-z])|\((\$)\)", re.IGNORECASE
)


def currency_of_mark(mark: str) -> str:
    """Return the ISO code of a currency mark (`£` -> GBP, `$ CA` -> CAD); `$` stays `$`."""
    compact = re.sub(r"[\s" + SPACES + r"]", "", mark).upper()
    return _CURRENCY_BY_MARK.get(compact, compact)


def label_currency(label: object) -> str | None:
    """Return the currency a column title names (`Amount GBP`, `Montant ($ CA)`, `Net £`)."""
    if not isinstance(label, str):
        return None
    for match in _LABEL_CURRENCY.finditer(label):
        if match.group(1):
            code = currency_of_mark(match.group(1))
            if code != "$":
                return code
    return None


@dataclass(frozen=True)
class Distinct:
    """A column factorized once: `codes[i]` indexes `uniques`, -1 where missing."""

    codes: np.ndarray
    uniques: np.ndarray

    @classmethod
    def of(cls, column: pd.Series | Distinct) -> Distinct:
        """Factorize a column, or return it as is when it already is."""
        if isinstance(column, Distinct):
            return column
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        return cls(np.asarray(codes), np.asarray(uniques, dtype=object))

    def __len__(self) -> int:
        return len(self.codes)


Column = pd.Series | Distinct


def is_blank(value: object) -> bool:
    """Tell whether a cell holds nothing."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and value != value


def blank_mask(column: Column) -> np.ndarray:
    """Return a boolean array: True where the cell is empty."""
    factorized = Distinct.of(column)
    codes, uniques = factorized.codes, factorized.uniques
    if not len(uniques):
        return np.ones(len(codes), dtype=bool)
    values = pd.Series(uniques, dtype=object)
    flags = values.isna().to_numpy(dtype=bool, copy=True)
    # Text holding only whitespace is blank too (one list pass: pandas' .str runs a
    # Python call per distinct value, and a description column has hundreds of thousands).
    flags |= np.fromiter((isinstance(v, str) and not v.strip() for v in uniques.tolist()),
                         dtype=bool, count=len(uniques))
    return np.where(codes < 0, True, flags[codes])


def map_distinct(column: Column, parse: Callable[[Any], Any]) -> np.ndarray:
    """Apply `parse` once per distinct value and broadcast the results to every row."""
    distinct = Distinct.of(column)
    codes, uniques = distinct.codes, distinct.uniques
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = np.fromiter(map(parse, uniques), dtype=object, count=len(uniques))
    results[-1] = parse(None)
    return results[codes]  # code -1 (missing) picks the last slot


# ---------------------------------------------------------------- amounts


@dataclass
class AmountColumn:
    """Parsed amounts: cents where valid; masks for blank, invalid, rounded; currency marks."""

    cents: np.ndarray
    blank: np.ndarray
    invalid: np.ndarray
    rounded: np.ndarray
    currency_mark: np.ndarray  # object: ISO code or "$" or None


def parse_amount(value: object) -> int | None:
    """Parse one amount into cents; return None when blank or not an amount."""
    parsed = parse_amounts(pd.Series([value], dtype=object))
    return None if parsed.invalid[0] or parsed.blank[0] else int(parsed.cents[0])


_NUMBER_TYPES = frozenset({float, int, np.float64, np.int64})


def parse_amounts(column: Column) -> AmountColumn:
    """Parse a column of amount cells (numbers or text) into integer cents."""
    distinct = Distinct.of(column)
    codes, uniques = distinct.codes, distinct.uniques
    values = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    objects = values.tolist()
    n = len(objects)
    is_number = np.fromiter((type(v) in _NUMBER_TYPES for v in objects), dtype=bool, count=n)
    is_text = np.fromiter((isinstance(v, str) for v in objects), dtype=bool, count=n)
    cents = np.zeros(n, dtype=np.int64)
    blank = np.zeros(n, dtype=bool)
    invalid = ~(is_number | is_text)
    rounded = np.zeros(n, dtype=bool)
    marks = np.full(n, None, dtype=object)
    if is_number.any():
        _numbers_to_cents(values[is_number], cents, invalid, rounded, blank, is_number)
    if is_text.any():
        _texts_to_cents(values[is_text], cents, invalid, rounded, blank, marks, is_text)
    invalid &= ~blank

    def spread(array: np.ndarray, missing: object) -> np.ndarray:
        extended = np.concatenate([array, np.array([missing], dtype=array.dtype)])
        return extended[codes]

    return AmountColumn(
        cents=spread(cents, 0),
        blank=spread(blank, True),
        invalid=spread(invalid, False),
        rounded=spread(rounded, False),
        currency_mark=spread(marks, None),
    )


def _numbers_to_cents(
    numbers: pd.Series,
    cents: np.ndarray,
    invalid: np.ndarray,
    rounded: np.ndarray,
    blank: np.ndarray,
    where: np.ndarray,
) -> None:
    """Convert spreadsheet numbers to cents; only values with real sub-cent parts go via Decimal."""
    floats = numbers.astype(np.float64).to_numpy()
    nan = np.isnan(floats)
    finite = np.isfinite(floats) & (np.abs(floats) < 10.0**MAX_INT_DIGITS)
    scaled = floats * 100.0
    whole = np.round(np.where(finite, scaled, 0.0))
    # Binary noise (0.1 + 0.2) is not a third decimal; a real one is bigger than this.
    tolerance = np.maximum(1e-6, np.abs(scaled) * 1e-12)
    exact = finite & (np.abs(scaled - whole) <= tolerance)
    result = whole.astype(np.int64)
    inexact = np.flatnonzero(finite & ~exact)
    for index in inexact:
        quantized = Decimal(repr(float(floats[index]))).quantize(CENT, rounding=ROUND_HALF_EVEN)
        result[index] = int(quantized * 100)
    positions = np.flatnonzero(where)
    cents[positions] = result
    invalid[positions] = ~finite & ~nan
    blank[positions] = nan
    rounded[positions[inexact]] = True


_PLAIN = r"^[0-9]+$"
_ONE_SEP = r"^[0-9]+[.,][0-9]+$"
_EN = r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$"
_EU = r"^[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?$"
_AMBIGUOUS_THOUSANDS = r"^[0-9]{1,3}[.,][0-9]{3}$"


def _texts_to_cents(
    texts: pd.Series,
    cents: np.ndarray,
    invalid: np.ndarray,
    rounded: np.ndarray,
    blank: np.ndarray,
    marks: np.ndarray,
    where: np.ndarray,
) -> None:
    """Convert amount texts to cents with vectorized string operations."""
    raw = texts.astype(str).str.strip().str.replace("\u2212", "-", regex=False)
    is_blank = (raw == "") | raw.isin(["-", "—", "–"])
    found_marks = raw.str.extract(_CURRENCY_RE, expand=False)
    cleaned = raw.str.replace(_STRIP_RE, "", regex=True)
    paren = cleaned.str.match(r"^\(.*\)$")
    leading = cleaned.str.startswith("-")
    trailing = cleaned.str.endswith("-") & ~leading
    core = cleaned.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    core = core.str.replace(r"^[-+]|-$", "", regex=True).str.replace(r"^([.,])", r"0\1", regex=True)
    negative = (paren | leading | trailing).to_numpy()

    plain = core.str.match(_PLAIN).to_numpy()
    one_sep = core.str.match(_ONE_SEP).to_numpy()
    english = core.str.match(_EN).to_numpy()
    european = core.str.match(_EU).to_numpy()
    ambiguous = core.str.match(_AMBIGUOUS_THOUSANDS).to_numpy()
    # Only well-formed values vote on the column's decimal mark.
    well_formed = one_sep | english | european
    comma_mark = (core.str.contains(r",\d{1,2}$") | core.str.contains(r"\.\d{3},")).to_numpy()
    dot_mark = (core.str.contains(r"\.\d{1,2}$") | core.str.contains(r",\d{3}\.")).to_numpy()
    comma_votes = int((comma_mark & well_formed).sum())
    dot_votes = int((dot_mark & well_formed).sum())
    decimal_comma = comma_votes > dot_votes
    has_comma = core.str.contains(",", regex=False).to_numpy()

    # `1,234` / `1.234` alone: a thousands mark unless the column uses it as decimal mark.
    thousands_comma = english & ~(ambiguous & decimal_comma)
    thousands_dot = european & ~(ambiguous & (not decimal_comma)) & ~thousands_comma
    normal = np.select(
        [plain, thousands_comma, thousands_dot, one_sep & has_comma, one_sep],
        [
            core,
            core.str.replace(",", "", regex=False),
            core.str.replace(".", "", regex=False).str.replace(",", ".", regex=False),
            core.str.replace(",", ".", regex=False),
            core,
        ],
        default="",
    )
    parts = pd.Series(normal, dtype=object).str.partition(".")
    int_part, frac_part = parts[0], parts[2]
    ok = (normal != "") & (int_part.str.len() <= MAX_INT_DIGITS).to_numpy()
    padded = frac_part.str.slice(0, 2).str.pad(2, side="right", fillchar="0")
    units = pd.to_numeric(int_part.where(ok, "0"), errors="coerce").fillna(0).astype(np.int64)
    hundredths = pd.to_numeric(padded.where(ok, "0"), errors="coerce").fillna(0)
    value = units.to_numpy() * 100 + hundredths.astype(np.int64).to_numpy()
    long_fraction = ok & (frac_part.str.len() > 2).to_numpy()
    for index in np.flatnonzero(long_fraction):
        try:
            quantized = Decimal(str(normal[index])).quantize(CENT, rounding=ROUND_HALF_EVEN)
        except InvalidOperation:
            ok[index] = False
            continue
        value[index] = int(quantized * 100)
    value = np.where(negative, -value, value)

    positions = np.flatnonzero(where)
    blank_here = is_blank.to_numpy()
    cents[positions] = np.where(ok, value, 0)
    invalid[positions] = ~ok & ~blank_here
    blank[positions] = blank_here
    rounded[positions] = long_fraction & ok
    marks[positions] = [
        currency_of_mark(mark) if isinstance(mark, str) else None
        for mark in found_marks.to_numpy(dtype=object)
    ]


def format_cents(cents: int) -> str:
    """Return cents as a decimal string with two places (`-1234.50`)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{part:02d}"


# ---------------------------------------------------------------- dates

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "janvier janv jan january",
        "fevrier fevr fev feb february",
        "mars mar march",
        "avril avr apr april",
        "mai may",
        "juin jun june",
        "juillet juil jul july",
        "aout aou aug august",
        "septembre sept sep september",
        "octobre oct october",
        "novembre nov november",
        "decembre dec december",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

# ASCII digits only: "٢٠٢٤" or "²" are digits to str.isdigit() but not to int().
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})(?:[ T].*)?$", re.ASCII)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$", re.ASCII)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII)
_WORDS = re.compile(r"[a-z]+|\d+", re.ASCII)


@dataclass
class DateColumn:
    """Parsed dates (datetime.date or None) with masks and the day/month order used."""

    dates: np.ndarray
    blank: np.ndarray
    invalid: np.ndarray
    month_only: np.ndarray
    order: str | None  # "dmy", "mdy", or None when no slashed dates
    ambiguous: bool  # slashed dates never told the order and the caller did not say


def detect_date_order(values: Iterable[object]) -> tuple[str | None, bool]:
    """Decide d/m/y or m/d/y from all the slashed values of a column; say if undecidable."""
    day_first = month_first = seen = False
    for value in values:
        if not isinstance(value, str):
            continue
        match = _NUMERIC_DATE.match(value.strip())
        if not match or len(match.group(1)) == 4:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first == second:
            continue
        seen = True
        day_first |= first > 12
        month_first |= second > 12
    if day_first and not month_first:
        return "dmy", False
    if month_first and not day_first:
        return "mdy", False
    if day_first and month_first:
        return "dmy", False  # mixed: rows that disagree become invalid dates
    return (None, True) if seen else (None, False)


def parse_date(value: object, order: str = "dmy") -> tuple[dt.date | None, bool]:
    """Parse one date cell; return (date or None, month_only)."""
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    if isinstance(value, bool) or value is None:
        return None, False
    if isinstance(value, int | float | np.floating | np.integer):
        return _from_serial(float(value)), False
    if not isinstance(value, str):
        return None, False
    text = value.strip()
    if not text:
        return None, False
    if match := _ISO_DATE.match(text):
        return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3))), False
    if match := _NUMERIC_DATE.match(text):
        a, b, c = match.groups()
        if len(a) == 4:
            return _safe_date(int(a), int(b), int(c)), False
        day, month = (a, b) if order == "dmy" else (b, a)
        return _safe_date(_full_year(c), int(month), int(day)), False
    if match := _COMPACT_DATE.match(text):
        return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3))), False
    if text.isascii() and text.isdigit() and len(text) <= 5:
        return _from_serial(float(text)), False
    return _parse_words(text)


def _parse_words(text: str) -> tuple[dt.date | None, bool]:
    """Parse `12 janvier 2024`, `1er mars 2024`, `January 12, 2024`, `12-Jan-24`, `janv. 2024`."""
    tokens = _WORDS.findall(unidecode(text).lower())
    tokens = [t for t in tokens if t not in {"er", "st", "nd", "rd", "th", "le", "de", "the", "of"}]
    months = [MONTHS[t] for t in tokens if t in MONTHS]
    numbers = [t for t in tokens if t.isdigit()]
    if len(months) != 1 or len(tokens) != len(numbers) + 1:
        return None, False
    if len(numbers) == 1 and len(numbers[0]) == 4:
        return _safe_date(int(numbers[0]), months[0], 1), True
    if len(numbers) != 2:
        return None, False
    first, second = numbers
    if len(first) == 4:
        year, day = first, second
    else:
        day, year = first, second
    return _safe_date(_full_year(year), months[0], int(day)), False


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        return 2000 + year if year < 70 else 1900 + year
    return year


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _from_serial(serial: float) -> dt.date | None:
    low, high = EXCEL_SERIAL_RANGE
    if not (low <= serial <= high):
        return None
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_dates(column: Column, date_order: str | None = None) -> DateColumn:
    """Parse a column of date cells, deciding the day/month order from all its values."""
    distinct = Distinct.of(column)
    codes, uniques = distinct.codes, distinct.uniques
    detected, ambiguous = detect_date_order(uniques)
    order = date_order or detected or "dmy"
    if date_order:
        ambiguous = False
    n = len(uniques)
    dates = np.empty(n + 1, dtype=object)
    blank = np.zeros(n + 1, dtype=bool)
    invalid = np.zeros(n + 1, dtype=bool)
    month_only = np.zeros(n + 1, dtype=bool)
    for index, value in enumerate(uniques):
        if is_blank(value):
            blank[index] = True
            continue
        parsed, only_month = parse_date(value, order)
        dates[index] = parsed
        invalid[index] = parsed is None
        month_only[index] = only_month
    blank[-1] = True
    return DateColumn(
        dates=dates[codes],
        blank=blank[codes],
        invalid=invalid[codes],
        month_only=month_only[codes],
        order=order if (detected or date_order) else None,
        ambiguous=ambiguous,
    )


# ---------------------------------------------------------------- text


def to_text(value: object) -> str | None:
    """Return a cell as clean text: whitespace collapsed, integral floats without `.0`."""
    if value is None:
        return None
    if isinstance(value, str):
        text = " ".join(value.split())
        return text or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | np.floating):
        if value != value:
            return None
        if float(value).is_integer() and abs(float(value)) < 1e16:
            return str(int(value))
        return repr(float(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split()) or None


def text_column(column: Column) -> np.ndarray:
    """Convert a column of cells to clean text (None when blank), once per distinct value."""
    distinct = Distinct.of(column)
    # `to_text` inlined for plain text, the common cell: a description or account code
    # column holds hundreds of thousands of distinct values.
    cleaned = [
        (" ".join(value.split()) or None) if type(value) is str else to_text(value)
        for value in distinct.uniques.tolist()
    ]
    cleaned.append(None)  # what code -1 (missing) picks, as `to_text(None)`
    return np.fromiter(cleaned, dtype=object, count=len(cleaned))[distinct.codes]
