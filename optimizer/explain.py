"""Why the proposal is what it is: binding limits, missed targets, infeasibility.

Divisible mode reads the LP duals; indivisible mode has no meaningful duals, so it
relaxes each limit that is nearly reached by a step, re-solves within a time budget
and compares. An infeasible scenario is diagnosed by an elastic re-formulation:
hard targets become soft (and, if needed, the budget may be exceeded), and what must
give way, and by how much, is reported in business terms.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pulp

from optimizer.model import MARKET, Model, ModelData, RowInfo, build_model
from optimizer.solution import Explanation, Infeasibility
from optimizer.solvers import FEASIBLE, OPTIMAL, run_model

#: French typography puts a no-break space between thousands and before "$" and "%".
NBSP = "\u00a0"
_SYMBOL = {"CAD": "$", "USD": "$", "EUR": "€", "GBP": "£"}
#: Limits worth explaining (coverage always binds and says nothing).
EXPLAINED = ("budget", "capacity", "max_supplier_share", "rotation", "target_se_share",
             "target_se_share_category", "target_local_share")
#: Most explanations returned, the most valuable first.
MAX_EXPLANATIONS = 25


def money(dollars: float, currency: str = "CAD") -> str:
    """Format money for an English sentence: "$123,456" (a currency code after: "123 XYZ")."""
    symbol = _SYMBOL.get(currency, currency)
    if len(symbol) == 1:
        return f"-{symbol}{-dollars:,.0f}" if dollars < 0 else f"{symbol}{dollars:,.0f}"
    return f"{dollars:,.0f} {symbol}"


def money_fr(dollars: float, currency: str = "CAD") -> str:
    """Format dollars the Quebec way for a French sentence: "123 456 $"."""
    return f"{number_fr(dollars, 0)}{NBSP}{_SYMBOL.get(currency, currency)}"


def number_fr(value: float, digits: int = 1) -> str:
    """Format a number the French way: "12 345,6" (no-break space, decimal comma)."""
    return f"{value:,.{digits}f}".replace(",", NBSP).replace(".", ",")


def share_fr(share: float, digits: int = 0, *, signed: bool = False) -> str:
    """Format a fraction as a French percentage: 0.3 → "30 %", 0.224 → "22,4 %"."""
    text = number_fr(share * 100, digits)
    if signed and share >= 0:
        text = "+" + text
    return f"{text}{NBSP}%"


def _points(per_1000: float) -> str:
    return f"{per_1000:,.1f}" if abs(per_1000) < 1000 else f"{per_1000:,.0f}"


def _points_fr(per_1000: float) -> str:
    return number_fr(per_1000, 1 if abs(per_1000) < 1000 else 0)


@dataclass(frozen=True)
class Texts:
    """The same statement in English and in French, built together so they agree."""

    en: str
    fr: str

    def __add__(self, other: Texts) -> Texts:
        return Texts(self.en + other.en, self.fr + other.fr)


def _target_label_en(d: ModelData, info: RowInfo) -> str:
    """Return the English name of a share target, with the category in words."""
    if info.kind == "target_se_share_category":
        return f"social economy share of {d.category_name(info.category, 'en')}"
    return info.label


def _target_label_fr(d: ModelData, info: RowInfo) -> str:
    """Return the French name of a share target ("part à l'économie sociale", …)."""
    if info.kind == "target_se_share":
        return "part à l'économie sociale"
    if info.kind == "target_se_share_category":
        return (f"part à l'économie sociale de la catégorie "
                f"« {d.category_name(info.category, 'fr')} »")
    if info.kind == "target_local_share":
        return "part locale"
    return info.label


def _head(d: ModelData, info: RowInfo) -> tuple[Texts, str]:
    """Return what a binding limit is, and the French separator before what it costs."""
    cur = d.currency
    if info.kind == "budget":
        pct = d.scenario.budget_increase_pct
        return Texts(
            f"The budget limits the shift: the proposal may cost at most "
            f"{money(info.rhs, cur)} ({pct:+.1%} over today's {money(d.total_value, cur)})",
            f"Le budget limite le virage : la proposition peut coûter au plus "
            f"{money_fr(info.rhs, cur)} ({share_fr(pct, 1, signed=True)} par rapport aux "
            f"dépenses actuelles de {money_fr(d.total_value, cur)})"), ";"
    if info.kind == "capacity":
        return Texts(f"Supplier {info.label} is at capacity ({money(info.rhs, cur)} a year)",
                     f"Le fournisseur {info.label} est à pleine capacité "
                     f"({money_fr(info.rhs, cur)} par an)"), " :"
    if info.kind == "max_supplier_share":
        share = d.scenario.max_supplier_share or 0.0
        return Texts(
            f"Supplier {info.label} reaches the maximum share per supplier ({share:.0%} "
            f"of the spending in scope, {money(info.rhs, cur)})",
            f"Le fournisseur {info.label} atteint la part maximale par fournisseur "
            f"({share_fr(share)} des dépenses visées, {money_fr(info.rhs, cur)})"), " :"
    if info.kind == "rotation":
        return Texts(f"Rotation of contractors in the invitation band of "
                     f"{d.category_name(info.category, 'en')}: "
                     f"{info.label} has reached its limit in that group",
                     f"Rotation des fournisseurs dans la bande d'invitation de "
                     f"« {d.category_name(info.category, 'fr')} » : "
                     f"{info.label} a atteint sa limite dans ce groupe"), ";"
    target = info.target.value if info.target else 0.0
    return Texts(f"The {_target_label_en(d, info)} target of {target:.0%} binds: it forces "
                 f"spending toward "
                 f"less impactful options",
                 f"La cible de {_target_label_fr(d, info)} de {share_fr(target)} est "
                 f"contraignante : "
                 f"elle oriente les dépenses vers des options à moindre impact"), ";"


#: What "each additional 1,000 $" is of, per kind: (English, French).
_GAIN_OF = {"budget": (" of budget", " de budget"),
            "capacity": (" of its capacity", " de capacité"),
            "max_supplier_share": ("", " de plafond"), "rotation": ("", " permise")}


def _sentence(d: ModelData, info: RowInfo, per_1000: float | None, how: Texts | None = None
              ) -> Texts:
    """Return the finance officer's sentence for a binding limit, in English and French."""
    head, sep_fr = _head(d, info)
    if per_1000 is None:
        return head + Texts(";", sep_fr)
    symbol = _SYMBOL.get(d.currency, d.currency)
    of_en, of_fr = _GAIN_OF.get(info.kind, (" less required", " de moins exigée"))
    how_en = f" {how.en}" if how else ""
    gain = Texts(
        f"; each additional {money(1000, d.currency)}{how_en}{of_en} would add "
        f"{_points(per_1000)} impact points.",
        f"{sep_fr} chaque tranche additionnelle de 1{NBSP}000{NBSP}{symbol}{of_fr} ajouterait "
        f"{_points_fr(per_1000)} points d'impact{f' {how.fr}' if how else ''}.")
    return head + gain


def _subject(d: ModelData, info: RowInfo) -> tuple[str, dict[str, Any]]:
    """Return the code of a binding limit and its values, for the catalogue."""
    if info.kind == "budget":
        return "budget_binds", {"budget": round(info.rhs, 2),
                                "increase": d.scenario.budget_increase_pct,
                                "current": round(d.total_value, 2)}
    if info.kind == "capacity":
        return "capacity_binds", {"supplier": info.label, "capacity": round(info.rhs, 2)}
    if info.kind == "max_supplier_share":
        return "supplier_share_binds", {"supplier": info.label,
                                        "share": d.scenario.max_supplier_share or 0.0,
                                        "amount": round(info.rhs, 2)}
    if info.kind == "rotation":
        return "rotation_binds", {"supplier": info.label, "category": info.category}
    return "target_binds", {"target": info.kind, "category": info.category,
                            "share": info.target.value if info.target else 0.0}


def _explanation(d: ModelData, name: str, info: RowInfo, per_1000: float | None,
                 text: Texts, **effect: Any) -> Explanation:
    """Return the explanation of a binding limit; ``effect`` says what relaxing it buys."""
    limit = None if info.kind == "rotation" and per_1000 is None else round(info.rhs * 100)
    code, params = _subject(d, info)
    return Explanation(constraint=name, explanation=text.en, shadow_price_per_1000=per_1000,
                       kind=info.kind, subject=info.subject, limit_cents=limit,
                       explanation_fr=text.fr, code=code, params={**params, **effect})


def significant(value: float, digits: int = 2) -> float:
    """Round to a number of significant digits: 1,001 → 1,000; 12,345 → 12,000.

    The gap a dollar of a limit closes comes from a dual that also carries the impact
    points of the dollar; more digits would be noise, not information.
    """
    if value == 0:
        return 0.0
    return float(round(value, digits - 1 - int(np.floor(np.log10(abs(value))))))


def _row_slack(con: pulp.LpConstraint) -> float:
    """Return how far a row is from its limit (≥ 0 when satisfied), from var values."""
    value = float(con.value() or 0.0)  # lhs - rhs
    return -value if con.sense == pulp.LpConstraintLE else value


def explain_from_duals(model: Model) -> list[Explanation]:
    """Explain binding limits of a solved LP from its dual values."""
    d = model.data
    shortfall = any((v.varValue or 0.0) > 0.005 for v in model.shortfalls.values())
    found: list[tuple[float, int, Explanation]] = []
    for name, info in model.rows.items():
        if info.kind not in EXPLAINED or name in model.shortfalls:
            continue
        con = model.prob.constraints[name]
        if con.pi is None:
            continue
        gain = abs(float(con.pi))
        tolerance = 1e-6 * max(1.0, abs(info.rhs)) + 0.01
        # A dual made only of the cost and order tie-breaks (below 0.05 point per 1,000 $)
        # is no reason a finance officer could act on.
        if gain * 1000.0 < 0.05 or _row_slack(con) > tolerance:
            continue
        if shortfall and gain > model.penalty / 10:
            # The dual is dominated by the penalty of a missed target: say so
            # in dollars of shortfall closed (two significant digits), not in points.
            closed = significant(gain / model.penalty * 1000)
            symbol = _SYMBOL.get(d.currency, d.currency)
            head, sep_fr = _head(d, info)
            of_en, of_fr = _GAIN_OF.get(info.kind, (" less required", " de moins exigée"))
            text = head + Texts(
                f"; each additional {money(1000, d.currency)}{of_en} would close about "
                f"{money(closed, d.currency)} of the missed target's shortfall.",
                f"{sep_fr} chaque tranche additionnelle de 1{NBSP}000{NBSP}{symbol}{of_fr} "
                f"réduirait d'environ {money_fr(closed, d.currency)} l'écart de la cible "
                f"non atteinte.")
            found.append((gain, 0, _explanation(d, name, info, None, text, effect="gap",
                                                closed_per_1000=closed)))
            continue
        per_1000 = gain * 1000.0
        priority = 0 if info.kind == "budget" else 1
        found.append((per_1000, priority,
                      _explanation(d, name, info, per_1000, _sentence(d, info, per_1000),
                                   effect="points", gain_per_1000=round(per_1000, 2))))
    found.sort(key=lambda t: (t[1], -t[0], t[2].constraint))
    return [e for _, _, e in found[:MAX_EXPLANATIONS]]


def _impact(model: Model, values: np.ndarray) -> float:
    return float(np.dot(model.data.opt_ipd, values))


def explain_by_resolve(model: Model, base_values: np.ndarray, *, time_budget: float,
                       max_resolves: int = 6) -> list[Explanation]:
    """Explain an indivisible proposal by relaxing nearly-reached limits and re-solving.

    Each candidate limit is relaxed by a step (1 % of the budget; 10 % of a capacity
    or share, or room for the smallest lot that did not fit; one more lot for
    rotation; one point less for a target), the MILP is
    re-solved within what is left of ``time_budget``, and the impact gained is scaled
    to 1,000 $. The rows are restored afterwards.
    """
    d = model.data
    index = model.index
    chosen = base_values > 0
    base_impact = _impact(model, base_values)
    candidates: list[tuple[int, float, str, float]] = []
    for name, info in model.rows.items():
        if info.kind not in EXPLAINED or name in model.shortfalls:
            continue
        con = model.prob.constraints[name]
        slack = _row_slack(con)
        idx = [index[v.name] for v in con if v.name in index]
        unchosen = [i for i in idx if not chosen[i] and d.opt_sup[i] != MARKET]
        if con.sense == pulp.LpConstraintGE:
            if slack > 0.01 * max(info.rhs, 1.0):
                continue
            step = max(1000.0, 0.01 * info.scope)
            candidates.append((2, step, name, step))
            continue
        sizes = [float(d.lot_value[d.opt_lot[i]]) for i in unchosen]
        room = max(sizes, default=0.0)
        if info.kind == "rotation" and model.integer:
            if slack >= 1.0 - 1e-6:
                continue
            candidates.append((1, 1.0, name, 1.0))
            continue
        if slack >= room:
            continue  # no unchosen option would have fitted: not limiting
        step = max(1000.0, (0.01 if info.kind == "budget" else 0.10) * info.rhs)
        if info.kind != "budget":
            # Enough room for the smallest lot that could not fit, if more than 10 %.
            step = max(step, min(sizes) - slack)
        candidates.append((0 if info.kind == "budget" else 1, -info.rhs, name, step))
    candidates.sort()
    out: list[Explanation] = []
    deadline = time.perf_counter() + time_budget
    for _, _, name, step in candidates[:max_resolves]:
        remaining = deadline - time.perf_counter()
        if remaining < 0.2:
            break
        con = model.prob.constraints[name]
        info = model.rows[name]
        delta = step if con.sense == pulp.LpConstraintGE else -step
        con.constant += delta
        try:
            run = run_model(model, time_limit=min(remaining, d.scenario.time_limit_s))
        finally:
            con.constant -= delta
        if run.values is None or run.status not in (OPTIMAL, FEASIBLE):
            continue
        gained = _impact(model, run.values) - base_impact
        if gained <= 1e-6:
            continue
        if info.kind == "rotation" and model.integer:
            head, _ = _head(d, info)
            text = head + Texts(
                f"; allowing it one more lot of the group would add "
                f"{_points(gained)} impact points.",
                f"; lui permettre un lot de plus dans ce groupe ajouterait "
                f"{_points_fr(gained)} points d'impact.")
            out.append(_explanation(d, name, info, None, text, effect="one_more_lot",
                                    points=round(gained, 2)))
            continue
        per_1000 = gained / step * 1000.0
        how = Texts(f"(estimated by re-solving with {money(step, d.currency)} more)",
                    f"(estimation par une nouvelle résolution avec "
                    f"{money_fr(step, d.currency)} de plus)")
        out.append(_explanation(d, name, info, per_1000, _sentence(d, info, per_1000, how),
                                effect="points", gain_per_1000=round(per_1000, 2),
                                step=round(step, 2)))
    return out


def shortfall_report(model: Model, *, hard: bool) -> list[Infeasibility]:
    """Report every shortfall variable of a solved model in business terms.

    ``hard`` says whether the shortfalls come from hard targets relaxed to diagnose an
    infeasible scenario (cannot be met) or from soft targets (missed).
    """
    d = model.data
    out: list[Infeasibility] = []
    for name, var in sorted(model.shortfalls.items()):
        value = float(var.varValue or 0.0)
        if name == "budget":
            if value <= 0.005:
                continue
            needed = d.budget + value
            cur = d.currency
            text = Texts(
                f"The budget of {money(d.budget, cur)} cannot cover the needs "
                f"under the hard rules: the cheapest proposal costs "
                f"{money(needed, cur)}, {money(value, cur)} more.",
                f"Le budget de {money_fr(d.budget, cur)} ne peut couvrir les besoins selon les "
                f"règles obligatoires : la proposition la moins chère coûte "
                f"{money_fr(needed, cur)}, soit {money_fr(value, cur)} de plus.")
            out.append(Infeasibility("budget", text.en, round(value * 100), None, None,
                                     round(needed * 100), True, explanation_fr=text.fr,
                                     code="budget_too_small",
                                     params={"budget": round(d.budget, 2),
                                             "needed": round(needed, 2),
                                             "missing": round(value, 2)}))
            continue
        info = model.rows[name]
        con = model.prob.constraints[name]
        achieved = sum(c * (v.varValue or 0.0) for v, c in con.items() if v is not var)
        target = info.target.value if info.target else 0.0
        missing = target * info.scope - achieved
        if missing <= 0.005:
            continue
        reach = achieved / info.scope if info.scope else 0.0
        is_hard = hard or bool(info.target and info.target.hard)
        points = (target - reach) * 100
        cur = d.currency
        label_fr = _target_label_fr(d, info)
        label_en = _target_label_en(d, info)
        if is_hard:
            text = Texts(
                f"The {label_en} target of {target:.0%} cannot be met: at most "
                f"{reach:.1%} is reachable with the eligible suppliers' capacity, the "
                f"budget and the other rules; shortfall {points:.1f} points "
                f"({money(missing, cur)}).",
                f"La cible de {label_fr} de {share_fr(target)} ne peut être atteinte : au plus "
                f"{share_fr(reach, 1)} est atteignable avec la capacité des fournisseurs "
                f"admissibles, le budget et les autres règles; écart de {number_fr(points)} "
                f"points ({money_fr(missing, cur)}).")
        else:
            text = Texts(
                f"The {label_en} target of {target:.0%} is not met: the proposal "
                f"reaches {reach:.1%}; shortfall {points:.1f} points "
                f"({money(missing, cur)}).",
                f"La cible de {label_fr} de {share_fr(target)} n'est pas atteinte : la "
                f"proposition atteint {share_fr(reach, 1)}; écart de {number_fr(points)} "
                f"points ({money_fr(missing, cur)}).")
        out.append(Infeasibility(name, text.en, round(missing * 100), target - reach, target,
                                 reach, is_hard, explanation_fr=text.fr,
                                 code="target_unreachable" if is_hard else "target_missed",
                                 params={"target": info.kind, "category": info.category,
                                         "share": target, "reach": reach,
                                         "missing": round(missing, 2)}))
    return out


def diagnose_infeasibility(d: ModelData) -> tuple[list[Infeasibility], str]:
    """Find which hard targets (or the budget) cannot hold together, and by how much."""
    model = build_model(d, elastic=True)
    run = run_model(model)
    if run.status not in (OPTIMAL, FEASIBLE):
        # Even with soft targets nothing fits: the budget itself is too small.
        model = build_model(d, elastic=True, budget_elastic=True)
        run = run_model(model)
    if run.status not in (OPTIMAL, FEASIBLE):
        return [], "the scenario is infeasible and the diagnosis found no cause"
    found = shortfall_report(model, hard=True)
    # Soft targets keep their own status in the report.
    soft = {n for n, i in model.rows.items() if i.target is not None and not i.target.hard}
    found = [f if f.constraint not in soft else _as_soft(f) for f in found]
    hard_found = [f for f in found if f.hard]
    message = "; ".join(f.constraint for f in hard_found) or "no single cause identified"
    return found, f"cannot hold together: {message}"


def _as_soft(f: Infeasibility) -> Infeasibility:
    text = f.explanation.replace("cannot be met: at most", "is not met either: at most")
    text_fr = f.explanation_fr.replace("ne peut être atteinte : au plus",
                                       "n'est pas atteinte non plus : au plus")
    return Infeasibility(f.constraint, text, f.shortfall, f.shortfall_share, f.target,
                         f.reachable, False, explanation_fr=text_fr, code="target_missed_too",
                         params=f.params)
