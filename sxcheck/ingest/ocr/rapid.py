"""RapidOCR (PP-OCR models in the wheel, onnxruntime on the CPU).

First version for integration; engine.py's measurement refines the settings.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from sxcheck.models import OcrLine

if TYPE_CHECKING:
    from PIL.Image import Image


@cache
def _engine() -> Any:
    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return RapidOCR()


def engine_name() -> str:
    return f"rapidocr {version('rapidocr')}"


def recognise(image: Image) -> list[OcrLine]:
    import numpy as np

    width, height = image.size
    result = _engine()(np.asarray(image.convert("RGB")))
    if result.boxes is None:
        return []
    lines = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        lines.append(
            OcrLine(
                text=text,
                box=(min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height),
                confidence=round(float(score), 4),
            )
        )
    lines.sort(key=lambda line: (line.box[1], line.box[0]))
    return lines
