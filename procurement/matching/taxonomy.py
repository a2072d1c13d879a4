"""Bilingual taxonomy of municipal spending categories, loaded from data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from .normalize import match_tokens

FALLBACK_CODE = "autre"
WEAK_PREFIX = "~"  # a keyword written "~fees" counts as weak evidence


@dataclass(frozen=True)
class Category:
    """One spending category with its bilingual labels and matching evidence."""

    code: str
    label_fr: str
    label_en: str
    parent: str
    se_relevant: bool
    naics: tuple[str, ...]
    keywords_fr: tuple[str, ...]
    keywords_en: tuple[str, ...]
    account_objects: tuple[str, ...] = ()
    account_functions: tuple[str, ...] = ()
    sector_slugs: tuple[str, ...] = ()
    # What a registry's activity text says when an organisation supplies this category, and
    # the NACE Rev.2 class prefixes (NAF rév.2, UK SIC 2007) of such activities.
    capability_keywords_fr: tuple[str, ...] = ()
    capability_keywords_en: tuple[str, ...] = ()
    nace: tuple[str, ...] = ()


@dataclass(frozen=True)
class Keyword:
    """A normalized keyword phrase pointing to a category."""

    category_code: str
    text: str  # as written in the taxonomy, shown to clerks
    lang: str  # "fr" or "en"
    n_tokens: int
    weak: bool

    @property
    def score(self) -> float:
        """Weigh a hit: longer phrases are more specific; weak words count half."""
        return self.n_tokens - (0.5 if self.weak else 0.0)


@dataclass
class Taxonomy:
    """Categories, groups and the indexes the matchers use."""

    categories: dict[str, Category]
    groups: dict[str, tuple[str, str]]
    abbreviations: dict[str, str]
    stopwords: frozenset[str]
    version: str = ""
    keywords: dict[str, list[Keyword]] = field(default_factory=dict)
    max_phrase_len: int = 1
    account_objects: dict[str, str] = field(default_factory=dict)
    account_functions: dict[str, str] = field(default_factory=dict)
    sector_slugs: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for cat in self.categories.values():
            for lang, words in (("fr", cat.keywords_fr), ("en", cat.keywords_en)):
                for word in words:
                    weak = word.startswith(WEAK_PREFIX)
                    text = word.lstrip(WEAK_PREFIX)
                    toks = self.tokens(text)
                    if not toks:
                        continue
                    key = " ".join(toks)
                    kw = Keyword(cat.code, text, lang, len(toks), weak)
                    bucket = self.keywords.setdefault(key, [])
                    if all(k.category_code != cat.code for k in bucket):
                        bucket.append(kw)
                    self.max_phrase_len = max(self.max_phrase_len, len(toks))
            for obj in cat.account_objects:
                self.account_objects[obj] = cat.code
            for fn in cat.account_functions:
                self.account_functions[fn] = cat.code
            for slug in cat.sector_slugs:
                self.sector_slugs.setdefault(slug, []).append(cat.code)

    def tokens(self, text: object) -> tuple[str, ...]:
        """Return the matching tokens of a text under this taxonomy's abbreviations."""
        return match_tokens(text, self.abbreviations, self.stopwords)

    @property
    def codes(self) -> list[str]:
        """Return the category codes in taxonomy order."""
        return list(self.categories)

    def label(self, code: str, lang: str = "fr") -> str:
        """Return the label of a category in French or English."""
        cat = self.categories.get(code) or self.categories[FALLBACK_CODE]
        return cat.label_en if lang == "en" else cat.label_fr

    def se_relevant_codes(self) -> list[str]:
        """Return the codes of categories social economy enterprises commonly sell."""
        return [c.code for c in self.categories.values() if c.se_relevant]

    def to_frame(self) -> pd.DataFrame:
        """Return one row per category (code, labels, parent, se_relevant, naics)."""
        return pd.DataFrame(
            [
                {
                    "code": c.code,
                    "label_fr": c.label_fr,
                    "label_en": c.label_en,
                    "parent": c.parent,
                    "se_relevant": c.se_relevant,
                    "naics": ";".join(c.naics),
                }
                for c in self.categories.values()
            ]
        )


def default_taxonomy_path() -> Path:
    """Return the path of the taxonomy shipped with the package."""
    return Path(str(resources.files("procurement.data").joinpath("taxonomy.json")))


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load a taxonomy JSON file (the shipped one by default)."""
    raw = json.loads(Path(path or default_taxonomy_path()).read_text(encoding="utf-8"))
    categories: dict[str, Category] = {}
    for item in raw["categories"]:
        categories[item["code"]] = Category(
            code=item["code"],
            label_fr=item["label_fr"],
            label_en=item["label_en"],
            parent=item["parent"],
            se_relevant=bool(item["se_relevant"]),
            naics=tuple(item.get("naics", ())),
            keywords_fr=tuple(item.get("keywords_fr", ())),
            keywords_en=tuple(item.get("keywords_en", ())),
            account_objects=tuple(item.get("account_objects", ())),
            account_functions=tuple(item.get("account_functions", ())),
            sector_slugs=tuple(item.get("sector_slugs", ())),
            capability_keywords_fr=tuple(item.get("capability_keywords_fr", ())),
            capability_keywords_en=tuple(item.get("capability_keywords_en", ())),
            nace=tuple(item.get("nace", ())),
        )
    if FALLBACK_CODE not in categories:
        raise ValueError(f"taxonomy must define the catch-all category {FALLBACK_CODE!r}")
    groups = {g["code"]: (g["label_fr"], g["label_en"]) for g in raw.get("groups", ())}
    return Taxonomy(
        categories=categories,
        groups=groups,
        abbreviations={k: v for k, v in raw.get("abbreviations", {}).items()},
        stopwords=frozenset(raw.get("stopwords", ())),
        version=str(raw.get("version", "")),
    )
