"""Read municipal spending exports and supplier registries into plain data and a report.

Pure library: files in, pandas DataFrames and ImportReport out. Imports nothing else of
the project, neither Flask nor SQLAlchemy. Hostile or unreadable files raise an
ImporterError subclass; problems in rows are Issues in the report.
"""

from importers.errors import (
    EncryptedFileError,
    FileTooLargeError,
    ImporterError,
    MacroFileError,
    ParserCrashedError,
    UnreadableFileError,
    UnsafeFileError,
    UnsupportedFormatError,
)
from importers.headers import SPEND_FIELDS, SUPPLIER_FIELDS, ColumnDetection, detect_columns
from importers.isolation import (
    parse_spend_file_isolated,
    parse_supplier_file_isolated,
    run_isolated,
)
from importers.limits import Limits
from importers.report import ImportReport, Issue
from importers.safety import assert_defused_openpyxl
from importers.spend import SpendParseResult, parse_spend_file
from importers.suppliers import SupplierParseResult, parse_supplier_file

__all__ = [
    "SPEND_FIELDS",
    "SUPPLIER_FIELDS",
    "ColumnDetection",
    "EncryptedFileError",
    "FileTooLargeError",
    "ImportReport",
    "ImporterError",
    "Issue",
    "Limits",
    "MacroFileError",
    "ParserCrashedError",
    "SpendParseResult",
    "SupplierParseResult",
    "UnreadableFileError",
    "UnsafeFileError",
    "UnsupportedFormatError",
    "assert_defused_openpyxl",
    "detect_columns",
    "parse_spend_file",
    "parse_spend_file_isolated",
    "parse_supplier_file",
    "parse_supplier_file_isolated",
    "run_isolated",
]
