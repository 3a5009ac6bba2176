"""Dates as official documents write them, and lines that are a date alone (a
signature, an issuer and a date, a 版记's 印发日期)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date

from sxcheck.evidence.official.patterns import MAX_ISSUER, SENTENCE, Patterns, issuer_name
from sxcheck.evidence.official.spans import Line, Span, strip

_CN = {"〇": 0, "○": 0, "零": 0, "O": 0, "0": 0, "Ｏ": 0, "o": 0, "一": 1, "二": 2, "三": 3}
_CN |= {"四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# how dates are written: 2023年5月12日 (or 2023年5月), 二〇二三年五月十二日, 2023.5.12 / 2023-05-12
DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?"
    r"|(?P<cy>[〇○零OＯo0一二三四五六七八九]{4})\s*年\s*(?P<cm>[一二三四五六七八九十]{1,2})\s*月"
    r"(?:\s*(?P<cd>[一二三四五六七八九十]{1,3})\s*日)?"
    r"|(?<![\d.])(?P<ny>(?:19|20)\d\d)(?P<sep>[.\-/－])(?P<nm>\d{1,2})(?P=sep)(?P<nd>\d{1,2})"
    r"(?![\d.])"
)


@dataclass(frozen=True, slots=True)
class Dated:
    """A line that is a date: the date, the issuer written before it, whether 印发."""

    date: Span
    issuer: Span | None
    issued: bool


def standalone_date(span: Span, p: Patterns) -> Dated | None:
    """A line (part) that is a date alone (in brackets or not), an issuer and a date,
    or a date and 印发 (the 版记's 印发日期)."""
    text = span.text
    inner = text.strip("（）() ")
    shift = span.start + (text.find(inner) if inner else 0)
    for match in DATE.finditer(inner):
        if iso(match) is None:
            continue
        before, after = inner[: match.start()].strip(), inner[match.end() :].strip()
        if before and not issuer_name(before, p):
            continue
        if after and not p.issued_after.fullmatch(after):
            continue
        issuer = strip(Span(span.line, shift, shift + match.start())) if before else None
        date = Span(span.line, shift + match.start(), shift + match.end())
        return Dated(date, issuer, bool(after))
    return None


def last_part(line: Line) -> Span | None:
    """The line after its last sentence mark (the whole line without one), stripped."""
    ends = [match.end() for match in SENTENCE.finditer(line.text)]
    return strip(Span(line, ends[-1] if ends else 0, len(line.text)))


def noted_date(span: Span) -> Dated | None:
    """A bracket under a title opening with a date (its 题注: "（2024年6月18日…会议审议）"):
    the date of a 决定 or 条例 passed or read by a meeting."""
    text = span.text
    if len(text) < 8 or text[0] not in "（(" or text[-1] not in "）)":
        return None
    match = DATE.match(text, 1)
    if match is None or iso(match) is None:
        return None
    return Dated(Span(span.line, span.start + 1, span.start + match.end()), None, False)


def dates(lines: list[Line], p: Patterns) -> list[Dated]:
    """The lines that are dates (signatures, 版记), in order; a line's part after its
    last sentence counts (a PDF paragraph may run the signature into the body's last
    sentence: "…抓好落实。清源县人民政府办公室 2024年4月3日")."""
    out = []
    for line in lines:
        span = last_part(line) if line.unit.kind == "paragraph" else None
        if span is None or len(span.text) > MAX_ISSUER + 20:
            continue
        found = standalone_date(span, p)
        if found is not None:
            out.append(found)
    return out


def iso(match: re.Match[str] | None) -> str | None:
    """The ISO form of a date match ("2023-05-12", or "2023-05" without a day); None
    when it is no date (a 13th month, a 30th of February)."""
    if match is None:
        return None
    groups = match.groupdict()
    if groups["y"]:
        year, month, day = int(groups["y"]), int(groups["m"]), groups["d"]
        day_number = int(day) if day else None
    elif groups["cy"]:
        year = int("".join(str(_CN[c]) for c in groups["cy"]))
        month = _cn_number(groups["cm"])
        day_number = _cn_number(groups["cd"]) if groups["cd"] else None
    else:
        year, month, day_number = int(groups["ny"]), int(groups["nm"]), int(groups["nd"])
    try:
        Date(year, month, day_number or 1)
    except ValueError:
        return None
    if day_number is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day_number:02d}"


def _cn_number(text: str) -> int:
    """一 .. 三十一 as a number (0 for what is none, which no date accepts)."""
    if "十" not in text:
        return _CN.get(text, 0) if len(text) == 1 else 0
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return 0
    return (_CN.get(tens, 0) if tens else 1) * 10 + (_CN.get(units, 0) if units else 0)
