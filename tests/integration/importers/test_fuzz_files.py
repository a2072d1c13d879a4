"""Fuzzed files: every outcome is an import result or a refusal with a known code.

Hypothesis builds damaged and odd files from real-looking seeds: truncated and mutated
zips, workbooks with formulas, merged cells and huge cells, OpenDocument sheets, random
bytes, CSV in UTF-16, Windows-1252 and Latin-1 with or without a BOM, over-long fields.
The parser must never raise anything but an ImporterError with a documented code.
"""

from __future__ import annotations

import io
import itertools
import os
import tempfile
import zipfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import ImporterError, Limits, SpendParseResult, parse_spend_file
from importers.errors import REFUSAL_CODES
from importers.report import ISSUE_CODES
from tests.factories import said
from tests.integration.importers.conftest import write_ods

IN_CI = os.environ.get("CI", "").lower() == "true"
FUZZ = settings(max_examples=320 if IN_CI else 60, derandomize=True, deadline=None,
                database=None, suppress_health_check=list(HealthCheck))
LIMITS = Limits(max_rows=5_000, max_cells=2_000_000, max_bytes=8 * 1024 * 1024)
HEADER = ["Date", "Fournisseur", "Description", "Montant"]
ROWS = [
    ["2024-01-05", "Imprimerie Gagné", "Affiches", "1 234,56 $"],
    ["05/02/2024", "=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-12.50"],
    ["2024-03-١٥", "Traiteur Côté", "Repas", "£500"],
    ["", "Total", "", "1222.06"],
]


def _xlsx(huge: bool = False) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Dépenses 2024"])
    sheet.merge_cells("A1:D1")
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    sheet.append(["2024-04-01", "Formule", "sans valeur", "=SUM(D3:D4)"])
    if huge:
        sheet.append(["2024-04-02", "Énorme", "x" * 40_000, 1.0])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _ods(tmp: Path) -> bytes:
    return write_ods(tmp / "seed.ods", [HEADER, *ROWS]).read_bytes()


def _csv(encoding: str, bom: bytes = b"") -> bytes:
    lines = [";".join(HEADER), *(";".join(cell.replace(";", ",") for cell in row) for row in ROWS)]
    return bom + "\r\n".join(lines).encode(encoding, "replace")


SEEDS: dict[str, bytes] = {
    "xlsx": _xlsx(),
    "xlsx-huge-cell": _xlsx(huge=True),
    "csv-utf8": _csv("utf-8"),
    "csv-utf8-bom": _csv("utf-8", b"\xef\xbb\xbf"),
    "csv-utf16": _csv("utf-16"),
    "csv-cp1252": _csv("cp1252"),
    "csv-latin1-bom": _csv("latin-1", b"\xef\xbb\xbf"),
    "csv-long-field": _csv("utf-8") + b"\r\n2024-01-01;A;" + b"y" * 140_000 + b";1\r\n",
    "csv-quote": b'Date,Fournisseur,Montant\r\n2024-01-01,"A,1\r\n' * 3,
}


FOLDER = Path(tempfile.mkdtemp(prefix="procure-fuzz-"))
SEEDS["ods"] = _ods(FOLDER)
SEED_NAMES = sorted(SEEDS)
EXTENSIONS = {"xlsx": ".xlsx", "ods": ".ods"}
counter = itertools.count()


@st.composite
def truncated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(SEED_NAMES))
    data = SEEDS[name]
    return name, data[: draw(st.integers(0, len(data)))]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(SEED_NAMES))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 12))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    return name, bytes(data)


@st.composite
def member_mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """Rewrite one XML part of a workbook with damage inside (the zip stays valid)."""
    name = draw(st.sampled_from(["xlsx", "xlsx-huge-cell", "ods"]))
    source = zipfile.ZipFile(io.BytesIO(SEEDS[name]))
    members = source.namelist()
    target_name = draw(st.sampled_from(members))
    content = bytearray(source.read(target_name))
    action = draw(st.sampled_from(["cut", "flip", "drop", "dimension", "garbage"]))
    if action == "cut":
        content = content[: draw(st.integers(0, len(content)))]
    elif action == "flip" and content:
        for _ in range(draw(st.integers(1, 8))):
            content[draw(st.integers(0, len(content) - 1))] = draw(st.integers(32, 126))
    elif action == "dimension":
        corner = draw(st.sampled_from([b"CZ1048576", b"XFD1048576", b"A99999999", b"ZZZ9"]))
        content = bytearray(bytes(content).replace(b'ref="A1:', b'ref="A1:' + corner + b'"x="'))
    elif action == "garbage":
        content = bytearray(draw(st.binary(max_size=200)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            if member == target_name and action == "drop":
                continue
            archive.writestr(member, bytes(content) if member == target_name
                             else source.read(member))
    return name, buffer.getvalue()


@st.composite
def odd_text(draw: st.DrawFn) -> tuple[str, bytes]:
    cells = st.one_of(
        st.text(max_size=30),
        st.sampled_from(["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "٢٠٢٤-٠١-٠٥", "1,234.5€",
                         "(12,50)", "2024-02-30", "²⁰²⁴", "１２３", "31/12/99", "NaN", "inf"]),
    )
    rows = draw(st.lists(st.lists(cells, min_size=1, max_size=6), max_size=12))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    text = "\r\n".join([delimiter.join(HEADER), *(delimiter.join(row) for row in rows)])
    return "csv", text.encode(encoding, "replace")


files = st.one_of(
    truncated(), mutated(), member_mutated(), odd_text(),
    st.tuples(st.just("random"), st.binary(max_size=2_000)),
    st.tuples(st.sampled_from(SEED_NAMES), st.sampled_from([SEEDS[n] for n in SEED_NAMES])),
)


@FUZZ
@given(files)
def test_every_fuzzed_file_is_imported_or_refused_with_a_known_code(
        case: tuple[str, bytes]) -> None:
    name, data = case
    path = FOLDER / f"fuzz-{next(counter)}{EXTENSIONS.get(name.split('-')[0], '.csv')}"
    path.write_bytes(data)
    try:
        result = parse_spend_file(path, limits=LIMITS)
    except ImporterError as error:
        assert error.code in REFUSAL_CODES, (name, error.code, error.message)
        assert error.code != "parser_crashed", (name, error.message)
        assert path.name in said(error) and path.name in said(error, "fr")
    else:
        assert isinstance(result, SpendParseResult)
        assert {issue.code for issue in result.report.issues} <= ISSUE_CODES
    finally:
        path.unlink()
