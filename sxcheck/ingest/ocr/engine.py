"""Which OCR engine and dpi sxcheck uses, the measurement that chose them, and its yardsticks.

Choice: RapidOCR (rapidocr 3.10, PP-OCRv6 small det/rec ONNX models from the
wheel, onnxruntime, one thread) on pages rendered at 200 dpi (limits.OCR_DPI).

Measured (issue 15) on pages rendered by tests/scans.py from official text
written for the test (通知, 会议纪要, 等保测评报告摘要, 统计公报, 情况报告, 验收意见:
red 红头, a red seal over the 落款, 0.5–1.5° skew, speckle noise 0.2–0.8),
each page squared and unsealed by render.prepare, then read. Characters:
1 − edit distance / length over the page's text without whitespace (NFKC);
numbers: every number of the truth found identically in the OCR text;
CPU seconds per page on one core (prepare + OCR, model load excluded), on a
2-core machine shared with other jobs:

| engine                      | dpi | pages | characters | numbers (of 242) | CPU s/page |
|-----------------------------|-----|-------|------------|------------------|------------|
| RapidOCR 3.10 PP-OCRv6      | 200 | 12    | 100.00 %   | 100.00 %         | 2.06       |
| RapidOCR 3.10 PP-OCRv6      | 300 | 12    | 100.00 %   | 100.00 %         | 2.42       |
| Tesseract 5.3.0 chi_sim     | 200 | 12    | 99.15 %    | 98.76 % (3 lost) | 1.72       |
| Tesseract 5.3.0 chi_sim     | 300 | 12    | 96.77 %    | 92.56 % (18)     | 2.85       |
| RapidOCR, 200 (the test)    | 200 | 30    | 100.00 %   | 100.00 % of 605  | 2.0        |

Whole processes (tests/bench_ocr.py: a fresh `python -c` per page renders an
image-only PDF page and reads it): RapidOCR 4.2 s per page (start-up and
model load ~1.5 s included), 2.5 s steady state; Tesseract 2.8 s / 2.1 s.

Why RapidOCR at 200 dpi: it read every character and every number, Tesseract
lost numbers silently (99.7%, 86.1, 773 at 200 dpi; 4,317 → wrong, dates and
文号 years at 300) — a checker comparing declared figures cannot afford that —
for ~20 % more CPU per page. 300 dpi adds 17 % time and nothing in accuracy.
Settings found on the way (rapid.py): the 0°/180° line classifier is off (it
flipped whole lines to garbage), detection runs at 1280 px (1.95 s vs 3.54 s
per page, same accuracy), seals are lifted before OCR (render.remove_seals;
with the seal, the lines under it were dropped), and 〔〕 of a 文号 are
restored (`normalise`: both engines read them as [ ] now and then).
Threads: two processes × one thread read a page every 1.35 s on 2 cores;
one process × two threads 2.10 s; two × two 1.87 s: one thread per process.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from sxcheck.limits import OCR_DPI
from sxcheck.models import OcrLine

ENGINES = ("rapid", "tesseract")
ENGINE = "rapid"  # chosen by the measurement above
__all__ = ["ENGINE", "ENGINES", "OCR_DPI", "char_accuracy", "number_misses", "reading_order"]


# a 发文字号's year in the wrong brackets: [2024] 【2024】 ［2024］ (2024) （2024） before "N号"
_DOC_NUMBER_YEAR = re.compile(
    r"[\[【［(（〔]\s*((?:19|20)\d{2})\s*[\]】］)）〕]\s*(?=\d{1,4}\s*号)"
)


def normalise(text: str) -> str:
    """OCR text with the 〔〕 of a 发文字号 restored.

    GB/T 9704 prints the year of a 文号 in 六角括号 〔2024〕; both engines read
    them as [ ] or 【】 about one time in ten (measured), which would break a
    文号 match. Only a four-digit year directly followed by "N号" is touched.
    """
    return _DOC_NUMBER_YEAR.sub(r"〔\1〕", text)


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
