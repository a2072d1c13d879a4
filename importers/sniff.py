"""Tell what a file really is from its first bytes, whatever its extension says."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
import zipfile
import zlib
from pathlib import Path
from typing import Literal

from importers.errors import (
    EncryptedFileError,
    FileTooLargeError,
    MacroFileError,
    UnreadableFileError,
    UnsupportedFormatError,
)
from importers.limits import Limits
from importers.safety import (
    check_ods_extent,
    check_xlsx_extent,
    check_xml_members,
    check_zip_bomb,
)

FileKind = Literal["xlsx", "xls", "ods", "csv"]

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
WORD_STREAM = "WordDocument".encode("utf-16-le")

_OTHER_FORMATS: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF", "a PDF document", "un document PDF"),
    (b"\x89PNG", "a PNG image", "une image PNG"),
    (b"\xff\xd8\xff", "a JPEG image", "une image JPEG"),
    (b"GIF8", "a GIF image", "une image GIF"),
    (b"{\\rtf", "an RTF document", "un document RTF"),
    (b"\x1f\x8b", "a gzip archive", "une archive gzip"),
    (b"7z\xbc\xaf", "a 7-Zip archive", "une archive 7-Zip"),
    (b"Rar!", "a RAR archive", "une archive RAR"),
)

_EXPECTED = (
    "expected an Excel workbook (.xlsx, .xls), an OpenDocument spreadsheet (.ods) "
    "or a CSV/text file"
)
_EXPECTED_FR = (
    "un classeur Excel (.xlsx, .xls), un tableur OpenDocument (.ods) "
    "ou un fichier CSV/texte est attendu"
)


def detect_kind(path: Path, file_name: str, limits: Limits) -> FileKind:
    """Return the kind of a file from its content; refuse what cannot be imported safely."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileTooLargeError(
            file_name,
            f"the file weighs {size // 1_048_576} MiB, more than the "
            f"{limits.max_bytes // 1_048_576} MiB allowed; split it by month or by department",
            f"le fichier pèse {size // 1_048_576} Mio, plus que les "
            f"{limits.max_bytes // 1_048_576} Mio permis ; découpez-le par mois ou par service",
            code="file_too_large",
        )
    with path.open("rb") as stream:
        head = stream.read(4096)
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path, file_name, limits)
    if head.startswith(OLE2_MAGIC):
        return _ole2_kind(path, file_name)
    for magic, what, what_fr in _OTHER_FORMATS:
        if head.startswith(magic):
            raise UnsupportedFormatError(
                file_name,
                f"this is {what}, not a spreadsheet; {_EXPECTED}",
                f"ce fichier est {what_fr}, pas un tableur ; {_EXPECTED_FR}",
                code="not_a_spreadsheet",
            )
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<html", b"<!doctype html", b"<table")):
        raise UnsupportedFormatError(
            file_name,
            "this is a web page (HTML) saved with a spreadsheet name; open it in Excel "
            "and save it as .xlsx or .csv",
            "ce fichier est une page web (HTML) enregistrée sous un nom de tableur ; "
            "ouvrez-le dans Excel et enregistrez-le en .xlsx ou .csv",
            code="html_file",
        )
    if lowered.startswith(b"<?xml"):
        raise UnsupportedFormatError(
            file_name,
            f"this is an XML document, not a spreadsheet; {_EXPECTED}",
            f"ce fichier est un document XML, pas un tableur ; {_EXPECTED_FR}",
            code="not_a_spreadsheet",
        )
    if _looks_binary(head):
        raise UnsupportedFormatError(
            file_name,
            f"this is a binary file of an unknown kind; {_EXPECTED}",
            f"ce fichier est binaire et d'un type inconnu ; {_EXPECTED_FR}",
            code="not_a_spreadsheet",
        )
    return "csv"


def _looks_binary(head: bytes) -> bool:
    """Tell binary content from text (UTF-16 text has NULs but starts with a BOM)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head


# What a damaged archive raises while it is read: a cut file, bad deflate data, a bad CRC.
ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    ElementTree.ParseError,
)


def _zip_kind(path: Path, file_name: str, limits: Limits) -> FileKind:
    """Classify a zip container and run the archive safety and size checks on it."""
    try:
        return _checked_zip_kind(path, file_name, limits)
    except ARCHIVE_ERRORS as error:
        raise damaged_archive(file_name, error) from error


def damaged_archive(file_name: str, error: BaseException) -> UnreadableFileError:
    """Return the refusal of a workbook whose zip archive cannot be read to the end."""
    return UnreadableFileError(
        file_name,
        f"the file looks like a workbook but its archive is damaged or cut short "
        f"({type(error).__name__}: {error}); re-save it from the finance system or from "
        "Excel, or download it again",
        f"le fichier ressemble à un classeur mais son archive est endommagée ou incomplète "
        f"({type(error).__name__} : {error}) ; enregistrez-le de nouveau depuis le système "
        "financier ou Excel, ou téléchargez-le de nouveau",
        code="damaged_archive",
    )


def _checked_zip_kind(path: Path, file_name: str, limits: Limits) -> FileKind:
    members = check_zip_bomb(path, file_name, limits)
    names = {member.filename for member in members}
    lowered = {name.lower() for name in names}
    if any(name.endswith("vbaproject.bin") for name in lowered):
        raise MacroFileError(
            file_name,
            "the workbook contains macros, which are not accepted; save a copy as "
            ".xlsx (Excel workbook without macros) and import that copy",
            "le classeur contient des macros, qui ne sont pas acceptées ; enregistrez une "
            "copie en .xlsx (classeur Excel sans macros) et importez cette copie",
            code="macro_file",
        )
    if "xl/workbook.xml" in lowered or "xl/workbook.bin" in lowered:
        if "xl/workbook.bin" in lowered:
            raise UnsupportedFormatError(
                file_name,
                "this is a binary Excel workbook (.xlsb); save it as .xlsx",
                "ce fichier est un classeur Excel binaire (.xlsb) ; enregistrez-le en .xlsx",
                code="xlsb_file",
            )
        check_xml_members(path, file_name, limits)
        check_xlsx_extent(path, file_name, limits)
        return "xlsx"
    if "mimetype" in names:
        with zipfile.ZipFile(path) as archive:
            mimetype = archive.read("mimetype")[:200].strip()
        if mimetype == ODS_MIMETYPE:
            check_xml_members(path, file_name, limits)
            check_ods_extent(path, file_name, limits)
            return "ods"
        raise UnsupportedFormatError(
            file_name,
            f"this is an OpenDocument file of another kind ({mimetype.decode('ascii', 'replace')}),"
            f" not a spreadsheet; {_EXPECTED}",
            f"ce fichier est un document OpenDocument d'un autre type "
            f"({mimetype.decode('ascii', 'replace')}), pas un tableur ; {_EXPECTED_FR}",
            code="not_a_spreadsheet",
        )
    if "word/document.xml" in lowered:
        what, what_fr = "a Word document", "un document Word"
    elif "ppt/presentation.xml" in lowered:
        what, what_fr = "a PowerPoint presentation", "une présentation PowerPoint"
    else:
        what, what_fr = "a zip archive", "une archive zip"
    raise UnsupportedFormatError(
        file_name,
        f"this is {what}, not a spreadsheet; {_EXPECTED}",
        f"ce fichier est {what_fr}, pas un tableur ; {_EXPECTED_FR}",
        code="not_a_spreadsheet",
    )


def _ole2_kind(path: Path, file_name: str) -> FileKind:
    """Classify an OLE2 compound file: encrypted Office package, Word, or legacy .xls."""
    content = path.read_bytes()
    if ENCRYPTED_STREAM in content:
        raise EncryptedFileError(
            file_name,
            "the file is protected by a password; open it, remove the password "
            "(File > Info > Protect Workbook) and save it again before importing",
            "le fichier est protégé par un mot de passe ; ouvrez-le, retirez le mot de passe "
            "(Fichier > Informations > Protéger le classeur) et enregistrez-le avant l'import",
            code="encrypted_file",
        )
    if WORD_STREAM in content:
        raise UnsupportedFormatError(
            file_name,
            f"this is a Word document, not a spreadsheet; {_EXPECTED}",
            f"ce fichier est un document Word, pas un tableur ; {_EXPECTED_FR}",
            code="not_a_spreadsheet",
        )
    return "xls"
