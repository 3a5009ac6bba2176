"""The page behind a quote, as a small PNG with the quote's box drawn on it.

Where the page comes from, in order:
1. the zip the run's web job checked (kept by content in the upload folder): the
   document entry whose path is the evidence's document and whose bytes hash to the
   evidence's sha256 (a file whose hash differs is never shown). A PDF page is
   rendered with pdfium at THUMB_WIDTH pixels; the box is the OCR lines' box (page
   fractions) for a scan, else the quote found in the page's text layer (the union
   of its characters' boxes, matched without whitespace, so a quote that wraps a line
   or a spaced-out PDF is still found). An image is scaled down and boxed the same.
2. the JPEG thumbnail the OCR stage kept in the report (DocumentInfo.thumbnails)
   with the OCR box drawn on it;
3. nothing (the page says so).

An uploaded document is hostile input, and pdfium is neither memory-safe against
it nor thread-safe: the upload's document is read, hashed and its page rendered in
a child process (a small spawned pool, RENDER_WORKERS) under a memory cap
(ingest.limited.cap_memory) and a time limit; a child that runs out of either is
replaced and the page has no thumbnail (the server never holds the document). Only the OCR stage's own JPEG (2) is drawn in the server's process.
Callers run `thumbnail` off the event loop. Pages larger than MAX_PAGE_POINTS or
images larger than MAX_IMAGE_PIXELS are refused, and rendered PNGs are kept in a
small LRU keyed by content hash (what a PNG shows depends only on the document's
bytes, the page and the quote).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import multiprocessing
import os
import threading
import time
import unicodedata
import zipfile
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as RenderTimeout
from concurrent.futures.process import BrokenProcessPool
from io import BytesIO
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sxcheck.models import DocumentInfo, Evidence
from sxcheck.store.jobs import job_of_run
from sxcheck.store.runs import Store
from sxcheck.web.settings import WebSettings
from sxcheck.web.uploads import path_of

if TYPE_CHECKING:
    from pypdfium2 import PdfPage

THUMB_WIDTH = 600  # px
MAX_PAGE_POINTS = 20_000  # a page wider or taller than this (pt) is not rendered
MAX_IMAGE_PIXELS = 60_000_000  # for an image document
MAX_RENDER_PIXELS = THUMB_WIDTH * THUMB_WIDTH * 4  # a very tall page is rendered smaller
RENDER_SECONDS = 20.0
RENDER_MEMORY_MB = 1024
RENDER_WORKERS = 2
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # a document entry read from the zip
CACHE_SIZE = 64
Box = tuple[float, float, float, float]  # left, top, right, bottom as page fractions

_cache: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def upload_of(settings: WebSettings, store: Store, run_id: str) -> str | None:
    """The kept zip the run was checked from (its web job's upload), or None."""
    job = job_of_run(store, run_id)
    if job is None:
        return None
    try:
        path = path_of(settings, job.upload_sha)
    except ValueError:
        return None
    return str(path) if path.is_file() else None


def _entry(zip_path: str, document: str, sha256: str, size: int) -> bytes | None:
    """The bytes of the document `document` in the zip, only when they hash to `sha256`
    (an entry of the same size is tried too: a name the archive encoded otherwise)."""
    wanted = PurePosixPath(document).parts
    try:
        with zipfile.ZipFile(zip_path) as archive:
            entries = [i for i in archive.infolist() if not i.is_dir()]
            named = [
                i
                for i in entries
                if PurePosixPath(i.filename.replace("\\", "/")).parts[-len(wanted) :] == wanted
            ]
            sized = [i for i in entries if i.file_size == size and i not in named]
            for info in named + sized:
                if info.file_size > MAX_ENTRY_BYTES:
                    continue
                data = archive.read(info)
                if hashlib.sha256(data).hexdigest() == sha256:
                    return data
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    return None


def _fraction(box: Box | None) -> Box | None:
    if box is None:
        return None
    left, top, right, bottom = (min(1.0, max(0.0, float(v))) for v in box)
    return (left, top, right, bottom) if right > left and bottom > top else None


def _squeezed(text: str) -> tuple[str, list[int]]:
    """`text` NFKC-normalised without whitespace, and each kept character's source index."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        for c in unicodedata.normalize("NFKC", char):
            if not c.isspace():
                out.append(c)
                where.append(index)
    return "".join(out), where


def _text_box(page: PdfPage, quote: str, width: float, height: float) -> Box | None:
    """The quote's box on a PDF page from its text layer (page fractions), or None."""
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        chars = "".join(chr(raw.FPDFText_GetUnicode(textpage.raw, i) or 32) for i in range(count))
        hay, where = _squeezed(chars)
        needle, _ = _squeezed(quote)
        if not needle:
            return None
        start = hay.find(needle)
        if start < 0:  # a long quote (or one split by a header): its first line at least
            needle = needle[:20]
            start = hay.find(needle)
        if start < 0:
            return None
        boxes = [textpage.get_charbox(where[i]) for i in range(start, start + len(needle))]
    finally:
        textpage.close()
    left = min(b[0] for b in boxes)
    bottom = min(b[1] for b in boxes)
    right = max(b[2] for b in boxes)
    top = max(b[3] for b in boxes)
    return _fraction((left / width, 1 - top / height, right / width, 1 - bottom / height))


def _drawn(image: object, box: Box | None) -> bytes:
    """The image as PNG with `box` (fractions) drawn: a red frame over a light fill."""
    from PIL import Image, ImageDraw

    assert isinstance(image, Image.Image)
    image = image.convert("RGB")
    if box is not None:
        w, h = image.size
        frame = (box[0] * w - 3, box[1] * h - 3, box[2] * w + 3, box[3] * h + 3)
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        ImageDraw.Draw(overlay).rectangle(frame, fill=(255, 200, 0, 60))
        image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
        ImageDraw.Draw(image).rectangle(frame, outline=(208, 2, 27), width=3)
    out = BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _pdf_png(data: bytes, ev: Evidence) -> bytes | None:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return None
    try:
        number = (ev.page or 1) - 1
        if not 0 <= number < len(pdf):
            return None
        page = pdf[number]
        width, height = page.get_size()
        if not (0 < width <= MAX_PAGE_POINTS and 0 < height <= MAX_PAGE_POINTS):
            return None
        box = _fraction(ev.box) if ev.source == "ocr" else None
        if box is None:
            box = _text_box(page, ev.quote, width, height)
        scale = min(THUMB_WIDTH / width, (MAX_RENDER_PIXELS / (width * height)) ** 0.5)
        image = page.render(scale=scale).to_pil()
        page.close()
        return _drawn(image, box)
    finally:
        pdf.close()


def _image_png(data: bytes, ev: Evidence) -> bytes | None:
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(BytesIO(data))
        if image.size[0] * image.size[1] > MAX_IMAGE_PIXELS:
            return None
        image.draft("RGB", (THUMB_WIDTH, THUMB_WIDTH * 4))  # a JPEG decoded at a smaller scale
        frames = int(getattr(image, "n_frames", 1))
        if frames > 1:  # a multi-page TIFF: the quote's frame
            image.seek(min(max((ev.page or 1) - 1, 0), frames - 1))
        image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 4))
        return _drawn(image, _fraction(ev.box))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _scan_png(doc: DocumentInfo, ev: Evidence) -> bytes | None:
    """The OCR stage's JPEG thumbnail of the page with the OCR box, or None."""
    from PIL import Image, UnidentifiedImageError

    uri = doc.thumbnails.get(ev.page or 1)
    box = _fraction(ev.box)
    if not uri or box is None or not uri.startswith("data:image/jpeg;base64,"):
        return None
    try:
        data = base64.b64decode(uri.split(",", 1)[1], validate=True)
        return _drawn(Image.open(BytesIO(data)), box)
    except (binascii.Error, UnidentifiedImageError, OSError, ValueError):
        return None


def _follow_parent(parent: int) -> None:
    """In a render child: exit as soon as the server that started it is gone (a killed
    server must not leave its render children behind, blocked on their pipe)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _start_child(parent: int) -> None:
    """In a render child: the libraries loaded, then the memory cap on top of them."""
    import importlib

    from sxcheck.ingest.limited import cap_memory

    threading.Thread(target=_follow_parent, args=(parent,), daemon=True).start()

    for name in ("PIL.Image", "PIL.ImageDraw", "pypdfium2"):
        importlib.import_module(name)
    cap_memory(RENDER_MEMORY_MB)


def render_child(kind: str, upload: str, evidence: str, size: int) -> bytes | None:
    """In a render child: the evidence's document read from the upload (only when its
    bytes hash to the evidence's sha256), its page as a PNG with the quote's box."""
    ev = Evidence.model_validate_json(evidence)
    data = _entry(upload, ev.document, ev.sha256, size)
    if data is None:
        return None
    return _pdf_png(data, ev) if kind == "pdf" else _image_png(data, ev)


def _render(kind: str, upload: str, ev: Evidence, size: int) -> bytes | None:
    """`render_child` in the pool; None when it fails, runs out of time or memory (the
    pool is then replaced: a child stuck in pdfium is killed)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                RENDER_WORKERS,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(os.getpid(),),
            )
        pool = _pool
    try:
        return pool.submit(render_child, kind, upload, ev.model_dump_json(), size).result(
            timeout=RENDER_SECONDS
        )
    except (RenderTimeout, BrokenProcessPool):
        with _lock:
            if _pool is pool:
                _pool = None
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        return None
    except Exception:  # noqa: BLE001 -- the child's own failure on this document: no thumbnail
        return None


def shutdown() -> None:
    """Stop the render children (the server is stopping)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)


def kind_of(doc: DocumentInfo | None) -> str:
    """ "pdf", "image" or "" (what can be drawn from the upload)."""
    if doc is None or doc.status != "ok" or not doc.sha256:
        return ""
    return doc.kind if doc.kind in ("pdf", "image") else ""


def can_show(doc: DocumentInfo | None, ev: Evidence, upload: str | None) -> bool:
    """Whether a thumbnail is worth asking for (the page shows an <img> for it)."""
    if doc is None:
        return False
    if upload is not None and kind_of(doc):
        return True
    return ev.source == "ocr" and ev.box is not None and (ev.page or 1) in doc.thumbnails


def thumbnail(doc: DocumentInfo | None, ev: Evidence, upload: str | None) -> bytes | None:
    """The PNG of the evidence's page with its quote's box, or None when none can be made."""
    if doc is None or doc.sha256 != ev.sha256:
        return None
    key = (ev.sha256, ev.page, ev.quote, ev.box, ev.source, upload is not None)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    png: bytes | None = None
    kind = kind_of(doc)
    if upload is not None and kind:
        png = _render(kind, upload, ev, doc.size)
    if png is None:
        png = _scan_png(doc, ev)
    if png is not None:
        with _lock:
            _cache[key] = png
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return png
