"""Locality of a supplier to a municipality: same municipality, MRC, region, province.

Reference: the MAMH Répertoire des municipalités (mcode, munnom, mcodpos, regadm, mrc).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .normalize import fold, is_missing

LocalityLevel = Literal[
    "same_municipality", "same_mrc", "same_region", "same_province", "outside", "unknown"
]
LEVELS: tuple[LocalityLevel, ...] = (
    "same_municipality",
    "same_mrc",
    "same_region",
    "same_province",
    "outside",
    "unknown",
)
# Base scores: local money stays local; an unknown address is not rewarded like a known one.
LEVEL_SCORES: dict[str, float] = {
    "same_municipality": 1.0,
    "same_mrc": 0.8,
    "same_region": 0.6,
    "same_province": 0.3,
    "outside": 0.0,
    "unknown": 0.1,
}
DISTANCE_SCALE_KM = 50.0
_PAREN = re.compile(r"\([^)]*\)")
_CODE = re.compile(r"\((\d+)\)\s*$")
_PREFIXES = ("ville de ", "municipalite de ", "paroisse de ", "village de ", "canton de ")
_QUEBEC_POSTAL_LETTERS = frozenset("GHJ")


def municipality_key(name: object) -> str:
    """Normalize a municipality name: 'St-Tite', 'SAINT-TITE (Québec)' -> 'saint tite'."""
    text = _PAREN.sub(" ", fold(name))
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    words = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
    return " ".join(words.get(w, w) for w in text.split())


def normalize_postal_code(value: object) -> str:
    """Return a Canadian postal code as 'G9A5K8' (uppercase, no space), or ''."""
    if is_missing(value):
        return ""
    return re.sub(r"[^0-9A-Za-z]", "", str(value)).upper()


def distance_km(lat1: object, lon1: object, lat2: object, lon2: object) -> np.ndarray | float:
    """Great-circle (haversine) distance in km; works on scalars or arrays, NaN when unknown."""
    a1, o1, a2, o2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    h = np.sin((a2 - a1) / 2) ** 2 + np.cos(a1) * np.cos(a2) * np.sin((o2 - o1) / 2) ** 2
    d = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


def locality_score(level: str, distance: float | None = None) -> float:
    """Score locality in [0, 1].

    The level gives the base (municipality 1.0, MRC 0.8, region 0.6, province 0.3,
    outside 0.0, unknown 0.1). A known distance modulates it by up to 25 %:
    base × (0.75 + 0.25 × exp(-distance / 50 km)), so a nearer supplier of the same level
    scores a little higher and the levels never swap order.
    """
    base = LEVEL_SCORES.get(level, LEVEL_SCORES["unknown"])
    if distance is None or (isinstance(distance, float) and math.isnan(distance)):
        return base
    return base * (0.75 + 0.25 * math.exp(-max(0.0, float(distance)) / DISTANCE_SCALE_KM))


@dataclass(frozen=True)
class Municipality:
    """One row of the MAMH directory, with the codes locality compares."""

    mcode: str
    name: str
    postal_code: str
    region: str  # "04"
    region_name: str
    mrc: str  # "mrc:460", or "dr:37" (census division) for cities outside any MRC
    mrc_name: str
    population: int


class MunicipalityDirectory:
    """Look municipalities up by code, name (accent-insensitive) or postal code."""

    def __init__(self, municipalities: list[Municipality]) -> None:
        self.by_code = {m.mcode: m for m in municipalities}
        self.by_name: dict[str, list[Municipality]] = {}
        self.by_postal: dict[str, set[str]] = {}
        self.by_fsa: dict[str, set[str]] = {}
        for m in municipalities:
            self.by_name.setdefault(municipality_key(m.name), []).append(m)
            if m.postal_code:
                self.by_postal.setdefault(m.postal_code, set()).add(m.mcode)
                self.by_fsa.setdefault(m.postal_code[:3], set()).add(m.mcode)
        for same in self.by_name.values():  # most populous first when a name is shared
            same.sort(key=lambda m: -m.population)

    @classmethod
    def from_csv(cls, path: str | Path) -> MunicipalityDirectory:
        """Load the MAMH municipalities CSV (UTF-8 with BOM)."""
        df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        items: list[Municipality] = []
        for row in df.itertuples(index=False):
            name = str(row.munnom).strip()
            if not name or name.lower().startswith("toponyme"):
                continue
            region = _CODE.search(str(row.regadm))
            # Cities outside any MRC (Trois-Rivières, Shawinigan) use their census division.
            in_mrc = bool(str(row.mrc).strip())
            mrc_src = str(row.mrc).strip() or str(getattr(row, "divrec", "")).strip()
            mrc = _CODE.search(mrc_src)
            mrc_code = (mrc.group(1) if mrc else mrc_src) if mrc_src else ""
            try:
                population = int(float(str(row.mpopul) or 0))
            except ValueError:
                population = 0
            items.append(
                Municipality(
                    mcode=str(row.mcode).strip(),
                    name=name,
                    postal_code=normalize_postal_code(row.mcodpos),
                    region=region.group(1) if region else "",
                    region_name=_CODE.sub("", str(row.regadm)).strip(),
                    mrc=(("mrc:" if in_mrc else "dr:") + mrc_code) if mrc_code else "",
                    mrc_name=_CODE.sub("", mrc_src).strip(),
                    population=population,
                )
            )
        return cls(items)

    def get(self, mcode: object) -> Municipality | None:
        """Return a municipality by MAMH code ('37067' or 37067)."""
        if is_missing(mcode):
            return None
        code = str(mcode).strip()
        return self.by_code.get(code) or self.by_code.get(code.zfill(5))

    def lookup(self, name: object = None, postal_code: object = None) -> Municipality | None:
        """Find a municipality by name, then by postal code (exact, then unique FSA)."""
        postal = normalize_postal_code(postal_code)
        candidates = self.by_name.get(municipality_key(name), []) if not is_missing(name) else []
        if candidates:
            if len(candidates) > 1 and postal:
                for m in candidates:  # a duplicated name: the postal code picks the region
                    if m.postal_code[:3] == postal[:3]:
                        return m
            return candidates[0]
        if postal:
            exact = self.by_postal.get(postal, set())
            if len(exact) == 1:
                return self.by_code[next(iter(exact))]
            fsa = self.by_fsa.get(postal[:3], set())
            if len(fsa) == 1:
                return self.by_code[next(iter(fsa))]
        return None

    def locality_level(
        self, supplier_municipality: object, supplier_postal_code: object, org_code: object
    ) -> LocalityLevel:
        """Classify a supplier's place relative to the municipality `org_code` (MAMH mcode)."""
        org = self.get(org_code)
        if org is None:
            return "unknown"
        sup = self.lookup(supplier_municipality, supplier_postal_code)
        if sup is None:
            postal = normalize_postal_code(supplier_postal_code)
            if re.fullmatch(r"[A-Z]\d[A-Z]\d[A-Z]\d", postal):
                return "same_province" if postal[0] in _QUEBEC_POSTAL_LETTERS else "outside"
            if postal:  # a postcode of another country (UK, France...)
                return "outside"
            return "unknown"
        if sup.mcode == org.mcode:
            return "same_municipality"
        if sup.mrc and sup.mrc == org.mrc:
            return "same_mrc"
        if sup.region and sup.region == org.region:
            return "same_region"
        return "same_province"
