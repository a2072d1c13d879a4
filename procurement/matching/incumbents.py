"""Recognise spending that already goes to registry (social economy) suppliers.

Order of evidence: identifier (NEQ, SIRET, BN...), exact normalized name, unique prefix of a
name a finance system truncated, then fuzzy name on blocked candidates. Precision first:
anything doubtful is decision="review", never applied automatically.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from .normalize import _core as core_tokens
from .normalize import (
    identifier_kind,
    is_missing,
    legal_families,
    name_tokens,
    normalize_identifier,
    number_tokens,
)

OUTPUT_COLUMNS = [
    "supplier_name",
    "supplier_id",
    "registry_key",
    "confidence",
    "method",
    "reason",
    "decision",
]
AUTO_THRESHOLD = 0.90  # at or above: applied automatically
REVIEW_THRESHOLD = 0.75  # at or above: proposed to a clerk
_FUZZY_AUTO = 92.0
_FUZZY_REVIEW = 80.0
_FUZZY_MARGIN = 5.0  # the best entity must beat the runner-up by this much to be automatic
_STRONG_IDS = {"neq", "siret", "siren_or_bn"}  # self-checking, never reused by another entity
_TRUNCATION_WIDTHS = range(24, 33)  # finance systems cut names at 25, 30 or 32 characters


@dataclass
class _Registry:
    keys: list[str]
    names: list[str]
    light: list[str]
    core: list[str]
    entity: list[str]
    families: list[frozenset[str]]
    numbers: list[frozenset[str]]
    rep: dict[str, int]  # entity -> representative row
    by_ckey: dict[str, set[str]] = field(default_factory=dict)
    by_id: dict[str, set[str]] = field(default_factory=dict)
    light_sorted: list[tuple[str, int]] = field(default_factory=list)
    postings: dict[str, set[int]] = field(default_factory=dict)
    token_df: dict[str, int] = field(default_factory=dict)
    entity_names: dict[str, set[str]] = field(default_factory=dict)
    entity_light: dict[str, set[str]] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)


def _sorted_key(core: str) -> str:
    return " ".join(sorted(core.split()))


def _prepare_registry(registry: pd.DataFrame) -> _Registry:
    keys = registry["key"].astype(str).tolist()
    names = [("" if is_missing(n) else str(n)) for n in registry["name"].tolist()]
    toks = [name_tokens(n) for n in names]
    light = [" ".join(t) for t in toks]
    core = [" ".join(core_tokens(t)) for t in toks]
    ckeys = [_sorted_key(c) for c in core]
    neqs = [
        normalize_identifier(v) for v in registry.get("neq", pd.Series([None] * len(keys))).tolist()
    ]
    other = [
        normalize_identifier(v)
        for v in registry.get("other_id", pd.Series([None] * len(keys))).tolist()
    ]

    # One enterprise listed by several sources (directory, hub, REQ) is one entity: rows that
    # share a normalized name and at most one NEQ are merged; two NEQs keep them apart.
    neqs_by_ckey: dict[str, set[str]] = defaultdict(set)
    for ck, n in zip(ckeys, neqs, strict=True):
        if n and ck:
            neqs_by_ckey[ck].add(n)
    entity: list[str] = []
    for i, (ck, n) in enumerate(zip(ckeys, neqs, strict=True)):
        if n:
            entity.append(f"neq:{n}")
        elif ck and len(neqs_by_ckey.get(ck, ())) == 1:
            entity.append(f"neq:{next(iter(neqs_by_ckey[ck]))}")
        elif ck and not neqs_by_ckey.get(ck):
            entity.append(f"name:{ck}")
        else:
            entity.append(f"key:{keys[i]}")
    _merge_unnumbered(entity, core, neqs)
    rep: dict[str, int] = {}
    for i, e in enumerate(entity):
        if e not in rep or (neqs[i] and not neqs[rep[e]]):
            rep[e] = i
    reg = _Registry(
        keys=keys,
        names=names,
        light=light,
        core=core,
        entity=entity,
        families=[legal_families(n) for n in names],
        numbers=[number_tokens(c) for c in core],
        rep=rep,
    )
    for i, ck in enumerate(ckeys):
        if ck:
            reg.by_ckey.setdefault(ck, set()).add(entity[i])
        reg.entity_names.setdefault(entity[i], set()).add(names[i])
        reg.entity_light.setdefault(entity[i], set()).add(_sorted_key(light[i]))
        reg.vocabulary.update(light[i].split())
        for ident in (neqs[i], other[i]):
            if ident:
                reg.by_id.setdefault(ident, set()).add(entity[i])
    reg.light_sorted = sorted((s, i) for i, s in enumerate(light) if s)
    for i, c in enumerate(core):
        for tok in set(c.split()):
            reg.postings.setdefault(tok, set()).add(i)
            if len(tok) >= 5:
                reg.postings.setdefault("^" + tok[:4], set()).add(i)
    reg.token_df = {t: len({entity[i] for i in rows}) for t, rows in reg.postings.items()}
    return reg


def _merge_unnumbered(entity: list[str], core: list[str], neqs: list[str]) -> None:
    """Attach a row without NEQ to the one NEQ entity whose name contains all its words.

    "Centre d'amitié autochtone de Trois-Rivières" (directory) is the REQ's "Centre
    d'amitié autochtone de Trois-Rivières (CAATR)": one supplier, not two look-alikes.
    """
    postings: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(core):
        if neqs[i]:
            for tok in set(c.split()):
                postings[tok].append(i)
    for i, c in enumerate(core):
        if not entity[i].startswith("name:"):
            continue
        toks = set(c.split())
        if len(toks) < 2:
            continue
        rarest = min(toks, key=lambda t: len(postings.get(t, ())))
        found = {
            entity[j]
            for j in postings.get(rarest, ())
            if toks <= set(core[j].split()) or set(core[j].split()) <= toks
        }
        if len(found) == 1:
            entity[i] = next(iter(found))


def _two_sided_mismatch(mine: str, theirs: str) -> bool:
    """Tell whether each name has a word the other lacks (Section Rimouski vs Trois-Rivières).

    A dropped word is one-sided and harmless; a replaced word means another entity. Words
    within a typo of each other (ratio >= 80) count as the same.
    """
    a = [t for t in set(mine.split()) if len(t) >= 3]
    b = [t for t in set(theirs.split()) if len(t) >= 3]

    def unmatched(xs: list[str], ys: list[str]) -> bool:
        return any(all(fuzz.ratio(x, y) < 80 for y in ys) for x in xs)

    return unmatched(a, b) and unmatched(b, a)


@dataclass
class _Match:
    row: int | None
    confidence: float
    method: str
    reason: str

    @property
    def decision(self) -> str:
        if self.row is None or self.confidence < REVIEW_THRESHOLD:
            return "none"
        return "auto" if self.confidence >= AUTO_THRESHOLD else "review"


_NO_MATCH = _Match(None, 0.0, "none", "aucun fournisseur du registre / no registry supplier")


def _family_conflict(name: str, reg: _Registry, row: int) -> bool:
    """Two names stating different legal forms (coop vs association) are different entities."""
    mine = legal_families(name)
    theirs = reg.families[row]
    return bool(mine and theirs and not (mine & theirs))


def _by_identifier(ident: str, name: str, core: str, reg: _Registry) -> _Match | None:
    entities = reg.by_id.get(ident)
    if not entities:
        return None
    if len(entities) > 1:
        row = reg.rep[sorted(entities)[0]]
        return _Match(row, 0.8, "identifier", f"identifiant {ident} partagé / shared identifier")
    row = reg.rep[next(iter(entities))]
    kind = identifier_kind(ident)
    if kind in _STRONG_IDS:
        return _Match(row, 1.0, "identifier", f"identifiant {kind} {ident} / identifier {ident}")
    # Internal vendor numbers can collide with short registry ids: ask for a similar name too.
    sim = fuzz.token_set_ratio(core, reg.core[row]) if core else 0.0
    conf = 0.95 if sim >= 60 else 0.8
    return _Match(
        row,
        conf,
        "identifier",
        f"identifiant {ident}, nom {sim:.0f} % / identifier, name {sim:.0f}%",
    )


def _exact(name: str, core: str, light: str, reg: _Registry) -> _Match | None:
    ck = _sorted_key(core)
    entities = reg.by_ckey.get(ck)
    if not entities:
        return None
    ordered = sorted(entities)
    row = reg.rep[ordered[0]]
    if len(ordered) > 1:
        return _Match(
            row,
            0.8,
            "exact_name",
            f"nom identique à {len(ordered)} fournisseurs / same name as {len(ordered)} suppliers",
        )
    if _family_conflict(name, reg, row):
        return _Match(
            row, 0.8, "exact_name", "même nom, forme juridique différente / legal form differs"
        )
    toks = ck.split()
    # A lone common word ("Mauricie") is not an identity, unless the full name agrees too.
    if len(toks) == 1 and (len(toks[0]) < 4 or reg.token_df.get(toks[0], 0) > 2):
        same_full = _sorted_key(light) in reg.entity_light.get(ordered[0], set())
        if not same_full:
            return _Match(row, 0.8, "exact_name", "nom trop générique / name too generic")
    return _Match(
        row, 0.97, "exact_name", f"nom normalisé identique « {core} » / same normalized name"
    )


def _prefix(raw: str, light: str, reg: _Registry) -> _Match | None:
    if len(light) < 15 or len(light.split()) < 3:
        return None
    lo = bisect.bisect_left(reg.light_sorted, (light, -1))
    rows: list[int] = []
    for s, i in reg.light_sorted[lo:]:
        if not s.startswith(light):
            break
        if len(s) > len(light):
            rows.append(i)
    if not rows:
        return None
    entities = sorted({reg.entity[i] for i in rows})
    row = reg.rep[entities[0]] if len(entities) == 1 else rows[0]
    if len(entities) > 1:
        return _Match(
            row,
            0.78,
            "fuzzy_name",
            f"début commun à {len(entities)} noms (tronqué?) / prefix of {len(entities)} names",
        )
    coverage = len(light) / len(reg.light[row])
    likely_truncated = len(raw.strip()) in _TRUNCATION_WIDTHS
    conf = 0.93 if (likely_truncated or coverage >= 0.75) else 0.8
    if _family_conflict(raw, reg, row):
        conf = 0.78
    return _Match(
        row,
        conf,
        "fuzzy_name",
        f"nom tronqué, début unique de « {reg.names[row]} » / truncated name, unique prefix",
    )


def _fuzzy(name: str, core: str, light: str, reg: _Registry, max_df: int) -> _Match | None:
    toks = [t for t in set(core.split()) if t in reg.token_df or len(t) >= 5]
    rare = [t for t in toks if reg.token_df.get(t, 0) <= max_df]
    if not rare:
        return None
    cand: set[int] = set()
    for t in rare:
        cand |= reg.postings.get(t, set())
        if len(t) >= 5 and reg.token_df.get("^" + t[:4], 0) <= 2 * max_df:
            cand |= reg.postings.get("^" + t[:4], set())
    if not cand:
        return None
    rows = sorted(cand)
    s_core = process.cdist(
        [core], [reg.core[i] for i in rows], scorer=fuzz.token_sort_ratio, dtype=np.float32
    )[0]
    s_light = process.cdist(
        [light], [reg.light[i] for i in rows], scorer=fuzz.token_sort_ratio, dtype=np.float32
    )[0]
    scores = np.maximum(s_core, s_light)
    mine_numbers = number_tokens(core)
    best_by_entity: dict[str, tuple[float, int]] = {}
    for j, i in enumerate(rows):
        sc = float(scores[j])
        if mine_numbers != reg.numbers[i]:
            continue  # 9123-4567 Québec inc. is never 9123-4568 Québec inc.
        e = reg.entity[i]
        if e not in best_by_entity or sc > best_by_entity[e][0]:
            best_by_entity[e] = (sc, i)
    if not best_by_entity:
        return None
    ranked = sorted(best_by_entity.values(), reverse=True)
    best, best_row = ranked[0]
    row = reg.rep[reg.entity[best_row]]
    runner = ranked[1][0] if len(ranked) > 1 else 0.0
    if best < _FUZZY_REVIEW:
        return None
    reason = f"nom semblable à « {reg.names[row]} » ({best:.0f} %) / similar name ({best:.0f}%)"
    mismatch = _two_sided_mismatch(core, reg.core[best_row])
    if mismatch:
        reason += "; mots différents des deux côtés / different words on both sides"
    if (
        best >= _FUZZY_AUTO
        and best - runner >= _FUZZY_MARGIN
        and not mismatch
        and not _family_conflict(name, reg, row)
    ):
        return _Match(
            row,
            round(0.9 + 0.07 * (best - _FUZZY_AUTO) / (100 - _FUZZY_AUTO), 3),
            "fuzzy_name",
            reason,
        )
    if best - runner < _FUZZY_MARGIN:
        reason += f"; autre candidat à {runner:.0f} % / runner-up {runner:.0f}%"
    return _Match(row, round(0.75 + 0.1 * (best - _FUZZY_REVIEW) / 20, 3), "fuzzy_name", reason)


def match_incumbents(suppliers: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """Match spending suppliers (supplier_name, supplier_id) to registry entries.

    `registry` needs key and name, and may carry neq and other_id. Returns one row per input
    row with supplier_name, supplier_id, registry_key (None when no match), confidence,
    method (identifier|exact_name|fuzzy_name|none), reason and decision (auto|review|none).
    Only decision == "auto" should be applied without a clerk.
    """
    reg = _prepare_registry(registry)
    n_entities = len(reg.rep)
    max_df = max(20, int(0.01 * n_entities))
    names = (
        suppliers["supplier_name"] if "supplier_name" in suppliers else pd.Series([], dtype=object)
    )
    ids = (
        suppliers["supplier_id"]
        if "supplier_id" in suppliers
        else pd.Series([None] * len(suppliers), index=suppliers.index)
    )
    name_list = ["" if is_missing(v) else str(v) for v in names.tolist()]
    id_list = [normalize_identifier(v) for v in ids.tolist()]

    cache: dict[tuple[str, str], _Match] = {}
    results: list[_Match] = []
    for raw, ident in zip(name_list, id_list, strict=True):
        key = (raw, ident)
        if key not in cache:
            cache[key] = _match_one(raw, ident, reg, max_df)
        results.append(cache[key])

    out = pd.DataFrame(
        {
            "supplier_name": names.to_numpy() if len(names) else [],
            "supplier_id": ids.to_numpy() if len(ids) else [],
        },
        index=suppliers.index,
    )
    out["registry_key"] = pd.Series(
        [None if m.row is None or m.decision == "none" else reg.keys[m.row] for m in results],
        index=out.index,
        dtype=object,
    )
    out["confidence"] = np.array(
        [m.confidence if m.decision != "none" else 0.0 for m in results], dtype=float
    )
    out["method"] = [m.method if m.decision != "none" else "none" for m in results]
    out["reason"] = [m.reason if m.decision != "none" else _NO_MATCH.reason for m in results]
    out["decision"] = [m.decision for m in results]
    return out[OUTPUT_COLUMNS]


def _split_elisions(tokens: tuple[str, ...], vocabulary: set[str]) -> tuple[str, ...]:
    """Undo lost apostrophes ("LABONDANCE" -> "abondance") when the registry knows the word."""
    out = []
    for tok in tokens:
        if (
            len(tok) >= 3
            and tok[0] in "ld"
            and tok[1] in "aeiouhy"
            and tok not in vocabulary
            and tok[1:] in vocabulary
        ):
            out.append(tok[1:])
        else:
            out.append(tok)
    return tuple(out)


def _match_one(raw: str, ident: str, reg: _Registry, max_df: int) -> _Match:
    toks = _split_elisions(name_tokens(raw), reg.vocabulary) if raw else ()
    light = " ".join(toks)
    core = " ".join(core_tokens(toks))
    if ident:
        m = _by_identifier(ident, raw, core, reg)
        if m is not None:
            return m
    if not core:
        return _NO_MATCH
    for step in (
        lambda: _exact(raw, core, light, reg),
        lambda: _prefix(raw, light, reg),
        lambda: _fuzzy(raw, core, light, reg, max_df),
    ):
        m = step()
        if m is not None and m.decision != "none":
            return m
    return _NO_MATCH
