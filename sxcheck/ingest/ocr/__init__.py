"""OCR behind one small interface: an image in, lines with boxes and confidences out.

The rest of sxcheck only calls `recognise(image)` and `engine_name()`; which
engine reads the pixels (see engine.py for the choice and its measurement) is
decided here, so a different engine is one module, not a change across stages.
Engines are imported on first use: starting sxcheck must not load onnxruntime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sxcheck.models import OcrLine

if TYPE_CHECKING:
    from PIL.Image import Image


def recognise(image: Image) -> list[OcrLine]:
    """The lines of text on an image, top to bottom, with box (fractions) and confidence."""
    from sxcheck.ingest.ocr.rapid import recognise as rapid_recognise

    return rapid_recognise(image)


def engine_name() -> str:
    """The engine and its version, part of the extraction cache key."""
    from sxcheck.ingest.ocr.rapid import engine_name as rapid_name

    return rapid_name()
