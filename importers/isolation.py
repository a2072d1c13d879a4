"""Run a parser in a child process with a memory cap and a timeout, so it cannot kill the caller."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import gc
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd

from importers.errors import ImporterError, ParserCrashedError
from importers.limits import DEFAULT_LIMITS, Limits
from importers.report import N_

T = TypeVar("T")
PR_SET_PDEATHSIG = 1
ORPHAN_POLL_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Make this child process end when the process that started it ends.

    On Linux the kernel sends SIGKILL when the parent dies (PR_SET_PDEATHSIG); a thread
    watching the parent's id covers other systems and a parent that died before the call.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(ORPHAN_POLL_SECONDS)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


#: Records of at least this many rows go back column by column (see `_send_value`).
COLUMNWISE_ROWS = 50_000


def _child(
    connection: Connection,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    memory_limit: int,
    parent_pid: int,
) -> None:
    """Cap the address space, run the function, send back ("ok", value) or ("error", ...)."""
    die_with_parent(parent_pid)
    # No cyclic garbage collector in this short-lived process: reading a sheet creates a
    # list per row, and the collector would walk those millions of lists (and the
    # inherited heap) again and again, about a tenth of a million-line parse, while the
    # parse makes almost no reference cycles. The memory cap still bounds it.
    gc.disable()
    try:
        if memory_limit > 0:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        _send_value(connection, fn(*args, **kwargs))
    except ImporterError as error:
        connection.send(("importer_error", error))
    except MemoryError:
        connection.send(("memory", None))
    except BaseException as error:  # anything else is a parser bug: report, never propagate
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        with contextlib.suppress(Exception):
            connection.send(("crash", detail))
    finally:
        connection.close()


def _send_value(connection: Connection, value: Any) -> None:
    """Send the parser's result; a large `records` frame goes one column per message.

    Pickling a million records and unpickling them take about as long each: sent in
    pieces, the parent unpickles one column while this process pickles the next. A
    column holding one value throughout (the sheet's name) goes as that value.
    """
    records = getattr(value, "records", None)
    if not isinstance(records, pd.DataFrame) or len(records) < COLUMNWISE_ROWS:
        connection.send(("ok", value))
        return
    head = dataclasses.replace(value, records=records.iloc[:0])
    connection.send(("ok-columns", (head, records.columns, len(records))))
    for name in records.columns:
        column = records[name]
        if not isinstance(column.dtype, np.dtype):
            connection.send(("series", column))
            continue
        values = column.to_numpy()
        first = values[0]
        if values.dtype == object and isinstance(first, str) and (values == first).all():
            connection.send(("constant", first))
        else:
            connection.send(("array", values))


def _receive_value(receiver: Connection, head: tuple[Any, pd.Index, int],
                   wait: Callable[[], None]) -> tuple[str, Any]:
    """Rebuild the result sent by `_send_value` column by column: ("ok", value), or the
    child's error status when it failed while sending (out of memory, say)."""
    value, names, size = head
    columns: dict[str, Any] = {}
    for name in names:
        wait()
        form, data = receiver.recv()
        if form not in ("array", "constant", "series"):
            return form, data
        if form == "constant":
            data = np.full(size, data, dtype=object)
        # An explicit dtype: pandas would infer its string dtype for text held as objects.
        columns[name] = (data.reset_index(drop=True) if form == "series"
                         else pd.Series(data, dtype=data.dtype))
    records = pd.DataFrame(columns, columns=names)
    return "ok", dataclasses.replace(value, records=records)


def _start(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], limits: Limits
) -> tuple[multiprocessing.process.BaseProcess, Connection]:
    """Fork a child running fn; return it and the end of the pipe it answers on."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(sender, fn, args, kwargs, limits.memory_limit_bytes, os.getpid()),
        daemon=True,
    )
    process.start()
    sender.close()
    return process, receiver


def _answer(
    process: multiprocessing.process.BaseProcess,
    receiver: Connection,
    deadline: float,
    limits: Limits,
    file_name: str,
) -> tuple[str, Any]:
    """Wait until the deadline for the child's (status, payload)."""

    def wait() -> None:
        if receiver.poll(max(deadline - time.monotonic(), 0.0)):
            return
        if process.is_alive():
            raise ParserCrashedError(
                file_name,
                N_("la lecture du fichier a dépassé %(seconds)s s et a été arrêtée ; "
                   "découpez-le en fichiers plus petits"),
                {"seconds": round(limits.parse_timeout_seconds)},
                code="parse_timeout",
            )
        raise _died(file_name, process.exitcode)

    wait()
    try:
        status, payload = receiver.recv()
        if status == "ok-columns":
            status, payload = _receive_value(receiver, payload, wait)
    except (EOFError, OSError) as error:
        process.join(5)
        raise _died(file_name, process.exitcode) from error
    return status, payload


def run_isolated(
    fn: Callable[..., T],
    *args: Any,
    limits: Limits | None = None,
    file_name: str = "the file",
    precheck: Callable[[], Any] | None = None,
    **kwargs: Any,
) -> T:
    """Call fn(*args, **kwargs) in a forked child; crashes, memory, time-outs become errors.

    `precheck`, when given, runs in a second child at the same time (the machine's other
    core would otherwise wait): a check that fn's caller would have run first. Its verdict
    is awaited first and wins: when it fails, fn's child is stopped and the check's error
    is raised, whatever fn did meanwhile (both children have the memory cap).
    """
    limits = limits or DEFAULT_LIMITS
    deadline = time.monotonic() + limits.parse_timeout_seconds
    children = []
    try:
        main = _start(fn, args, kwargs, limits)
        children.append(main)
        if precheck is not None:
            check = _start(precheck, (), {}, limits)
            children.append(check)
            status, payload = _answer(*check, deadline, limits, file_name)
            if status != "ok":
                return _value(status, payload, limits, file_name)
        status, payload = _answer(*main, deadline, limits, file_name)
    finally:
        for process, receiver in children:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join(5)
    return cast(T, _value(status, payload, limits, file_name))


def _value(status: str, payload: Any, limits: Limits, file_name: str) -> Any:
    """Return the child's value, or raise the error its status stands for."""
    if status == "ok":
        return payload
    if status == "importer_error":
        raise payload
    if status == "memory":
        raise ParserCrashedError(
            file_name,
            N_("la lecture du fichier demandait plus de %(limit)s Mio de mémoire et a été "
               "arrêtée ; découpez-le en fichiers plus petits"),
            {"limit": limits.memory_limit_bytes // 1_048_576},
            code="parser_out_of_memory",
        )
    raise ParserCrashedError(
        file_name,
        N_("le lecteur a échoué sur ce fichier (%(error)s) ; enregistrez-le de nouveau depuis "
           "Excel ou LibreOffice, et signalez le problème s'il persiste"),
        {"error": str(payload)},
        code="parser_crashed",
    )


def _died(file_name: str, exitcode: int | None) -> ParserCrashedError:
    return ParserCrashedError(
        file_name,
        N_("le lecteur s'est arrêté brutalement sur ce fichier (code %(exitcode)s) ; "
           "enregistrez-le de nouveau depuis Excel ou LibreOffice et réessayez"),
        {"exitcode": exitcode},
        code="parser_crashed",
    )


def parse_spend_file_isolated(path: Path, *, limits: Limits | None = None, **kwargs: Any) -> Any:
    """Run parse_spend_file in a child process (same arguments)."""
    from importers.spend import parse_spend_file

    name = kwargs.get("original_name") or Path(path).name
    parse = functools.partial(parse_spend_file, limits=limits, extent_checked=True)
    return run_isolated(parse, path, limits=limits, file_name=name,
                        precheck=_kind_check(path, name, limits), **kwargs)


def parse_supplier_file_isolated(path: Path, *, limits: Limits | None = None, **kwargs: Any) -> Any:
    """Run parse_supplier_file in a child process (same arguments)."""
    from importers.suppliers import parse_supplier_file

    name = kwargs.get("original_name") or Path(path).name
    parse = functools.partial(parse_supplier_file, limits=limits, extent_checked=True)
    return run_isolated(parse, path, limits=limits, file_name=name,
                        precheck=_kind_check(path, name, limits), **kwargs)


def _kind_check(path: Path, file_name: str, limits: Limits | None) -> Callable[[], Any]:
    """Return the file's safety checks (`detect_kind`), to run beside a parse that skips
    the costly one (the extent scan) and would otherwise run them first."""
    from importers.sniff import detect_kind

    return functools.partial(detect_kind, Path(path), file_name, limits or DEFAULT_LIMITS)
