"""The check workers of `sxcheck serve`: processes beside the server that take the
queued jobs from the store (store.jobs) and check them (web.jobrun), so an upload
returns at once.

Each worker is a fresh process (spawned: never a fork of the server, which holds a
database engine and uvicorn's threads) in a session of its own (Ctrl-C reaches the
server, which stops the workers), and dies with the server (PR_SET_PDEATHSIG), so a
killed server leaves no worker checking on; the parser and OCR children a worker
forks die with it, as batch's pool workers' do.

Nothing is lost by a restart: a job a stopped worker had begun is put back in the
queue (jobs.release); one whose worker was killed is queued again at the next start
(its worker, "host:pid", no longer exists) or after jobs.STALE_SECONDS without a beat.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from typing import Any

from sxcheck.errors import SxcheckError
from sxcheck.store import jobs
from sxcheck.web.jobrun import dask_client, gone_workers, log, run_job, worker_name
from sxcheck.web.settings import WebSettings

SWEEP_SECONDS = 30.0  # how often a worker looks for jobs whose worker is gone
IDLE_SECONDS = 1.0  # the longest wait between two looks at an empty queue
WATCH_SECONDS = 2.0  # how often the server looks for a worker that died
STOP_SECONDS = 10.0  # a stopping worker's time to put its job back before it is killed


# ------------------------------------------------------------ a worker process


def _die_with(parent: int) -> None:
    """Die when the server dies (Linux PR_SET_PDEATHSIG; elsewhere nothing changes), and
    leave the terminal's session, so Ctrl-C reaches only the server, which stops us."""
    with contextlib.suppress(OSError):
        os.setsid()
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the server died before the line above
        os._exit(1)


def _stop_on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def work(settings: WebSettings, parent: int) -> None:
    """A worker process: claim, check, record; until the server stops it."""
    from sxcheck.batch.workers import _FORKING, _die_with_the_worker
    from sxcheck.store import open_store

    _die_with(parent)
    signal.signal(signal.SIGTERM, _stop_on_term)  # `finally` blocks run: work folders go
    # the parser and OCR children this process forks die with it, as batch's pool workers'
    os.register_at_fork(
        before=lambda: _FORKING.__setitem__(0, os.getpid()),
        after_in_child=_die_with_the_worker,
    )
    store = open_store(settings.db)
    name = worker_name()
    clients: list[Any] = []

    def client() -> Any:
        if not clients:
            clients.append(dask_client(settings.scheduler or ""))
        return clients[0]

    swept, idle = 0.0, 0.1
    while True:
        try:
            if time.monotonic() - swept >= SWEEP_SECONDS:
                swept = time.monotonic()
                jobs.requeue_workers(store, gone_workers(store))
                jobs.requeue_stale(store)
            job = jobs.claim(store, name)
            if job is not None:
                idle = 0.1
                run_job(store, settings, job, client)
                continue
        except SxcheckError as exc:  # the store is busy or gone for a moment
            log(str(exc))
        time.sleep(idle)
        idle = min(idle * 2, IDLE_SECONDS)


class WorkerPool:
    """`settings.workers` worker processes, replaced when one dies (its job is queued
    again at once); started before the server takes requests, stopped after."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.processes: list[Any] = []
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._done = threading.Event()
        self._watcher: threading.Thread | None = None
        self._store: Any = None

    def start(self) -> None:
        from sxcheck.store import open_store

        self._store = open_store(self.settings.db)  # migrated once, before the workers open it
        again = jobs.requeue_workers(self._store, gone_workers(self._store))
        again += jobs.requeue_stale(self._store)
        if again:
            log(f"{again} interrupted check(s) queued again")
        with self._lock:
            self.processes = [self._spawn(i) for i in range(max(1, self.settings.workers))]
        # the workers die with the thread that started them: this one lives until stop()
        self._watcher = threading.Thread(target=self._watch, name="sxcheck-workers", daemon=True)
        self._watcher.start()

    def _spawn(self, index: int) -> Any:
        process = self._context.Process(
            target=work, args=(self.settings, os.getpid()), name=f"sxcheck-check-{index + 1}"
        )
        process.start()
        return process

    def _watch(self) -> None:
        """Replace a worker that died (killed by the OOM killer, crashed); its job is
        queued again at once, or failed after jobs.MAX_ATTEMPTS such deaths."""
        while not self._done.wait(WATCH_SECONDS):
            with self._lock:
                if self._stopping.is_set():
                    continue
                for index, process in enumerate(self.processes):
                    if process.is_alive():
                        continue
                    process.join()
                    log(f"check worker {process.pid} ended (exit code {process.exitcode})")
                    with contextlib.suppress(SxcheckError):
                        jobs.requeue_workers(self._store, {worker_name(process.pid)})
                    self.processes[index] = self._spawn(index)

    def stop(self) -> None:
        """Ask every worker to stop (each puts its job back), kill those that do not."""
        self._stopping.set()
        with self._lock:
            for process in self.processes:
                if process.is_alive():
                    process.terminate()
            deadline = time.monotonic() + STOP_SECONDS
            for process in self.processes:
                process.join(max(0.0, deadline - time.monotonic()))
                if process.is_alive():
                    process.kill()
                    process.join(5)
        self._done.set()
        if self._watcher is not None:
            self._watcher.join(WATCH_SECONDS + 1)
        if self._store is not None:
            self._store.engine.dispose()
