"""A lever for every lot: what the municipality does, in the law of its profile.

The choice, per lot, from its value and band, the capable social economy suppliers (only
capabilities confirmed by a person or shown by the registry's activity can be awarded) and
their economic dependency (lot value ÷ the supplier's annual turnover, else its capacity;
above 30 % is a risk to flag, Le marché de l'inclusion's rule):
- below the direct-award limit, a confirmed supplier: direct award (gré à gré);
- below the limit without a confirmed one, or in the invitation band: a written
  invitation naming the capable social economy suppliers (rotation when the profile
  requires it);
- at or above the tender threshold: a reserved contract or reserved lot where the profile
  allows it and at least two eligible employers (France: SIAE, EA/ESAT) can compete; else a
  public tender with a social clause stating the expected hours of work integration;
- no capable supplier: no lever.
Each lever carries its reason as a code + parameters, rendered in words at the edge.
Plain data in and out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from procurement.impact_units import Coefficients, work_integration_hours

AWARDABLE_EVIDENCE = ("confirmed", "activity")
DEPENDENCY_LIMIT = 0.30
MIN_RESERVED_COMPETITORS = 2
MAX_NAMED = 5
LEVERS = ("direct_award", "invitation", "reserved_contract", "tender_social_clause", "none")


@dataclass(frozen=True)
class LotFacts:
    """A lot as the lever rule sees it."""

    key: str
    category: str
    value_cents: int
    direct_award_limit_cents: int
    tender_threshold_cents: int


@dataclass(frozen=True)
class CapableSupplier:
    """A social economy supplier with a capability for the lot's category."""

    key: str
    name: str
    evidence: str
    capacity_cents: int | None = None
    turnover_cents: int | None = None
    reserved_eligible: bool = False
    awarded_cents: int = 0


@dataclass(frozen=True)
class LeverRules:
    """What the profile allows."""

    rotation_required: bool
    reserved_contracts_allowed: bool
    dependency_limit: float = DEPENDENCY_LIMIT


@dataclass(frozen=True)
class Lever:
    """The lever of one lot, its reason (code + parameters) and the suppliers it names."""

    lot: str
    lever: str
    reason_code: str
    params: dict[str, Any]
    suppliers: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """Return the stored form (the reason in words is added at the edge)."""
        return {"lot": self.lot, "lever": self.lever, "reason_code": self.reason_code,
                "params": dict(self.params), "suppliers": [dict(s) for s in self.suppliers]}


def dependency(value_cents: int, supplier: CapableSupplier) -> float | None:
    """Return lot value ÷ the supplier's turnover (else capacity); None when neither is known."""
    base = supplier.turnover_cents or supplier.capacity_cents
    return value_cents / base if base else None


def _money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def _named(lot: LotFacts, suppliers: Iterable[CapableSupplier],
           rules: LeverRules) -> list[dict[str, Any]]:
    # Awarded first, then confirmed before activity-level evidence, then by name.
    ordered = sorted(suppliers, key=lambda s: (-s.awarded_cents, s.evidence != "confirmed",
                                                s.name.lower()))
    named = []
    for s in ordered[:MAX_NAMED]:
        dep = dependency(lot.value_cents, s)
        named.append({"key": s.key, "name": s.name, "evidence": s.evidence,
                      "awarded": _money(s.awarded_cents),
                      "dependency": None if dep is None else round(dep, 4),
                      "dependency_risk": dep is not None and dep > rules.dependency_limit})
    return named


def choose_lever(lot: LotFacts, suppliers: Iterable[CapableSupplier], rules: LeverRules,
                 coeffs: Coefficients) -> Lever:
    """Return the lever of one lot."""
    suppliers = list(suppliers)
    capable = [s for s in suppliers if s.evidence in AWARDABLE_EVIDENCE]
    prospects = [s for s in suppliers if s.evidence not in AWARDABLE_EVIDENCE]
    base = {"value": _money(lot.value_cents), "capable": len(capable),
            "direct_award_limit": _money(lot.direct_award_limit_cents),
            "tender_threshold": _money(lot.tender_threshold_cents)}
    if not capable:
        if prospects and lot.value_cents < lot.tender_threshold_cents:
            # Names whose capability rests on weak evidence: invite them and verify it.
            named = _named(lot, prospects, rules)
            return Lever(lot.key, "invitation", "invite_prospects",
                         {**base, "named": len(named)}, tuple(named))
        return Lever(lot.key, "none", "no_capable_supplier", base)
    named = _named(lot, capable, rules)
    risky = [s["name"] for s in named if s["dependency_risk"]]
    base["dependency_risk"] = risky
    base["dependency_limit"] = rules.dependency_limit
    if lot.value_cents < lot.direct_award_limit_cents:
        confirmed = [s for s in named if s["evidence"] == "confirmed"]
        safe = [s for s in confirmed if not s["dependency_risk"]]
        if safe:
            chosen = safe[0]
            return Lever(lot.key, "direct_award", "direct_award_confirmed",
                         {**base, "supplier": chosen["name"]}, (chosen,))
        code = "invite_dependency" if confirmed else "invite_to_confirm"
        return Lever(lot.key, "invitation", code, {**base, "named": len(named)}, tuple(named))
    if lot.value_cents < lot.tender_threshold_cents:
        return Lever(lot.key, "invitation",
                     "invitation_rotation" if rules.rotation_required else "invitation_named",
                     {**base, "named": len(named)}, tuple(named))
    hours = work_integration_hours(Decimal(lot.value_cents) / 100,
                                   coeffs.labour_share(lot.category), coeffs.insertion_rate,
                                   coeffs.hourly_cost)
    eligible = [s for s in named if any(c.key == s["key"] and c.reserved_eligible
                                        for c in capable)]
    if rules.reserved_contracts_allowed and len(eligible) >= MIN_RESERVED_COMPETITORS:
        return Lever(lot.key, "reserved_contract", "reserved_contract",
                     {**base, "eligible": len(eligible), "hours": round(float(hours))},
                     tuple(eligible))
    code = ("tender_clause_few_reserved" if rules.reserved_contracts_allowed
            else "tender_social_clause")
    return Lever(lot.key, "tender_social_clause", code,
                 {**base, "eligible": len(eligible), "hours": round(float(hours)),
                  "labour_share": float(coeffs.labour_share(lot.category)),
                  "insertion_rate": float(coeffs.insertion_rate)},
                 tuple(named))


def levers_for(lots: Iterable[LotFacts], suppliers_by_lot: dict[str, list[CapableSupplier]],
               rules: LeverRules, coeffs: Coefficients) -> list[Lever]:
    """Return one lever per lot, in the lots' order."""
    return [choose_lever(lot, suppliers_by_lot.get(lot.key, []), rules, coeffs)
            for lot in lots]
