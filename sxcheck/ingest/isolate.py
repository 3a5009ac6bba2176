"""Parse each document in a child process with a memory cap and a time limit.

Submissions come from outside: a Flate bomb makes pdfplumber grow by 11 MiB/s
for minutes, a DOCX zip bomb takes 1.2 GiB. A long-lived child (forked, so the
parsers are already imported) parses one document at a time under
RLIMIT_AS; the parent waits at most the time limit. A document that runs out
of time or memory, or kills its parser, is listed with `status: error` and the
reason, the child is replaced, and the run goes on.

The child reads each file itself (the parent only hashes it, streamed), so a
512 MiB document is never held by the parent nor copied through the pipe.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sxcheck.ingest import failed, out_of_time
from sxcheck.ingest.limited import cap_memory
from sxcheck.limits import DOC_MEMORY_MB, DOC_SECONDS, RUN_SECONDS
from sxcheck.models import IngestedDocument

DEFAULT_SECONDS = DOC_SECONDS
DEFAULT_MEMORY_MB = DOC_MEMORY_MB


@dataclass(frozen=True)
class Limits:
    """The limits of one run (`--doc-timeout`, `--doc-memory`, `--run-timeout`)."""

    seconds: float = DOC_SECONDS
    memory_mb: int = DOC_MEMORY_MB  # on top of what the child already maps when it starts
    run_seconds: float = RUN_SECONDS  # reading all documents of one submission


def _serve(conn: Connection, memory_mb: int) -> None:
    """The child: parse what arrives, send back the result; exit after running out of memory."""
    from sxcheck.ingest import load_readers, parse_document, parse_file

    load_readers()  # before the cap: the cap is on top of what the readers map
    cap_memory(memory_mb)  # an abort at the cap is reported by the parent, not dumped
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        source, rel, sha, size = request
        try:
            if isinstance(source, bytes):
                result = parse_document(source, rel, sha)
            else:
                result = parse_file(Path(source), rel, sha, size)
        except MemoryError:
            result = _failed(rel, sha, size, f"memory limit: needs more than {memory_mb} MiB")
        if result.info.error and "MemoryError" in result.info.error:
            result.info.error = f"memory limit: needs more than {memory_mb} MiB"
        try:
            conn.send(result)
        except (MemoryError, OSError):
            return  # (OSError: the parent is gone, killed while this child parsed)
        if result.info.error and result.info.error.startswith("memory limit"):
            return  # a fresh child rather than a fragmented heap


def _failed(rel: str, sha: str, size: int, error: str) -> IngestedDocument:
    return failed(rel, error, size, sha)


def start_child(
    target: Callable[..., None], args: tuple[Any, ...], name: str
) -> tuple[Any, Connection]:
    """Fork a child running `target(conn, *args)`; return (process, the parent's end of the pipe).

    Forked, so the parsers (and the OCR pool's imports) are already loaded. Dask
    workers and pool workers are daemonic, and multiprocessing refuses children
    to those; the child needs no cleanup of its own (it exits when its pipe
    closes), so the flag is lifted just for the start.
    """
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    _PARENT_ENDS.add(parent)  # the child closes its copy (and those of the others)
    process = context.Process(
        target=_child_main, args=(target, child, *args), daemon=True, name=name
    )
    current = multiprocessing.current_process()
    daemonic = current.daemon
    if daemonic:
        current._config["daemon"] = False  # type: ignore[attr-defined]
    try:
        process.start()
    finally:
        if daemonic:
            current._config["daemon"] = True  # type: ignore[attr-defined]
    child.close()
    return process, parent


# the parent's ends of every child's pipe, closed in each new child: a child would
# otherwise hold its own pipe (and one forked while another runs, that one's) open,
# and if the parent is killed (kill -9, the OOM killer) a child never sees its pipe
# close and waits for ever (two parsers at once: ingest.reading)
_PARENT_ENDS: weakref.WeakSet[Connection] = weakref.WeakSet()


def _child_main(target: Callable[..., None], conn: Connection, *args: Any) -> None:
    """A child's start: drop the inherited parent ends of the other children's pipes."""
    for other in list(_PARENT_ENDS):
        with contextlib.suppress(OSError):
            other.close()
    target(conn, *args)


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc; empty where there is none).

    A parser child may have started LibreOffice in a session of its own (so a
    conversion timeout can kill soffice and oosplash together); killing only the
    child at the document's time limit would leave that soffice running.
    """
    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def stop_child(process: Any, conn: Connection | None) -> None:
    """Kill a child that is still running (a timeout), and all it started, and close its pipe."""
    if process is not None:
        if process.is_alive():
            below = _descendants(process.pid)
            process.kill()
            for pid in below:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        process.join(5)
    if conn is not None:
        conn.close()


def lost_reason(exitcode: int | None, memory_mb: int) -> str:
    """Why a child died without answering: SIGABRT/SIGKILL under RLIMIT_AS (a C++
    allocation failed at the cap) is the memory limit, anything else a crash."""
    if exitcode in (None, 0, -6, -9):
        return f"memory limit: needs more than {memory_mb} MiB"
    return f"parser crashed (exit code {exitcode})"


@dataclass
class Parsing:
    """A document sent to a parser child and not yet answered (IsolatedParser.begin)."""

    rel: str
    sha: str
    size: int
    until: float  # time.monotonic() when the wait for it ends (its time limit or the budget)
    by_budget: bool  # the run's budget ends before the document's own time limit
    lost: bool = False  # the child was gone before the request reached it


class IsolatedParser:
    """One child process at a time; replaced when it times out, dies or runs out of memory."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._process: Any = None
        self._conn: Connection | None = None
        self.replaced = 0  # children killed or lost (for tests and the benchmark)
        # what `begin` sent and `finish` has not received: a child left with an unanswered
        # request (its caller raised meanwhile) is stopped, never asked again, since its
        # next answer would be the earlier document's
        self._pending: Parsing | None = None

    @property
    def children(self) -> list[IsolatedParser]:
        """Itself: one child, one document at a time (ingest.reading.ParserPool has more)."""
        return [self]

    def _start(self) -> Connection:
        process, parent = start_child(_serve, (self.limits.memory_mb,), "sxcheck-parser")
        self._process, self._conn = process, parent
        return parent

    def _stop(self) -> None:
        stop_child(self._process, self._conn)
        self._process = self._conn = None
        self._pending = None

    def parse(self, data: bytes, rel: str, sha: str) -> IngestedDocument:
        """Parse bytes already read (sent through the pipe)."""
        return self._request(data, rel, sha, len(data), None)

    def parse_file(
        self, path: Path, rel: str, sha: str, size: int, deadline: float | None = None
    ) -> IngestedDocument:
        """Parse a file the parent has hashed; the child reads it and checks the hash.

        `deadline` (time.monotonic) ends the wait early when the run's time
        budget ends first; the document is then listed as not read.
        """
        return self._request(str(path), rel, sha, size, deadline)

    def _request(
        self, source: bytes | str, rel: str, sha: str, size: int, deadline: float | None
    ) -> IngestedDocument:
        sent = self.begin(source, rel, sha, size, deadline)
        return sent if isinstance(sent, IngestedDocument) else self.finish(sent)

    def begin(
        self, source: bytes | str, rel: str, sha: str, size: int, deadline: float | None
    ) -> Parsing | IngestedDocument:
        """Send one document to the child and return at once (what `finish` waits for),
        or the document listed as not read when the run's time budget is used up.

        A request's time limit runs from here, so a pool (ingest.reading) can have two
        children parse while it waits for the first."""
        wait, by_budget = self.limits.seconds, False
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return out_of_time(rel, self.limits.run_seconds, size, sha)
            if left < wait:
                wait, by_budget = left, True
        if self._pending is not None:  # an answer nobody waited for is still to come
            self._stop()
            self.replaced += 1
        conn = self._conn
        if conn is None or self._process is None or not self._process.is_alive():
            self._stop()
            conn = self._start()
        parsing = self._pending = Parsing(rel, sha, size, time.monotonic() + wait, by_budget)
        try:
            conn.send((source, rel, sha, size))
        except (OSError, BrokenPipeError):
            parsing.lost = True
        return parsing

    def finish(self, parsing: Parsing) -> IngestedDocument:
        """Wait for what `begin` sent, at most until its time limit; a child that times
        out or dies is replaced and the document listed with the reason."""
        rel, sha, size = parsing.rel, parsing.sha, parsing.size
        if parsing is not self._pending:  # its child was stopped since: no answer will come
            return _failed(rel, sha, size, "parser crashed (its child was stopped)")
        conn = self._conn
        try:
            if parsing.lost or conn is None:
                raise EOFError
            if not conn.poll(max(0.0, parsing.until - time.monotonic())):
                self._stop()
                self.replaced += 1
                if parsing.by_budget:
                    return out_of_time(rel, self.limits.run_seconds, size, sha)
                return _failed(
                    rel, sha, size, f"timeout: not parsed within {self.limits.seconds:g} s"
                )
            result: IngestedDocument = conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self._process.exitcode if self._process is not None else None
            self._stop()
            self.replaced += 1
            return _failed(rel, sha, size, lost_reason(code, self.limits.memory_mb))
        finally:
            self._pending = None
        if result.info.path != rel:  # never another document's answer under this name
            self._stop()
            self.replaced += 1
            return _failed(rel, sha, size, "parser crashed (answered for another document)")
        return result

    def close(self) -> None:
        self._stop()

    def __enter__(self) -> IsolatedParser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
