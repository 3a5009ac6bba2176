"""Red round seals (公章) on a scanned page: found by colour, kept by shape.

An auditor looks at a scanned notice for its seal. A 公章 is a red ring of
38–45 mm (GA 241; up to 60 mm for a State Council organ) around a five-pointed
star, with the organ's name along the upper arc: on an A4 page (210 mm) its
width is 0.18–0.29 of the page's, and its ink fills a thin band at its rim and
a little of its inside. What else is red on a 红头文件 is shaped otherwise: the
发文机关标志 and the rule beneath it are wide and flat, a red table line is a
line, a logo is a filled square or disc, a photo is a filled, ragged patch.

The method, on the page reduced to WORK_SIDE pixels across its shorter side:

1. colour: a page whose pixels are all grey (a greyscale scan, a black-and-white
   render) cannot show a red seal; it is not checked (None), never "no seal";
2. red mask in HSV: hue within RED_HUE of pure red, saturated and bright enough
   (a pale, worn stamp still counts; ink under black text turns dark and drops
   out, so black text over a seal only cuts its ring in places);
3. the mask closed over small gaps (a worn ring, text touching the ring) and
   split into connected components (OpenCV, already installed with RapidOCR);
4. each component of seal size and roughly round proportions (an oval seal of
   45 × 30 mm too) has its convex hull measured: round (isoperimetric ratio),
   an ellipse fitted to it, and the red pixels (of the unclosed mask) placed by
   their distance from its centre relative to the ellipse: a seal's ink goes
   around the rim (most angular sectors of the rim band hold red), fills the
   band far more than the inside, has something inside (star, text) but leaves
   most of it paper, and stops at the rim (little red just outside).

Measured on tests/test_seals.py's pages (drawn seals: rotated, faint, worn,
under black text, oval; negatives: 红头 titles and rules, red table lines, red
logos, rings without content, red photo areas): see that module's docstring;
about 20 ms a 200-dpi page, against ~2 s of OCR.

Not found: a seal on a greyscale scan (not checked, see 1.), half a seal at the
page's edge (a 骑缝章), a seal whose ring is mostly lost. Taken for one: a red
round emblem drawn like a seal (ring, name on the arc, a figure inside).

Only pages read by OCR are checked. The seal image many text-layer 红头 PDFs
carry was measured and left out: rendering a 20-page text PDF's first and last
pages at 100 dpi and checking them added 75-100 ms to its 0.8 s whole-process
read (OpenCV's import alone ~80 ms in the parse child), 10-12 %, above the ~5 %
such a check may cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image

WORK_SIDE = 900  # px across the page's shorter side: A4 at ~109 dpi, a seal ~180 px
# colour: a page holds colour when this share of its pixels differ across channels by
# at least COLOUR_SPREAD (a scanner's colour fringes, a red header, a seal)
COLOUR_SPREAD = 16
COLOUR_SHARE = 2e-5
# red ink in OpenCV's HSV (hue 0-180): within RED_HUE of red, saturation and value
RED_HUE = 12
RED_SATURATION = 40  # a worn stamp, pale pink on white, is about 45-90
RED_VALUE = 80
# size relative to the page's shorter side (A4: 210 mm): 0.10 is 21 mm (a small
# 科室 stamp, or a page photographed with wide margins), 0.45 a 95 mm seal
MIN_SIZE, MAX_SIZE = 0.10, 0.45
MAX_ASPECT = 1.6  # an oval 45 x 30 mm seal is 1.5
MIN_ROUNDNESS = 0.86  # 4πA/P² of the hull: circle 1.0, 3:2 ellipse 0.96, square 0.785
RIM = (0.80, 1.08)  # the rim band, as a fraction of the fitted ellipse's radius
INSIDE = 0.72  # within this fraction is the inside (star, name, number)
OUTSIDE = (1.14, 1.35)  # just beyond the rim
SECTORS = 48  # angular sectors of the rim
MIN_COVERAGE = 0.70  # sectors of the rim holding red ink (a worn or overprinted ring)
RIM_FILL = (0.12, 0.60)  # red share of the rim band: a thin ring with the name's arc
# (0.25-0.36 measured), not a thick band (a donut chart's red ring: 0.64)
INSIDE_FILL = (0.015, 0.40)  # red share of the inside: something (a star), mostly paper
MAX_OUTSIDE_FILL = 0.08  # red share just outside: the seal ends at its rim
RIM_OVER_INSIDE = 1.3  # the rim is redder than the inside (a filled disc is not)


@dataclass(frozen=True)
class Seal:
    """A red shape of seal size on a page: where (fractions of the page, like
    OcrLine.box) and its shape measured; `is_seal` says whether it is one."""

    box: tuple[float, float, float, float]
    roundness: float  # 4πA/P² of the hull
    coverage: float  # share of rim sectors holding red
    rim: float  # red share of the rim band
    inside: float  # red share of the inside
    outside: float  # red share of the band just outside the rim

    @property
    def is_seal(self) -> bool:
        """Ring-like: red all around the rim, the rim redder than the inside, something
        inside but mostly paper, and nothing red just beyond."""
        return (
            self.roundness >= MIN_ROUNDNESS
            and self.coverage >= MIN_COVERAGE
            and RIM_FILL[0] <= self.rim <= RIM_FILL[1]
            and INSIDE_FILL[0] <= self.inside <= INSIDE_FILL[1]
            and self.outside <= MAX_OUTSIDE_FILL
            and self.rim >= RIM_OVER_INSIDE * self.inside
        )


def _reduced(image: Image) -> Any:
    """The page as an RGB array, reduced by a whole factor towards WORK_SIDE px across
    its shorter side (a whole factor: OpenCV averages blocks, 5x faster than a resample)."""
    import cv2
    import numpy as np

    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    factor = max(1, round(min(rgb.shape[:2]) / WORK_SIDE))
    if factor > 1:
        size = (max(1, rgb.shape[1] // factor), max(1, rgb.shape[0] // factor))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return rgb


def has_colour(rgb: Any) -> bool:
    """Whether any pixel shows colour: a greyscale scan has none to find a red seal by."""
    import cv2

    red, green, blue = cv2.split(rgb)
    spread = cv2.subtract(cv2.max(cv2.max(red, green), blue), cv2.min(cv2.min(red, green), blue))
    coloured = cv2.countNonZero(cv2.threshold(spread, COLOUR_SPREAD - 1, 255, cv2.THRESH_BINARY)[1])
    return coloured >= max(10, COLOUR_SHARE * spread.size)


def red_mask(rgb: Any) -> Any:
    """1 where a pixel is red ink (HSV: hue near red, saturated, not dark)."""
    import cv2
    import numpy as np

    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[:, :, 0], hsv[:, :, 1], hsv[:, :, 2]
    red_hue = (hue <= RED_HUE) | (hue >= 180 - RED_HUE)
    return (red_hue & (sat >= RED_SATURATION) & (val >= RED_VALUE)).astype(np.uint8)


def find_seals(image: Image) -> list[Seal] | None:
    """The red round seals on a page, or None when the page has no colour to tell by."""
    shapes = candidates(image)
    return None if shapes is None else [shape for shape in shapes if shape.is_seal]


def candidates(image: Image) -> list[Seal] | None:
    """Every red shape of seal size and proportions on a page, measured (None: no colour)."""
    import cv2

    rgb = _reduced(image)
    if not has_colour(rgb):
        return None
    mask = red_mask(rgb)
    height, width = mask.shape
    short = min(height, width)
    if int(mask.sum()) < (MIN_SIZE * short) ** 2 * 0.02:
        return []
    close = max(3, round(short / 90))  # ~2.3 mm on A4: a worn ring's gaps, text to ring
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (close, close))
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    shapes: list[Seal] = []
    for label in range(1, count):
        x, y, w, h, _area = (int(v) for v in stats[label])
        if not _seal_sized(w, h, short):
            continue
        shape = _measure(mask, labels == label, (x, y, w, h))
        if shape is not None:
            box = (x / width, y / height, (x + w) / width, (y + h) / height)
            shapes.append(Seal(tuple(round(v, 4) for v in box), *shape))  # type: ignore[arg-type]
    return shapes


def _seal_sized(w: int, h: int, short: int) -> bool:
    big, small = max(w, h), min(w, h)
    return small >= MIN_SIZE * short and big <= MAX_SIZE * short and big <= MAX_ASPECT * small


def _measure(
    mask: Any, component: Any, bbox: tuple[int, int, int, int]
) -> tuple[float, float, float, float, float] | None:
    """The component's roundness, and the red of the unclosed mask around the ellipse
    fitted to its hull: rim coverage, rim, inside and outside shares (None: degenerate)."""
    import cv2
    import numpy as np

    x, y, w, h = bbox
    ys, xs = np.nonzero(component[y : y + h, x : x + w])
    hull = cv2.convexHull(np.column_stack((xs + x, ys + y)).astype(np.int32))
    area, perimeter = cv2.contourArea(hull), cv2.arcLength(hull, True)
    if perimeter <= 0:
        return None
    roundness = round(4 * math.pi * area / perimeter**2, 3)
    if roundness < MIN_ROUNDNESS or len(hull) < 5:
        return (roundness, 0.0, 0.0, 0.0, 0.0)  # a square, a flat line: no ring to measure
    (cx, cy), (axis_a, axis_b), angle = cv2.fitEllipse(hull)
    if min(axis_a, axis_b) <= 0:
        return None
    reach = OUTSIDE[1] * max(axis_a, axis_b) / 2
    x0, y0 = max(0, int(cx - reach)), max(0, int(cy - reach))
    x1, y1 = min(mask.shape[1], int(cx + reach) + 1), min(mask.shape[0], int(cy + reach) + 1)
    grid_y, grid_x = np.mgrid[y0:y1, x0:x1]
    theta = math.radians(angle)
    dx, dy = grid_x - cx, grid_y - cy
    u = (dx * math.cos(theta) + dy * math.sin(theta)) / (axis_a / 2)
    v = (-dx * math.sin(theta) + dy * math.cos(theta)) / (axis_b / 2)
    rho = np.hypot(u, v)
    red = mask[y0:y1, x0:x1].astype(bool)
    rim = (rho >= RIM[0]) & (rho <= RIM[1])
    sector = ((np.arctan2(v, u) + math.pi) / (2 * math.pi) * SECTORS).astype(np.int32) % SECTORS
    inked = np.bincount(sector[rim & red], minlength=SECTORS)
    return (
        roundness,
        round(float((inked >= 2).sum()) / SECTORS, 3),
        round(_share(red, rim), 3),
        round(_share(red, rho < INSIDE), 3),
        round(_share(red, (rho >= OUTSIDE[0]) & (rho <= OUTSIDE[1])), 3),
    )


def _share(red: Any, region: Any) -> float:
    total = int(region.sum())
    return float((red & region).sum()) / total if total else 0.0


def page_seal(image: Image) -> bool | None:
    """Whether a page shows a red round seal; None when it was not checked (no colour)."""
    seals = find_seals(image)
    return None if seals is None else bool(seals)
