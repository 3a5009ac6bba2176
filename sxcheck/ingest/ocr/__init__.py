"""OCR behind one small interface: an image in, lines with boxes and confidences out.

The rest of sxcheck only calls `recognise(image)` and `engine_name()` (and the
render functions in render.py); which engine reads the pixels, and at which
dpi pages are rendered for it, is decided in engine.py by measurement, so a
different engine is one module, not a change across stages. Engines are
imported on first use: starting sxcheck must not load onnxruntime, OpenCV or
numpy.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from sxcheck.ingest.ocr.engine import ENGINE, ENGINES, OCR_DPI, normalise
from sxcheck.models import OcrLine

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["ENGINE", "ENGINES", "OCR_DPI", "OcrLine", "engine_name", "recognise"]


def _module(engine: str | None) -> ModuleType:
    name = engine or ENGINE
    if name not in ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(ENGINES)}")
    if name == "tesseract":
        from sxcheck.ingest.ocr import tesseract

        return tesseract
    from sxcheck.ingest.ocr import rapid

    return rapid


def recognise(image: Image, engine: str | None = None) -> list[OcrLine]:
    """The lines of text on an image, in reading order, with box (fractions) and confidence.

    `engine` names another engine than the chosen one ("rapid", "tesseract"),
    for the measurement and the bench.
    """
    lines: list[OcrLine] = _module(engine).recognise(image)
    for line in lines:
        line.text = normalise(line.text)
    return lines


def engine_name(engine: str | None = None) -> str:
    """The engine and its version, part of the extraction cache key."""
    name: str = _module(engine).engine_name()
    return name
