"""Exceptions for files that cannot be read at all (row problems go in the ImportReport)."""

from __future__ import annotations

from typing import Any

from importers.report import fill

# Every code a refused file may carry, each with its own message naming the file and
# what to do; clients and translations key on them.
REFUSAL_CODES = frozenset(
    {
        # the file is not what it claims, or cannot be imported as such
        "not_a_spreadsheet", "html_file", "xlsb_file", "encrypted_file", "macro_file",
        # too big
        "file_too_large", "too_many_rows", "too_many_columns", "too_many_cells",
        "field_too_long",
        # hostile
        "zip_bomb", "xml_entities",
        # damaged
        "damaged_archive", "damaged_file", "unknown_encoding", "reader_failed",
        # the isolated reader was stopped
        "parse_timeout", "parser_out_of_memory", "parser_crashed",
    }
)


class ImporterError(Exception):
    """Refuse a whole file; carry a stable code and a sentence with its parameters.

    `text` is the French sentence with %(name)s placeholders (the catalogue's msgid) that
    the edge translates; `params` fill it, `file` naming the file always.
    """

    code = "importer_error"

    def __init__(self, file_name: str, text: str, params: dict[str, Any] | None = None, *,
                 code: str | None = None):
        self.file_name = file_name
        self.text = text
        self.params = {**(params or {}), "file": file_name}
        if code is not None:
            self.code = code
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The sentence filled in French, untranslated (for logs and tests)."""
        return f"{self.file_name} : {fill(self.text, self.params)}"

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the code and parameters when the error crosses a process boundary.
        return (_rebuild, (type(self), self.file_name, self.text, self.params, self.code))

    def to_dict(self) -> dict[str, Any]:
        """Return the error as plain data: code, sentence and parameters."""
        return {"code": self.code, "text": self.text, "params": dict(self.params)}


def _rebuild(cls: type[ImporterError], file_name: str, text: str, params: dict[str, Any],
             code: str) -> ImporterError:
    error = cls.__new__(cls)
    error.file_name, error.text, error.params, error.code = file_name, text, params, code
    Exception.__init__(error, error.message)
    return error


class UnreadableFileError(ImporterError):
    """Refuse a damaged or undecodable file."""

    code = "unreadable_file"


class UnsupportedFormatError(ImporterError):
    """Refuse a file that is not a spreadsheet or a delimited text file."""

    code = "unsupported_format"


class FileTooLargeError(ImporterError):
    """Refuse a file beyond the configured size, row or column limits."""

    code = "file_too_large"


class UnsafeFileError(ImporterError):
    """Refuse a file built to exhaust the server (zip bomb, XML entity expansion)."""

    code = "unsafe_file"


class EncryptedFileError(ImporterError):
    """Refuse a password-protected Office file."""

    code = "encrypted_file"


class MacroFileError(ImporterError):
    """Refuse a workbook that contains macros."""

    code = "macro_file"


class ParserCrashedError(ImporterError):
    """Report that the isolated parser died, ran out of memory or time."""

    code = "parser_crashed"
