"""A purchaser searches the registry in a real browser, in French and in English."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.signing import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

PHONE_WIDTH = 390




def shoot(page: Any, folder: Path, name: str) -> Path:
    """Save a screenshot of the whole page; copy it to PROCURE_SCREENSHOTS when set."""
    shot = folder / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5_000
    kept = os.environ.get("PROCURE_SCREENSHOTS")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(kept) / shot.name)
    return shot


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide at {PHONE_WIDTH}px"


@pytest.mark.parametrize(("lang", "box", "button", "count_word"), [
    ("fr", "Nom, identifiant ou activité", "Chercher", "fournisseurs"),
    ("en", "Name, identifier or activity", "Search", "suppliers"),
])
def test_searching_cooperative_finds_the_coopératives_and_opens_one(
        page: Any, live_demo: Any, tmp_path: Path, lang: str, box: str, button: str,
        count_word: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_demo)
    page.goto(f"{live_demo.url}/registry?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    shoot(page, tmp_path, f"registry-{lang}-1-search")

    page.get_by_label(box).fill("cooperative")
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(re.compile(r".*/registry\?.*q=cooperative.*"))
    count = page.locator(".registry-count").inner_text()
    found = int(re.sub(r"\D", "", count))
    assert found > 20 and count_word in count, count
    names = page.locator("table.registry tbody tr td:first-child strong").all_inner_texts()
    assert any(re.search(r"coopérative", n, re.IGNORECASE) for n in names), names[:5]
    shoot(page, tmp_path, f"registry-{lang}-2-results")

    coop = next(n for n in names if re.search(r"coopérative", n, re.IGNORECASE))
    page.get_by_role("link", name=coop, exact=True).first.click()
    page.wait_for_url(re.compile(r".*/registry/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == coop
    heading = "Capacités et preuves" if lang == "fr" else "Capabilities and evidence"
    assert page.get_by_role("heading", name=heading).is_visible()
    shoot(page, tmp_path, f"registry-{lang}-3-supplier")


def test_the_registry_pages_do_not_scroll_sideways_on_a_phone(page: Any, live_demo: Any,
                                                              tmp_path: Path) -> None:
    sign_in(page, live_demo)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    page.goto(f"{live_demo.url}/registry?q=cooperative")
    page.wait_for_load_state("load")
    no_sideways_scroll(page)
    shoot(page, tmp_path, "registry-390-results")
    page.locator("table.registry a").first.click()
    page.wait_for_url(re.compile(r".*/registry/\d+$"))
    no_sideways_scroll(page)
    shoot(page, tmp_path, "registry-390-supplier")
    for lang in ("fr", "en"):
        page.goto(f"{live_demo.url}/registry?lang={lang}")
        no_sideways_scroll(page)
