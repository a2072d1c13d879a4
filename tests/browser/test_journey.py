"""The main journey in a real browser, in French and in English, a screenshot per step.

A purchaser imports a real council spending file (cp1252 CSV, amounts in pounds) and
confirms its column mapping, corrects a match, confirms a capability and runs two
scenarios, then withdraws the test file; finance rejects one proposal without a comment
(and sees the inline error), then approves the other; an auditor downloads the workbook
and the PDF. Screenshots go to tests/browser/artifacts/<lang>/NN-step.png.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning"),
]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SPENDING_FILE = "bradford-spend-2019-08.csv"

# What each language calls the controls the journey uses.
WORDS = {
    "fr": {
        "email": "Adresse courriel", "password": "Mot de passe", "sign_in": "Se connecter",
        "import": "Importer", "review": "Me montrer l'association des colonnes",
        "confirm_import": "Confirmer et importer", "imported": "Importé",
        "save_mapping": "Retenir cette association", "save": "Enregistrer",
        "correction": "Correction enregistrée", "confirm": "Confirmer",
        "decisions": "Décisions enregistrées", "compute": "Calculer une proposition",
        "proposal": "Proposition", "submit": "Soumettre aux finances",
        "withdraw": "Retirer cet import", "confirm_withdraw": "Confirmer le retrait",
        "withdrawn": "Retiré", "reject": "Rejeter", "approve": "Approuver",
        "comment_needed": "Dites pourquoi vous rejetez la proposition",
        "approved": "Approuvée", "rejected": "Rejetée", "sign_out": "Se déconnecter",
        "workbook": "Excel avec graphiques", "pdf": "PDF",
        "samples": "Ce que contient le fichier",
    },
    "en": {
        "email": "E-mail address", "password": "Password", "sign_in": "Sign in",
        "import": "Import", "review": "Show me the column mapping",
        "confirm_import": "Confirm and import", "imported": "Imported",
        "save_mapping": "Remember this mapping", "save": "Save",
        "correction": "Correction saved", "confirm": "Confirm",
        "decisions": "Decisions saved", "compute": "Compute a proposal",
        "proposal": "Proposal", "submit": "Submit to finance",
        "withdraw": "Withdraw this import", "confirm_withdraw": "Confirm the withdrawal",
        "withdrawn": "Withdrawn", "reject": "Reject", "approve": "Approve",
        "comment_needed": "Say why you reject the proposal",
        "approved": "Approved", "rejected": "Rejected", "sign_out": "Sign out",
        "workbook": "Excel with charts", "pdf": "PDF",
        "samples": "What the file holds",
    },
}


class Journey:
    """One language's walk: the page, the demo, numbered screenshots."""

    def __init__(self, page: Any, demo: Any, lang: str) -> None:
        self.page, self.demo, self.lang = page, demo, lang
        self.words = WORDS[lang]
        self.folder = ARTIFACTS / lang
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.step = 0

    def url(self, path: str) -> str:
        return f"{self.demo.url}{path}"

    def shot(self, name: str, focus: Any = None) -> None:
        """Save a screenshot of the step, numbered in order: the whole page when it is
        short, else the screen around `focus` (or the top of the page)."""
        self.step += 1
        # A click on a link only starts the navigation: measure the page once it has
        # loaded, not the document being replaced (it has no element then).
        self.page.wait_for_load_state("load")
        if focus is not None:
            focus.evaluate("element => element.scrollIntoView({block: 'start'})")
        height = self.page.evaluate("document.documentElement.scrollHeight")
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{name}.png"),
                             full_page=focus is None and height <= 3000)

    def sign_in(self, role: str) -> None:
        email = f"{role}@demo.v3r.example"
        self.page.goto(self.url(f"/login?lang={self.lang}"))
        self.page.get_by_label(self.words["email"]).fill(email)
        self.page.get_by_label(self.words["password"]).fill(self.demo.credentials[email])
        self.page.get_by_role("button", name=self.words["sign_in"]).click()
        self.page.wait_for_url(self.url("/"))

    def sign_out(self) -> None:
        self.page.get_by_role("button", name=self.words["sign_out"]).click()
        self.page.wait_for_url(re.compile(r".*/login.*"))

    def wait_for_job(self, pattern: str, timeout: float = 180_000) -> None:
        """Wait until the job page has sent the browser on to `pattern`."""
        self.page.wait_for_url(re.compile(pattern), timeout=timeout)

    def flash(self) -> str:
        return str(self.page.locator(".flash").first.inner_text())


def run_scenario(journey: Journey, name: str) -> int:
    """Run a scenario from the form; return the proposal it stored, submitted to finance."""
    page, words = journey.page, journey.words
    page.goto(journey.url("/scenarios/new"))
    page.locator("#name").fill(name)
    page.locator("#budget_increase_pct").fill("3")
    page.get_by_role("button", name=words["compute"]).click()
    page.wait_for_url(re.compile(r".*/proposals/\d+$"), timeout=300_000)
    proposal_id = int(page.url.rsplit("/", 1)[-1])
    assert name in page.content()
    page.get_by_role("button", name=words["submit"]).click()
    page.wait_for_url(journey.url(f"/proposals/{proposal_id}"))
    return proposal_id


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_main_journey_from_a_spending_file_to_the_auditors_exports(
        page: Any, live_demo: Any, realdata: Path, lang: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(60_000)
    journey = Journey(page, live_demo, lang)
    words = journey.words

    # --- the purchaser -----------------------------------------------------------------
    journey.sign_in("purchaser")
    assert page.locator("html").get_attribute("lang", timeout=5000) in (lang, f"{lang}-CA")
    journey.shot("dashboard")

    page.goto(journey.url("/imports/new"))
    page.locator("#file").set_input_files(str(realdata / SPENDING_FILE))
    page.locator("#currency").select_option("GBP")        # a UK council's file: pounds
    page.get_by_label(words["review"]).check()
    journey.shot("upload")
    page.get_by_role("button", name=words["import"], exact=True).click()
    journey.wait_for_job(r".*/imports/mapping/[\w-]+$")
    assert page.get_by_role("heading", name=words["samples"]).is_visible()
    assert page.locator("#map_amount").input_value() == "Net Amount"
    assert "PREPAID FINANCIAL SERVICES LIMITED" in page.locator("table.file-columns").inner_text()
    page.get_by_label(words["save_mapping"]).uncheck()   # the English run asks again
    journey.shot("mapping")
    page.get_by_role("button", name=words["confirm_import"]).click()
    journey.wait_for_job(r".*/imports/\d+$")
    import_url = page.url
    assert words["imported"] in page.locator("dl.facts").inner_text()
    journey.shot("imported")

    page.goto(journey.url("/imports"))
    rows = page.locator("table tbody > tr")
    first = rows.first.inner_text()
    assert SPENDING_FILE in first and words["imported"] in first
    journey.shot("import-history")

    page.goto(journey.url("/matching"))
    form = page.locator("form.correct").first
    select = form.locator("select[name=category_code]")
    options = select.locator("option").all_inner_texts()
    select.select_option(label=options[1] if len(options) > 1 else options[0])
    form.get_by_role("button", name=words["save"]).click()
    page.wait_for_load_state()
    assert words["correction"] in journey.flash()
    journey.shot("match-corrected")

    page.goto(journey.url("/capabilities"))
    page.get_by_role("button", name=words["confirm"], exact=True).first.click()
    page.wait_for_load_state()
    assert words["decisions"] in journey.flash()
    journey.shot("capability-confirmed")

    to_reject = run_scenario(journey, f"Journey {lang} A")
    journey.shot("proposal-submitted")
    to_approve = run_scenario(journey, f"Journey {lang} B")

    # The test file leaves the spending again (the other language imports it anew).
    page.goto(import_url)
    page.get_by_role("link", name=words["withdraw"]).click()
    page.wait_for_url(re.compile(r".*/imports/\d+/withdraw$"))
    journey.shot("withdraw-confirmation")
    page.get_by_role("button", name=words["confirm_withdraw"]).click()
    page.wait_for_url(import_url)
    assert words["withdrawn"] in page.locator("dl.facts").inner_text()
    journey.shot("withdrawn")
    journey.sign_out()

    # --- finance -----------------------------------------------------------------------
    journey.sign_in("finance")
    page.goto(journey.url(f"/proposals/{to_reject}"))
    decide = page.locator("#decide-form")
    decide.get_by_role("button", name=words["reject"], exact=True).click()
    page.wait_for_load_state()
    error = page.locator("#comment-error")
    assert error.is_visible()
    assert words["comment_needed"] in error.inner_text()
    assert page.locator("#comment").get_attribute("aria-invalid") == "true"
    journey.shot("reject-without-comment", focus=page.locator("#decide-form"))
    page.locator("#comment").fill("Le lot doit passer par un appel d'offres." if lang == "fr"
                                  else "This lot must go to tender.")
    page.locator("#decide-form").get_by_role("button", name=words["reject"],
                                             exact=True).click()
    page.wait_for_url(re.compile(rf".*/proposals/{to_reject}(#.*)?$"))
    assert words["rejected"] in page.locator("h1").inner_text()
    journey.shot("rejected")

    page.goto(journey.url(f"/proposals/{to_approve}"))
    page.locator("#decide-form").get_by_role("button", name=words["approve"],
                                             exact=True).click()
    page.wait_for_url(re.compile(rf".*/proposals/{to_approve}(#.*)?$"))
    assert words["approved"] in page.locator("h1").inner_text()
    journey.shot("approved")
    journey.sign_out()

    # --- the auditor -------------------------------------------------------------------
    journey.sign_in("auditor")
    page.goto(journey.url(f"/proposals/{to_approve}"))
    journey.shot("auditor-proposal")
    with page.expect_download() as caught:
        page.get_by_role("link", name=words["workbook"]).click()
    workbook = Path(caught.value.path())
    assert zipfile.is_zipfile(workbook)
    from openpyxl import load_workbook

    sheets = load_workbook(io.BytesIO(workbook.read_bytes())).sheetnames
    assert len(sheets) >= 2, sheets
    pdf_link = page.get_by_role("link", name=re.compile(r"^PDF"))
    if pdf_link.count():
        with page.expect_download() as caught:
            pdf_link.first.click()
        pdf = Path(caught.value.path()).read_bytes()
    else:  # the button comes with the proposal page's rebuild; the route is there already
        answer = page.request.get(journey.url(f"/proposals/{to_approve}/export.pdf"))
        assert answer.ok, answer.status
        pdf = answer.body()
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]
    journey.shot("auditor-downloads", focus=page.get_by_role("link", name=words["workbook"]))
