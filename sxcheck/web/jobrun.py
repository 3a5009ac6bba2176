"""One check of `sxcheck serve`'s queue, in a worker process (sxcheck.web.worker) or,
with a Dask scheduler, on the cluster while the worker waits.

The upload's declaration is read first: a city's upload naming another region is
refused before anything is read, an auditor's takes the region it names. The check is
`pipeline.check`, under the same document isolation and limits as `sxcheck check`;
its progress and a heartbeat are written to the job, so the job page moves and a job
whose worker is gone can be told from one that works on.

A job fails with one line in Chinese for the uploader: the check's own message for
what the submission did (SxcheckError), never a traceback; an error no check foresaw
is logged on the server's stderr and the job says only that it happened.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sxcheck.errors import SxcheckError
from sxcheck.ingest.isolate import Limits
from sxcheck.store import jobs
from sxcheck.web import uploads
from sxcheck.web.settings import WebSettings

HEARTBEAT_SECONDS = 10.0  # well within jobs.STALE_SECONDS, also during a long OCR page
PROGRESS_SECONDS = 0.5  # at most two progress writes a second

INTERNAL = "检查时出现内部错误，请联系管理员"
MISSING = "上传的材料已不在服务器上（文件缺失），请重新上传"
MISMATCH = "申报材料中的地区（{declared}）与账号所属地区（{account}）不一致，未检查"
KILLED = "检查进程被终止（内存不足或崩溃），未完成；请检查材料后重新上传"
UNCHECKABLE = "申报材料无法检查："
NOT_RECORDED = "检查已完成，但结果未能记入存储："

HOST = socket.gethostname()

Outcome = tuple[str | None, str | None]  # (the run id, or why the job failed)
T = TypeVar("T")


def worker_name(pid: int | None = None) -> str:
    return f"{HOST}:{pid or os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: the pid was reused, not ours
        return True
    return True


def gone_workers(store: Any) -> set[str]:
    """The workers of running jobs that ran on this host and no longer exist."""
    gone = set()
    for worker in jobs.running_workers(store):
        host, _, pid = worker.rpartition(":")
        if host == HOST and pid.isdigit() and not _alive(int(pid)):
            gone.add(worker)
    return gone


def limits_of(settings: WebSettings) -> Limits:
    """The settings' limits, the CLI's where a setting is not given."""
    given = {
        "seconds": settings.doc_seconds,
        "memory_mb": settings.doc_memory_mb,
        "run_seconds": settings.run_seconds,
    }
    return Limits(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]


def log(message: str) -> None:
    print(f"sxcheck serve [{worker_name()}]: {message}", file=sys.stderr, flush=True)


def _chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def said(message: str, path: Path, shown: str, prefix: str = UNCHECKABLE) -> str:
    """A check's message as the uploader sees it: the upload named as they named it
    (never the server's path), in Chinese (an English one under a Chinese prefix)."""
    text = message.replace(str(path), shown).replace(path.name, shown).strip() or "?"
    return text if _chinese(text) else prefix + text


# ------------------------------------------------------------ one job


class Progress:
    """pipeline.check's progress callback: how far the check got, written to the job at
    most twice a second (and the last state always, by `flush`)."""

    def __init__(self, store: Any, job_id: str, worker: str | None = None) -> None:
        self.store, self.job_id, self.worker = store, job_id, worker
        self.state: dict[str, Any] = {"documents": 0, "of": 0, "ocr_pages": 0, "current": ""}
        self.written = 0.0
        self.pending = False

    def __call__(self, rel: str, index: int, total: int) -> None:
        if rel.startswith("OCR "):
            self.state.update(ocr_pages=index, ocr_of=total)
        else:
            self.state.update(documents=index, of=total)
        self.state["current"] = rel
        self.pending = True
        if time.monotonic() - self.written >= PROGRESS_SECONDS:
            self._write()

    def flush(self) -> None:
        """The final state: every document read, nothing current."""
        self.state["current"] = ""
        self._write()

    def _write(self) -> None:
        self.written, self.pending = time.monotonic(), False
        try:
            jobs.beat(self.store, self.job_id, dict(self.state), self.worker)
        except SxcheckError as exc:  # a busy store: the next write says it, the check goes on
            log(f"progress of job {self.job_id} not written: {exc}")


class Heartbeat:
    """Beats for the job every HEARTBEAT_SECONDS while the check works (a long document
    or OCR page calls no progress), so the job is not taken for one whose worker is gone."""

    def __init__(self, store: Any, job_id: str, worker: str | None = None) -> None:
        self.store, self.job_id, self.worker = store, job_id, worker
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sxcheck-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            try:
                jobs.beat(self.store, self.job_id, worker=self.worker)
            except SxcheckError as exc:
                log(f"heartbeat of job {self.job_id} not written: {exc}")

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.thread.join(5)


def guarded(
    job_id: str, path: Path, shown: str, work: Callable[[], T]
) -> tuple[T | None, str | None]:
    """What `work` returns, or (None and) the one line the uploader is told instead."""
    from sxcheck.store import RunNotRecorded

    try:
        return work(), None
    except RunNotRecorded as exc:
        return None, said(str(exc), path, shown, NOT_RECORDED)
    except SxcheckError as exc:
        return None, said(str(exc), path, shown)
    except Exception:  # noqa: BLE001 -- the traceback is the server's, the job says it happened
        log(f"internal error checking job {job_id}:\n{traceback.format_exc()}")
        return None, INTERNAL


def checked(
    path: Path, store: Any, limits: Limits, job_id: str, shown: str, worker: str | None = None
) -> Outcome:
    """Check the upload and record its run (in the web worker, or on a Dask worker)."""
    from sxcheck.pipeline import check

    progress = Progress(store, job_id, worker)

    def work() -> str:
        report = check(path, store=store, progress=progress, limits=limits)
        progress.flush()
        return report.run.id

    return guarded(job_id, path, shown, work)


_RULES: list[Any] = []  # the built-in rules, loaded once per worker


def declared(path: Path) -> tuple[str, str]:
    """The region and level the upload's declaration names (validated as check does)."""
    from sxcheck.ingest.submission import open_submission
    from sxcheck.pipeline import effective_rules

    if not _RULES:
        _RULES.append(effective_rules())
    extend = lambda folder: effective_rules(None, None, folder)  # noqa: E731
    with open_submission(path, _RULES[0], extend) as submission:
        return submission.manifest.region, submission.manifest.level


def run_job(store: Any, settings: WebSettings, job: Any, client: Callable[[], Any]) -> None:
    """Check one claimed job and record how it ended. A stop (SIGTERM) meanwhile puts
    the job back in the queue."""
    shown = job.filename or "上传的材料"
    try:
        with Heartbeat(store, job.id, job.worker):
            run_id, error = _run(store, settings, job, shown, client)
    except SystemExit:
        with contextlib.suppress(SxcheckError):
            jobs.release(store, job.id, job.worker)
        raise
    for attempt in range(3):  # a store busy for a moment must not cost the finished check
        try:
            if not jobs.finish(store, job.id, run_id, error, job.worker):
                log(f"job {job.id} was queued again and taken by another worker: result dropped")
            return
        except SxcheckError:
            if attempt == 2:
                raise  # the job is queued again once it is stale
            time.sleep(1.0)


def _run(store: Any, settings: WebSettings, job: Any, shown: str, client: Any) -> Outcome:
    path = uploads.path_of(settings, job.upload_sha)
    if not path.is_file():
        return None, MISSING
    place, error = guarded(job.id, path, shown, lambda: declared(path))
    if place is None:
        return None, error
    region, level = place
    if job.region and region != job.region:
        return None, MISMATCH.format(declared=region, account=job.region)
    jobs.set_region(store, job.id, region, level)
    if settings.scheduler:
        return on_cluster(client, settings, job.id, path, shown, job.worker)
    return checked(path, store, limits_of(settings), job.id, shown, job.worker)


# ------------------------------------------------------------ on a Dask cluster

_REMOTE_STORES: dict[str, Any] = {}  # on a Dask worker: the store by URL, opened once


def remote_check(
    path: str, db: str, limits: Limits, job_id: str, shown: str, worker: str | None = None
) -> Outcome:
    """On a Dask worker: check the upload (at the same path: a shared folder, as batch
    reads its submissions) and record its run in the store at `db` (as batch's workers
    open it), writing the job's progress there too."""
    from sxcheck.store import open_store

    store = _REMOTE_STORES.get(db)
    if store is None:
        store = _REMOTE_STORES[db] = open_store(db)
    return checked(Path(path), store, limits, job_id, shown, worker)


def store_url(settings: WebSettings) -> str:
    """The store as a Dask worker opens it: a SQLite file by its absolute path."""
    from sxcheck.store import resolve_url

    db = settings.db or os.environ.get("SXCHECK_DB")
    if db and "://" not in db:
        db = str(Path(db).expanduser().resolve())
    return resolve_url(db)


def dask_client(scheduler: str) -> Any:
    """A client of the scheduler; SxcheckError (one line) when there is none."""
    try:
        from distributed import Client
    except ImportError:
        raise SxcheckError(
            "--scheduler 需要 Dask distributed：pip install 'sxcheck[dask]'"
        ) from None
    try:
        return Client(scheduler, timeout=20)
    except (OSError, TimeoutError) as exc:
        raise SxcheckError(f"无法连接 Dask 调度器 {scheduler}：{exc}") from None


def on_cluster(
    client: Any,
    settings: WebSettings,
    job_id: str,
    path: Path,
    shown: str,
    worker: str | None = None,
) -> Outcome:
    """Check on the cluster; the web worker beats meanwhile (its Heartbeat)."""
    try:
        future = client().submit(
            remote_check,
            str(path),
            store_url(settings),
            limits_of(settings),
            job_id,
            shown,
            worker,
            pure=False,
        )
    except SxcheckError as exc:
        return None, str(exc)
    try:
        outcome: Outcome = future.result()
        return outcome
    except Exception as exc:  # noqa: BLE001 -- KilledWorker and the like
        if type(exc).__name__ == "KilledWorker":
            return None, KILLED
        log(f"job {job_id} failed on the cluster:\n{traceback.format_exc()}")
        return None, INTERNAL
    finally:
        if not future.done():  # stopped meanwhile: the job goes back in the queue
            with contextlib.suppress(Exception):
                future.cancel()
