"""Run one function in a forked child under a memory cap and a time limit.

The declaration (`submission.yaml` / `submission.xlsx`) and a submission's own
rule files are parsed from outside input like documents are: a 14 KB form
with a cell at XFD1048576 grew past 4.4 GB in the main process, a year
written `1e1000000000` never finished. The child (a fork, so everything is
already imported and the arguments need no pickling) sets RLIMIT_AS above
what it maps at start, runs the function and sends back its pickled result,
or the one-line message of the SxcheckError it raised. The parent waits at
most the time limit, then kills it. Every failure is one line: the error the
function raised, or SubmissionError naming `what` and the limit it hit.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sxcheck.errors import SubmissionError, SxcheckError
from sxcheck.limits import DECLARATION_MEMORY_MB, DECLARATION_SECONDS

T = TypeVar("T")
_CHUNK = 1 << 16


def _address_space() -> int:
    """Bytes of virtual memory this process maps now (the cap is set above it)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def cap_memory(memory_mb: int) -> None:
    """In a child: allow `memory_mb` MiB above what it maps now (RLIMIT_AS), and let a
    crash at the cap be reported by the parent rather than dumped by faulthandler."""
    import faulthandler

    faulthandler.disable()
    cap = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _child(write_fd: int, func: Callable[..., Any], args: tuple[Any, ...], memory_mb: int) -> None:
    """In the fork: run `func` under the cap, write one pickled outcome, never return."""
    try:
        cap_memory(memory_mb)
        try:
            outcome: tuple[Any, ...] = ("ok", func(*args))
        except SxcheckError as exc:
            outcome = ("error", type(exc), str(exc))
        except MemoryError:
            outcome = ("memory",)
        except RecursionError:
            outcome = ("failed", "nested too deeply")
        except Exception as exc:  # noqa: BLE001 - reported as one line by the parent
            outcome = ("failed", type(exc).__name__)
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(("memory",))
        except Exception as exc:  # noqa: BLE001 - an unpicklable result is a bug, said once
            payload = pickle.dumps(("failed", f"result not transferable ({type(exc).__name__})"))
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view[:_CHUNK]) :]
    except BaseException:  # noqa: BLE001 - the parent sees a dead child and says so
        pass
    finally:
        os._exit(0)


def _collect(read_fd: int, seconds: float) -> bytes | None:
    """Everything the child writes, or None when the time limit passes first."""
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([read_fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(read_fd, _CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def run_limited(
    func: Callable[..., T],
    *args: Any,
    what: str,
    seconds: float = DECLARATION_SECONDS,
    memory_mb: int = DECLARATION_MEMORY_MB,
) -> T:
    """`func(*args)` computed in a child with at most `memory_mb` MiB more and `seconds` s.

    Raises the SxcheckError the function raised (same class, same message), or
    SubmissionError(`what`: ...) when the child runs out of time or memory,
    dies, or fails with anything else.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.close(read_fd)
        _child(write_fd, func, args, memory_mb)
    os.close(write_fd)
    payload: bytes | None = None
    try:
        payload = _collect(read_fd, seconds)
    finally:
        os.close(read_fd)
        if payload is None:
            _kill(pid)
    status = _reap(pid)
    if payload is None:
        raise SubmissionError(f"{what}: {seconds:g} 秒内未能读完（安全限制）")
    try:
        outcome = pickle.loads(payload) if payload else None
    except Exception:  # noqa: BLE001 - a child killed mid-write
        outcome = None
    if outcome is None or outcome[0] == "memory":
        if outcome is None and status is not None and os.WIFSIGNALED(status):
            code = os.WTERMSIG(status)
            if code not in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS):
                raise SubmissionError(f"{what}: 无法读取（读取进程被信号 {code} 终止）")
        raise SubmissionError(f"{what}: 读取所需内存超过 {memory_mb} MiB（安全限制）")
    if outcome[0] == "ok":
        result: T = outcome[1]
        return result
    if outcome[0] == "error":
        raise outcome[1](outcome[2])
    raise SubmissionError(f"{what}: 无法读取（{outcome[1]}）")


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _reap(pid: int) -> int | None:
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None
