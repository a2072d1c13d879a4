"""A purchaser signs in with a real browser and reads the demo proposal."""

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




def keep_screenshot(path: Path) -> None:
    """Copy a screenshot where a person can look at it (PROCURE_SCREENSHOTS), if asked."""
    folder = os.environ.get("PROCURE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


def test_a_purchaser_signs_in_and_reads_the_proposal_kpis(page: Any, live_demo: Any,
                                                          tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_demo)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Trois-Rivières")

    page.goto(f"{live_demo.url}/proposals/{live_demo.proposal_id}")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith(f"Proposition #{live_demo.proposal_id}")
    kpis = page.locator("section.kpis .card")
    assert kpis.count() == 4
    share = kpis.nth(0).locator(".big").inner_text()
    assert re.fullmatch(r"\d+,\d\s%\s→\s\d+,\d\s%", share), share
    assert page.get_by_role("heading", name="Formule de l'impact").is_visible()
    assert page.get_by_role("link", name="OCDS (JSON)").is_visible()
    # One row per allocation, a page at a time, each naming its lot.
    rows = page.locator("table.allocations tbody tr")
    assert 1 < rows.count() <= 25
    assert page.get_by_role("columnheader", name="Lot", exact=True).is_visible()
    assert page.get_by_text("Appel d'offres avec clauses sociales").first.is_visible()
    # The cards sit side by side on a desktop screen.
    boxes = [kpis.nth(i).bounding_box() for i in range(4)]
    assert all(box is not None for box in boxes)
    assert len({round(box["y"]) for box in boxes if box}) == 1

    # Keyboard users reach the skip link first and see where the focus is.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip"

    shot = tmp_path / "proposal.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    keep_screenshot(shot)


def test_the_proposal_reads_in_english(page: Any, live_demo: Any) -> None:
    sign_in(page, live_demo, "finance")
    page.goto(f"{live_demo.url}/proposals/{live_demo.proposal_id}?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Social economy share").is_visible()


def test_an_upload_with_unknown_columns_asks_for_the_mapping(page: Any, live_demo: Any,
                                                             tmp_path: Path) -> None:
    sign_in(page, live_demo)
    upload = tmp_path / "avril.csv"
    upload.write_text("Date;Qui;Combien;Description\n"
                      "2025-04-15;Coop de nettoyage du Cap;1 234,56;Nettoyage des arénas\n",
                      encoding="utf-8")
    page.goto(f"{live_demo.url}/imports/new")
    page.get_by_label("Fichier").set_input_files(str(upload))
    page.get_by_role("button", name="Importer", exact=True).click()
    page.wait_for_url(re.compile(r".*/imports/mapping/.*"))
    page.get_by_label("Nom du fournisseur").select_option("Qui")
    assert page.get_by_label("Montant").input_value() == "Combien"
    shot = tmp_path / "mapping.png"
    page.screenshot(path=str(shot), full_page=True)
    keep_screenshot(shot)
    page.get_by_role("button", name="Confirmer et importer").click()
    page.wait_for_url(re.compile(r".*/imports/\d+$"))
    assert "Importé" in page.locator("dl.facts").inner_text()
