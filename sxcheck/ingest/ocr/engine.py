"""Which OCR engine and dpi sxcheck uses, the measurement that chose them, and its yardsticks.

(The measurement table is filled in below once measured.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sxcheck.models import OcrLine

from sxcheck.limits import OCR_DPI

ENGINES = ("rapid", "tesseract")
ENGINE = "rapid"  # the measurement above
__all__ = ["ENGINE", "ENGINES", "OCR_DPI", "char_accuracy", "number_misses", "reading_order"]


def reading_order(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Lines top to bottom, and left to right within one printed line.

    Engines return boxes roughly by their top edge; two boxes of the same
    printed line (split by a seal or a wide gap) can differ in top by a few
    pixels and would interleave with the line below if sorted by top alone.
    Boxes whose vertical centres fall within half a line height of each other
    are one row.
    """
    ordered = sorted(lines, key=lambda line: (line.box[1] + line.box[3]) / 2)
    rows: list[list[OcrLine]] = []
    for line in ordered:
        centre = (line.box[1] + line.box[3]) / 2
        height = line.box[3] - line.box[1]
        if rows:
            last = rows[-1][-1]
            last_centre = (last.box[1] + last.box[3]) / 2
            if abs(centre - last_centre) < max(height, last.box[3] - last.box[1]) / 2:
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.box[0])]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), O(len(a)·len(b))."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def compact(text: str) -> str:
    """Text without whitespace, NFKC-normalised: what the accuracy measures compare.

OCR does not keep spaces, and whether it reads "：" or ":", "％" or "%" does
not change a fact; a misread character or bracket (〕→】) still counts.
"""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def char_accuracy(truth: str, read: str) -> float:
    """1 - edit distance / length of the truth, over both texts with whitespace removed."""
    truth, read = compact(truth), compact(read)
    if not truth:
        return 1.0 if not read else 0.0
    return max(0.0, 1 - edit_distance(truth, read) / len(truth))


NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")


def numbers(text: str) -> list[str]:
    """Every number as written (3,218 · 96.5% · 2024), the units a checker compares."""
    return NUMBER.findall(compact(text))


def number_misses(truth: str, read: str) -> list[str]:
    """The numbers of the truth not found identically in the read text (counting repeats)."""
    found = numbers(read)
    missed = []
    for number in numbers(truth):
        if number in found:
            found.remove(number)
        else:
            missed.append(number)
    return missed
