"""Tesseract 5 (`tesseract` CLI, Debian tesseract-ocr + tesseract-ocr-chi-sim) behind the OCR interface.

Not the default engine (engine.py: it misreads numbers silently on degraded
scans); kept for the measurement, `make bench`, and as a fallback a
deployment without onnxruntime can name. It runs as a child process per
page with OMP_THREAD_LIMIT=1: its own OpenMP threading is 4.5× slower per
page on a busy 2-core machine than one page per process.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from functools import cache
from typing import TYPE_CHECKING

from sxcheck.errors import DocumentError
from sxcheck.models import OcrLine

if TYPE_CHECKING:
    from PIL.Image import Image

LANGUAGE = "chi_sim"
PAGE_SECONDS = 120.0  # one page; Tesseract takes ~3 s for a dense A4 page at 300 dpi
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@cache
def _binary() -> str:
    path = shutil.which("tesseract")
    if path is None:
        raise RuntimeError(
            "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)"
        )
    return path


@cache
def engine_name() -> str:
    """`tesseract 5.x.y chi_sim`: the version line of the installed binary."""
    out = subprocess.run([_binary(), "--version"], capture_output=True, text=True, timeout=30)
    first = (
        (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "tesseract"
    )
    return f"{first.strip()} {LANGUAGE}"


def _join(words: list[str]) -> str:
    """Words of one line: Chinese runs close up, Latin words and numbers keep one space."""
    text = ""
    for word in words:
        if text and not (CJK.search(text[-1]) or CJK.search(word[0])):
            text += " "
        text += word
    return text


def recognise(image: Image, dpi: int | None = None) -> list[OcrLine]:
    """The lines Tesseract reads on the image, grouped from its words, in reading order."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG", compress_level=1)
    command = [_binary(), "stdin", "stdout", "-l", LANGUAGE, "--psm", "3"]
    resolution = dpi or (image.info.get("dpi") or (0,))[0]
    if resolution:
        command += ["--dpi", str(round(float(resolution)))]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            [*command, "tsv"],
            input=buffer.getvalue(),
            capture_output=True,
            timeout=PAGE_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DocumentError(f"OCR of the page took over {PAGE_SECONDS:.0f} s") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DocumentError(f"tesseract failed: {reason[-1] if reason else done.returncode}")
    return _lines(done.stdout.decode("utf-8", "replace"), *image.size)


def _lines(tsv: str, width: int, height: int) -> list[OcrLine]:
    """Group TSV word rows (level 5) by block, paragraph and line into OcrLines."""
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        groups.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(row)
    lines = []
    for words in groups.values():
        left = min(int(w["left"]) for w in words)
        top = min(int(w["top"]) for w in words)
        right = max(int(w["left"]) + int(w["width"]) for w in words)
        bottom = max(int(w["top"]) + int(w["height"]) for w in words)
        confidences = [float(w["conf"]) for w in words if float(w["conf"]) >= 0]
        confidence = sum(confidences) / len(confidences) / 100 if confidences else 0.0
        lines.append(
            OcrLine(
                text=_join([w["text"].strip() for w in words]),
                box=(
                    round(max(0.0, left / width), 5),
                    round(max(0.0, top / height), 5),
                    round(min(1.0, right / width), 5),
                    round(min(1.0, bottom / height), 5),
                ),
                confidence=round(confidence, 4),
            )
        )
    from sxcheck.ingest.ocr.engine import reading_order

    return reading_order(lines)
