"""RapidOCR: PP-OCR models (shipped inside the `rapidocr` wheel) run by onnxruntime on the CPU.

Settings, and why (see engine.py for the measurement behind them):
- the three model files are named by path inside the installed wheel, so
  RapidOCR never reaches its download code (it downloads a model whose file is
  missing or fails its checksum); a missing model is a clear error, not a
  network request from a checker that may run offline;
- one intra-op and one inter-op thread: pages are read one per worker process,
  as many processes as cores, which beats onnxruntime's own threading on a
  busy machine and keeps each process's memory small;
- the log level is "error": RapidOCR logs every model path and timing at INFO
  on its own handler, which would flood the run's progress output;
- the 0°/180° line classifier is off: on upright scans it flipped about one
  line in fifty (a line with 《…（2024—2026年）》 came back as "《》", confidence
  0.65), losing the whole line; pages are squared before OCR (render.prepare);
- line detection runs on the page reduced to 1280 px (RapidOCR's default
  keeps the full page, 1654 × 2339 at 200 dpi): 1.95 s instead of 3.54 s CPU
  per page, the same 99.95 % of characters on 12 test pages (960 px: 99.92 %);
  the lines found are still cut from, and read at, the full-resolution page;
- `max_side_len` is raised above an A4 page at the OCR dpi: RapidOCR's default
  (2000 px) shrinks a 200-dpi A4 page (2339 px tall) before detection and
  crops the lines from the shrunk image.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sxcheck.models import OcrLine

if TYPE_CHECKING:
    from PIL.Image import Image

# the models inside the rapidocr wheel (RapidOCR 3.x defaults: PP-OCRv6 small det/rec)
MODELS = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
THREADS = 1  # onnxruntime threads per process; parallelism is one page per process
MAX_SIDE_PX = 4000  # above A4 at 300 dpi (3508 px), so pages are read at the dpi rendered
DET_MAX_SIDE_PX = 1280  # detection runs on the page reduced to this; lines are read at full dpi
TEXT_SCORE = 0.5  # RapidOCR's default: lines it is less sure of are dropped, not guessed


def _model_dir() -> Path:
    """The wheel's own model folder, found without importing rapidocr's heavy modules."""
    from importlib.util import find_spec

    spec = find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise RuntimeError("the rapidocr package is not installed (pip install rapidocr)")
    return Path(spec.origin).parent / "models"


def settings() -> dict[str, Any]:
    """RapidOCR parameters: local models, one thread, quiet, full-resolution detection."""
    folder = _model_dir()
    params: dict[str, Any] = {
        "Global.log_level": "error",
        "Global.max_side_len": MAX_SIDE_PX,
        "Global.text_score": TEXT_SCORE,
        "Global.use_cls": False,
        "Det.limit_type": "max",
        "Det.limit_side_len": DET_MAX_SIDE_PX,
        "EngineConfig.onnxruntime.intra_op_num_threads": THREADS,
        "EngineConfig.onnxruntime.inter_op_num_threads": THREADS,
    }
    for section, name in MODELS.items():
        path = folder / name
        if not path.is_file():
            raise RuntimeError(
                f"RapidOCR model {name} is missing from {folder}; reinstall rapidocr"
            )
        params[f"{section}.model_path"] = str(path)
    return params


@cache
def _engine() -> Any:
    """One RapidOCR per process, loaded on first use (~1 s: three ONNX sessions)."""
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)  # quiet before the config applies
    return RapidOCR(params=settings())


def engine_name() -> str:
    """Engine, package version and models: a change of any of them invalidates cached OCR."""
    return f"rapidocr {version('rapidocr')} {MODELS['Det'].split('_')[0]}"


def recognise(image: Image) -> list[OcrLine]:
    """The lines on the image, in reading order, with boxes as fractions and confidences."""
    import numpy as np

    width, height = image.size
    # RapidOCR takes an ndarray as OpenCV's BGR; a red seal must stay red, not turn blue
    bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    result = _engine()(bgr)
    if result.boxes is None or result.txts is None:
        return []
    lines = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
        if not text.strip():
            continue
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        lines.append(
            OcrLine(
                text=text,
                box=_fractions(min(xs), min(ys), max(xs), max(ys), width, height),
                confidence=round(float(score), 4),
            )
        )
    from sxcheck.ingest.ocr.engine import reading_order

    return reading_order(lines)


def _fractions(
    left: float, top: float, right: float, bottom: float, width: int, height: int
) -> tuple[float, float, float, float]:
    """A pixel box as fractions of the page, clamped to [0, 1] (boxes may overhang the edge)."""

    def clamp(value: float) -> float:
        return round(min(1.0, max(0.0, value)), 5)

    return (clamp(left / width), clamp(top / height), clamp(right / width), clamp(bottom / height))
