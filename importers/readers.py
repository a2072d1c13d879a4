"""Turn xlsx/xls/ods/csv files into raw rows of cells, with the row numbers a clerk sees."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as calamine

from importers.errors import EncryptedFileError, FileTooLargeError, UnreadableFileError
from importers.limits import Limits
from importers.report import N_
from importers.sniff import FileKind

Cell = Any

MergedRange = tuple[tuple[int, int], tuple[int, int]]
DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 60


@dataclass
class RawSheet:
    """Rows of one sheet as read; `row_numbers[i]` is the clerk-visible number of rows[i]."""

    name: str | None
    rows: list[list[Cell]]
    row_numbers: list[int]
    merged: list[MergedRange] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None


class Workbook:
    """Open a spreadsheet with calamine and read its sheets on demand."""

    def __init__(self, path: Path, file_name: str, kind: FileKind, limits: Limits):
        self.path, self.file_name, self.kind, self.limits = path, file_name, kind, limits
        try:
            self._book = calamine.CalamineWorkbook.from_path(str(path))
        except calamine.PasswordError as error:
            raise _encrypted(file_name) from error
        except BaseException as error:  # calamine raises many unrelated types, or panics
            raise _damaged(file_name, error) from error
        self._sheets: dict[str, Any] = {}
        try:
            self.sheet_names: list[str] = [
                meta.name
                for meta in self._book.sheets_metadata
                if meta.typ == calamine.SheetTypeEnum.WorkSheet
            ] or list(self._book.sheet_names)
        except BaseException as error:
            raise _damaged(file_name, error) from error

    def peek(self, name: str, nrows: int) -> RawSheet:
        """Read the first rows of a sheet, enough to find its header."""
        return self._read(name, nrows)

    def height(self, name: str) -> int:
        """Return the number of rows in the sheet's used range."""
        return int(self._sheet(name).height)

    def read(self, name: str) -> RawSheet:
        """Read a whole sheet after checking its declared size against the limits."""
        sheet = self._sheet(name)
        check_shape(self.file_name, int(sheet.height), int(sheet.width), self.limits, name)
        return self._read(name, None)

    def _sheet(self, name: str) -> Any:
        # calamine parses the whole sheet on access; keep it for the later full read.
        if name in self._sheets:
            return self._sheets[name]
        try:
            sheet = self._book.get_sheet_by_name(name)
            self._sheets[name] = sheet
            return sheet
        except calamine.PasswordError as error:
            raise _encrypted(self.file_name) from error
        except BaseException as error:
            raise _damaged(self.file_name, error) from error

    def _read(self, name: str, nrows: int | None) -> RawSheet:
        sheet = self._sheet(name)
        try:
            rows = sheet.to_python(skip_empty_area=True, nrows=nrows)
            merged = list(sheet.merged_cell_ranges or [])
        except BaseException as error:
            raise _damaged(self.file_name, error) from error
        first_row, first_col = sheet.start if sheet.start is not None else (0, 0)
        shifted = [
            ((r0 - first_row, c0 - first_col), (r1 - first_row, c1 - first_col))
            for (r0, c0), (r1, c1) in merged
        ]
        numbers = list(range(first_row + 1, first_row + 1 + len(rows)))
        return RawSheet(name=name, rows=rows, row_numbers=numbers, merged=shifted)


def check_shape(
    file_name: str, n_rows: int, n_cols: int, limits: Limits, sheet: str | None
) -> None:
    """Refuse a sheet with more rows or columns than the limits allow."""
    where = {"sheet": sheet} if sheet else {}
    if n_rows > limits.max_rows + 1:
        raise FileTooLargeError(
            file_name,
            N_("%(count)s lignes (feuille « %(sheet)s »), plus que les %(limit)s permises ; "
               "découpez le fichier par mois ou par service") if sheet else
            N_("%(count)s lignes, plus que les %(limit)s permises ; découpez le fichier par "
               "mois ou par service"),
            {"count": n_rows, "limit": limits.max_rows, **where},
            code="too_many_rows",
        )
    if n_cols > limits.max_columns:
        raise FileTooLargeError(
            file_name,
            N_("%(count)s colonnes (feuille « %(sheet)s »), plus que les %(limit)s permises ; "
               "ne gardez que les colonnes des lignes d'achat") if sheet else
            N_("%(count)s colonnes, plus que les %(limit)s permises ; ne gardez que les "
               "colonnes des lignes d'achat"),
            {"count": n_cols, "limit": limits.max_columns, **where},
            code="too_many_columns",
        )


def _encrypted(file_name: str) -> EncryptedFileError:
    return EncryptedFileError(
        file_name,
        N_("le fichier est protégé par un mot de passe ; retirez le mot de passe et "
           "enregistrez-le de nouveau"),
        code="encrypted_file",
    )


def _damaged(file_name: str, error: BaseException) -> UnreadableFileError:
    """Return the refusal of a file the reader failed on; let interrupts through."""
    if isinstance(error, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
        raise error
    if not isinstance(error, Exception):
        # A Rust panic inside calamine surfaces as pyo3's PanicException (a BaseException).
        return UnreadableFileError(
            file_name,
            N_("le lecteur de tableur a échoué sur ce fichier (%(error)s) ; ouvrez-le dans "
               "Excel ou LibreOffice, enregistrez-le de nouveau en .xlsx ou .csv et importez "
               "cette copie"),
            {"error": f"{type(error).__name__}: {error}"},
            code="reader_failed",
        )
    return UnreadableFileError(
        file_name,
        N_("le tableur n'a pas pu être lu (%(error)s) ; enregistrez-le de nouveau depuis Excel "
           "ou LibreOffice et réessayez"),
        {"error": f"{type(error).__name__}: {error}"},
        code="damaged_file",
    )


def decode_text(data: bytes, file_name: str) -> tuple[str, str]:
    """Decode text strictly as UTF-8 (BOM or not), UTF-16 with BOM, or Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "cp1252"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    # cp1252 leaves five bytes undefined; charset-normalizer names the real code page.
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    raise UnreadableFileError(
        file_name,
        N_("le texte n'est ni en UTF-8 ni en Windows-1252 ; exportez-le de nouveau en CSV "
           "UTF-8"),
        code="unknown_encoding",
    )


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first lines into the most consistent columns."""
    lines = [line for line in text[:200_000].splitlines()[:SNIFF_LINES] if line.strip()]
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:  # an over-long or odd field: this delimiter cannot be judged
            continue
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width < 2:
            continue
        score = (count / len(widths), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_text(path: Path, file_name: str, limits: Limits) -> RawSheet:
    """Read a CSV/TXT file: decode, sniff the delimiter, number rows by physical line."""
    text, encoding = decode_text(path.read_bytes(), file_name)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    numbers: list[int] = []
    previous_end = 0
    try:
        for record in reader:
            rows.append(record)
            numbers.append(previous_end + 1)
            previous_end = reader.line_num
            if len(rows) > limits.max_rows + 1:
                check_shape(file_name, len(rows), 0, limits, None)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            limit = csv.field_size_limit()
            raise FileTooLargeError(
                file_name,
                N_("une cellule vers la ligne %(line)s contient plus de %(limit)s caractères ; "
                   "c'est en général un guillemet (\") non refermé qui avale la suite du "
                   "fichier : refermez-le, ou raccourcissez la cellule, et exportez de nouveau"),
                {"line": previous_end + 1, "limit": limit},
                code="field_too_long",
            ) from error
        raise UnreadableFileError(
            file_name,
            N_("la ligne %(line)s n'a pas pu être lue en CSV (%(error)s) ; vérifiez les "
               "guillemets"),
            {"line": previous_end + 1, "error": str(error)},
            code="damaged_file",
        ) from error
    width = max((len(row) for row in rows), default=0)
    check_shape(file_name, len(rows), width, limits, None)
    return RawSheet(
        name=None, rows=rows, row_numbers=numbers, encoding=encoding, delimiter=delimiter
    )


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def xlsx_formula_rows(path: Path, sheet_name: str) -> set[int]:
    """Return the row numbers holding a formula saved without its computed value."""
    import xml.etree.ElementTree as ElementTree
    import zipfile
    import zlib

    try:
        return _formula_rows(path, sheet_name)
    except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, KeyError, OSError, EOFError,
            ValueError):
        # The reader already read this sheet; a part it does not need may be damaged.
        return set()


def _formula_rows(path: Path, sheet_name: str) -> set[int]:
    import posixpath
    import xml.etree.ElementTree as ElementTree  # safe: DOCTYPE/entities were refused earlier
    import zipfile

    with zipfile.ZipFile(path) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {
            rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG_REL_NS}Relationship")
        }
        member = None
        for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
            if sheet.get("name") == sheet_name:
                target = targets.get(sheet.get(f"{_REL_NS}id"), "")
                member = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
        if member is None or member not in archive.namelist():
            return set()
        rows: set[int] = set()
        with archive.open(member) as stream:
            for _, element in ElementTree.iterparse(stream):
                if element.tag != f"{_MAIN_NS}c":
                    continue
                formula = element.find(f"{_MAIN_NS}f")
                value = element.find(f"{_MAIN_NS}v")
                if formula is not None and (value is None or not (value.text or "").strip()):
                    digits = "".join(ch for ch in element.get("r", "") if ch.isdigit())
                    if digits:
                        rows.add(int(digits))
                element.clear()
        return rows
