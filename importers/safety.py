"""Checks that refuse hostile archives and XML before any parser touches them."""

from __future__ import annotations

import zipfile
from pathlib import Path

from importers.errors import UnsafeFileError
from importers.limits import Limits

XML_SUFFIXES = (".xml", ".rels", ".vml")
# A DOCTYPE can only sit in the prolog, so big members are scanned up to their root element.
FULL_SCAN_MAX_BYTES = 8 * 1024 * 1024
PROLOG_SCAN_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
FORBIDDEN_MARKUP = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")


def check_zip_bomb(path: Path, file_name: str, limits: Limits) -> list[zipfile.ZipInfo]:
    """Refuse an archive whose member count, total size or expansion ratio is abnormal."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    if len(members) > limits.zip_max_members:
        raise UnsafeFileError(
            file_name,
            f"the archive holds {len(members)} parts (limit {limits.zip_max_members}); "
            "it looks built to exhaust the server and was not opened",
            f"l'archive contient {len(members)} parties (limite {limits.zip_max_members}) ; "
            "elle semble conçue pour saturer le serveur et n'a pas été ouverte",
            code="zip_bomb",
        )
    total = sum(member.file_size for member in members)
    if total > limits.zip_max_total_uncompressed:
        raise UnsafeFileError(
            file_name,
            f"the workbook expands to {total // 1_048_576} MiB "
            f"(limit {limits.zip_max_total_uncompressed // 1_048_576} MiB); it was not opened",
            f"le classeur se décompresse en {total // 1_048_576} Mio "
            f"(limite {limits.zip_max_total_uncompressed // 1_048_576} Mio) ; "
            "il n'a pas été ouvert",
            code="zip_bomb",
        )
    for member in members:
        if member.file_size < limits.zip_ratio_min_size:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.zip_max_ratio:
            raise UnsafeFileError(
                file_name,
                f"the part {member.filename!r} expands {ratio:.0f} times "
                f"(limit {limits.zip_max_ratio:.0f}); this is how zip bombs are built, "
                "so the file was not opened",
                f"la partie {member.filename!r} se décompresse {ratio:.0f} fois "
                f"(limite {limits.zip_max_ratio:.0f}) ; c'est la signature d'une bombe zip, "
                "le fichier n'a pas été ouvert",
                code="zip_bomb",
            )
    return members


def check_xml_members(path: Path, file_name: str, limits: Limits) -> None:
    """Refuse XML parts that declare a DOCTYPE or entities (billion laughs, external entities)."""
    scanned = 0
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.filename.lower().endswith(XML_SUFFIXES):
                continue
            budget = member.file_size if member.file_size <= FULL_SCAN_MAX_BYTES else None
            scanned += _scan_member(archive, member, file_name, budget)
            if scanned > limits.max_xml_scan_bytes:
                raise UnsafeFileError(
                    file_name,
                    "the workbook's XML is larger than the import limit; it was not opened",
                    "le XML du classeur dépasse la limite d'import ; il n'a pas été ouvert",
                    code="zip_bomb",
                )


def _scan_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, file_name: str, budget: int | None
) -> int:
    """Stream one member looking for forbidden markup; return the bytes read."""
    read = 0
    tail = b""
    limit = budget if budget is not None else PROLOG_SCAN_BYTES
    with archive.open(member) as stream:
        while read < limit:
            chunk = stream.read(min(CHUNK_BYTES, limit - read))
            if not chunk:
                break
            read += len(chunk)
            window = tail + chunk
            if any(marker in window for marker in FORBIDDEN_MARKUP):
                raise UnsafeFileError(
                    file_name,
                    f"the part {member.filename!r} declares a DOCTYPE or XML entities, "
                    "which spreadsheets never need and attacks use; the file was not opened",
                    f"la partie {member.filename!r} déclare un DOCTYPE ou des entités XML, "
                    "inutiles dans un tableur et utilisés par des attaques ; "
                    "le fichier n'a pas été ouvert",
                    code="xml_entities",
                )
            tail = window[-16:]
    return read


def assert_defused_openpyxl() -> None:
    """Raise RuntimeError unless openpyxl parses XML through defusedxml."""
    from openpyxl import xml as openpyxl_xml

    if not getattr(openpyxl_xml, "DEFUSEDXML", False):
        raise RuntimeError(
            "openpyxl is not using defusedxml: install defusedxml so uploaded workbooks "
            "cannot use XML entity expansion"
        )
