"""The candidate pipeline: which suppliers may be proposed for which lots, and on what evidence.

`candidate_pipeline` is the one place this rule lives: the optimization service runs it,
`make bench` times it and docs/matching.md documents it. A supplier is a candidate for a lot
when it is active, has capacity left, reaches the municipality with its service area and
serves the lot's category with evidence at or above the scenario's minimum. A pair that
passes everything but the evidence is a *prospect*: a name to verify or invite, never an
award. A pair a person rejected is neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .capabilities import DEFAULT_MIN_EVIDENCE, EVIDENCE_LEVELS
from .locality import LEVELS, MunicipalityDirectory, distance_km, locality_score
from .normalize import is_missing
from .taxonomy import FALLBACK_CODE

EVIDENCE_RANK = {kind: rank for rank, kind in enumerate(EVIDENCE_LEVELS)}
# Below this calibrated confidence a pair is not even a prospect (a confirmed pair always
# counts). Low on purpose: the evidence kind decides what may be awarded, and a sector-level
# pair (right about three times in ten) is still a name worth verifying or inviting.
DEFAULT_MIN_CONFIDENCE = 0.25
DEFAULT_PREMIUM_PCT = 0.03
# A lot lists at most this many prospects (strongest evidence, then nearest, first).
MAX_PROSPECTS_PER_LOT = 20
LOCAL_LEVELS = frozenset({"same_municipality", "same_mrc"})
# How far each declared service area reaches, as the last level of LEVELS it covers; no
# area (or an unknown word) means the supplier's region. "outside" and "unknown" are never
# reached by a named area.
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_AREA_REACH = {"municipality": 0, "mrc": 1, "region": 2, "province": 3}
_DEFAULT_REACH = _AREA_REACH["region"]

CANDIDATE_COLUMNS = [
    "lot_key", "supplier_key", "category_code", "locality_level", "distance_km",
    "locality_score", "is_local", "premium_pct", "capability_evidence", "confidence",
    "reason", "evidence_detail", "decided_by", "decided_at",
]
PROSPECT_COLUMNS = [
    "lot_key", "supplier_key", "name", "capability_evidence", "confidence", "reason",
    "locality_level",
]
_SUPPLIER_DEFAULTS: dict[str, Any] = {
    "name": None, "municipality_code": None, "lat": np.nan, "lon": np.nan, "active": True,
    "capacity_cents": np.nan, "service_area": None, "premium_pct": np.nan,
}
_CAPABILITY_DEFAULTS: dict[str, Any] = {
    "confidence": 1.0, "evidence": "name", "decision": None, "reason": "",
    "evidence_detail": None, "decided_by": None, "decided_at": None,
}


@dataclass(frozen=True)
class CandidateRules:
    """The scenario's part of the rule: minimum evidence and confidence, assumed premium."""

    min_capability_evidence: str = DEFAULT_MIN_EVIDENCE
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    assumed_premium_pct: float = DEFAULT_PREMIUM_PCT
    max_prospects_per_lot: int = MAX_PROSPECTS_PER_LOT

    def __post_init__(self) -> None:
        if self.min_capability_evidence not in EVIDENCE_RANK:
            raise ValueError(f"min_capability_evidence must be one of {EVIDENCE_LEVELS}")


@dataclass
class Candidates:
    """The pipeline's answer: awardable pairs, and pairs to verify first."""

    candidates: pd.DataFrame  # CANDIDATE_COLUMNS
    prospects: pd.DataFrame  # PROSPECT_COLUMNS


def evidence_meets(evidence: str | None, minimum: str) -> bool:
    """Tell whether `evidence` is at or above `minimum` (unknown kinds count as a name)."""
    return EVIDENCE_RANK.get(str(evidence), EVIDENCE_RANK["name"]) <= EVIDENCE_RANK[minimum]


def _with_defaults(frame: pd.DataFrame, defaults: dict[str, Any]) -> pd.DataFrame:
    out = frame.copy()
    for column, value in defaults.items():
        if column not in out:
            out[column] = value
    return out


def locality_levels(municipality_codes: pd.Series, municipalities: pd.DataFrame,
                    org_code: str) -> pd.Series:
    """Classify each code relative to `org_code`: same municipality, MRC, region, province.

    `municipalities` has code, mrc, region (one reference, e.g. the MAMH directory); a code
    missing from it, or no code, is "unknown".
    """
    codes = municipality_codes.astype(object).where(municipality_codes.notna(), None)
    codes = codes.map(lambda v: None if v is None else str(v).strip())
    ref = municipalities.assign(code=municipalities["code"].astype(str).str.strip())
    ref = ref.drop_duplicates("code").set_index("code")
    if org_code not in ref.index:
        return pd.Series("unknown", index=municipality_codes.index, dtype=object)
    org_mrc, org_region = ref.at[org_code, "mrc"], ref.at[org_code, "region"]
    known = codes.isin(ref.index).to_numpy()
    mrc = codes.map(ref["mrc"]).to_numpy(dtype=object)
    region = codes.map(ref["region"]).to_numpy(dtype=object)
    same_mrc = (mrc == org_mrc) if not is_missing(org_mrc) else np.zeros(len(codes), bool)
    same_region = ((region == org_region) if not is_missing(org_region)
                   else np.zeros(len(codes), bool))
    levels = np.select(
        [(codes == org_code).to_numpy(), known & same_mrc, known & same_region, known],
        ["same_municipality", "same_mrc", "same_region", "same_province"],
        default="unknown",
    )
    return pd.Series(levels, index=municipality_codes.index, dtype=object)


def municipality_codes(suppliers: pd.DataFrame, directory: MunicipalityDirectory) -> pd.Series:
    """Look each supplier's municipality (name, then postal code) up in `directory`.

    For frames read from files (benchmarks, evaluation); the database links suppliers to
    their municipality when the registry is imported.
    """
    blank = pd.Series(None, index=suppliers.index, dtype=object)
    places = list(zip(suppliers.get("municipality", blank).tolist(),
                      suppliers.get("postal_code", blank).tolist(), strict=True))
    found: dict[tuple[Any, Any], str | None] = {}
    for place in set(places):
        hit = directory.lookup(*place)
        found[place] = hit.mcode if hit else None
    return pd.Series([found[p] for p in places], index=suppliers.index, dtype=object)


def directory_frame(directory: MunicipalityDirectory) -> pd.DataFrame:
    """Return a directory as the `municipalities` frame of the pipeline (code, mrc, region)."""
    rows = [(m.mcode, m.mrc or None, m.region or None) for m in directory.by_code.values()]
    return pd.DataFrame(rows, columns=["code", "mrc", "region"])


def _reachable(sup: pd.DataFrame) -> np.ndarray:
    """Tell, per supplier, whether its service area reaches the municipality."""
    area = sup["service_area"].astype(object).where(sup["service_area"].notna(), None)
    radius = pd.to_numeric(area, errors="coerce").to_numpy(dtype=float)
    distance = sup["distance_km"].to_numpy(dtype=float)
    reach = area.map(lambda a: _AREA_REACH.get(str(a).strip().lower(), _DEFAULT_REACH)
                     if a is not None else _DEFAULT_REACH).to_numpy(dtype=float)
    rank = sup["locality_level"].map(_LEVEL_RANK).to_numpy(dtype=float)
    by_level = rank <= reach
    # A radius needs both coordinates; without them the default area applies.
    by_radius = ~np.isnan(radius) & ~np.isnan(distance)
    return np.where(by_radius, distance <= np.nan_to_num(radius, nan=-1.0), by_level)


def _usable_capabilities(capabilities: pd.DataFrame, rules: CandidateRules) -> pd.DataFrame:
    caps = _with_defaults(capabilities, _CAPABILITY_DEFAULTS)
    decision = caps["decision"].astype(object).where(caps["decision"].notna(), None)
    confirmed = (decision == "confirmed").to_numpy()
    rejected = (decision == "rejected").to_numpy()
    confidence = pd.to_numeric(caps["confidence"], errors="coerce").fillna(0.0).to_numpy()
    evidence = caps["evidence"].astype(object).where(caps["evidence"].notna(), "name")
    evidence = evidence.map(lambda e: e if e in EVIDENCE_RANK else "name")
    # "autre" is not a capability: it is the mark of "nothing known" (or of "supplies
    # nothing", when a person confirmed it).
    keep = (~rejected & (caps["category_code"] != FALLBACK_CODE).to_numpy()
            & (confirmed | (confidence >= rules.min_confidence)))
    caps = caps.assign(capability_evidence=np.where(confirmed, "confirmed", evidence),
                       confidence=confidence)[keep]
    caps = caps.assign(supplier_key=caps["supplier_key"].astype(str),
                       evidence_rank=caps["capability_evidence"].map(EVIDENCE_RANK))
    # One row per pair: the strongest evidence wins when a frame repeats a pair.
    caps = caps.sort_values(["supplier_key", "category_code", "evidence_rank", "confidence"],
                            ascending=[True, True, True, False], kind="stable")
    return caps.drop_duplicates(["supplier_key", "category_code"])


def serving_suppliers(suppliers: pd.DataFrame, municipalities: pd.DataFrame, org_code: str,
                      *, org_lat: float | None = None, org_lon: float | None = None
                      ) -> pd.DataFrame:
    """Return the suppliers that can serve `org_code`: active, with capacity, in reach.

    Adds `locality_level` and `distance_km`. The one territory rule of the candidates and
    of the capability review queue.
    """
    sup = _with_defaults(suppliers, _SUPPLIER_DEFAULTS)
    sup = sup.assign(key=sup["key"].astype(str))
    active = sup["active"].map(lambda v: True if is_missing(v) else bool(v)).to_numpy(bool)
    capacity = pd.to_numeric(sup["capacity_cents"], errors="coerce").to_numpy(dtype=float)
    sup = sup[active & ~(capacity <= 0)]
    sup = sup.assign(locality_level=locality_levels(sup["municipality_code"], municipalities,
                                                    org_code))
    if org_lat is not None and org_lon is not None:
        lat = pd.to_numeric(sup["lat"], errors="coerce").to_numpy(dtype=float)
        lon = pd.to_numeric(sup["lon"], errors="coerce").to_numpy(dtype=float)
        sup["distance_km"] = np.round(np.asarray(distance_km(lat, lon, org_lat, org_lon)), 1)
    else:
        sup["distance_km"] = np.nan
    return sup[_reachable(sup)] if len(sup) else sup


def candidate_pipeline(
    lots: pd.DataFrame,
    suppliers: pd.DataFrame,
    capabilities: pd.DataFrame,
    municipalities: pd.DataFrame,
    org_code: str,
    rules: CandidateRules | None = None,
    *,
    org_lat: float | None = None,
    org_lon: float | None = None,
) -> Candidates:
    """Return the candidates and the prospects of every lot, vectorized.

    - `lots`: lot_key, category_code.
    - `suppliers` (the registry): key, and optionally name, municipality_code, lat, lon,
      active (missing = active), capacity_cents (missing = unknown = available; 0 or less
      = full), service_area (None = the supplier's region; "municipality", "mrc", "region",
      "province", or a radius in km that needs both coordinates), premium_pct (missing =
      the scenario's assumed premium).
    - `capabilities`: supplier_key, category_code, and optionally confidence, evidence
      (confirmed | activity | sector | name), decision (confirmed | rejected | None),
      reason, evidence_detail, decided_by, decided_at.
    - `municipalities`: code, mrc, region; `org_code` is the buying municipality.

    Locality is the supplier's level relative to the municipality, scored by
    `locality_score` (distance-modulated when coordinates are known). A pair a person
    confirmed counts as "confirmed" evidence whatever its inferred kind; a rejected pair
    is dropped.
    """
    rules = rules or CandidateRules()
    empty = Candidates(pd.DataFrame(columns=CANDIDATE_COLUMNS),
                       pd.DataFrame(columns=PROSPECT_COLUMNS))
    if not len(lots) or not len(suppliers) or not len(capabilities):
        return empty
    sup = serving_suppliers(suppliers, municipalities, org_code, org_lat=org_lat,
                            org_lon=org_lon)
    if not len(sup):
        return empty
    sup = sup.assign(locality_score=[
        locality_score(level, distance) for level, distance in zip(
            sup["locality_level"].tolist(), sup["distance_km"].tolist(), strict=True)])
    caps = _usable_capabilities(capabilities, rules)
    caps = caps[caps["supplier_key"].isin(sup["key"])]
    if not len(sup) or not len(caps):
        return empty
    lot_cats = lots[["lot_key", "category_code"]].drop_duplicates("lot_key")
    pairs = lot_cats.merge(caps, on="category_code").merge(
        sup[["key", "name", "locality_level", "distance_km", "locality_score",
             "premium_pct"]].rename(
            columns={"key": "supplier_key"}), on="supplier_key")
    if not len(pairs):
        return empty
    premium = pd.to_numeric(pairs["premium_pct"], errors="coerce").fillna(
        rules.assumed_premium_pct)
    pairs = pairs.assign(
        is_local=pairs["locality_level"].isin(LOCAL_LEVELS),
        premium_pct=premium.astype(float),
    )
    strong = (pairs["evidence_rank"] <= EVIDENCE_RANK[rules.min_capability_evidence]).to_numpy()
    candidates = pairs[strong].sort_values(["lot_key", "supplier_key"], kind="stable")
    weak = pairs[~strong].assign(level_rank=lambda d: d["locality_level"].map(_LEVEL_RANK))
    weak = weak.sort_values(["lot_key", "evidence_rank", "confidence", "level_rank", "name"],
                            ascending=[True, True, False, True, True], kind="stable")
    prospects = weak.groupby("lot_key", sort=False).head(rules.max_prospects_per_lot)
    return Candidates(candidates[CANDIDATE_COLUMNS].reset_index(drop=True),
                      prospects[PROSPECT_COLUMNS].reset_index(drop=True))
