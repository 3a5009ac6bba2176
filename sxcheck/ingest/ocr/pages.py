"""The OCR pool: every scanned page of a submission read in parallel, each in isolation.

OCR costs seconds a page (guides/extraction.md: 3-20 s at 200 dpi on one
core), so the pages of all documents are pooled and read by as many worker
processes as there are cores (never more than pages), one page per process at
a time: onnxruntime runs one thread per worker, which beats its own threading
on a busy machine. A worker is a fork (isolate.start_child, as the document
parser is) that loads the engine once, then caps its memory (RLIMIT_AS, the
per-document limit, above the loaded engine) and serves pages: it opens the
file itself by path and checks the sha256 the parent computed, renders the
page, looks for a red round seal on it (seals.py), deskews it, recognises it
and returns the lines, whether it is sealed and a small thumbnail.

Each page gets the per-document time limit from when it is handed over (the
engine's load has its own, OCR_LOAD_SECONDS). A page that runs out of time or
memory, or kills its worker, comes back with a one-line reason starting with a
LIMIT_REASONS prefix; the worker is replaced and the other pages go on. When
the engine cannot be loaded at all (the wheel is missing), every page comes
back with "需要OCR：OCR 引擎不可用 (…)".
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from sxcheck.ingest.isolate import Limits, lost_reason, start_child, stop_child
from sxcheck.limits import OCR_DPI, OCR_LOAD_SECONDS
from sxcheck.models import OcrLine

if TYPE_CHECKING:
    from PIL.Image import Image

THUMBNAIL_WIDTH = 360  # px: enough to see the page's layout and a quote's box
THUMBNAIL_QUALITY = 55  # greyscale JPEG: about 20 KB a page
UNAVAILABLE = "需要OCR：OCR 引擎不可用"


@dataclass(frozen=True)
class PageJob:
    """One page (of a PDF) or frame (of an image) to read, named by the file it is in."""

    doc: int  # the document's place in the submission's list
    path: str  # the file, opened by the worker itself
    rel: str
    sha: str  # what the parent hashed: the worker reads only these bytes
    size: int
    kind: str  # "pdf" or "image"
    page: int  # 1-based
    thumbnail: bool = True  # within the document's MAX_THUMBNAILS


@dataclass
class PageRead:
    """What OCR gave for one page, or why it gave nothing (`error`, one line)."""

    doc: int
    page: int
    lines: list[OcrLine] = field(default_factory=list)
    thumbnail: str | None = None  # data:image/jpeg;base64,...
    error: str | None = None
    seconds: float = 0.0
    engine: str | None = None
    # a red round seal on the page (seals.page_seal); None: not checked (no colour)
    seal: bool | None = None


# ------------------------------------------------------------------ the worker


class _Source:
    """The last file a worker read (pages of one document arrive one after another)."""

    key: tuple[str, str] | None = None
    data: bytes = b""


def _bytes(job: PageJob, source: _Source) -> bytes:
    """The file's bytes, checked against the parent's hash (never another file's pages)."""
    from sxcheck.errors import DocumentError
    from sxcheck.ingest import open_regular, read_bounded

    if source.key == (job.path, job.sha):
        return source.data
    source.key, source.data = None, b""
    fd, _ = open_regular(job.path)  # type: ignore[arg-type]  # a str path is fine for os.open
    try:
        data = read_bounded(fd, job.size)
    finally:
        os.close(fd)
    if hashlib.sha256(data).hexdigest() != job.sha:
        raise DocumentError("changed while it was read: not read by OCR (check again)")
    source.key, source.data = (job.path, job.sha), data
    return data


def _page_image(job: PageJob, data: bytes) -> Image:
    """The page's pixels: a PDF page rendered at OCR_DPI, or the image's frame."""
    from sxcheck.ingest.ocr.render import open_image, render_pdf_page

    if job.kind == "pdf":
        return render_pdf_page(data, job.page - 1, OCR_DPI)
    return open_image(data, frame=job.page - 1)


def thumbnail(image: Image) -> str:
    """A small greyscale JPEG of the page as OCR saw it (boxes are fractions of it)."""
    import base64
    import io

    from PIL import Image as PilImage

    grey = image.convert("L")
    width, height = grey.size
    small = grey.resize(
        (THUMBNAIL_WIDTH, max(1, round(height * THUMBNAIL_WIDTH / max(1, width)))),
        PilImage.Resampling.LANCZOS,
    )
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _seal(image: Image) -> bool | None:
    """Whether the page shows a red round seal; None when it cannot tell (no colour) or
    the check itself failed: a seal is reported, never a reason to lose the page's text."""
    from sxcheck.ingest.ocr.seals import page_seal

    try:
        return page_seal(image)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - hostile pixels: not checked, the OCR goes on
        return None


def _read_page(job: PageJob, source: _Source, engine: str) -> PageRead:
    from sxcheck.errors import DocumentError
    from sxcheck.ingest.ocr import recognise
    from sxcheck.ingest.ocr.render import deskew, fit_for_ocr, remove_seals

    started = time.monotonic()
    try:
        page = fit_for_ocr(_page_image(job, _bytes(job, source)))  # bounded
        sealed = _seal(page)  # before remove_seals greys the seal for OCR
        image = deskew(remove_seals(page))[0]  # unsealed, squared (render.prepare)
        lines = recognise(image)
        shown = thumbnail(image) if job.thumbnail else None
    except MemoryError:
        raise
    except DocumentError as exc:
        return PageRead(job.doc, job.page, error=str(exc))
    except OSError as exc:
        return PageRead(job.doc, job.page, error=f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # a decoder's bug on hostile pixels must not stop the pool
        return PageRead(job.doc, job.page, error=f"OCR failed ({type(exc).__name__})")
    seconds = time.monotonic() - started
    return PageRead(job.doc, job.page, lines, shown, None, seconds, engine, sealed)


def _serve(conn: Connection, memory_mb: int) -> None:
    """The worker: load the engine, cap memory, then read the pages that arrive."""
    try:
        from PIL import Image as PilImage

        from sxcheck.ingest.ocr import engine_name, recognise

        recognise(PilImage.new("RGB", (64, 64), (255, 255, 255)))  # loads the models
        engine = engine_name()
    except Exception as exc:  # noqa: BLE001 - the wheel missing or broken: said once, per page
        message = str(exc).splitlines()[0] if str(exc) else ""
        conn.send(("unavailable", f"{UNAVAILABLE} ({type(exc).__name__}: {message})"[:300]))
        return
    from sxcheck.ingest.limited import cap_memory

    cap_memory(memory_mb)
    conn.send(("ready", engine))
    source = _Source()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = _read_page(job, source, engine)
        except MemoryError:
            source = _Source()
            result = PageRead(job.doc, job.page, error=_memory(memory_mb))
        try:
            conn.send(result)
        except MemoryError:
            return
        if result.error and result.error.startswith("memory limit"):
            return  # a fresh worker rather than a fragmented heap


def _memory(memory_mb: int) -> str:
    return f"memory limit: OCR needs more than {memory_mb} MiB"


# ------------------------------------------------------------------ the pool


@dataclass
class _Worker:
    process: Any
    conn: Connection
    since: float  # when it started loading, or when its page was handed over
    job: PageJob | None = None
    ready: bool = False


class OcrPool:
    """Up to `workers` OCR processes reading a queue of pages under the run's limits."""

    def __init__(self, limits: Limits | None = None, workers: int | None = None) -> None:
        self.limits = limits or Limits()
        self.workers = workers or os.cpu_count() or 1
        self.replaced = 0  # workers killed or lost (a timeout, the memory cap, a crash)
        self.engine: str | None = None

    def read(
        self,
        jobs: list[PageJob],
        started: Callable[[PageJob, int, int], None] | None = None,
        deadline: float | None = None,
    ) -> list[PageRead]:
        """Every job's PageRead (in the order they finish). `started(job, n, total)` is
        called as a page is handed to a worker; `deadline` (time.monotonic) is the end
        of the run's time budget: pages not read by then come back "not read"."""
        queue = deque(jobs)
        size = min(self.workers, len(jobs))
        pool: list[_Worker] = []
        results: list[PageRead] = []
        unavailable: str | None = None
        try:
            while queue or any(w.job for w in pool):
                if unavailable is not None:
                    results += [PageRead(j.doc, j.page, error=unavailable) for j in queue]
                    break
                while queue and len(pool) < size:
                    pool.append(self._spawn())
                for worker in list(pool):
                    if worker.ready and worker.job is None and queue:
                        job = queue.popleft()
                        worker.job, worker.since = job, time.monotonic()
                        if started is not None:
                            started(job, len(results) + 1, len(jobs))
                        try:
                            worker.conn.send(job)
                        except OSError:  # it died since its last answer
                            self._lost(worker, pool, results)
                unavailable = self._collect(pool, results, deadline)
                if deadline is not None and time.monotonic() >= deadline:
                    results += self._out_of_time(pool, queue)
                    break
        finally:
            for worker in pool:
                stop_child(worker.process, worker.conn)
        return results

    def _spawn(self) -> _Worker:
        process, conn = start_child(_serve, (self.limits.memory_mb,), "sxcheck-ocr")
        return _Worker(process, conn, time.monotonic())

    def _collect(
        self, pool: list[_Worker], results: list[PageRead], deadline: float | None
    ) -> str | None:
        """Wait for the first answer or limit; return the engine's failure if it has one."""
        now = time.monotonic()
        ends = [w.since + (self.limits.seconds if w.job else OCR_LOAD_SECONDS) for w in pool]
        if deadline is not None:
            ends.append(deadline)
        ready = wait([w.conn for w in pool], max(0.0, min(ends) - now) if ends else None)
        for worker in list(pool):
            if worker.conn in ready:
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    if not worker.ready:  # died loading the engine: it would again
                        worker.process.join(5)
                        code = worker.process.exitcode
                        self._drop(worker, pool)
                        return f"{UNAVAILABLE} (the engine's worker exited while loading: {code})"
                    self._lost(worker, pool, results)
                    continue
                if isinstance(message, PageRead):
                    results.append(message)
                    worker.job = None
                    if message.error and message.error.startswith("memory limit"):
                        self._drop(worker, pool)
                elif message[0] == "ready":
                    worker.ready, self.engine = True, message[1]
                elif message[0] == "unavailable":
                    self._drop(worker, pool)
                    return str(message[1])
        now = time.monotonic()
        for worker in list(pool):
            if worker.job is not None and now >= worker.since + self.limits.seconds:
                results.append(
                    PageRead(
                        worker.job.doc,
                        worker.job.page,
                        error=f"timeout: not read by OCR within {self.limits.seconds:g} s",
                    )
                )
                self._drop(worker, pool)
            elif worker.job is None and not worker.ready and now >= worker.since + OCR_LOAD_SECONDS:
                self._drop(worker, pool)
                return f"{UNAVAILABLE} (not loaded within {OCR_LOAD_SECONDS:g} s)"
        return None

    def _lost(self, worker: _Worker, pool: list[_Worker], results: list[PageRead]) -> None:
        """A worker died without answering: its page failed at the memory cap or crashed."""
        worker.process.join(5)
        if worker.job is not None:
            reason = lost_reason(worker.process.exitcode, self.limits.memory_mb)
            if reason.startswith("memory limit"):
                reason = _memory(self.limits.memory_mb)
            results.append(PageRead(worker.job.doc, worker.job.page, error=reason))
        self._drop(worker, pool)

    def _drop(self, worker: _Worker, pool: list[_Worker]) -> None:
        stop_child(worker.process, worker.conn)
        pool.remove(worker)
        self.replaced += 1

    def _out_of_time(self, pool: list[_Worker], queue: deque[PageJob]) -> list[PageRead]:
        reason = f"not read: the run's time budget ({self.limits.run_seconds:g} s) was used up"
        left = [w.job for w in pool if w.job is not None] + list(queue)
        for worker in list(pool):
            self._drop(worker, pool)
        queue.clear()
        return [PageRead(j.doc, j.page, error=reason) for j in left]
