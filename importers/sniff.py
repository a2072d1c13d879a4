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
from importers.report import N_
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

_OTHER_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", N_("un document PDF")),
    (b"\x89PNG", N_("une image PNG")),
    (b"\xff\xd8\xff", N_("une image JPEG")),
    (b"GIF8", N_("une image GIF")),
    (b"{\\rtf", N_("un document RTF")),
    (b"\x1f\x8b", N_("une archive gzip")),
    (b"7z\xbc\xaf", N_("une archive 7-Zip")),
    (b"Rar!", N_("une archive RAR")),
)

# The sentence of a file that is something else; `kind_text` names what it is.
NOT_A_SPREADSHEET = N_("ce fichier est %(kind_text)s, pas un tableur ; un classeur Excel "
                       "(.xlsx, .xls), un tableur OpenDocument (.ods) ou un fichier CSV/texte "
                       "est attendu")


def detect_kind(path: Path, file_name: str, limits: Limits, *, check_extent: bool = True
                ) -> FileKind:
    """Return the kind of a file from its content; refuse what cannot be imported safely.

    `check_extent=False` leaves out the scan of the sheets' real extent (the one costly
    check, a pass over every cell reference), for a caller that runs it elsewhere first.
    """
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileTooLargeError(
            file_name,
            N_("le fichier pèse %(size)s Mio, plus que les %(limit)s Mio permis ; "
               "découpez-le par mois ou par service"),
            {"size": size // 1_048_576, "limit": limits.max_bytes // 1_048_576},
            code="file_too_large",
        )
    with path.open("rb") as stream:
        head = stream.read(4096)
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path, file_name, limits, check_extent)
    if head.startswith(OLE2_MAGIC):
        return _ole2_kind(path, file_name)
    for magic, what in _OTHER_FORMATS:
        if head.startswith(magic):
            raise UnsupportedFormatError(
                file_name,
                NOT_A_SPREADSHEET, {"kind_text": what},
                code="not_a_spreadsheet",
            )
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<html", b"<!doctype html", b"<table")):
        raise UnsupportedFormatError(
            file_name,
            N_("ce fichier est une page web (HTML) enregistrée sous un nom de tableur ; "
               "ouvrez-le dans Excel et enregistrez-le en .xlsx ou .csv"),
            code="html_file",
        )
    if lowered.startswith(b"<?xml"):
        raise UnsupportedFormatError(
            file_name,
            NOT_A_SPREADSHEET, {"kind_text": N_("un document XML")},
            code="not_a_spreadsheet",
        )
    if _looks_binary(head):
        raise UnsupportedFormatError(
            file_name,
            NOT_A_SPREADSHEET, {"kind_text": N_("un fichier binaire d'un type inconnu")},
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


def _zip_kind(path: Path, file_name: str, limits: Limits, check_extent: bool) -> FileKind:
    """Classify a zip container and run the archive safety and size checks on it."""
    try:
        return _checked_zip_kind(path, file_name, limits, check_extent)
    except ARCHIVE_ERRORS as error:
        raise damaged_archive(file_name, error) from error


def damaged_archive(file_name: str, error: BaseException) -> UnreadableFileError:
    """Return the refusal of a workbook whose zip archive cannot be read to the end."""
    return UnreadableFileError(
        file_name,
        N_("le fichier ressemble à un classeur mais son archive est endommagée ou incomplète "
           "(%(error)s) ; enregistrez-le de nouveau depuis le système financier ou Excel, ou "
           "téléchargez-le de nouveau"),
        {"error": f"{type(error).__name__}: {error}"},
        code="damaged_archive",
    )


def _checked_zip_kind(path: Path, file_name: str, limits: Limits, check_extent: bool
                      ) -> FileKind:
    members = check_zip_bomb(path, file_name, limits)
    names = {member.filename for member in members}
    lowered = {name.lower() for name in names}
    if any(name.endswith("vbaproject.bin") for name in lowered):
        raise MacroFileError(
            file_name,
            N_("le classeur contient des macros, qui ne sont pas acceptées ; enregistrez une "
               "copie en .xlsx (classeur Excel sans macros) et importez cette copie"),
            code="macro_file",
        )
    if "xl/workbook.xml" in lowered or "xl/workbook.bin" in lowered:
        if "xl/workbook.bin" in lowered:
            raise UnsupportedFormatError(
                file_name,
                N_("ce fichier est un classeur Excel binaire (.xlsb) ; enregistrez-le en "
                   ".xlsx"),
                code="xlsb_file",
            )
        check_xml_members(path, file_name, limits)
        if check_extent:
            check_xlsx_extent(path, file_name, limits)
        return "xlsx"
    if "mimetype" in names:
        with zipfile.ZipFile(path) as archive:
            mimetype = archive.read("mimetype")[:200].strip()
        if mimetype == ODS_MIMETYPE:
            check_xml_members(path, file_name, limits)
            if check_extent:
                check_ods_extent(path, file_name, limits)
            return "ods"
        raise UnsupportedFormatError(
            file_name,
            N_("ce fichier est un document OpenDocument d'un autre type (%(mimetype)s), pas "
               "un tableur ; un classeur Excel (.xlsx, .xls), un tableur OpenDocument (.ods) "
               "ou un fichier CSV/texte est attendu"),
            {"mimetype": mimetype.decode("ascii", "replace")},
            code="not_a_spreadsheet",
        )
    if "word/document.xml" in lowered:
        what = N_("un document Word")
    elif "ppt/presentation.xml" in lowered:
        what = N_("une présentation PowerPoint")
    else:
        what = N_("une archive zip")
    raise UnsupportedFormatError(
        file_name,
        NOT_A_SPREADSHEET, {"kind_text": what},
        code="not_a_spreadsheet",
    )


def _ole2_kind(path: Path, file_name: str) -> FileKind:
    """Classify an OLE2 compound file: encrypted Office package, Word, or legacy .xls."""
    content = path.read_bytes()
    if ENCRYPTED_STREAM in content:
        raise EncryptedFileError(
            file_name,
            N_("le fichier est protégé par un mot de passe ; ouvrez-le, retirez le mot de "
               "passe (Fichier > Informations > Protéger le classeur) et enregistrez-le avant "
               "l'import"),
            code="encrypted_file",
        )
    if WORD_STREAM in content:
        raise UnsupportedFormatError(
            file_name,
            NOT_A_SPREADSHEET, {"kind_text": N_("un document Word")},
            code="not_a_spreadsheet",
        )
    return "xls"
