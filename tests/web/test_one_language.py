"""One language at a time: every page, in French and in English, as every role.

The pages are found in the application's URL map (every GET rule outside the API), so a
page added later is checked without touching this file; the ids come from the demo data.
Each page is searched for words of the other language (the catalogue's translated
entries and common function words), raw codes and keys, and cents shown as money. Every
finding is reported with its page, so one run lists all that is left to fix.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from procurement.permissions import PERMISSIONS, ROLES

CATALOGUE = Path(__file__).resolve().parents[2] / "app" / "translations" / "en" / \
    "LC_MESSAGES" / "messages.po"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LANGUAGES = ("fr", "en")
# Downloads that are not text a person reads in the page's language.
BINARY_FORMATS = ("xlsx", "pdf", "ocds")
# Rules that are not pages (probes).
NOT_PAGES = {"/health", "/ready"}

# A file whose supplier and amount columns cannot be recognised: it asks for a mapping.
ODD_HEADERS = (
    "Date;Qui;Combien;Description\n"
    "2024-03-15;Coop de nettoyage du Cap;1 234,56;Nettoyage des arénas\n"
    "2024-03-20;Imprimerie Durand;250,00;Impression de dépliants\n"
)
# A file with a row that is refused: the import page lists a problem.
WITH_BAD_ROW = (
    "Fournisseur;Montant;Date;Description\n"
    "Coop de nettoyage du Cap;1 234,56 $;2024-03-15;Nettoyage\n"
    "Imprimerie Durand;pas un montant;2024-03-20;Impression\n"
)

ENGLISH_WORDS = frozenset((
    "the", "of", "and", "is", "are", "was", "were", "with", "not", "your", "this", "that",
    "which", "would", "from", "into", "has", "have", "been", "for", "only", "must", "should",
    "when", "there", "these", "their",
))
FRENCH_WORDS = frozenset((
    "le", "la", "les", "des", "du", "est", "sont", "avec", "pas", "votre", "cette", "ce",
    "qui", "aux", "dans", "pour", "une", "sur", "être", "été", "lorsque", "leur", "leurs",
    "selon",
))
# A code or key as the program names it: snake_case, or a dotted permission/audit code.
SNAKE = re.compile(r"(?<![\w@./-])[a-z][a-z0-9]*(?:_{1,2}[a-z0-9]+)+(?![\w@/-])")
DOTTED = re.compile(r"(?<![\w@/.-])[a-z]+\.[a-z][a-z_]+(?![\w@/.-])")
FILE_SUFFIXES = ("xlsx", "csv", "ods", "xls", "pdf", "json", "txt", "example", "org", "com",
                 "ca", "gouv", "qc", "html")
# Money written the other language's way: "1,000 $" in English, "$1 000" in French.
MONEY_EN_WRONG = re.compile(r"\d[\d,.\u00a0\u202f ]*\s?\$(?!\w)")
MONEY_FR_WRONG = re.compile(r"(?<![\w$])\$\s?\d")
MONEY = re.compile(r"(?:\$\s?(\d[\d,]*(?:\.\d+)?))|(?:(\d[\d\u00a0\u202f ]*(?:,\d+)?)\s?\$)")


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@dataclass
class Data:
    """What people typed or imported (names, descriptions, cells): shown as it is, in any
    language. The detector looks past it: a text that is data, or the runs of two words or
    more that data contains, are not the interface's words."""

    strings: frozenset[str]
    pairs: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, values: list[Any]) -> Data:
        strings = {" ".join(str(v).split()) for v in values if v is not None and str(v).strip()}
        pairs = set()
        for value in strings:
            words = _tokens(value)
            pairs.update(itertools.pairwise(words))
        return cls(frozenset(strings), frozenset(pairs))

    def interface_words(self, text: str) -> str | None:
        """The text without the runs of words data contains; None when it is all data."""
        if text in self.strings:
            return None
        words = text.split()
        plain = [" ".join(_tokens(w)) for w in words]
        masked = [False] * len(words)
        for i in range(len(words) - 1):
            if plain[i] and plain[i + 1] and (plain[i].split()[-1],
                                              plain[i + 1].split()[0]) in self.pairs:
                masked[i] = masked[i + 1] = True
        return " ".join("·" if m else w for w, m in zip(words, masked, strict=True))


@dataclass
class Site:
    """The demo loaded and served in-process, with the ids its pages need."""

    app: Flask
    credentials: dict[str, str]
    ids: dict[str, Any]
    cents: set[int] = field(default_factory=set)
    errors: dict[str, dict[str, tuple[int, str, str]]] = field(default_factory=dict)
    data: Data | None = None


def _csrf(client: FlaskClient, url: str) -> str:
    found = CSRF.search(client.get(url).get_data(as_text=True))
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def _signed_in(site: Site, role: str) -> FlaskClient:
    client = site.app.test_client()
    email = f"{role}@demo.v3r.example"
    answer = client.post("/login", data={"email": email, "password": site.credentials[email],
                                         "csrf_token": _csrf(client, "/login")})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return client


def _upload(client: FlaskClient, content: str, name: str) -> str:
    """Upload a file as the import form does; return the job page it ends on."""
    data = {"csrf_token": _csrf(client, "/imports/new"),
            "file": (io.BytesIO(content.encode("utf-8")), name)}
    answer = client.post("/imports/new", data=data, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    job_url = answer.headers["Location"]
    deadline = time.monotonic() + 60
    while 'http-equiv="refresh"' in client.get(job_url).get_data(as_text=True):
        assert time.monotonic() < deadline, "the import job did not end"
        time.sleep(0.05)
    return str(job_url)


def _ids(app: Flask, purchaser: FlaskClient) -> dict[str, Any]:
    """Upload two files and gather the ids every page argument needs."""
    from sqlalchemy import select

    from procurement.models import (
        ApiToken,
        ImportBatch,
        Job,
        Organization,
        Proposal,
        RegulatoryProfile,
        Supplier,
        User,
    )

    mapping_job = _upload(purchaser, ODD_HEADERS, "colonnes-inconnues.csv")
    _upload(purchaser, WITH_BAD_ROW, "ligne-refusee.csv")
    answer = purchaser.get(mapping_job)
    token = re.search(r"/imports/mapping/([\w-]+)", answer.get_data(as_text=True))
    with app.extensions["db_factory"]() as db:
        refused = db.scalar(select(ImportBatch).where(ImportBatch.file_name == "ligne-refusee.csv"))
        proposals = db.scalars(select(Proposal).order_by(Proposal.id)).all()
        org = db.scalar(select(Organization).where(Organization.code == "37067"))
        assert org is not None and refused is not None and proposals
        ids: dict[str, Any] = {
            "import_id": refused.id,
            "job_id": db.scalar(select(Job.id).order_by(Job.id.desc())),
            "proposal_id": proposals[-1].id,
            "proposal_ids": [p.id for p in proposals],
            "token": token.group(1) if token else None,
            "supplier_id": db.scalar(select(Supplier.id).order_by(Supplier.id)),
            "user_id": db.scalar(select(User.id).order_by(User.id)),
            "organization_id": org.id,
            "org_id": org.id,
            "code": db.scalar(select(RegulatoryProfile.code).order_by(RegulatoryProfile.id)),
            "profile_code": db.scalar(select(RegulatoryProfile.code)),
            "token_id": db.scalar(select(ApiToken.id)),
        }
        from procurement.models import PurchaseLine, Scenario

        values: list[Any] = []
        for columns in (
            (Supplier.name, Supplier.activity, Supplier.sector, Supplier.legal_form,
             Supplier.org_type, Supplier.municipality, Supplier.region),
            (PurchaseLine.supplier_name, PurchaseLine.description,
             PurchaseLine.expense_category, PurchaseLine.department),
            (Scenario.name,), (User.name,), (Organization.name,), (ImportBatch.file_name,),
        ):
            for row in db.execute(select(*columns).distinct()):
                values.extend(row)
        # A regulatory profile's name, sources and notes cite the law in its own language.
        def strings(value: Any) -> Iterator[Any]:
            if isinstance(value, dict):
                for item in value.values():
                    yield from strings(item)
            elif isinstance(value, list):
                for item in value:
                    yield from strings(item)
            else:
                yield value

        for profile in db.scalars(select(RegulatoryProfile)):
            values.extend(strings([profile.name, profile.source, profile.notes,
                                   profile.threshold_history, profile.impact_coefficients]))
        for batch in db.scalars(select(ImportBatch)):
            for issue in batch.issues or []:
                values.extend((issue.get("value"), issue.get("column")))
            values.extend((batch.mapping or {}).values())
        ids["data"] = Data.of(values)
        site_cents = set()
        for proposal in proposals:
            for key, value in (proposal.kpis or {}).items():
                if key.endswith("_cents") and isinstance(value, int) and abs(value) >= 1000:
                    site_cents.add(abs(value))
        ids["cents"] = site_cents
    return ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Load the demo with `procure demo`, serve it in-process, prepare the error pages."""
    from app import create_app
    from procurement.demo import read_credentials

    instance = tmp_path_factory.mktemp("one-language")
    env = {**os.environ, "PROCURE_INSTANCE": str(instance)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "app.cli", "demo", "--json"], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["proposal_id"]
    app = create_app({"INSTANCE_PATH": str(instance),
                      "DATABASE_URL": f"sqlite:///{instance / 'procurement.db'}",
                      "SECRET_KEY": "one-language", "TESTING": True,
                      "PARSE_IN_SUBPROCESS": False})
    site = Site(app, read_credentials(instance / "demo-credentials.txt"), {})
    purchaser = _signed_in(site, "purchaser")
    site.ids = _ids(app, purchaser)
    site.cents = site.ids.pop("cents")
    site.data = site.ids.pop("data")
    site.errors = {lang: _error_pages(site, lang) for lang in LANGUAGES}
    yield site
    app.extensions["db_engine"].dispose()


def _error_pages(site: Site, lang: str) -> dict[str, tuple[int, str, str]]:
    """Provoke the 403, 404, 409, 422 and CSRF errors; return {name: (status, url, html)}."""
    proposal = site.ids["proposal_id"]
    pages: dict[str, tuple[int, str, str]] = {}

    def keep(name: str, url: str, answer: Any) -> None:
        pages[name] = (answer.status_code, url, answer.get_data(as_text=True))

    purchaser = _signed_in(site, "purchaser")
    finance = _signed_in(site, "finance")
    purchaser.get(f"/?lang={lang}")
    finance.get(f"/?lang={lang}")
    keep("403", "/audit", purchaser.get("/audit"))
    keep("404 object", "/imports/999999", purchaser.get("/imports/999999"))
    keep("404 page", "/nowhere", purchaser.get("/nowhere"))
    token = _csrf(purchaser, f"/proposals/{proposal}")
    url = f"/proposals/{proposal}/submit"
    keep("409", url, purchaser.post(url, data={"csrf_token": token, "version": "999"}))
    keep("422", "/audit?offset=-1", _signed_in(site, "auditor").get(
        f"/audit?offset=-1&lang={lang}"))
    token = _csrf(finance, f"/proposals/{proposal}")
    url = f"/proposals/{proposal}/decide"
    keep("422 reject without comment", url, finance.post(url, data={
        "csrf_token": token, "version": "1", "decision": "rejected", "comment": ""}))
    keep("CSRF", url, finance.post(url, data={"csrf_token": "expired", "version": "1",
                                              "decision": "approved"}))
    return pages


# --- the detector ----------------------------------------------------------------------

class _Text(HTMLParser):
    """Collect what a person reads: text nodes and the attributes read aloud or shown."""

    SHOWN = ("title", "alt", "aria-label", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        self.parts.extend(str(values[a]) for a in self.SHOWN if values.get(a))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    """Return the pieces of text of a page a person sees or hears."""
    parser = _Text()
    parser.feed(html)
    return parser.parts


def _fragments(text: str) -> list[str]:
    """Split a catalogue entry on its placeholders; keep the fragments long enough to tell."""
    pieces = re.split(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}", text.replace("%%", "%"))
    return [p.strip(" .,;:()«»\"'") for p in pieces if len(p.strip().split()) >= 3]


@dataclass
class Catalogue:
    """The sentences only one language says, from the English catalogue."""

    only_english: set[str]
    only_french: set[str]
    _patterns: dict[str, re.Pattern[str]] = field(default_factory=dict, repr=False)

    def other_language(self, lang: str) -> re.Pattern[str]:
        """One pattern finding any phrase of the language a `lang` page must not show.

        A phrase of several words is found anywhere; a single word (a label such as
        "Route") only as the whole text, since data (a supplier's name) may contain it.
        """
        if lang not in self._patterns:
            phrases = self.only_english if lang == "fr" else self.only_french
            longest_first = sorted(phrases, key=len, reverse=True)
            words = "|".join(re.escape(p) for p in longest_first if " " in p)
            single = "|".join(re.escape(p) for p in longest_first if " " not in p)
            self._patterns[lang] = re.compile(
                rf"(?<!\w)(?:{words})(?!\w)|^(?:{single})\W{{0,2}}$")
        return self._patterns[lang]

    @classmethod
    @functools.cache
    def read(cls) -> Catalogue:
        with CATALOGUE.open("rb") as handle:
            catalog = read_po(handle, locale="en")
        french: set[str] = set()
        english: set[str] = set()
        all_french: set[str] = set()
        all_english: set[str] = set()
        for message in catalog:
            if not message.id or not message.string:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            msgstr = message.string if isinstance(message.string, str) else message.string[0]
            all_french.add(msgid)
            all_english.add(msgstr)
            if msgid != msgstr:
                french.update(_fragments(msgid) or ([msgid] if len(msgid) >= 4 else []))
                english.update(_fragments(msgstr) or ([msgstr] if len(msgstr) >= 4 else []))
        french_text = "\n".join(all_french)
        english_text = "\n".join(all_english)
        # A phrase both languages write the same way (a name, a code) tells nothing.
        return cls({e for e in english - french if e not in french_text},
                   {f for f in french - english if f not in english_text})


def _words(text: str) -> list[str]:
    return re.findall(r"[a-zà-ÿ']+", text.lower())


Finding = tuple[str, str, str]  # (what is wrong, the offending string, the text around it)


def findings(text_parts: list[str], lang: str, catalogue: Catalogue,
             cents: set[int], data: Data | None = None) -> list[Finding]:
    """Return every string of a page that breaks the one-language rule, with the reason."""
    found: list[Finding] = []
    other = catalogue.other_language(lang)
    foreign, own = (ENGLISH_WORDS, FRENCH_WORDS) if lang == "fr" else (FRENCH_WORDS,
                                                                          ENGLISH_WORDS)
    for text in dict.fromkeys(text_parts):
        interface = data.interface_words(text) if data else text
        if interface is None:
            continue
        phrase = other.search(interface)
        if phrase:
            found.append(("other language (catalogue)", phrase.group(0), text))
        words = _words(interface)
        strange = {w for w in words if w in foreign}
        if len(strange) >= 2 and len(strange) > len({w for w in words if w in own}):
            found.append(("other language (function words)", " ".join(sorted(strange)), text))
        found.extend(("raw code", token, text) for token in SNAKE.findall(text))
        found.extend(("raw code", token, text) for token in DOTTED.findall(text)
                     if token.rsplit(".", 1)[-1] not in FILE_SUFFIXES)
        if lang == "en":
            wrong = MONEY_EN_WRONG.search(text)
            if wrong:
                found.append(("French money format", wrong.group(0), text))
            # Looked for in the interface's words only: a supplier may be named "X : Y".
            punctuation = re.search(r"\w\s[:;?!](?:\s|$)|«", interface)
            if punctuation:
                found.append(("French punctuation", punctuation.group(0), text))
        else:
            wrong = MONEY_FR_WRONG.search(text)
            if wrong:
                found.append(("English money format", wrong.group(0), text))
        for match in MONEY.finditer(text):
            digits = re.sub(r"[^\d]", "", (match.group(1) or match.group(2) or "").split(
                "." if lang == "en" else ",")[0])
            if digits and int(digits) in cents:
                found.append(("cents shown as money", match.group(0), text))
    return found


def report(problems: dict[tuple[str, str, str], tuple[set[str], str]]) -> str:
    """One line per page and offending string: who saw it, and the text around it."""
    lines = []
    for (url, kind, token), (roles, text) in sorted(problems.items()):
        example = text if len(text) <= 140 else text[:137] + "..."
        lines.append(f"{url}: {kind} {token!r} [{', '.join(sorted(roles))}] in {example!r}")
    return f"{len(lines)} findings:\n" + "\n".join(lines)


def _page_urls(app: Flask, ids: dict[str, Any]) -> list[str]:
    """Every GET page of the app (not the API), with real ids in its arguments."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith("/api") \
                or rule.endpoint == "static" or rule.rule in NOT_PAGES:
            continue
        values: dict[str, Any] = {}
        for argument in rule.arguments:
            if argument == "fmt":
                continue
            assert ids.get(argument) is not None, (
                f"{rule.rule}: no demo value for <{argument}>; add one to _ids()")
            values[argument] = ids[argument]
        with app.test_request_context():
            from flask import url_for
            if "fmt" in rule.arguments:
                urls.extend(url_for(rule.endpoint, fmt=fmt, **values)
                            for fmt in ("csv", *BINARY_FORMATS))
            else:
                urls.append(url_for(rule.endpoint, **values))
    first, *rest = ids["proposal_ids"]
    if rest:
        urls.append(f"/proposals/compare?a={first}&b={rest[-1]}")
    return urls


def _check(answer: Any, lang: str, catalogue: Catalogue, cents: set[int],
           data: Data | None) -> list[Finding]:
    if answer.status_code in (301, 302, 303):
        return []
    kind = answer.mimetype or ""
    if kind == "text/html":
        parts = visible_text(answer.get_data(as_text=True))
    elif kind == "text/csv":
        parts = [line for line in answer.get_data(as_text=True).splitlines() if line]
    else:
        return []
    return findings(parts, lang, catalogue, cents, data)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_speaks_one_language_for_every_role(site: Site, lang: str) -> None:
    catalogue = Catalogue.read()
    urls = _page_urls(site.app, site.ids)
    problems: dict[tuple[str, str, str], tuple[set[str], str]] = {}
    seen = 0
    for role in ROLES:
        client = _signed_in(site, role)
        for url in urls:
            joiner = "&" if "?" in url else "?"
            answer = client.get(f"{url}{joiner}lang={lang}",
                                headers={"Accept-Language": lang})
            assert answer.status_code < 500, f"{role} {url}: {answer.status_code}"
            seen += answer.status_code == 200
            for kind, token, text in _check(answer, lang, catalogue, site.cents, site.data):
                roles, _ = problems.setdefault((url, kind, token), (set(), text))
                roles.add(role)
    assert seen >= len(urls) * 2, "most pages should answer 200"
    assert not problems, report(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_error_pages_speak_one_language(site: Site, lang: str) -> None:
    catalogue = Catalogue.read()
    problems: dict[tuple[str, str, str], tuple[set[str], str]] = {}
    for name, (status, url, html) in site.errors[lang].items():
        assert status >= 400 or name.startswith("422 reject"), (name, status)
        for kind, token, text in findings(visible_text(html), lang, catalogue, site.cents,
                                          site.data):
            problems.setdefault((url, kind, token), ({name}, text))
    assert not problems, report(problems)


def test_the_403_names_the_role_and_the_action_in_words(site: Site) -> None:
    status, _, html = site.errors["fr"]["403"]
    assert status == 403
    text = " ".join(visible_text(html))
    assert "Votre rôle (Acheteur) ne permet pas cette action (consulter le journal d'audit)" \
        in text, text
    status, _, html = site.errors["en"]["403"]
    assert "Your role (Purchaser) does not allow this action (read the audit log)" in \
        " ".join(visible_text(html))


def test_the_404_names_the_thing_in_words(site: Site) -> None:
    status, _, html = site.errors["fr"]["404 object"]
    assert status == 404
    assert "l'import n° 999999" in " ".join(visible_text(html))
    assert "ImportBatch" not in html


def test_the_detector_finds_each_kind_of_mistake() -> None:
    catalogue = Catalogue.read()
    english = "Your role (purchaser) does not allow this action (audit.read)"
    assert ("raw code", "audit.read", english) in findings([english], "fr", catalogue, set())
    assert any(kind.startswith("other language")
               for kind, _, _ in findings([english], "fr", catalogue, set()))
    assert findings(["Erreur : invalid_amount"], "fr", catalogue, set())
    assert findings(["rotation__cat_informatique__sup_115"], "fr", catalogue, set())
    assert findings(["1,000 $"], "en", catalogue, set())
    assert findings(["result : 3"], "en", catalogue, set())
    assert findings(["Budget : 12 345 $"], "fr", catalogue, {12345})
    assert findings(["Ce fichier n'est plus disponible ; téléversez-le de nouveau."], "en",
                    catalogue, set())
    assert not findings(["Votre rôle ne permet pas cette action."], "fr", catalogue, set())
    assert not findings(["$1,000.00", "depenses-2025.xlsx", "admin@demo.v3r.example"], "en",
                        catalogue, set())
    data = Data.of(["COOPÉRATIVE DE SOLIDARITÉ DU BAS ST-MAURICE", "pas un montant"])
    named = ["Suppliers: COOPÉRATIVE DE SOLIDARITÉ DU BAS ST-MAURICE, another one",
             "pas un montant"]
    assert findings(named, "en", catalogue, set())
    assert not findings(named, "en", catalogue, set(), data)
    assert findings(["Le montant de la ligne est illisible pour le lecteur"], "en", catalogue,
                    set(), data)
    # A supplier named with French punctuation is data; the interface's own colon is not.
    named_with_colon = Data.of(["Service artistique interculturel : Voix de Pasaj"])
    assert not findings(["Select Service artistique interculturel : Voix de Pasaj — Culture"],
                        "en", catalogue, set(), named_with_colon)
    assert findings(["Result : Service artistique interculturel"], "en", catalogue, set(),
                    named_with_colon)
    assert set(PERMISSIONS)  # the permissions exist to be named in words
