"""Impact in units a council can read: dollars, shares, hours and jobs, before and after.

Points steer the optimizer; people read units. From the spending flows before (the status
quo) and after (the proposal), this module states, overall and per category:
- social economy spending, and spending kept in the municipality, the MRC and the region
  (money and share; a supplier's place is known for registry suppliers only);
- work-integration hours, the French social-clause method:
  amount with work-integration suppliers × labour share of the category × insertion rate
  ÷ loaded hourly cost (1 M€ × 50 % × 5 % ÷ 30 €/h ≈ 833 h);
- jobs in FTE-years, Le marché de l'inclusion's conversion: spending with a
  work-integration enterprise ÷ (cost of one FTE-month × 12), the FTE-month given in euros
  and converted with the profile's currency figure;
- spending to democratically governed enterprises (co-operatives, non-profits) and to
  re-use and recycling enterprises;
- optionally a monetised social value: Σ quantity of a measure × proxy value per unit, from
  the profile's proxy table (measure, unit, value per unit, source, date).
The coefficients are dated data of the regulatory profile with their source
(`RegulatoryProfile.impact_coefficients`), editable by an administrator.
Plain data in and out; money is carried in cents (float for pro-rated market parts) and
returned as decimal strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MONTHS_PER_YEAR = 12
LOCAL_LEVELS = {
    "municipality_spending": {"same_municipality"},
    "local_spending": {"same_municipality", "same_mrc"},
    "region_spending": {"same_municipality", "same_mrc", "same_region"},
}
MONEY_MEASURES = ("total_spending", "social_economy_spending", "municipality_spending",
                  "local_spending", "region_spending", "democratic_spending",
                  "reuse_recycling_spending", "work_integration_spending")
# Measures a proxy may value (its `measure` key) and their unit when not money.
QUANTITY_UNITS = {"work_integration_hours": "h", "jobs_fte_years": "FTE-year"}

_PROJECT = ("Valeur indicative du projet, à remplacer par celle de la municipalité "
            "(administrateur).")
_SOCIAL_CLAUSE = ("Méthode des clauses sociales: heures = montant × part de main-d'œuvre × "
                  "taux d'insertion ÷ coût horaire chargé (ex. 1 M€ × 50 % × 5 % ÷ 30 €/h "
                  "≈ 833 h).")
_INCLUSION = ("Le marché de l'inclusion: environ 3 700 € d'achat à une structure d'insertion "
              "par mois d'insertion (ETP).")
_LABOUR = {"entretien_menager": "0.70", "amenagement_paysager": "0.50",
           "deneigement": "0.40", "collecte_recyclage": "0.45",
           "construction_renovation": "0.40", "traiteur_alimentation": "0.35",
           "impression_graphisme": "0.25", "communication_marketing": "0.50",
           "culture_evenements": "0.45", "loisirs_animation": "0.60", "formation": "0.60",
           "informatique": "0.20", "mobilier": "0.25", "vetements_travail": "0.20",
           "aide_domicile": "0.80", "transport_adapte": "0.55"}


def _coefficients(currency: str, rate: str, rate_source: str) -> dict[str, Any]:
    as_of = "2026-11-27"
    return {
        "currency": currency,
        "insertion_rate": {"value": "0.05", "source": _SOCIAL_CLAUSE + " " + _PROJECT,
                           "as_of": as_of},
        "hourly_cost_eur": {"value": "30.00", "source": _SOCIAL_CLAUSE + " " + _PROJECT,
                            "as_of": as_of},
        "fte_month_cost_eur": {"value": "3700.00", "source": _INCLUSION, "as_of": as_of},
        "eur_rate": {"value": rate, "source": rate_source, "as_of": as_of},
        "labour_share": {"default": "0.30", "by_category": dict(_LABOUR),
                         "source": "Part de main-d'œuvre par catégorie. " + _PROJECT,
                         "as_of": as_of},
        "proxies": [],
    }


DEFAULT_COEFFICIENTS: dict[str, dict[str, Any]] = {
    "FR": _coefficients("EUR", "1", "Euro: pas de conversion."),
    "QC": _coefficients("CAD", "1.50", "Taux supposé de 1,50 $ CA par euro pour convertir "
                        "les coûts de référence français. " + _PROJECT),
    "UK": _coefficients("GBP", "0.85", "Assumed rate of 0.85 GBP per euro to convert the "
                        "French reference costs; to be replaced by the council."),
}


@dataclass(frozen=True)
class Coefficients:
    """The numbers that turn spending into units, in the profile's currency."""

    currency: str
    insertion_rate: Decimal
    hourly_cost: Decimal
    fte_month_cost: Decimal
    labour_default: Decimal
    labour_by_category: Mapping[str, Decimal]
    proxies: tuple[Mapping[str, Any], ...] = ()

    def labour_share(self, category: str) -> Decimal:
        """Return the labour share of a category's spending."""
        return self.labour_by_category.get(category, self.labour_default)

    @classmethod
    def from_profile(cls, data: Mapping[str, Any], currency: str) -> Coefficients:
        """Read the profile's stored coefficients (see DEFAULT_COEFFICIENTS)."""
        rate = Decimal(str(data["eur_rate"]["value"]))
        labour = data["labour_share"]
        return cls(
            currency=currency,
            insertion_rate=Decimal(str(data["insertion_rate"]["value"])),
            hourly_cost=Decimal(str(data["hourly_cost_eur"]["value"])) * rate,
            fte_month_cost=Decimal(str(data["fte_month_cost_eur"]["value"])) * rate,
            labour_default=Decimal(str(labour["default"])),
            labour_by_category={k: Decimal(str(v)) for k, v in labour["by_category"].items()},
            proxies=tuple(data.get("proxies") or ()),
        )


def validate_coefficients(value: Any) -> dict[str, Any]:
    """Check an administrator's coefficients; raise ValueError saying what is expected."""
    if not isinstance(value, dict):
        raise ValueError("expected an object like the default coefficients")
    clean = dict(value)
    for key, low, high in (("insertion_rate", 0, 1), ("hourly_cost_eur", 0, 10_000),
                           ("fte_month_cost_eur", 0, 1_000_000), ("eur_rate", 0, 1_000)):
        item = value.get(key)
        if not isinstance(item, dict) or not str(item.get("source") or "").strip():
            raise ValueError(f"{key}: expected {{'value', 'source', 'as_of'}} with a source")
        number = _number(item.get("value"), key)
        if not low < number <= high:
            raise ValueError(f"{key}: {item.get('value')!r} must be above {low}, at most {high}")
        clean[key] = {**item, "value": str(number)}
    labour = value.get("labour_share")
    if not isinstance(labour, dict) or not isinstance(labour.get("by_category", {}), dict):
        raise ValueError("labour_share: expected {'default', 'by_category', 'source', 'as_of'}")
    for code, share in {"default": labour.get("default"),
                        **labour.get("by_category", {})}.items():
        if not 0 <= _number(share, f"labour_share {code}") <= 1:
            raise ValueError(f"labour_share {code}: {share!r} must be a fraction between 0 and 1")
    proxies = value.get("proxies") or []
    if not isinstance(proxies, list):
        raise ValueError("proxies: expected a list of {measure, unit, value, source, as_of}")
    for index, proxy in enumerate(proxies, start=1):
        if not isinstance(proxy, dict) or not {"measure", "unit", "value", "source",
                                               "as_of"} <= set(proxy):
            raise ValueError(f"proxies entry {index}: expected measure, unit, value, source, "
                             "as_of")
        if proxy["measure"] not in (*MONEY_MEASURES, *QUANTITY_UNITS):
            raise ValueError(f"proxies entry {index}: unknown measure {proxy['measure']!r}")
        _number(proxy["value"], f"proxies entry {index} value")
    clean.setdefault("proxies", [])
    return clean


def _number(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"{where}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{where}: {value!r} is not a number")
    return number


@dataclass(frozen=True)
class Flow:
    """Spending of one category going to one kind of supplier."""

    category: str
    amount_cents: float
    social_economy: bool = False
    locality: str = "unknown"
    work_integration: bool = False
    democratic: bool = False
    reuse: bool = False


def work_integration_hours(amount: Decimal, labour_share: Decimal, insertion_rate: Decimal,
                           hourly_cost: Decimal) -> Decimal:
    """Return hours of work integration bought by `amount` (social-clause method)."""
    if hourly_cost <= 0:
        return Decimal(0)
    return amount * labour_share * insertion_rate / hourly_cost


def fte_years(amount: Decimal, fte_month_cost: Decimal) -> Decimal:
    """Return FTE-years of insertion work bought by `amount` with a work-integration firm."""
    if fte_month_cost <= 0:
        return Decimal(0)
    return amount / (fte_month_cost * MONTHS_PER_YEAR)


def _totals(flows: Iterable[Flow], coeffs: Coefficients) -> dict[str, Decimal]:
    cents = dict.fromkeys(MONEY_MEASURES, 0.0)
    hours = Decimal(0)
    for flow in flows:
        amount = flow.amount_cents
        cents["total_spending"] += amount
        if flow.social_economy:
            cents["social_economy_spending"] += amount
        for key, levels in LOCAL_LEVELS.items():
            if flow.locality in levels:
                cents[key] += amount
        if flow.democratic:
            cents["democratic_spending"] += amount
        if flow.reuse:
            cents["reuse_recycling_spending"] += amount
        if flow.work_integration:
            cents["work_integration_spending"] += amount
            hours += work_integration_hours(
                Decimal(str(amount)) / 100, coeffs.labour_share(flow.category),
                coeffs.insertion_rate, coeffs.hourly_cost)
    result = {key: _cents_to_money(value) for key, value in cents.items()}
    result["work_integration_hours"] = hours
    result["jobs_fte_years"] = fte_years(result["work_integration_spending"],
                                         coeffs.fte_month_cost)
    return result


def _cents_to_money(cents: float) -> Decimal:
    return (Decimal(str(cents)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def social_value(totals: Mapping[str, Decimal], proxies: Iterable[Mapping[str, Any]]) -> Decimal:
    """Return Σ quantity × proxy value per unit over the proxy table (TOMs-like)."""
    value = Decimal(0)
    for proxy in proxies:
        quantity = totals.get(str(proxy["measure"]), Decimal(0))
        value += quantity * Decimal(str(proxy["value"]))
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _measures(before: Mapping[str, Decimal], after: Mapping[str, Decimal],
              coeffs: Coefficients) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    total_b, total_a = before["total_spending"], after["total_spending"]
    for key in MONEY_MEASURES:
        out[key] = {"before": f"{before[key]:.2f}", "after": f"{after[key]:.2f}",
                    "unit": coeffs.currency}
        if key != "total_spending":
            out[key]["share_before"] = float(before[key] / total_b) if total_b else 0.0
            out[key]["share_after"] = float(after[key] / total_a) if total_a else 0.0
    out["work_integration_hours"] = {
        "before": round(float(before["work_integration_hours"]), 1),
        "after": round(float(after["work_integration_hours"]), 1), "unit": "h"}
    out["jobs_fte_years"] = {
        "before": round(float(before["jobs_fte_years"]), 2),
        "after": round(float(after["jobs_fte_years"]), 2), "unit": "FTE-year"}
    if coeffs.proxies:
        out["social_value"] = {
            "before": f"{social_value(before, coeffs.proxies):.2f}",
            "after": f"{social_value(after, coeffs.proxies):.2f}", "unit": coeffs.currency}
    return out


def impact_units(before: Iterable[Flow], after: Iterable[Flow],
                 coeffs: Coefficients) -> dict[str, Any]:
    """Return the impact in units before and after, overall and `by_category`.

    Each measure is {"before", "after", "unit"} (money as decimal strings with
    "share_before"/"share_after" fractions of the spending; hours and FTE-years as numbers).
    """
    before, after = list(before), list(after)
    result = _measures(_totals(before, coeffs), _totals(after, coeffs), coeffs)
    by_category: dict[str, Any] = {}
    for category in sorted({f.category for f in before} | {f.category for f in after}):
        by_category[category] = _measures(
            _totals((f for f in before if f.category == category), coeffs),
            _totals((f for f in after if f.category == category), coeffs), coeffs)
    result["by_category"] = by_category
    return result


def method_rows(coeffs_data: Mapping[str, Any]) -> list[dict[str, str]]:
    """Return the coefficients as rows (name, value, source, date) for a method sheet."""
    rows = []
    for key in ("insertion_rate", "hourly_cost_eur", "fte_month_cost_eur", "eur_rate"):
        item = coeffs_data.get(key) or {}
        rows.append({"name": key, "value": str(item.get("value", "")),
                     "source": str(item.get("source", "")), "as_of": str(item.get("as_of", ""))})
    labour = coeffs_data.get("labour_share") or {}
    rows.append({"name": "labour_share:default", "value": str(labour.get("default", "")),
                 "source": str(labour.get("source", "")), "as_of": str(labour.get("as_of", ""))})
    for code, share in sorted((labour.get("by_category") or {}).items()):
        rows.append({"name": f"labour_share:{code}", "value": str(share),
                     "source": str(labour.get("source", "")),
                     "as_of": str(labour.get("as_of", ""))})
    for proxy in coeffs_data.get("proxies") or []:
        rows.append({"name": f"proxy:{proxy['measure']} ({proxy['unit']})",
                     "value": str(proxy["value"]), "source": str(proxy["source"]),
                     "as_of": str(proxy["as_of"])})
    return rows
