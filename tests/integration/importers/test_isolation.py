"""The isolated parser returns the same result and turns crashes into ParserCrashedError."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from importers import Limits, ParserCrashedError, UnsafeFileError, run_isolated
from importers.isolation import parse_spend_file_isolated
from tests.factories import said

SMALL = Limits(parse_timeout_seconds=2, memory_limit_bytes=2 * 1024**3)


def _sleep_forever() -> None:
    time.sleep(60)


def _allocate_too_much() -> bytes:
    return bytes(4 * 1024**3)


def _die() -> None:
    os._exit(3)


def _raise_unsafe() -> None:
    raise UnsafeFileError("f.xlsx", "mauvais : %(count)s", {"count": 2}, code="zip_bomb")


def test_the_isolated_parser_gives_the_same_records(realdata: Path) -> None:
    result = parse_spend_file_isolated(realdata / "bradford-spend-2019-08.csv")
    assert len(result.records) == 9708


def test_a_parser_running_too_long_is_stopped() -> None:
    with pytest.raises(ParserCrashedError) as caught:
        run_isolated(_sleep_forever, limits=SMALL, file_name="lent.xlsx")
    assert caught.value.code == "parse_timeout"
    assert "lent.xlsx" in said(caught.value)


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
    assert (caught.value.text, caught.value.params) == ("mauvais : %(count)s",
                                                        {"count": 2, "file": "f.xlsx"})
    assert said(caught.value, "fr") == "f.xlsx : mauvais : 2"


PARENT = """
import sys, time
from pathlib import Path
from typing import Any
from importers import Limits, run_isolated

def slow_parse(pid_file):
    import os
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(120)

run_isolated(slow_parse, sys.argv[1], limits=Limits(parse_timeout_seconds=300),
             file_name="lent.xlsx")
"""


def test_the_parser_child_dies_when_its_parent_is_killed(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    psutil = pytest.importorskip("psutil")
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(pid_file)])
    try:
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child_pid = int(pid_file.read_text())
        assert psutil.pid_exists(child_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                if psutil.Process(child_pid).status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:
                break
            time.sleep(0.05)
        else:
            psutil.Process(child_pid).kill()
            pytest.fail("the parser child outlived its parent")
    finally:
        if parent.poll() is None:
            parent.kill()


def _succeed() -> str:
    return "lu"


def test_a_failing_precheck_wins_over_a_parse_that_succeeded() -> None:
    with pytest.raises(UnsafeFileError) as caught:
        run_isolated(_succeed, limits=SMALL, precheck=_raise_unsafe)
    assert caught.value.code == "zip_bomb"
    assert run_isolated(_succeed, limits=SMALL, precheck=_succeed) == "lu"


def test_a_precheck_that_dies_is_reported_even_when_the_parse_succeeded() -> None:
    with pytest.raises(ParserCrashedError) as caught:
        run_isolated(_succeed, limits=SMALL, precheck=_die)
    assert caught.value.code == "parser_crashed"


@dataclass
class _Parsed:
    records: pd.DataFrame
    sheet: str


def _many_records(rows: int) -> _Parsed:
    import datetime as dt

    frame = pd.DataFrame({
        "source_row": pd.Series(np.arange(rows, dtype=np.int64) + 3),
        "sheet": pd.Series(np.full(rows, "Dépenses", dtype=object), dtype=object),
        "date": pd.Series([dt.date(2024, 1, 1 + i % 28) for i in range(rows)], dtype=object),
        "description": pd.Series([f"Facture {i}" if i % 7 else None for i in range(rows)],
                                 dtype=object),
        "amount_cents": pd.Series(np.arange(rows, dtype=np.int64) * 101 - 5000),
        "is_credit": pd.Series(np.arange(rows) % 3 == 0),
        "supplier_ids": pd.Series([{"neq": "1"} if i % 5 == 0 else None for i in range(rows)],
                                  dtype=object),
        "lat": pd.Series([0.5 * i if i % 2 else None for i in range(rows)], dtype="Float64"),
    })
    return _Parsed(records=frame, sheet="Dépenses")


def test_large_records_come_back_column_by_column_unchanged() -> None:
    rows = 60_000  # above COLUMNWISE_ROWS: sent one column per message
    sent = _many_records(rows)
    received = run_isolated(_many_records, rows, limits=SMALL)
    pd.testing.assert_frame_equal(received.records, sent.records, check_exact=True)
    assert list(received.records.dtypes) == list(sent.records.dtypes)
    assert received.records["description"].iloc[7] is None
    assert received.sheet == "Dépenses"


class _Unpicklable:
    def __reduce__(self) -> Any:
        raise MemoryError


def _records_failing_midway(rows: int) -> _Parsed:
    parsed = _many_records(rows)
    parsed.records["late"] = pd.Series([_Unpicklable()] * rows, dtype=object)
    return parsed


def test_a_child_failing_while_sending_its_columns_is_reported() -> None:
    with pytest.raises(ParserCrashedError) as caught:
        run_isolated(_records_failing_midway, 60_000, limits=SMALL)
    assert caught.value.code == "parser_out_of_memory"
