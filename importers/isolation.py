"""Run a parser in a child process with a memory cap and a timeout, so it cannot kill the caller."""

from __future__ import annotations

import contextlib
import ctypes
import functools
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
    try:
        if memory_limit > 0:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        connection.send(("ok", fn(*args, **kwargs)))
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


def run_isolated(
    fn: Callable[..., T],
    *args: Any,
    limits: Limits | None = None,
    file_name: str = "the file",
    **kwargs: Any,
) -> T:
    """Call fn(*args, **kwargs) in a forked child; crashes, memory, time-outs become errors."""
    limits = limits or DEFAULT_LIMITS
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(sender, fn, args, kwargs, limits.memory_limit_bytes, os.getpid()),
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(limits.parse_timeout_seconds):
            if process.is_alive():
                raise ParserCrashedError(
                    file_name,
                    N_("la lecture du fichier a dépassé %(seconds)s s et a été arrêtée ; "
                       "découpez-le en fichiers plus petits"),
                    {"seconds": round(limits.parse_timeout_seconds)},
                    code="parse_timeout",
                )
            raise _died(file_name, process.exitcode)
        try:
            status, payload = receiver.recv()
        except (EOFError, OSError) as error:
            process.join(5)
            raise _died(file_name, process.exitcode) from error
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if status == "ok":
        return cast(T, payload)
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
    parse = functools.partial(parse_spend_file, limits=limits)
    return run_isolated(parse, path, limits=limits, file_name=name, **kwargs)


def parse_supplier_file_isolated(path: Path, *, limits: Limits | None = None, **kwargs: Any) -> Any:
    """Run parse_supplier_file in a child process (same arguments)."""
    from importers.suppliers import parse_supplier_file

    name = kwargs.get("original_name") or Path(path).name
    parse = functools.partial(parse_supplier_file, limits=limits)
    return run_isolated(parse, path, limits=limits, file_name=name, **kwargs)
