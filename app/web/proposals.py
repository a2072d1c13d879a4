"""The dashboard, proposal and compare pages: read models put into words and charts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import render_template, request
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.auth import current_actor
from app.database import get_session
from app.web import bp
from app.web.charts import Chart, rows_of
from app.web.filters import cents, money, number, share
from app.web.impact_labels import measure_rows
from app.web.kept import kept_content
from app.web.labels import is_english, label
from procurement import explanation_messages, impact_messages
from procurement.errors import InvalidInput
from procurement.services import optimize, overview, proposal_pages, targets
from procurement.services.proposal_pages import PAGE_SIZES, AllocationFilters, Setting

#: Allocations per page by default: the summaries above stay within reach.
DEFAULT_PAGE_SIZE = 25
SETTING_LABELS = {
    "budget_increase": _l("Hausse de budget permise"),
    "budget": _l("Budget de la proposition"),
    "objective": _l("Objectif"),
    "min_capability_evidence": _l("Preuve de capacité minimale pour attribuer"),
    "social_economy_share": _l("Cible de part à l'économie sociale"),
    "local_share": _l("Cible de part locale"),
    "category_targets": _l("Cibles par catégorie"),
    "max_premium": _l("Surcoût maximal accepté par lot"),
    "max_supplier_share": _l("Part maximale par fournisseur"),
    "assumed_premium": _l("Surcoût supposé d'un fournisseur d'économie sociale"),
    "mode": _l("Mode"),
    "solver": _l("Solveur"),
    "time_limit": _l("Limite de temps du solveur"),
    "regulatory_profile": _l("Profil réglementaire"),
    "period": _l("Période"),
}
DIMENSIONS = {
    "work_integration": _l("intégration au travail"),
    "locality": _l("proximité"),
    "governance": _l("gouvernance démocratique"),
    "environment": _l("environnement"),
}
SOLVERS = {"cbc": "CBC", "highs": "HiGHS"}
SUPPLIER_TYPES = {
    "work_integration": _l("Entreprise d'insertion"),
    "social_economy": _l("Autre entreprise d'économie sociale"),
    "market": _l("Marché (fournisseurs actuels)"),
}
SORT_LABELS = {
    "amount": _l("Montant"), "supplier": _l("Fournisseur"), "category": _l("Catégorie"),
    "impact": _l("Impact par dollar"), "evidence": _l("Preuve de capacité"),
    "lot_value": _l("Valeur du lot"),
}
#: Compared indicators: label of each KPI code.
KPI_LABELS = {
    "social_economy_share_before": _l("Part à l'économie sociale avant"),
    "social_economy_share_after": _l("Part à l'économie sociale après"),
    "local_share_before": _l("Part locale avant"),
    "local_share_after": _l("Part locale après"),
    "impact_before": _l("Impact social avant (points)"),
    "impact_after": _l("Impact social après (points)"),
    "cost_before_cents": _l("Coût avant"),
    "cost_after_cents": _l("Coût après"),
    "cost_difference_cents": _l("Écart de coût"),
    "cost_difference_pct": _l("Écart de coût en pourcentage"),
    "budget_cents": _l("Budget"),
    "lots": _l("Nombre de lots"),
    "suppliers_used": _l("Fournisseurs retenus"),
}
MEASURE_ORDER = {code: n for n, code in enumerate(impact_messages.MEASURES)}
LOCALITY = (("municipality_spending", _l("Dans la municipalité")),
            ("local_spending", _l("Dans la MRC")),
            ("region_spending", _l("Dans la région")))


def _lang() -> str:
    return "en" if is_english() else "fr"


def category_namer(names: dict[str, tuple[str, str]]) -> Any:
    """Return a function giving a category's name in the page's language."""
    english = is_english()

    def name(code: str | None) -> str:
        found = names.get(code or "")
        if found is None:
            return code or ""
        return found[1] if english else found[0]
    return name


@bp.app_template_filter("datetime_short")
def datetime_short(value: Any) -> str:
    """Format a moment in the reader's language and time zone, date and time, short."""
    return "" if value is None else str(format_datetime(value, "short"))


@bp.app_template_global()
def explanation_text(item: Any, currency: str, category_name: Any = None) -> str:
    """Return a binding limit or a missed target in the page's language, no model names."""
    if category_name is None:
        category_name = category_namer(proposal_pages.category_names(get_session()))
    return explanation_messages.render_explanation(
        explanation_messages.as_mapping(item), currency, _lang(), _, category_name)


def _target_text(target: dict[str, Any] | None) -> str:
    if not target:
        return _("aucune")
    kind = _("obligatoire") if target.get("hard") else _("souple : l'écart est signalé")
    return f"{share(target.get('value'), 0)} ({kind})"


def setting_value(setting: Setting, currency: str, category_name: Any) -> str:
    """Return a setting's value in words, in the page's language."""
    value = setting.value
    if setting.kind == "share":
        return _("aucune limite") if value is None else share(value, 1)
    if setting.kind == "money":
        return "—" if value is None else money(value, currency)
    if setting.kind == "weights":
        parts = [f"{DIMENSIONS.get(k, k)} {share(v, 0)}" for k, v in
                 sorted(value.items(), key=lambda kv: (-kv[1], kv[0])) if v]
        return _("Maximiser l'impact social : %(weights)s", weights=", ".join(parts))
    if setting.kind == "evidence":
        return label("evidence", value)
    if setting.kind == "target":
        return _target_text(value)
    if setting.kind == "category_targets":
        if not value:
            return _("aucune")
        return "; ".join(f"{category_name(code)} : {_target_text(t)}" if not is_english()
                         else f"{category_name(code)}: {_target_text(t)}"
                         for code, t in value.items())
    if setting.kind == "mode":
        return label("mode", value)
    if setting.kind == "solver":
        return SOLVERS.get(str(value), str(value))
    if setting.kind == "seconds":
        return _("%(n)s s", n=number(value, 0))
    if setting.kind == "period":
        start, end = value
        if start is None:
            return "—"
        return f"{format_date(start)} → {format_date(end) if end else ''}"
    return "—" if value in (None, "") else str(value)


def _int_arg(name: str, default: int) -> int:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(_("La position dans la liste n'est pas valide."),
                           errors={name: _("un nombre entier de 0 à %(n)s", n=10**9)})
    return int(raw)


#: What the proposal page shows: the proposal, its scenario, lots and allocations, the
#: registry's suppliers they name and the categories' names.
PROPOSAL_PAGE_TABLES = ("proposal", "scenario", "lot", "allocation", "supplier", "category")
#: What the dashboard shows: the spending and its incumbents, imports, matches, the
#: capability queue, proposals and their scenarios, the municipality and category names.
DASHBOARD_TABLES = ("purchase_line", "supplier", "supplier_category", "organization",
                    "import_batch", "incumbent_match", "proposal", "scenario", "category")


def render_proposal(proposal_id: int, **context: Any) -> str:
    """Render the proposal page for the query's filters, sort and page.

    The content is kept between readers (`kept_content`), except when `context` carries
    what one reader typed (a refused decision).
    """
    filters = AllocationFilters.parse(request.args.to_dict())
    size = _int_arg("size", DEFAULT_PAGE_SIZE)
    size = size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE
    offset = _int_arg("offset", 0)

    def content() -> str:
        db = get_session()
        page = proposal_pages.proposal_page(db, current_actor(), proposal_id, filters=filters,
                                            lang=_lang(), limit=size, offset=offset)
        namer = category_namer(page.categories)
        return render_template(
            "_proposal_content.html", page=page, proposal=page.proposal, category_name=namer,
            settings=[(SETTING_LABELS[s.code], setting_value(s, page.proposal.currency, namer))
                      for s in page.settings],
            supplier_types=SUPPLIER_TYPES, sort_labels=SORT_LABELS,
            evidence_choices=proposal_pages.EVIDENCE_ORDER, size=size,
            explain=lambda item: explanation_text(item, page.proposal.currency, namer),
            **context)

    html = Markup(content()) if context else kept_content(
        "proposal", PROPOSAL_PAGE_TABLES, content, proposal_id, filters, size, offset)
    return render_template("proposal.html", proposal_id=proposal_id, content=html)


def render_compare() -> str:
    """Render the compare page for the query's two proposals."""
    first = request.args.get("a", type=int)
    second = request.args.get("b", type=int)
    page = proposal_pages.compare_page(get_session(), current_actor(), first, second)
    namer = category_namer(page.categories)
    currency = page.first.currency if page.first else "CAD"
    settings = []
    for a, b in page.settings:
        text_a = setting_value(a, page.first.currency if page.first else currency, namer)
        text_b = setting_value(b, page.second.currency if page.second else currency, namer)
        settings.append({"label": SETTING_LABELS[a.code], "first": text_a, "second": text_b,
                         "differs": text_a != text_b})
    return render_template("compare.html", page=page, first=first, second=second,
                           category_name=namer, currency=currency, settings=settings,
                           kpi_rows=[_kpi_row(v, currency) for v in page.kpis],
                           unit_rows=[_unit_row(v, currency) for v in sorted(
                               page.units, key=lambda v: MEASURE_ORDER.get(v.code, 99))])


def _kpi_row(value: Any, currency: str) -> dict[str, Any]:
    def say(x: Any, *, signed: bool = False) -> str:
        if x is None:
            return "—"
        if value.kind == "share":
            text = share(x, 1)
        elif value.kind == "cents":
            text = cents(x, currency)
        elif value.kind == "points":
            text = number(x, 1)
        else:
            text = number(x, 0)
        return f"+{text}" if signed and float(x) > 0 else text
    delta = value.delta
    if delta is not None and value.kind == "share" and value.code.endswith("_pct"):
        delta_text = say(delta, signed=True)
    elif delta is not None and value.kind == "share":
        delta_text = _("%(n)s points", n=("+" if delta > 0 else "") + number(delta * 100, 1))
    else:
        delta_text = say(delta, signed=True) if delta is not None else "—"
    return {"label": KPI_LABELS.get(value.code, value.code), "first": say(value.first),
            "second": say(value.second), "delta": delta_text}


def _unit_row(value: Any, currency: str) -> dict[str, Any]:
    unit = value.kind
    if unit in impact_messages.UNITS:
        word = _(impact_messages.UNITS[unit])

        def say(x: Decimal, signed: bool = False) -> str:
            text = f"{number(x, 1)} {word}"
            return f"+{text}" if signed and x > 0 else text
    else:
        def say(x: Decimal, signed: bool = False) -> str:
            text = money(x, unit or currency)
            return f"+{text}" if signed and x > 0 else text
    return {"label": impact_messages.measure_name(value.code, _), "first": say(value.first),
            "second": say(value.second), "delta": say(value.delta, True)}


# --- dashboard ----------------------------------------------------------------------------

def render_dashboard() -> str:
    """Render the dashboard: spending, work waiting, charts and recent items (the content
    kept between readers of the municipality, `kept_content`)."""

    def content() -> str:
        db = get_session()
        actor = current_actor()
        data = overview.dashboard(db, actor)
        years = targets.years_for(db, actor, data.organization, data.months)
        path = targets.path_for(data.organization, years,
                                premium_pct=optimize.DEFAULTS["assumed_premium_pct"])
        work = proposal_pages.work_waiting(db, actor)
        latest = proposal_pages.latest_proposal(db, actor, data.proposals)
        namer = category_namer(proposal_pages.category_names(db))
        return render_template("_index_content.html", data=data, years=years, path=path,
                               work=work, latest=latest,
                               charts=dashboard_charts(years, latest, namer,
                                                       data.organization.currency))

    return render_template("index.html",
                           content=kept_content("dashboard", DASHBOARD_TABLES, content))


def dashboard_charts(years: list[Any], latest: Any, category_name: Any,
                     currency: str) -> list[Chart]:
    """Build the dashboard's charts from the years and the latest proposal."""
    before, after = _("Avant"), _("Après")
    charts: list[Chart] = []
    if latest is not None:
        units = latest.impact_units or {}
        by_category = units.get("by_category") or {}
        pairs = []
        for code, item in by_category.items():
            spending = item.get("social_economy_spending") or {}
            pairs.append((category_name(code), (Decimal(str(spending.get("before", 0))),
                                                Decimal(str(spending.get("after", 0))))))
        pairs = [p for p in pairs if max(p[1]) > 0]
        pairs.sort(key=lambda p: -max(p[1]))
        if pairs:
            charts.append(Chart(
                _("Économie sociale avant et après, par catégorie"),
                _("Dépenses à l'économie sociale par catégorie, avant et après la "
                  "proposition n° %(id)s.", id=latest.id),
                (before, after),
                rows_of(pairs[:12], _dollars(latest.currency))))
        rows = [(r["name"], (Decimal(str(r["before"])), Decimal(str(r["after"]))), r)
                for r in measure_rows(units)]
        if rows:
            charts.append(Chart(
                _("Impact en unités"),
                _("Chaque mesure d'impact avant et après la proposition n° %(id)s ; chaque "
                  "ligne a sa propre échelle.", id=latest.id),
                (before, after),
                tuple(rows_of([(name, values)], _unit_formatter(r, latest.currency))[0]
                      for name, values, r in rows), scale="row"))
        local = [(str(name), (Decimal(str(units[key]["before"])),
                              Decimal(str(units[key]["after"]))))
                 for key, name in LOCALITY if isinstance(units.get(key), dict)]
        if local:
            charts.append(Chart(
                _("Dépenses par proximité"),
                _("Dépenses gardées dans la municipalité, la MRC et la région, avant et après "
                  "la proposition n° %(id)s.", id=latest.id),
                (before, after), rows_of(local, _dollars(latest.currency))))
    if years:
        has_target = any(y.target_share is not None for y in years)
        series = (_("Part à l'économie sociale"), _("Cible")) if has_target else (
            _("Part à l'économie sociale"),)
        pairs_years = [(str(y.year), (y.share, y.target_share or 0) if has_target
                        else (y.share,)) for y in years]
        charts.append(Chart(
            _("Part à l'économie sociale par année"),
            _("Part des dépenses de chaque exercice allant à l'économie sociale, comparée à "
              "la cible du conseil.") if has_target else
            _("Part des dépenses de chaque exercice allant à l'économie sociale."),
            series, rows_of(pairs_years, lambda v: share(v, 1))))
    return charts


def _dollars(currency: str) -> Any:
    """Return a formatter of whole amounts of money in the page's language."""
    return lambda v: explanation_messages.dollars(v, currency, _lang())


def _unit_formatter(row: dict[str, Any], currency: str) -> Any:
    if row["money"]:
        return _dollars(currency)
    return lambda v: f"{number(v, 1)} {row['unit']}"
