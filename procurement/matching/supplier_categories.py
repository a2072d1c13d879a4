"""Supplier -> categories it can serve, inferred from name, activity text and hub sector."""

from __future__ import annotations

import re

import pandas as pd

from .categorize import Evidence, keyword_hits
from .normalize import is_missing, normalize_text
from .taxonomy import FALLBACK_CODE, Taxonomy

OUTPUT_COLUMNS = ["key", "category_code", "confidence", "reason"]
# The REQ activity text says what the enterprise does; its name often says it too but less
# reliably ("Club Anowepo"); a hub sector slug is broad (one slug covers several categories).
_ACTIVITY_CONFIDENCE = 0.85
_NAME_CONFIDENCE = 0.75
_SECTOR_CONFIDENCE = 0.6
_WEAK_PENALTY = 0.25
_AGREEMENT_BONUS = 0.1
_MAX_CONFIDENCE = 0.95
# Social economy organisations that do not sell to municipalities in these categories:
# housing co-ops, financial co-ops, foundations, unions. A keyword in
# their name ("Caisse Desjardins des technologies de l'information") would mislead.
_NOT_SUPPLIERS = re.compile(
    r"\b(coop\w* d ?habitation|habitations?|caisses?|desjardins|fondation|syndicat|mutuelle)\b"
)


def _text_evidence(
    taxonomy: Taxonomy, text: object, cache: dict[str, dict[str, Evidence]]
) -> dict[str, Evidence]:
    norm = normalize_text(text)
    if not norm:
        return {}
    if norm not in cache:
        cache[norm] = keyword_hits(taxonomy, norm)
    return cache[norm]


def infer_supplier_categories(
    registry: pd.DataFrame, taxonomy: Taxonomy, *, min_confidence: float = 0.0
) -> pd.DataFrame:
    """Infer the categories each registry supplier can serve.

    `registry` has key, name and optionally activity, org_type, legal_form, sector. Returns
    one row per (key, category_code) with confidence and a bilingual reason, best first; a
    supplier with no evidence gets one 'autre' row at confidence 0.
    """
    cache: dict[str, dict[str, Evidence]] = {}

    def column(name: str) -> list[object]:
        return registry[name].tolist() if name in registry else [None] * len(registry)

    rows: list[dict[str, object]] = []
    for key, name, activity, sector in zip(
        column("key"), column("name"), column("activity"), column("sector"), strict=True
    ):
        found: dict[str, list[tuple[float, str, str]]] = {}
        if _NOT_SUPPLIERS.search(normalize_text(name)):
            rows.append({"key": key, "category_code": FALLBACK_CODE, "confidence": 0.0,
                         "reason": "habitation, caisse ou fondation: pas un fournisseur "
                                   "municipal / housing, financial co-op or foundation: "
                                   "not a municipal supplier"})
            continue
        for text, base, fr, en in (
            (activity, _ACTIVITY_CONFIDENCE, "activité", "activity"),
            (name, _NAME_CONFIDENCE, "nom", "name"),
        ):
            for code, ev in _text_evidence(taxonomy, text, cache).items():
                conf = base - (_WEAK_PENALTY if ev.weak_only else 0.0)
                kw = ev.keyword.text if ev.keyword else ""
                found.setdefault(code, []).append(
                    (conf, f"« {kw} » dans le {fr}", f"'{kw}' in {en}")
                )
        if not is_missing(sector):
            for code in taxonomy.sector_slugs.get(str(sector).strip(), ()):
                found.setdefault(code, []).append(
                    (_SECTOR_CONFIDENCE, f"secteur « {sector} »", f"sector '{sector}'")
                )
        if not found:
            rows.append(
                {
                    "key": key,
                    "category_code": FALLBACK_CODE,
                    "confidence": 0.0,
                    "reason": "aucun indice / no evidence",
                }
            )
            continue
        for code, items in found.items():
            conf = max(c for c, _, _ in items) + _AGREEMENT_BONUS * (len(items) - 1)
            conf = round(min(_MAX_CONFIDENCE, conf), 3)
            if conf < min_confidence:
                continue
            reason = (
                "; ".join(fr for _, fr, _ in items) + " / " + "; ".join(en for _, _, en in items)
            )
            rows.append({"key": key, "category_code": code, "confidence": conf, "reason": reason})
    out = pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
    if len(out):
        out = out.sort_values(["key", "confidence"], ascending=[True, False], kind="stable")
    return out.reset_index(drop=True)


def categories_by_supplier(inferred: pd.DataFrame) -> dict[object, dict[str, float]]:
    """Collapse inferred rows into {key: {category_code: confidence}} for eligibility."""
    out: dict[object, dict[str, float]] = {}
    for key, code, conf in inferred[["key", "category_code", "confidence"]].itertuples(index=False):
        out.setdefault(key, {})[code] = float(conf)
    return out
