"""Layout and accessibility of the main pages in a real browser.

At 390 px (a phone) the dashboard, proposal and compare pages must not scroll sideways;
at 1280 px the matching table shows its "Corriger" column without scrolling; axe-core
(from npm, injected into the page) finds no serious or critical violation on the main
pages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.signing import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"




def compare_url(page: Any, demo: Any) -> str:
    """Return the compare page of the demo proposal and another one (itself if alone)."""
    page.goto(f"{demo.url}/proposals/compare")
    ids = [int(v) for v in page.locator("select#a option").evaluate_all(
        "options => options.map(o => o.value)")]
    other = next((i for i in ids if i != demo.proposal_id), demo.proposal_id)
    return f"{demo.url}/proposals/compare?a={other}&b={demo.proposal_id}"


def main_pages(page: Any, demo: Any) -> dict[str, str]:
    return {
        "dashboard": f"{demo.url}/",
        "proposal": f"{demo.url}/proposals/{demo.proposal_id}",
        "compare": compare_url(page, demo),
    }


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_dashboard_proposal_and_compare_pages_do_not_scroll_sideways_on_a_phone(
        page: Any, live_demo: Any, lang: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_demo)
    for name, url in main_pages(page, live_demo).items():
        page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert page.evaluate(OVERFLOW), f"{name} ({lang}) is {widths[0]} px wide at 390 px"


def test_the_proposal_page_is_not_a_wall_of_rows(page: Any, live_demo: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_demo)
    page.goto(f"{live_demo.url}/proposals/{live_demo.proposal_id}")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 9000, f"the proposal page is {height} px tall"
    assert page.locator("table.allocations tbody tr").count() <= 50
    # Settings come before the allocations.
    settings = page.locator("#settings").bounding_box()
    allocations = page.locator("#allocations").bounding_box()
    assert settings and allocations and settings["y"] < allocations["y"]


def test_the_matching_table_shows_its_correction_column_at_1280_px(page: Any,
                                                                   live_demo: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_demo)
    page.goto(f"{live_demo.url}/matching")
    header = page.get_by_role("columnheader", name="Corriger")
    box = header.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 1280
    scroll = page.locator("div.scroll").first
    assert scroll.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), \
        scroll.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert page.evaluate(OVERFLOW)


def _serious(page: Any, axe: Path) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(axe))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_or_critical_violation_on_the_main_pages(
        browser: Any, live_demo: Any, axe_script: Path) -> None:
    # The pages forbid inline scripts (CSP); axe is the test's own script, let it in.
    context = browser.new_context(bypass_csp=True, locale="fr-CA",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found: dict[str, Any] = {}
    page.goto(f"{live_demo.url}/login")
    found["login"] = _serious(page, axe_script)
    sign_in(page, live_demo)
    pages = {**main_pages(page, live_demo),
             "scenario form": f"{live_demo.url}/scenarios/new",
             "imports": f"{live_demo.url}/imports",
             "new import": f"{live_demo.url}/imports/new",
             "matching": f"{live_demo.url}/matching",
             "capabilities": f"{live_demo.url}/capabilities"}
    for name, url in pages.items():
        page.goto(url)
        found[name] = _serious(page, axe_script)
    context.close()
    problems = {name: v for name, v in found.items() if v}
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)
