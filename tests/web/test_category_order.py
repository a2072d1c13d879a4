"""Category lists read in the order of their labels, in the page's language."""

from __future__ import annotations

import html
import re
from typing import Any

from unidecode import unidecode

from procurement.models import Organization


def options(page: str, select_id_prefix: str) -> list[str]:
    block = re.search(rf'<select id="{select_id_prefix}[^"]*"[^>]*>(.*?)</select>', page, re.S)
    assert block, f"no select {select_id_prefix}"
    return [html.unescape(text).strip() for value, text in re.findall(
        r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block.group(1)) if value]


def folded(labels: list[str]) -> list[str]:
    return [unidecode(label).casefold() for label in labels]


def test_the_capability_filter_lists_categories_by_label_in_each_language(
        as_role: Any) -> None:
    client = as_role("purchaser")
    for lang in ("fr", "en"):
        labels = options(client.get(f"/capabilities?lang={lang}").get_data(as_text=True),
                         "category")
        assert len(labels) > 10
        assert folded(labels) == sorted(folded(labels)), labels[:8]
    french = options(client.get("/capabilities?lang=fr").get_data(as_text=True), "category")
    english = options(client.get("/capabilities?lang=en").get_data(as_text=True), "category")
    assert french != english                       # each language its own order


def test_the_correction_list_of_the_matching_page_is_sorted_by_label(
        as_role: Any, spending: Organization) -> None:
    page = as_role("purchaser").get("/matching?lang=fr").get_data(as_text=True)
    labels = options(page, "cat-")
    assert len(labels) > 10
    assert folded(labels) == sorted(folded(labels)), labels[:8]
