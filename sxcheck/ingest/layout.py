"""Turn visual lines into paragraphs and paragraphs into sentences.

Every library keeps the visual line breaks of a page ("5G\\n基站"), so a
sentence that wraps would be split in two and never match. Lines are joined
without spaces (a space only between two Latin letters or digits), and the
joined text is what gets quoted.
"""

from __future__ import annotations

import re

SENTENCE_END = "。！？!?；;"
PARAGRAPH_END = SENTENCE_END + "：:"
# A line that starts a new paragraph: a heading or list marker.
LIST_MARKER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d)|第[一二三四五六七八九十\d]+[章节条]|[①-⑳]|[•●■▪-]\s)"
)
_LATIN = re.compile(r"[A-Za-z0-9]")


def join_lines(lines: list[str]) -> str:
    """Join visual lines of one paragraph; a space only between two Latin words."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and _LATIN.match(out[-1]) and _LATIN.match(line[0]) and not out[-1].isdigit():
            out += " "
        out += line
    return out


def split_paragraphs(lines: list[str]) -> list[str]:
    """Group visual lines into paragraphs.

    A paragraph ends at a blank line, after a line ending in sentence
    punctuation, or after a line clearly shorter than the page's full lines;
    a heading or list marker starts a new one.
    """
    stripped = [ln.strip() for ln in lines]
    widths = sorted(len(ln) for ln in stripped if ln)
    full = widths[int(len(widths) * 0.8)] if widths else 0
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in stripped:
        if not line:
            if current:
                paragraphs.append(current)
                current = []
            continue
        if current and LIST_MARKER.match(line):
            paragraphs.append(current)
            current = []
        current.append(line)
        ends = line[-1] in PARAGRAPH_END
        short = full >= 12 and len(line) < full * 0.7
        if ends or short:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return [p for p in (join_lines(p) for p in paragraphs) if p]


_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_SEGMENT = re.compile(r"[^；;]+[；;]?")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping the closing punctuation.

    Semicolons do not end a sentence: "共有学校420所；其中418所已覆盖" is one
    statement. `split_segments` gives the semicolon parts when needed.
    """
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def split_segments(sentence: str) -> list[str]:
    """The semicolon-separated parts of a sentence ("立案率99%；结案率95%")."""
    return [s.strip() for s in _SEGMENT.findall(sentence) if s.strip()]
