"""The reading half of a batch: worker processes (or a Dask cluster) open each
submission, read its documents and build its facts.

Every submission comes from outside. Whatever one of them does to the process
reading it (a user error, an unexpected exception, even killing the process),
it ends as that submission's own "not evaluated" row; the others go on. A
worker that dies takes down its whole process pool, so the submissions that
were in flight are read again, each alone in a fresh pool: the one that kills
its worker again is the culprit, the others were bystanders.
"""

from __future__ import annotations

import os
import signal
import time
import zipfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from sxcheck.batch.reuse import document_heads
from sxcheck.catalogue.loader import RuleSet
from sxcheck.errors import SxcheckError
from sxcheck.ingest import extractor_version
from sxcheck.ingest.isolate import IsolatedParser, Limits
from sxcheck.models import Fact, IngestedDocument, Manifest, SubmissionInfo
from sxcheck.pipeline import effective_rules, facts_of, read_submission
from sxcheck.store import Store, open_store

WORKER_DIED = "the worker process reading it died (killed, out of memory or crashed)"
# Test seam, never set in production: "kill:NAME" makes a pool worker asked to
# read the submission NAME (its folder or zip name) kill itself with SIGKILL, as
# the kernel's OOM killer would; "raise:NAME" makes its reading raise an error
# no check foresaw. Only pool workers read it; the main process never does.
WORKER_FAULT = "SXCHECK_TEST_WORKER_FAULT"


@dataclass
class Prepared:
    """What a worker hands back: a read submission and its facts, or why not."""

    source: str
    documents_guess: int = 0  # files of a submission that could not be opened
    error: str | None = None
    manifest: Manifest | None = None
    info: SubmissionInfo | None = None
    documents: list[IngestedDocument] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    started: float = 0.0
    rules: RuleSet | None = None
    heads: dict[str, str] = field(default_factory=dict)  # document path -> its first lines


def unexpected(exc: BaseException, doing: str) -> str:
    """One line for an error no check foresaw: its kind only, never its text
    (an exception's message may quote the submission's content)."""
    return f"unexpected {type(exc).__name__} while {doing} (please report it)"


def count_documents(path: Path) -> int:
    """For the progress bar: files that are not the declaration."""
    try:
        if path.is_dir():
            return sum(
                1 for f in path.rglob("*") if f.is_file() and not f.name.startswith("submission.")
            )
        with zipfile.ZipFile(path) as archive:
            return sum(1 for i in archive.infolist() if not i.is_dir()) - 1
    except Exception:  # noqa: BLE001 -- a guess for the progress bar, never a failure
        return 0


# ------------------------------------------------------------ in a worker

_RULES: RuleSet | None = None
_STORE: Store | None = None
_PARSER: IsolatedParser | None = None
_OCR_WORKERS: int | None = None  # OCR processes per submission (None: one per core)
_RULE_DIRS: list[Path] = []
_PROFILE: Path | None = None
_FAULT: tuple[str, str] | None = None  # (kill | raise, submission name)


_FORKING: list[int] = [0]  # the pid of the process forking now (set just before a fork)


def _die_with_the_worker() -> None:
    """In a child a pool worker forks (its parser child): die when the worker dies.

    A child outliving a killed worker keeps the worker's end of the pool's pipes
    open, so the pool never learns that its worker died and the batch waits
    forever. Linux only (prctl PR_SET_PDEATHSIG); elsewhere nothing changes.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != _FORKING[0]:  # the parent died before the line above: follow it
        os._exit(1)


def _extend(folder: Path) -> RuleSet:
    return effective_rules(_RULE_DIRS, _PROFILE, folder)


def _init(
    rules_dir: str | None,
    db: str | None,
    limits: Limits | None = None,
    profile: str | None = None,
    pool: bool = False,
) -> None:
    """Each worker loads the rules, opens the store (the cache) and starts its parser child."""
    global _RULES, _STORE, _PARSER, _RULE_DIRS, _PROFILE, _FAULT, _OCR_WORKERS
    if pool:  # before the parser child is forked
        os.register_at_fork(
            before=lambda: _FORKING.__setitem__(0, os.getpid()),
            after_in_child=_die_with_the_worker,
        )
    _RULE_DIRS = [Path(d) for d in rules_dir.split("\0")] if rules_dir else []
    _PROFILE = Path(profile) if profile else None
    _RULES = effective_rules(_RULE_DIRS, _PROFILE)
    _STORE = open_store(db) if db else None
    _PARSER = IsolatedParser(limits)
    # the batch already runs one worker per core: each OCRs its scans one page at a time,
    # so N workers never start N x cores OCR processes
    _OCR_WORKERS = 1 if pool else None
    fault = os.environ.get(WORKER_FAULT, "") if pool else ""
    action, _, name = fault.partition(":")
    _FAULT = (action, name) if action in ("kill", "raise") and name else None


def _test_fault(path: Path) -> None:
    """The test seam (WORKER_FAULT); nothing unless a test set it."""
    if _FAULT is None or path.name != _FAULT[1]:
        return
    if _FAULT[0] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise RuntimeError("test fault")


def prepare(
    source: str,
    rules_dir: str | None = None,
    db: str | None = None,
    limits: Limits | None = None,
    profile: str | None = None,
) -> Prepared:
    """Read one submission and build its facts; any error becomes `error`."""
    if _RULES is None:  # a Dask worker: no initialiser hook, initialise on first use
        _init(rules_dir, db, limits, profile)
    assert _RULES is not None
    path = Path(source)
    prepared = Prepared(source=source, started=time.time())
    try:
        _test_fault(path)
        manifest, info, documents, rules = read_submission(
            path,
            _RULES,
            cache=_STORE,
            isolation=_PARSER,
            extend=_extend,
            ocr_workers=_OCR_WORKERS,
        )
    except SxcheckError as exc:
        prepared.error = str(exc)
    except Exception as exc:  # noqa: BLE001 -- one submission's trouble is its own row
        prepared.error = unexpected(exc, "reading the submission")
    if prepared.error is not None:
        prepared.documents_guess = count_documents(path)  # for the progress bar only
        return prepared
    try:
        prepared.manifest, prepared.info = manifest, info
        prepared.facts = facts_of(rules, documents, info, manifest.indicators)
        if rules is not _RULES:
            prepared.rules = rules  # its own 特色性指标: judged by them in the main process
        if _STORE is not None:
            _STORE.save_extractions(documents, extractor_version())
        prepared.heads = document_heads(documents)
    except SxcheckError as exc:
        return Prepared(source=source, error=str(exc), documents_guess=len(documents))
    except Exception as exc:  # noqa: BLE001
        return Prepared(
            source=source,
            error=unexpected(exc, "building its facts"),
            documents_guess=len(documents),
        )
    # the text stays here: the main process needs the facts and the document list,
    # so its memory does not grow with the pages of the batch
    prepared.documents = [d.model_copy(update={"units": []}) for d in documents]
    return prepared


# ------------------------------------------------------------ in the main process


def _outcome(future: Future[Prepared], source: str) -> Prepared | None:
    """The worker's answer, a row for an exception, or None when the pool broke."""
    try:
        return future.result()
    except BrokenProcessPool:
        return None
    except Exception as exc:  # noqa: BLE001 -- e.g. an answer that cannot be unpickled
        return Prepared(source=source, error=unexpected(exc, "handing back its reading"))


def run_local(
    sources: list[str],
    workers: int,
    rules_dir: str | None,
    db: str | None,
    limits: Limits | None,
    profile: str | None,
) -> Iterator[Prepared]:
    """Read in a process pool, at most `workers` submissions in flight, so a dying
    worker breaks only those; they are then read again one by one, each alone."""
    initargs = (rules_dir, db, limits, profile, True)
    pending = deque(sources)
    suspects: list[str] = []
    while pending:
        with ProcessPoolExecutor(workers, initializer=_init, initargs=initargs) as pool:
            running: dict[Future[Prepared], str] = {}
            broken = False
            while running or (pending and not broken):
                while pending and not broken and len(running) < workers:
                    source = pending.popleft()
                    try:
                        running[pool.submit(prepare, source)] = source
                    except BrokenProcessPool:
                        suspects.append(source)
                        broken = True
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    source = running.pop(future)
                    outcome = _outcome(future, source)
                    if outcome is None:
                        suspects.append(source)
                        broken = True
                    else:
                        yield outcome
    for source in suspects:
        with ProcessPoolExecutor(1, initializer=_init, initargs=initargs) as pool:
            outcome = _outcome(pool.submit(prepare, source), source)
        yield outcome or Prepared(
            source=source, error=WORKER_DIED, documents_guess=count_documents(Path(source))
        )


def run_dask(
    sources: list[str],
    scheduler: str,
    rules_dir: str | None,
    db: str | None,
    limits: Limits | None,
    profile: str | None,
) -> Iterator[Prepared]:
    """Read on a Dask cluster; a task that fails (its worker killed, …) is its own row."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise SxcheckError(
            "--scheduler needs Dask distributed: pip install 'sxcheck[dask]'"
        ) from None
    try:
        client = Client(scheduler, timeout=20)
    except (OSError, TimeoutError) as exc:
        raise SxcheckError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        futures = client.map(
            prepare,
            sources,
            rules_dir=rules_dir,
            db=db,
            limits=limits,
            profile=profile,
            pure=False,
        )
        source_of = {future.key: source for future, source in zip(futures, sources, strict=True)}
        for future in dask_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 -- KilledWorker and the like
                error = WORKER_DIED if type(exc).__name__ == "KilledWorker" else None
                yield Prepared(
                    source=source_of[future.key],
                    error=error or unexpected(exc, "reading the submission on the cluster"),
                )
    finally:
        client.close()
