"""Template filters: money, shares and numbers in the reader's language."""

from __future__ import annotations

from decimal import Decimal
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import NumberPattern, format_currency, parse_pattern
from flask import Flask, request
from markupsafe import Markup

from app.web.labels import is_english, label
from procurement.matching.normalize import fold
from procurement.services.pages import confidence_band


def number_locale() -> str:
    """Return the Canadian variant of the page's language (CAD is "$" there, not "$CA")."""
    return "en_CA" if is_english() else "fr_CA"


@cache
def _babel_locale(code: str) -> Locale:
    """Return Babel's locale, parsed once (a page formats hundreds of numbers)."""
    return Locale.parse(code)


@cache
def _number_pattern(digits: int) -> NumberPattern:
    """Return the number pattern with `digits` decimals, parsed once."""
    return parse_pattern("#,##0." + "0" * digits if digits else "#,##0")


def money(amount: Any, currency: str = "CAD") -> str:
    """Format an amount of money (Decimal, float or decimal string)."""
    if amount is None or amount == "":
        return ""
    return _money_text(str(amount), currency or "CAD", number_locale())


@lru_cache(maxsize=65_536)
def _money_text(amount: str, currency: str, locale: str) -> str:
    """Format an amount once per language: readers of the same proposal see the same sums."""
    return str(format_currency(Decimal(amount), currency, locale=_babel_locale(locale)))


def cents(amount_cents: Any, currency: str = "CAD") -> str:
    """Format integer cents as money."""
    if amount_cents is None:
        return ""
    return money(Decimal(int(amount_cents)) / 100, currency)


def share(fraction: Any, digits: int = 1) -> str:
    """Format a fraction 0..1 as a percentage."""
    if fraction is None:
        return "—"
    text = number(float(fraction) * 100, digits)
    return f"{text}%" if is_english() else f"{text}\u00a0%"


def number(value: Any, digits: int = 0) -> str:
    """Format a number with the reader's separators."""
    if value is None:
        return ""
    return _number_text(str(value), digits, number_locale())


@lru_cache(maxsize=65_536)
def _number_text(value: str, digits: int, locale: str) -> str:
    """Format a number once per language (babel.numbers.format_decimal, parsed once)."""
    return str(_number_pattern(digits).apply(Decimal(value), _babel_locale(locale)))


def when(moment: Any) -> str:
    """Format a date and time (UTC as stored) in the reader's language."""
    if not moment:
        return ""
    return str(format_datetime(moment, "short" if is_english() else "yyyy-MM-dd HH:mm",
                               locale=number_locale()))


def day(moment: Any) -> str:
    """Format a date in the reader's language."""
    if not moment:
        return ""
    return str(format_date(moment, "medium", locale=number_locale()))


def audit_details(values: Any) -> Markup:
    """Show an audit event's before/after facts as a list of labelled values."""
    if not isinstance(values, dict):
        return Markup("<p>{}</p>").format(values)
    items = []
    for key, value in sorted(values.items()):
        if isinstance(value, bool):
            shown = label("yes_no", str(value).lower())
        elif key in ("status", "solver_status") and isinstance(value, str):
            shown = label("status", value)
        elif key == "role" and isinstance(value, str):
            shown = label("role", value)
        elif key == "decision" and isinstance(value, str):
            shown = label("status", value)
        elif isinstance(value, float):
            shown = number(value, 2)
        elif isinstance(value, int):
            shown = number(value)
        elif value is None:
            shown = "—"
        elif isinstance(value, dict | list):
            shown = ", ".join(str(v) for v in (value.values() if isinstance(value, dict)
                                               else value))
        else:
            shown = str(value)
        items.append(Markup("<dt>{}</dt><dd>{}</dd>").format(label("audit_field", key), shown))
    return Markup('<dl class="facts">') + Markup("").join(items) + Markup("</dl>")


def bilingual(text: Any) -> str:
    """Pick one side of a reason written "français / English" (both when unsure)."""
    value = "" if text is None else str(text)
    parts = value.split(" / ")
    if len(parts) == 2:
        return parts[1] if is_english() else parts[0]
    return value


def by_label(items: Any, attribute: str) -> list[Any]:
    """Sort items by a label, ignoring case and accents ("Économie" among the E's).

    `attribute` names the label: an attribute or a key, or a dotted path whose numbers are
    indexes ("1.0" is the first element of the second one, for (code, names) pairs).
    """
    def label_of(item: Any) -> str:
        value = item
        for part in attribute.split("."):
            if part.isdigit():
                value = value[int(part)]
            elif isinstance(value, dict):
                value = value.get(part)
            else:
                value = getattr(value, part, None)
        text = str(value or "")
        return fold(text) + "\x00" + text

    return sorted(items, key=label_of)


def colon() -> str:
    """Return the colon of the page's language (French puts a no-break space before it)."""
    return ":" if is_english() else "\u00a0:"


def quoted(text: Any) -> str:
    """Quote a name the way the page's language does."""
    return f"“{text}”" if is_english() else f"«\u00a0{text}\u00a0»"


def language_url(code: str) -> str:
    """Return the current page's address in another language, keeping its query."""
    args = request.args.to_dict()
    args["lang"] = code
    return f"{request.path}?{urlencode(args)}"


def init_app(app: Flask) -> None:
    """Register the filters and the `label` helper."""
    app.jinja_env.filters.update(money=money, cents=cents, share=share, number=number,
                                 bilingual=bilingual, by_label=by_label, datetime=when,
                                 date=day)
    from app.messages import page_issue_message

    app.jinja_env.globals.update(label=label, is_english=is_english,
                                 issue_message=page_issue_message,
                                 audit_details=audit_details, colon=colon, quoted=quoted,
                                 confidence_band=confidence_band,
                                 language_url=language_url)
