"""The isolated parser returns the same result and turns crashes into ParserCrashedError."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from importers import Limits, ParserCrashedError, UnsafeFileError, run_isolated
from importers.isolation import parse_spend_file_isolated

SMALL = Limits(parse_timeout_seconds=2, memory_limit_bytes=2 * 1024**3)


def _sleep_forever() -> None:
    time.sleep(60)


def _allocate_too_much() -> bytes:
    return bytes(4 * 1024**3)


def _die() -> None:
    os._exit(3)


def _raise_unsafe() -> None:
    raise UnsafeFileError("f.xlsx", "bad", "mauvais", code="zip_bomb")


def test_the_isolated_parser_gives_the_same_records(realdata: Path) -> None:
    result = parse_spend_file_isolated(realdata / "bradford-spend-2019-08.csv")
    assert len(result.records) == 9708


def test_a_parser_running_too_long_is_stopped() -> None:
    with pytest.raises(ParserCrashedError) as caught:
        run_isolated(_sleep_forever, limits=SMALL, file_name="lent.xlsx")
    assert caught.value.code == "parse_timeout"
    assert "lent.xlsx" in caught.value.message


def test_a_parser_running_out_of_memory_is_stopped() -> None:
    with pytest.raises(ParserCrashedError) as caught:
        run_isolated(_allocate_too_much, limits=SMALL, file_name="gros.xlsx")
    assert caught.value.code == "parser_out_of_memory"


def test_a_parser_dying_abruptly_is_reported() -> None:
    with pytest.raises(ParserCrashedError) as caught:
        run_isolated(_die, limits=SMALL, file_name="mort.xlsx")
    assert caught.value.code == "parser_crashed"


def test_importer_errors_cross_the_process_boundary_unchanged() -> None:
    with pytest.raises(UnsafeFileError) as caught:
        run_isolated(_raise_unsafe, limits=SMALL)
    assert caught.value.code == "zip_bomb"
    assert caught.value.message_fr == "f.xlsx : mauvais"
