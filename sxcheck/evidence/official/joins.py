"""Head lines joined in one unit, and where to cut them apart.

A PDF's paragraph grouping (by line length: on a sparse first page no line is short)
and OCR's line grouping run head lines into one unit: six fields of a 政府信息公开
page, a 文号 and 签发人 with the title, a cover's title with its organ and date, a
title's last line with the 主送机关, a title or an issuer and date with the body's
first sentence. The head reader reads each unit as the pieces it holds (`pieces`);
a piece is a part of its unit, so every quote stays the unit's own characters.

Where a unit is cut: the first place, left to right in its first MAX_JOINED
characters, where one head line ends and another opens:

- after a draft marker opening it ("（征求意见稿）晋阳市人民政府"); after a labelled
  date or 文号 when a title follows ("成文日期：2024年3月6日晋阳市…的通知");
- after a title's 文种 word (and its brackets or draft marker), the last such place
  first, when the 主送机关 follows (the title holding 关于 or ending with 的 and its
  文种), or the body's first sentence (such a title; or one at least FULL_TITLE long
  when a head line was read before it, or when the body opens as `not_recipients`
  lines do: 为…, 根据…, a year, 一、; or, after a head line, an article: 第一条);
- nowhere else when the unit is one head line as it stands: a title, an issuer's
  name, a date line, a 主送机关, a label line, a 文号 beside a short header or 签发人;
- after a title's 文种 word when an issuer's name or a date follows ("…发展规划晋阳
  市人民政府办公室二〇二一年十一月");
- else the first of: after a 文号 or 期号 at its start (or after a header or a title)
  when a head line follows; before 关于 after a mark or a header ("签发人：王某某…
  关于…的请示"); after an issuer's name before a label ("…办公室会议时间："); after a
  date at its start (after an issuer: the body opens with a year, or a space stood
  between them; alone: a head line follows); after a 主送机关's "："; after an
  attachment label ("附件1") before a title.

A title reads as one when it has no clause mark and no label or mark; a piece never
opens with what continues a line (，、）》的和…). A body sentence is never cut: once a
piece is one, the head ends.
"""

from __future__ import annotations

import re

from sxcheck.evidence.official import shapes
from sxcheck.evidence.official.dates import DATE, iso, standalone_date
from sxcheck.evidence.official.patterns import (
    MAX_ISSUER,
    SHORT_REST,
    Patterns,
    issuer_name,
    number_spans,
)
from sxcheck.evidence.official.spans import Line, Span, bracketed, quoted, unit_span

MAX_JOINED = 400  # the characters of a unit searched for head lines joined in it
_ATTACHMENT = re.compile(r"\s*附\s*件\s*\d{0,2}\s*[：:]?")
_YEAR_START = re.compile(r"\s*(?:(?:19|20)\d\d|[〇○零一二][〇○零一二三四五六七八九]{3})\s*年")


def pieces(line: Line, p: Patterns, opening: bool) -> list[Line]:
    """The head lines `line` holds, in order (itself when it is one). `opening`: no
    head line was read before it."""
    if line.unit.kind != "paragraph" or line.unit.cells:
        return [line]
    unit = _Unit(line, p)
    cuts: list[int] = []
    at = 0
    while (cut := unit.cut(at, opening and not cuts)) is not None:
        cuts.append(cut)
        at = cut
    if not cuts:
        return [line]
    edges = [0, *cuts, len(line.text)]
    return [line.piece(a, b, k + 1) for k, (a, b) in enumerate(zip(edges, edges[1:], strict=False))]


class _Unit:
    """One unit being cut: its line, the words, and the cuts found from each place (a
    cut is looked for from one place many times: each head line's reading asks
    whether a head line follows it)."""

    def __init__(self, line: Line, p: Patterns) -> None:
        self.line = line
        self.p = p
        self.memo: dict[tuple[int, bool], int | None] = {}

    def cut(self, at: int, opening: bool) -> int | None:
        """Where the first head line of line.text[at:] ends, when more follows it."""
        key = (at, opening)
        if key not in self.memo:
            self.memo[key] = self._cut(at, opening)
        return self.memo[key]

    def _cut(self, at: int, opening: bool) -> int | None:
        """`cut`, not remembered (the module doc's order)."""
        rest = self.line.text[at : at + MAX_JOINED]
        whole = rest.strip()
        if not whole:
            return None
        first = shapes.after_draft(rest, self.p)
        if first is None:  # a label's date or 文号, then a title ("成文日期：…日晋阳市…")
            first = self._after_labelled(at, rest)
        if first is not None:
            return at + first
        if whole == self.line.text[at:].strip() and shapes.is_title(whole, self.p):
            return None
        groups = shapes.title_ends(rest, self.p)
        for end in (e for ends in reversed(groups) for e in ends):  # the last 文种 first:
            if shapes.before_line(rest[:end], rest[end:], self.p, opening):  # the 主送, the body
                return at + end
        if self._one_line(at, at + len(rest)):
            return None
        for end in (e for ends in groups for e in ends):  # a title, its issuer or date
            if shapes.before_name(rest[:end], rest[end:], self.p):
                return at + end
        cut = self._other_cut(at, rest)
        return at + cut if cut is not None else None

    def _one_line(self, start: int, end: int) -> bool:
        """Is line.text[start:end] one head line as it stands (a label line, an issuer, a
        date line, the 主送机关, a 文号 beside at most a short header or 签发人, a mark)?"""
        whole = self.line.text[start:end].strip()
        if (
            self.p.any_label.match(whole)
            or issuer_name(whole, self.p)
            or shapes.is_recipients(whole, self.p)
        ):
            return True
        if len(whole) <= SHORT_REST and self.p.marks.search(whole):
            return True
        if standalone_date(Span(self.line, start, end), self.p) is not None:
            return True
        if "关于" in whole:  # a title run into the 文号's line (签发人's name eats its start)
            return False
        signer = self.p.signer.search(whole)
        text = whole[: signer.start()] + whole[signer.end() :] if signer else whole
        for low, high in number_spans(text, self.p):
            other = (text[:low] + text[high:]).strip()
            return len(other) <= SHORT_REST and not shapes.CLAUSE.search(other)
        return False

    def _opens(self, at: int) -> bool:
        """Does line.text[at:] open a head line (a title or a title's start, 签发人, a date
        line, the 主送机关, a header, a 目录)?"""
        text = self.line.text[at : at + MAX_JOINED].lstrip()
        if not text or text[0] in shapes.CONTINUES:
            return False
        about = text.find("关于", 0, MAX_ISSUER + 2)
        if about == 0 or (about > 0 and issuer_name(text[:about], self.p)):
            return True  # a title's first line ("晋阳市人民政府办公室关于成立…")
        if self.p.signer.match(text) or self.p.marks.match(text):
            return True
        cut = self.cut(at, opening=False)
        end = cut if cut is not None else min(len(self.line.text), at + MAX_JOINED)
        first = self.line.text[at:end].strip()
        plain = first.replace(" ", "")  # a 目录 heading, whatever follows it
        return (
            shapes.is_title(first, self.p)
            or self._one_line(at, end)
            or bool(self.p.header.match(first))
            or any(self.p.toc_title.fullmatch(plain[:k]) for k in range(2, 5))
        )

    def _other_cut(self, at: int, rest: str) -> int | None:
        """The first of the cuts that need no title before them (module doc)."""
        found = [
            cut
            for cut in (
                self._after_number(at, rest),
                shapes.before_about(rest, self.p),
                shapes.before_label(rest, self.p),
                self._after_date(at, rest),
                shapes.after_recipients(rest, self.p),
                self._after_attachment(at, rest),
            )
            if cut is not None
        ]
        return min(found) if found else None

    def _after_number(self, at: int, rest: str) -> int | None:
        """After a 文号 or 期号 standing at the start (or after a header or a title), when a
        head line follows it; a number cited in brackets or in 《》 is the body's."""
        for start, end in number_spans(rest, self.p):
            if quoted(rest, start) or bracketed(rest, start, end) != (start, end):
                return None
            before = rest[:start].strip()
            if before and not shapes.beside_number(before, self.p):
                return None
            after = rest[end:].lstrip()
            if not after or not (self._opens(at + end) or shapes.body_opening(after, self.p)):
                return None
            return end
        return None

    def _after_date(self, at: int, rest: str) -> int | None:
        """After a date at the start: after an issuer ("…管理局 2025年1月9日2024年，我局…"),
        when the body (or a date) opens with a year or a space parted the issuer and the
        date; alone ("2021年12月目录"), when a head line follows."""
        for match in DATE.finditer(rest):
            if iso(match) is None:
                continue
            before, after = rest[: match.start()], rest[match.end() :]
            if not after.strip() or after.lstrip()[0] in shapes.CONTINUES:
                return None
            if not before.strip():
                return match.end() if self._opens(at + match.end()) else None
            if not issuer_name(before, self.p):
                return None
            spaced = self._spaced(at + match.start()) or _YEAR_START.match(after)
            return match.end() if spaced or self._opens(at + match.end()) else None
        return None

    def _spaced(self, at: int) -> bool:
        """Did whitespace stand before line.text[at] in the unit's own text (the matching
        text joins it: "晋阳市人民政府办公室　2024年3月15日")?"""
        if at <= 0:
            return False
        before = unit_span(Span(self.line, at - 1, at))[1]
        return self.line.unit.text[before : unit_span(Span(self.line, at, at + 1))[0]].isspace()

    def _after_labelled(self, at: int, rest: str) -> int | None:
        """After a labelled date or 文号 ("成文日期：2024年03月06日"), when a title (or
        its start) follows it rather than another label; else before a title run into
        the last label's value ("访问次数：1268晋阳市人民政府办公室关于…的通知")."""
        if self.p.any_label.match(rest.lstrip()) is None:
            return None
        label = list(self.p.any_label.finditer(rest))[-1]  # the last: its value runs on
        value = rest[label.end() :]
        date = DATE.match(value.lstrip())
        numbers = [(s, e) for s, e in number_spans(value, self.p) if not value[:s].strip()]
        end = None
        if date is not None:
            end = label.end() + len(value) - len(value.lstrip()) + date.end()
        elif numbers:
            end = label.end() + numbers[0][1]
        if end is not None:
            following = rest[end:].lstrip()
            if following and not self.p.any_label.match(following) and self._opens(at + end):
                return end
        return shapes.title_in_value(rest, self.p)

    def _after_attachment(self, at: int, rest: str) -> int | None:
        """After an attachment label opening the unit ("附件1"), before a title."""
        label = _ATTACHMENT.match(rest)
        if label is None or not label.group().strip() or not rest[label.end() :].strip():
            return None
        cut = self.cut(at + label.end(), opening=False)
        first = self.line.text[at + label.end() : cut] if cut is not None else rest[label.end() :]
        return label.end() if shapes.is_title(first, self.p) else None
