"""Spending -> category: clerk rules, keywords, account codes, confirmed look-alikes, fuzzy.

Work happens on distinct (expense_category, account_code, description) combinations;
`categorize_lines` deduplicates a lines table, categorizes and spreads results back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from .normalize import is_missing, normalize_text
from .taxonomy import FALLBACK_CODE, Keyword, Taxonomy

INPUT_COLUMNS = ("expense_category", "account_code", "description")
OUTPUT_COLUMNS = ("category_code", "confidence", "method", "reason")
METHODS = ("rule", "account_code", "keyword", "similar_confirmed", "fuzzy", "none")

HIGH_CONFIDENCE = 0.85  # applied automatically
MEDIUM_CONFIDENCE = 0.60  # applied automatically but shown to the clerk
# below MEDIUM_CONFIDENCE: pending review

RuleKind = Literal["account_code", "expense_category", "description"]
# Most specific evidence first: a description names the purchase, an account its budget line.
_RULE_PRIORITY: tuple[RuleKind, ...] = ("description", "account_code", "expense_category")
_FIELD_LABELS = {
    "expense_category": ("catégorie de dépense", "expense category"),
    "description": ("description", "description"),
    "account_code": ("code de compte", "account code"),
}
_EXTRA_HIT = 0.3  # each further keyword of the same category in a field adds a little
_SIMILAR_CUTOFF = 85.0
_SIMILAR_OVERRIDES_KEYWORDS = 92.0
_FUZZY_CUTOFF = 85.0
_MAMH_ACCOUNT = re.compile(r"^\D*(\d{2})\D*(\d{3})\D*(\d{2})\D*(\d{3})\D*$")


@dataclass(frozen=True)
class Rule:
    """A clerk's confirmation: every line whose field equals `pattern` gets `category_code`."""

    kind: RuleKind
    pattern: str
    category_code: str
    source: str = ""

    @property
    def key(self) -> str:
        """Return the normalized pattern the rule is matched on."""
        return normalize_key(self.pattern)


def normalize_key(value: object) -> str:
    """Normalize a field value for exact rule matching (accents, case, punctuation)."""
    return normalize_text(value)


def _normalized(column: pd.Series) -> list[str]:
    """Normalize a column once per distinct value (descriptions repeat a lot)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    folded = np.array([normalize_key(v) for v in uniques], dtype=object)
    return folded[codes].tolist() if len(codes) else []


def confidence_band(confidence: float) -> str:
    """Return 'high' (auto), 'medium' (auto, shown) or 'low' (pending review)."""
    if confidence >= HIGH_CONFIDENCE:
        return "high"
    if confidence >= MEDIUM_CONFIDENCE:
        return "medium"
    return "low"


@dataclass
class Evidence:
    """The best keyword of one category in one text, and how many keywords hit."""

    score: float
    keyword: Keyword | None
    hits: int
    weak_only: bool


def keyword_hits(taxonomy: Taxonomy, text: str) -> dict[str, Evidence]:
    """Find keyword phrases (whole words, longest first) and score them per category."""
    toks = taxonomy.tokens(text)
    found: dict[str, Evidence] = {}
    n = len(toks)
    for size in range(min(taxonomy.max_phrase_len, n), 0, -1):
        for i in range(n - size + 1):
            for kw in taxonomy.keywords.get(" ".join(toks[i : i + size]), ()):
                ev = found.get(kw.category_code)
                if ev is None:
                    found[kw.category_code] = Evidence(kw.score, kw, 1, kw.weak)
                else:
                    ev.hits += 1
                    ev.weak_only = ev.weak_only and kw.weak
                    if kw.score > ev.score:
                        ev.score, ev.keyword = kw.score, kw
    return found


def account_category(taxonomy: Taxonomy, code: object) -> tuple[str, str] | None:
    """Map a MAMH-style account (02-330-00-443) to a category by object, then function."""
    if is_missing(code):
        return None
    m = _MAMH_ACCOUNT.match(str(code).strip())
    if not m:
        return None
    function = f"{m.group(1)}-{m.group(2)}"
    obj = m.group(4)
    for prefix in (obj, obj[:2], obj[:1]):
        if prefix in taxonomy.account_objects:
            return taxonomy.account_objects[prefix], f"objet {obj}"
    if function in taxonomy.account_functions:
        return taxonomy.account_functions[function], f"fonction {function}"
    return None


class _FuzzyVocabulary:
    """Single strong keywords, for typo-tolerant matching of otherwise unmatched text."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.words: list[str] = []
        self.entries: list[Keyword] = []
        for key, kws in taxonomy.keywords.items():
            if " " in key or len(key) < 5:
                continue
            strong = [k for k in kws if not k.weak]
            if strong:
                self.words.append(key)
                self.entries.append(strong[0])
        self.cache: dict[str, tuple[Keyword, float] | None] = {}

    def lookup(self, token: str) -> tuple[Keyword, float] | None:
        if token not in self.cache:
            hit = process.extractOne(
                token, self.words, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
            )
            self.cache[token] = None if hit is None else (self.entries[hit[2]], float(hit[1]))
        return self.cache[token]


def _fmt_reason(parts_fr: list[str], parts_en: list[str]) -> str:
    return "; ".join(parts_fr) + " / " + "; ".join(parts_en)


def _as_str_column(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype=object)
    col = df[name]
    return col.astype(object).where(col.notna(), "")


def _similar_confirmed(
    descriptions: Sequence[str], rules: Sequence[Rule]
) -> dict[str, tuple[str, float, str]]:
    """Return description -> (category, score, confirmed text) for near-identical confirmed text."""
    confirmed = [(r.key, r) for r in rules if r.kind == "description" and len(r.key.split()) >= 2]
    queries = [d for d in descriptions if len(d.split()) >= 2]
    if not confirmed or not queries:
        return {}
    choices = [c[0] for c in confirmed]
    scores = process.cdist(
        queries,
        choices,
        scorer=fuzz.token_sort_ratio,
        score_cutoff=_SIMILAR_CUTOFF,
        dtype=np.uint8,
        workers=-1,
    )
    best = scores.argmax(axis=1)
    out: dict[str, tuple[str, float, str]] = {}
    for qi, ci in enumerate(best):
        score = float(scores[qi, ci])
        if score >= _SIMILAR_CUTOFF:
            rule = confirmed[int(ci)][1]
            out[queries[qi]] = (rule.category_code, score, rule.pattern)
    return out


def categorize(
    distinct: pd.DataFrame, taxonomy: Taxonomy, rules: Iterable[Rule] = ()
) -> pd.DataFrame:
    """Categorize distinct spending combinations.

    `distinct` has columns expense_category, account_code, description (missing ones are
    treated as empty). Returns a copy with category_code, confidence (0..1), method (one of
    METHODS) and reason (French / English) added.
    """
    rules = list(rules)
    unknown = {r.category_code for r in rules} - set(taxonomy.categories)
    if unknown:
        raise ValueError(f"rules point to unknown categories: {sorted(unknown)}")
    cols = {c: _as_str_column(distinct, c) for c in INPUT_COLUMNS}
    norm = {c: _normalized(cols[c]) for c in INPUT_COLUMNS}

    rule_maps: dict[str, dict[str, Rule]] = {k: {} for k in _RULE_PRIORITY}
    for rule in rules:  # later rules (newer confirmations) replace older ones
        rule_maps[rule.kind][rule.key] = rule

    hits_cache: dict[str, dict[str, Evidence]] = {}
    account_cache: dict[str, tuple[str, str] | None] = {}
    similar = _similar_confirmed(sorted(set(norm["description"]) - {""}), rules)
    fuzzy_vocab: _FuzzyVocabulary | None = None
    token_cache: dict[str, list[str]] = {}

    codes: list[str] = []
    confidences: list[float] = []
    methods: list[str] = []
    reasons: list[str] = []
    raw_account = cols["account_code"].tolist()
    for i in range(len(distinct)):
        # 1. clerk rules win
        rule_hit = None
        for kind in _RULE_PRIORITY:
            rule_hit = rule_maps[kind].get(norm[kind][i]) if norm[kind][i] else None
            if rule_hit:
                break
        if rule_hit is not None:
            fr, en = _FIELD_LABELS[rule_hit.kind]
            codes.append(rule_hit.category_code)
            confidences.append(1.0)
            methods.append("rule")
            reasons.append(
                f"règle « {rule_hit.pattern} » ({fr}, {rule_hit.source})"
                f" / rule '{rule_hit.pattern}' ({en}, {rule_hit.source})"
            )
            continue

        # 2. a near-identical description a clerk confirmed beats generic keywords
        sim = similar.get(norm["description"][i])
        if sim is not None and sim[1] >= _SIMILAR_OVERRIDES_KEYWORDS:
            codes.append(sim[0])
            confidences.append(round(min(0.95, 0.6 + 0.35 * (sim[1] - 85) / 15), 3))
            methods.append("similar_confirmed")
            reasons.append(
                f"semblable à « {sim[2]} » confirmée ({sim[1]:.0f} %)"
                f" / similar to confirmed '{sim[2]}' ({sim[1]:.0f}%)"
            )
            continue

        # 3. keywords in each field, plus the account code as one more piece of evidence
        totals: dict[str, float] = {}
        evidence: dict[str, list[tuple[str, Evidence]]] = {}
        strong: set[str] = set()
        for fld in ("expense_category", "description"):
            text = norm[fld][i]
            if not text:
                continue
            if text not in hits_cache:
                hits_cache[text] = keyword_hits(taxonomy, text)
            for code, ev in hits_cache[text].items():
                totals[code] = totals.get(code, 0.0) + ev.score + _EXTRA_HIT * (ev.hits - 1)
                evidence.setdefault(code, []).append((fld, ev))
                if not ev.weak_only:
                    strong.add(code)
        acc_key = raw_account[i]
        if acc_key not in account_cache:
            account_cache[acc_key] = account_category(taxonomy, acc_key)
        acc = account_cache[acc_key]
        if acc is not None:
            totals[acc[0]] = totals.get(acc[0], 0.0) + 1.0
            strong.add(acc[0])

        if totals:
            order = taxonomy.codes

            account_code = acc[0] if acc else None
            sources_of = {c: len(evidence.get(c, ())) + (c == account_code) for c in totals}
            # On equal scores, independent pieces of evidence (a keyword and the account
            # code) beat one longer phrase: "Électricité éclairage public", account 681.
            best = max(totals, key=lambda c: (totals[c], sources_of[c], c in strong,
                                              -order.index(c)))
            second = max((v for c, v in totals.items() if c != best), default=0.0)
            ratio = second / totals[best]
            sources = len(evidence.get(best, ())) + (1 if acc and acc[0] == best else 0)
            if best not in strong:
                conf = 0.55
            elif ratio == 0:
                conf = 0.95 if sources >= 2 else 0.9
            elif ratio < 0.5:
                conf = 0.9 if sources >= 2 else 0.85
            elif ratio < 0.8:
                conf = 0.75
            else:
                conf = 0.65
            parts_fr: list[str] = []
            parts_en: list[str] = []
            for fld, ev in evidence.get(best, ()):
                fr, en = _FIELD_LABELS[fld]
                assert ev.keyword is not None
                parts_fr.append(f"mot-clé « {ev.keyword.text} » dans la {fr}")
                parts_en.append(f"keyword '{ev.keyword.text}' in {en}")
            if acc is not None and acc[0] == best:
                parts_fr.append(f"code de compte {raw_account[i]} ({acc[1]})")
                parts_en.append(f"account code {raw_account[i]} ({acc[1]})")
            if second > 0:
                parts_fr.append("autres indices moins forts")
                parts_en.append("weaker competing evidence")
            codes.append(best)
            confidences.append(conf)
            methods.append("keyword" if evidence.get(best) else "account_code")
            reasons.append(_fmt_reason(parts_fr, parts_en))
            continue

        # 4. a confirmed description that is merely similar
        if sim is not None:
            codes.append(sim[0])
            confidences.append(round(0.6 + 0.35 * (sim[1] - 85) / 15, 3))
            methods.append("similar_confirmed")
            reasons.append(
                f"semblable à « {sim[2]} » confirmée ({sim[1]:.0f} %)"
                f" / similar to confirmed '{sim[2]}' ({sim[1]:.0f}%)"
            )
            continue

        # 5. typo-tolerant keyword match, always sent to review
        if fuzzy_vocab is None:
            fuzzy_vocab = _FuzzyVocabulary(taxonomy)
        best_fuzzy: tuple[Keyword, float, str, str] | None = None
        for fld in ("description", "expense_category"):
            text = norm[fld][i]
            if text not in token_cache:
                # Numbers (invoice, order numbers) are never misspelt keywords.
                token_cache[text] = [t for t in taxonomy.tokens(text)
                                     if len(t) >= 5 and not any(ch.isdigit() for ch in t)]
            for tok in token_cache[text]:
                hit = fuzzy_vocab.lookup(tok)
                if hit and (best_fuzzy is None or hit[1] > best_fuzzy[1]):
                    best_fuzzy = (hit[0], hit[1], tok, fld)
        if best_fuzzy is not None:
            kw, score, tok, fld = best_fuzzy
            fr, en = _FIELD_LABELS[fld]
            codes.append(kw.category_code)
            confidences.append(round(0.45 + 0.1 * (score - _FUZZY_CUTOFF) / 15, 3))
            methods.append("fuzzy")
            reasons.append(
                f"« {tok} » ressemble au mot-clé « {kw.text} » ({fr})"
                f" / '{tok}' resembles keyword '{kw.text}' ({en})"
            )
            continue

        codes.append(FALLBACK_CODE)
        confidences.append(0.0)
        methods.append("none")
        reasons.append("aucun indice reconnu / no recognised evidence")

    out = distinct.copy()
    out["category_code"] = codes
    out["confidence"] = np.asarray(confidences, dtype=float)
    out["method"] = methods
    out["reason"] = reasons
    return out


def distinct_rows(frame: pd.DataFrame, columns: Sequence[str]
                  ) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the distinct combinations of `columns` (missing values as "") and, for every
    row of `frame`, the position of its combination among them."""
    values = {c: _as_str_column(frame, c).to_numpy() for c in columns}
    # Combine per-column integer codes instead of concatenating strings: cheap on 1M rows.
    combined = np.zeros(len(frame), dtype=np.int64)
    for col in columns:
        codes, uniques = pd.factorize(values[col], sort=False)
        combined = pd.factorize(combined * (len(uniques) + 1) + codes, sort=False)[0]
    # factorize numbers the combinations in order of first appearance, so the codes are the
    # positions already; one hash pass (no sort) finds each combination's first row.
    first = pd.Series(combined).drop_duplicates().index.to_numpy()
    distinct = pd.DataFrame({c: values[c][first] for c in columns})
    return distinct, combined


def categorize_lines(
    lines: pd.DataFrame, taxonomy: Taxonomy, rules: Iterable[Rule] = ()
) -> pd.DataFrame:
    """Categorize every line: deduplicate the three fields, categorize, spread back.

    Returns `lines` with category_code, confidence, method and reason added.
    """
    present = [c for c in INPUT_COLUMNS if c in lines.columns]
    if not len(lines):
        return lines.assign(
            category_code=pd.Series(dtype=object),
            confidence=pd.Series(dtype=float),
            method=pd.Series(dtype=object),
            reason=pd.Series(dtype=object),
        )
    distinct, inverse = distinct_rows(lines, present)
    result = categorize(distinct, taxonomy, rules)
    out = lines.copy()
    for col in OUTPUT_COLUMNS:
        out[col] = result[col].to_numpy()[inverse]
    return out
