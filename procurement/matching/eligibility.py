"""Which suppliers may be proposed for which lots: category, territory, activity, capacity."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .locality import MunicipalityDirectory, distance_km
from .normalize import is_missing

OUTPUT_COLUMNS = ["lot_key", "supplier_key", "locality_level", "distance_km"]
DEFAULT_MIN_CONFIDENCE = 0.6
# Levels a supplier reaches with each declared service area.
_AREA_LEVELS: dict[str, frozenset[str]] = {
    "municipality": frozenset({"same_municipality"}),
    "mrc": frozenset({"same_municipality", "same_mrc"}),
    "region": frozenset({"same_municipality", "same_mrc", "same_region"}),
    "province": frozenset({"same_municipality", "same_mrc", "same_region", "same_province"}),
}


def _category_pairs(suppliers: pd.DataFrame) -> pd.DataFrame:
    """Explode `categories` (list of codes, {code: confidence} or 'a;b') to key/code/confidence."""
    keys: list[object] = []
    codes: list[str] = []
    confs: list[float] = []
    for key, cats in zip(suppliers["key"].tolist(), suppliers["categories"].tolist(), strict=True):
        if cats is None or (
            not isinstance(cats, (Mapping, list, tuple, set, str)) and is_missing(cats)
        ):
            continue
        if isinstance(cats, str):
            items: list[tuple[str, float]] = [
                (c.strip(), 1.0) for c in cats.split(";") if c.strip()
            ]
        elif isinstance(cats, Mapping):
            items = [(str(c), float(v)) for c, v in cats.items()]
        else:
            items = [(str(c), 1.0) for c in cats]
        for code, conf in items:
            keys.append(key)
            codes.append(code)
            confs.append(conf)
    return pd.DataFrame(
        {"supplier_key": keys, "category_code": codes, "category_confidence": confs}
    )


def _serves(area: object, level: str, distance: float) -> bool:
    if is_missing(area):
        area = None
    if isinstance(area, (int, float)) and not isinstance(area, bool):
        if not np.isnan(distance):
            return distance <= float(area)
        area = None  # a radius without coordinates: fall back to the default area
    allowed = _AREA_LEVELS.get(str(area)) if area is not None else None
    return level in (allowed if allowed is not None else _AREA_LEVELS["region"])


def eligible_candidates(
    lots: pd.DataFrame,
    suppliers: pd.DataFrame,
    org_code: str,
    directory: MunicipalityDirectory,
    *,
    org_lat: float | None = None,
    org_lon: float | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> pd.DataFrame:
    """Return (lot_key, supplier_key, locality_level, distance_km) of eligible suppliers.

    `lots` has lot_key, category_code. `suppliers` has key, categories (codes, or
    {code: confidence}), municipality, postal_code, lat, lon, active, capacity_cents and
    service_area (None = same region by default, "municipality", "mrc", "region",
    "province", or a radius in km). A supplier is a candidate for a lot when it serves the
    lot's category with confidence >= min_confidence, reaches the municipality `org_code`
    (MAMH mcode) with its service area, is active (missing = active) and has capacity
    (missing = unknown, counted as available; 0 or less = full).
    """
    empty = pd.DataFrame(columns=OUTPUT_COLUMNS)
    if not len(lots) or not len(suppliers):
        return empty
    sup = suppliers.copy()
    for col, default in (
        ("municipality", None),
        ("postal_code", None),
        ("lat", np.nan),
        ("lon", np.nan),
        ("active", True),
        ("capacity_cents", None),
        ("service_area", None),
    ):
        if col not in sup:
            sup[col] = default
    active = sup["active"].map(lambda v: True if is_missing(v) else bool(v))
    capacity = pd.to_numeric(sup["capacity_cents"], errors="coerce")
    sup = sup[active.to_numpy() & ~(capacity <= 0).to_numpy()]
    if not len(sup):
        return empty

    # Locality on distinct places only: a registry has far fewer places than suppliers.
    places = (
        sup[["municipality", "postal_code"]]
        .astype(object)
        .where(sup[["municipality", "postal_code"]].notna(), None)
    )
    place_keys = list(zip(places["municipality"], places["postal_code"], strict=True))
    level_of = {p: directory.locality_level(p[0], p[1], org_code) for p in set(place_keys)}
    sup = sup.assign(locality_level=[level_of[p] for p in place_keys])
    if org_lat is not None and org_lon is not None:
        lat = pd.to_numeric(sup["lat"], errors="coerce").to_numpy(dtype=float)
        lon = pd.to_numeric(sup["lon"], errors="coerce").to_numpy(dtype=float)
        sup["distance_km"] = np.round(np.asarray(distance_km(lat, lon, org_lat, org_lon)), 1)
    else:
        sup["distance_km"] = np.nan
    serves = [
        _serves(area, level, dist)
        for area, level, dist in zip(
            sup["service_area"].tolist(),
            sup["locality_level"].tolist(),
            sup["distance_km"].tolist(),
            strict=True,
        )
    ]
    sup = sup[np.asarray(serves, dtype=bool)]
    pairs = _category_pairs(sup)
    pairs = pairs[pairs["category_confidence"] >= min_confidence]
    if not len(pairs):
        return empty
    pairs = pairs.merge(
        sup[["key", "locality_level", "distance_km"]].rename(columns={"key": "supplier_key"}),
        on="supplier_key",
    )
    out = lots[["lot_key", "category_code"]].merge(pairs, on="category_code")
    out = out.drop_duplicates(["lot_key", "supplier_key"])
    return out[OUTPUT_COLUMNS].reset_index(drop=True)
