"""Load the public social economy registry files into one plain frame (evaluation, benchmarks).

The application's own import goes through `importers`; this loader only needs pandas.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .normalize import normalize_identifier

REGISTRY_COLUMNS = [
    "key",
    "name",
    "neq",
    "other_id",
    "postal_code",
    "municipality",
    "activity",
    "org_type",
    "legal_form",
    "sector",
    "lat",
    "lon",
]
DIRECTORY_FILE = "mauricie-se-directory.csv"
HUB_FILE = "mauricie-se-hub-members.csv"
REQ_FILE = "mauricie-req-nonprofits-coops.csv"


def _clean(series: pd.Series) -> pd.Series:
    """Strip text; blanks and the REQ's '-' placeholder become None."""
    s = series.astype(object).where(series.notna(), None)
    s = s.map(lambda v: None if v is None else (str(v).strip() or None))
    return s.map(lambda v: None if v in (None, "-", "NA") else v)


def _neq(series: pd.Series) -> pd.Series:
    return series.map(lambda v: normalize_identifier(v) or None)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, na_values=["NA"], keep_default_na=True, dtype=str, encoding="utf-8")


def load_registry_frames(realdata_dir: str | Path) -> pd.DataFrame:
    """Load the Mauricie directory, hub members and REQ extract as one registry frame.

    Keys are stable per source: 'dir:<row>', 'hub:<row>', 'req:<NEQ>'. The same enterprise
    may appear in several sources under different spellings; the NEQ tells them apart.
    """
    base = Path(realdata_dir)
    frames: list[pd.DataFrame] = []

    d = _read(base / DIRECTORY_FILE)
    frames.append(
        pd.DataFrame(
            {
                "key": [f"dir:{i}" for i in range(len(d))],
                "name": _clean(d["NomEntreprise"]),
                "neq": _neq(d["NEQ"]),
                "other_id": None,
                "postal_code": _clean(d["CodePostal"]),
                "municipality": _clean(d["Municipalite"]),
                "activity": None,
                "org_type": _clean(d["Type"]),
                "legal_form": None,
                "sector": _clean(d["SecteurActivite"]),
                "lat": pd.to_numeric(d["lat"], errors="coerce"),
                "lon": pd.to_numeric(d["long"], errors="coerce"),
            }
        )
    )

    h = _read(base / HUB_FILE)
    frames.append(
        pd.DataFrame(
            {
                "key": [f"hub:{i}" for i in range(len(h))],
                "name": _clean(h["NomEntreprise"]),
                "neq": None,
                "other_id": None,
                "postal_code": _clean(h["CodePostal"]),
                "municipality": _clean(h["Municipalite"]),
                "activity": None,
                "org_type": _clean(h["Type"]),
                "legal_form": None,
                "sector": _clean(h["SecteurActivite"]),
                "lat": float("nan"),
                "lon": float("nan"),
            }
        )
    )

    r = _read(base / REQ_FILE)
    neq = _neq(r["NEQ"])
    frames.append(
        pd.DataFrame(
            {
                "key": "req:" + neq.astype(str),
                "name": _clean(r["NomEntreprise"]),
                "neq": neq,
                "other_id": None,
                "postal_code": _clean(r["CodePostal"]),
                "municipality": _clean(r["Municipalite"]),
                "activity": _clean(r["SecteurActivite"]),
                "org_type": None,
                "legal_form": _clean(r["FormeJuridique"]),
                "sector": None,
                "lat": pd.to_numeric(r["lat"], errors="coerce"),
                "lon": pd.to_numeric(r["long"], errors="coerce"),
            }
        )
    )
    out = pd.concat(frames, ignore_index=True)[REGISTRY_COLUMNS]
    out = out[out["name"].notna()].drop_duplicates("key").reset_index(drop=True)
    return out
