"""Pixels for OCR: PDF pages rendered, image files opened safely, pages squared and unsealed.

Everything here turns a hostile file into a bounded `PIL.Image` or a
`DocumentError` with a one-line reason: an image header can claim 100,000 ×
100,000 pixels (a 30 GB decode from a few KB of file), a PDF page can be
200 inches wide, a TIFF can hold thousands of frames. The bounds are named in
sxcheck.limits. numpy and OpenCV are imported inside the functions that need
them, so importing this module stays cheap.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sxcheck import limits
from sxcheck.errors import DocumentError

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_SKEW_DEGREES = 3.0  # scanners and feeders skew pages by up to ~2°; more is a photo
SKEW_STEP = 0.05  # degrees: the finest angle deskew resolves
SEAL_MIN_WIDTH = (
    0.13  # of the page width: 公章 are 38–45 mm (A4 is 210 mm); a 红头 character ~13 mm
)


# ------------------------------------------------------------ PDF pages
def render_pdf_page(
    data_or_path: bytes | Path | str, index: int, dpi: int = limits.OCR_DPI
) -> Image:
    """Page `index` (0-based) of a PDF as an RGB image at `dpi`, for OCR.

    A page that would exceed MAX_OCR_PIXELS at `dpi` is rendered at the dpi
    that fits (a poster-sized page still gets read, at a coarser scale).
    """
    import pypdfium2 as pdfium

    source = str(data_or_path) if isinstance(data_or_path, Path) else data_or_path
    try:
        pdf = pdfium.PdfDocument(source)
    except pdfium.PdfiumError as error:
        raise DocumentError(f"cannot open the PDF to render it: {error}") from None
    try:
        if not 0 <= index < len(pdf):
            raise DocumentError(f"the PDF has {len(pdf)} pages; page {index + 1} does not exist")
        page = pdf[index]
        width_pt, height_pt = page.get_size()
        scale = dpi / 72
        pixels = width_pt * scale * height_pt * scale
        if pixels > limits.MAX_OCR_PIXELS:
            scale *= (limits.MAX_OCR_PIXELS / pixels) ** 0.5
        try:
            bitmap = page.render(scale=scale, rotation=0, draw_annots=True)
            image = bitmap.to_pil().convert("RGB")
        except pdfium.PdfiumError as error:
            raise DocumentError(f"cannot render page {index + 1}: {error}") from None
        image.info["dpi"] = (round(scale * 72), round(scale * 72))
        return image
    finally:
        pdf.close()


# ------------------------------------------------------------ image files
def _opened(data: bytes) -> Image:
    """The image's header read (not its pixels), refused with a reason when it is a bomb."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = limits.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentError(_too_large_reason()) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        # the type only: Pillow's message names the in-memory stream ("<_io.BytesIO object
        # at 0x…>"), which differs on every run and would make the reason uncacheable noise
        raise DocumentError(f"not a readable image ({type(error).__name__})") from None
    _check_size(image)
    return image


def _too_large_reason(width: int = 0, height: int = 0) -> str:
    size = f"{width} × {height} pixels, " if width else ""
    return (
        f"the image is too large to read safely ({size}above MAX_IMAGE_PIXELS = "
        f"{limits.MAX_IMAGE_PIXELS:,}); a decompression bomb or an oversized scan"
    )


def _check_size(image: Image) -> None:
    width, height = image.size
    if width * height > limits.MAX_IMAGE_PIXELS:
        raise DocumentError(_too_large_reason(width, height))
    if width < 1 or height < 1:
        raise DocumentError("the image has no pixels")


def _decoded(image: Image) -> Image:
    """The current frame's pixels as RGB, upright by its EXIF orientation (phone photos)."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            frame = ImageOps.exif_transpose(image) or image
            if frame.mode in ("I;16", "I;16B", "I;16L", "I"):
                frame = frame.point(lambda v: v / 256).convert("L")  # 16-bit grey scans
            if frame.mode in ("RGBA", "LA", "PA") or (
                frame.mode == "P" and "transparency" in frame.info
            ):
                rgba = frame.convert("RGBA")
                flat = PILImage.new("RGB", rgba.size, (255, 255, 255))  # transparent = paper
                flat.paste(rgba, mask=rgba.getchannel("A"))
                return flat
            return frame.convert("RGB")
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise DocumentError(_too_large_reason(*image.size)) from None
    except (OSError, ValueError, SyntaxError, MemoryError) as error:
        raise DocumentError(f"the image is damaged ({type(error).__name__}: {error})") from None


def open_image(data: bytes, frame: int = 0) -> Image:
    """One image (png, jpg/jpeg, tif/tiff, bmp) as upright RGB; `frame` for multi-page TIFF."""
    image = _opened(data)
    if frame:
        try:
            image.seek(frame)
        except EOFError:
            raise DocumentError(f"the image has no frame {frame + 1}") from None
        _check_size(image)
    return _decoded(image)


def frame_count(data: bytes) -> int:
    """How many pages an image file holds (a multi-page TIFF: one per frame; others: 1)."""
    count = int(getattr(_opened(data), "n_frames", 1))
    if count > limits.MAX_IMAGE_FRAMES:
        raise DocumentError(
            f"the image has {count:,} frames, above MAX_IMAGE_FRAMES = {limits.MAX_IMAGE_FRAMES:,}"
        )
    return count


def image_pages(data: bytes) -> Iterator[Image]:
    """Every page of an image file, in order: each TIFF frame is a page."""
    image = _opened(data)
    count = frame_count(data)
    for index in range(count):
        if index:
            image.seek(index)
            _check_size(image)
        yield _decoded(image)


# ------------------------------------------------------------ squaring and cleaning a page
def deskew(image: Image) -> tuple[Image, float]:
    """The page rotated square, and the skew found (degrees, counter-clockwise positive).

    Projection profile: at the right angle the ink of each printed line falls
    into the same few pixel rows, so the row sums are most uneven (largest
    variance). Measured on ink pixels of a reduced page, coarse then fine,
    within ±MAX_SKEW_DEGREES; a page with too little ink is left as it is.
    """
    import numpy as np
    from PIL import Image as PILImage

    grey = image.convert("L")
    reduce = max(1, round(max(grey.size) / 1400))
    small = grey.reduce(reduce) if reduce > 1 else grey
    ink = np.asarray(small) < 140
    rows_at, columns_at = np.nonzero(ink)
    if len(columns_at) < 500:
        return image, 0.0
    xs = columns_at.astype(np.float64) - small.size[0] / 2
    ys = rows_at.astype(np.float64)
    height = small.size[1]

    def sharpness(angle: float) -> float:
        theta = np.radians(angle)
        rows = np.round(ys * np.cos(theta) + xs * np.sin(theta)).astype(np.int64)
        rows = rows[(rows >= 0) & (rows < height)]
        profile = np.bincount(rows, minlength=height).astype(np.float64)
        return float(np.var(profile))

    coarse = [float(a) for a in np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 1e-9, 0.25)]
    best = max(coarse, key=sharpness)
    fine = [float(a) for a in np.arange(best - 0.25, best + 0.25 + 1e-9, SKEW_STEP)]
    found: float = max(fine, key=sharpness)
    angle = round(found, 2)
    if abs(angle) < SKEW_STEP:
        return image, 0.0
    # the content was rotated by `angle` counter-clockwise; turn it back
    squared = image.rotate(-angle, resample=PILImage.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    return squared, angle


def remove_seals(image: Image) -> Image:
    """The page with red round seals turned into the grey of their red channel.

    A 公章 is stamped over the 落款 and date; read as a whole, its ring and arc
    text cut the lines beneath and the engine drops them. Black text under red
    ink stays dark in the red channel while the ink itself turns near white, so
    only roughly round red blobs (seals) are replaced; the red 红头 title and
    rule, wide and flat, are kept for OCR to read.
    """
    import cv2
    import numpy as np
    from PIL import Image as PILImage

    rgb = np.asarray(image.convert("RGB"))
    red = rgb[:, :, 0].astype(np.int16)
    other = np.maximum(rgb[:, :, 1], rgb[:, :, 2]).astype(np.int16)
    mask = ((red > 110) & (red - other > 50)).astype(np.uint8)
    if mask.sum() < 200:
        return image
    width = image.size[0]
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(3, width // 120),) * 2)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    out = None
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        if w < width * SEAL_MIN_WIDTH or not 0.6 < w / h < 1.6 or area < 0.05 * w * h:
            continue  # not seal-shaped: a title line, a rule, a red word
        if out is None:
            out = rgb.copy()
        box = rgb[y : y + h, x : x + w]
        grey = np.minimum(255, box[:, :, 0].astype(np.float32) * (255 / 215)).astype(np.uint8)
        out[y : y + h, x : x + w] = grey[:, :, None]
    return image if out is None else PILImage.fromarray(out, "RGB")


def fit_for_ocr(image: Image) -> Image:
    """The image reduced so its longer side is at most OCR_MAX_SIDE_PX (48-MP phone photos)."""
    from PIL import Image as PILImage

    longest = max(image.size)
    if longest <= limits.OCR_MAX_SIDE_PX:
        return image
    ratio = limits.OCR_MAX_SIDE_PX / longest
    size = (max(1, round(image.size[0] * ratio)), max(1, round(image.size[1] * ratio)))
    return image.resize(size, PILImage.Resampling.LANCZOS)


def prepare(image: Image) -> Image:
    """A page ready for OCR: bounded in size, seals lifted, squared."""
    return deskew(remove_seals(fit_for_ocr(image)))[0]
