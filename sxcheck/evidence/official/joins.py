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

from sxcheck.evidence.official.dates import DATE, iso, standalone_date
from sxcheck.evidence.official.patterns import (
    DRAFT_LINE,
    FULL_TITLE,
    MAX_ISSUER,
    MAX_TITLE,
    NAME,
    NO_TITLE,
    SENTENCE,
    SHORT_REST,
    Patterns,
    issuer_name,
    number_spans,
)
from sxcheck.evidence.official.spans import Line, Span, bracketed, quoted, unit_span

MAX_JOINED = 400  # the characters of a unit searched for head lines joined in it
LABEL = 8  # a label's colon stands this close to where it opens ("会议时间：", "主持人：")
MIN_NAME = 5  # an issuer's name after a title is this long at least ("…规划建设局" is one name)
CLAUSE = re.compile("[，,。；;！？!?：:]")
CONTINUES = frozenset("，,。；;：:、）)》〕」”’…·的之和与及并或")
_ATTACHMENT = re.compile(r"\s*附\s*件\s*\d{0,2}\s*[：:]?")
_YEAR_START = re.compile(r"\s*(?:(?:19|20)\d\d|[〇○零一二][〇○零一二三四五六七八九]{3})\s*年")
_ARTICLE = re.compile(r"\s*第[一二三四五六七八九十百\d]{1,4}[章节条]")
_BRACKET = re.compile(r"\s*[（(【\[]([^（）()【】\[\]]{1,80})[)）】\]]")


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


def is_recipients(text: str, p: Patterns) -> bool:
    """Is `text` a 主送机关 line: ending with ：, naming a body (lexicon
    `recipient_words`), no sentence's opening (`not_recipients`), no label, no 文号?"""
    text = text.rstrip()
    if not text.endswith(("：", ":")) or len(text) > 200:
        return False
    body = text[:-1].strip()
    if len(body) < 2 or p.not_recipient.match(body) or not p.recipient_words.search(body):
        return False
    if p.label.search(text):  # "发文单位：" of a page's metadata
        return False
    return next(number_spans(body, p), None) is None


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
        first = _after_draft(rest, self.p)
        if first is None:  # a label's date or 文号, then a title ("成文日期：…日晋阳市…")
            first = self._after_labelled(at, rest)
        if first is not None:
            return at + first
        if whole == self.line.text[at:].strip() and _title(whole, self.p):
            return None
        groups = _title_ends(rest, self.p)
        for end in (e for ends in reversed(groups) for e in ends):  # the last 文种 first:
            if _before_line(rest[:end], rest[end:], self.p, opening):  # the 主送, the body
                return at + end
        if self._one_line(at, at + len(rest)):
            return None
        for end in (e for ends in groups for e in ends):  # a title, its issuer or date
            if _before_name(rest[:end], rest[end:], self.p):
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
            or is_recipients(whole, self.p)
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
            return len(other) <= SHORT_REST and not CLAUSE.search(other)
        return False

    def _opens(self, at: int) -> bool:
        """Does line.text[at:] open a head line (a title or a title's start, 签发人, a date
        line, the 主送机关, a header, a 目录)?"""
        text = self.line.text[at : at + MAX_JOINED].lstrip()
        if not text or text[0] in CONTINUES:
            return False
        about = text.find("关于", 0, MAX_ISSUER + 2)
        if about == 0 or (about > 0 and issuer_name(text[:about], self.p)):
            return True  # a title's first line ("晋阳市人民政府办公室关于成立…")
        if self.p.signer.match(text) or self.p.marks.match(text):
            return True
        cut = self.cut(at, opening=False)
        end = cut if cut is not None else min(len(self.line.text), at + MAX_JOINED)
        first = self.line.text[at:end].strip()
        return (
            _title(first, self.p)
            or self._one_line(at, end)
            or bool(self.p.header.match(first))
            or bool(self.p.toc_title.match(first.replace(" ", "")))
        )

    def _other_cut(self, at: int, rest: str) -> int | None:
        """The first of the cuts that need no title before them (module doc)."""
        found = [
            cut
            for cut in (
                self._after_number(at, rest),
                _before_about(rest, self.p),
                _before_label(rest, self.p),
                self._after_date(at, rest),
                _after_recipients(rest, self.p),
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
            header = self.p.header.match(before)
            if (
                before
                and not (header and header.end() == len(before))
                and not _title(before, self.p)
            ):
                return None
            after = rest[end:].lstrip()
            if not after or not (self._opens(at + end) or _body_opening(after, self.p)):
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
            if not after.strip() or after.lstrip()[0] in CONTINUES:
                return None
            if not before.strip():
                return match.end() if self._opens(at + match.end()) else None
            if not issuer_name(before, self.p):
                return None
            if not (self._spaced(at + match.start()) or _YEAR_START.match(after)):
                return None
            return match.end()
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
        label = self.p.any_label.match(rest.lstrip())
        if label is None:
            return None
        shift = len(rest) - len(rest.lstrip())
        value = rest[shift + label.end() :]
        date = DATE.match(value.lstrip())
        numbers = [(s, e) for s, e in number_spans(value, self.p) if not value[:s].strip()]
        end = None
        if date is not None:
            end = shift + label.end() + len(value) - len(value.lstrip()) + date.end()
        elif numbers:
            end = shift + label.end() + numbers[0][1]
        if end is not None:
            following = rest[end:].lstrip()
            if following and not self.p.any_label.match(following) and self._opens(at + end):
                return end
        return _title_in_value(rest, self.p)

    def _after_attachment(self, at: int, rest: str) -> int | None:
        """After an attachment label opening the unit ("附件1"), before a title."""
        label = _ATTACHMENT.match(rest)
        if label is None or not label.group().strip() or not rest[label.end() :].strip():
            return None
        cut = self.cut(at + label.end(), opening=False)
        first = self.line.text[at + label.end() : cut] if cut is not None else rest[label.end() :]
        return label.end() if _title(first, self.p) else None


def _title(text: str, p: Patterns) -> bool:
    """Does `text` read as a whole title (no clause mark, ending with a 文种)?"""
    return _title_like(text, p) and bool(p.title_end.search(text.strip()))


def _title_like(text: str, p: Patterns) -> bool:
    text = text.strip()
    return (
        2 <= len(text) <= MAX_TITLE
        and not CLAUSE.search(text)
        and not NO_TITLE.search(text)
        and not p.marks.search(text)
        and not p.any_label.match(text)
    )


def _title_ends(rest: str, p: Patterns) -> list[list[int]]:
    """Where a title may end in `rest`: for each 文种 word outside 《》, in order, after
    it and after each bracket or draft marker following it (the longest first), short
    of the end."""
    out: list[list[int]] = []
    limit = len(rest.rstrip())
    for match in p.kind_word.finditer(rest):
        if quoted(rest, match.start()):
            continue
        ends = [match.end()]
        for _ in range(2):
            tail = p.title_tail.match(rest, ends[-1])
            if tail is None or tail.end() == ends[-1]:
                break
            ends.append(tail.end())
        begin = max(0, match.start() - 8)  # a 文种 word's own prefix ("补充通知")
        out.append([e for e in reversed(ends) if e < limit and p.title_end.search(rest, begin, e)])
    return out


def _own_title(title: str, p: Patterns) -> bool:
    """A title that is one beyond doubt: holding 关于, or ending with 的 and its 文种."""
    end = p.title_end.search(title)
    return "关于" in title or (end is not None and title[: end.start()].endswith("的"))


def _before_line(title: str, after: str, p: Patterns, opening: bool) -> bool:
    """A title, then the 主送机关 ("…的通知各县（区）人民政府：") or the body's first
    sentence ("…的报告2023年，我局…", "…办法（送审稿）第一条 为规范…")."""
    title, after = title.strip(), after.lstrip()
    if not after or not _title_like(title, p) or after[0] in CONTINUES:
        return False
    colon = _colon(after)
    if colon is not None and is_recipients(after[:colon], p):
        return _own_title(title, p)
    if not CLAUSE.search(after):
        return False
    if _own_title(title, p):
        return True
    if _ARTICLE.match(after):
        return not opening or len(title) >= FULL_TITLE
    return len(title) >= FULL_TITLE and (not opening or bool(p.not_recipient.match(after)))


def _colon(text: str) -> int | None:
    """Where the first "：" of `text` ends, when no sentence ends before it."""
    at = min((k for k in (text.find("："), text.find(":")) if k >= 0), default=-1)
    if at < 0 or SENTENCE.search(text, 0, at):
        return None
    return at + 1


def _before_name(title: str, after: str, p: Patterns) -> bool:
    """A title, then its issuer's name or its date (a cover)."""
    title, after = title.strip(), after.lstrip()
    if not after or after[0] in CONTINUES or not _title_like(title, p):
        return False
    if len(title) < FULL_TITLE and "关于" not in title:
        return False
    date = DATE.match(after.lstrip("（("))  # a date, or a 题注 ("（2024年6月18日…审议）")
    if date is not None and iso(date) is not None:
        return True
    name = re.split(r"\s", after, maxsplit=1)[0]
    date = DATE.search(name)
    if date is not None:
        name = name[: date.start()]
    return len(name) >= MIN_NAME and issuer_name(name, p)


def _title_in_value(rest: str, p: Patterns) -> int | None:
    """Where a title run into a label line's last value starts: at 关于, or at the
    issuer's name before it when a digit or a letter ends the value before the name."""
    last = next(reversed(list(p.any_label.finditer(rest))), None)
    if last is None:
        return None
    about = rest.find("关于", last.end())
    if about < 0 or not _title(rest[about:], p):
        return None
    value = rest[last.end() : about]
    name = NAME.match(value[::-1])  # the name standing before 关于, read backwards
    if name is not None and name.end() < len(value):
        start = about - name.end()
        if rest[start - 1].isascii() and issuer_name(rest[start:about], p):
            return start
    return about


def _body_opening(text: str, p: Patterns) -> bool:
    """Does `text` open a body sentence as no cited 文号's sentence goes on ("《…办法》已经…",
    "为…", "根据…", `not_recipients`)?"""
    return bool(SENTENCE.search(text)) and (text[0] == "《" or bool(p.not_recipient.match(text)))


def _after_draft(rest: str, p: Patterns) -> int | None:
    """After a draft marker opening the unit, bare or in brackets, or after a 题注 (a
    bracket opening with a date), when more follows."""
    bracket = _BRACKET.match(rest)
    draft = p.draft.match(rest.lstrip())
    inner = bracket.group(1) if bracket is not None else ""
    noted = DATE.match(inner)
    drafted = len(inner) <= DRAFT_LINE and p.draft.search(inner)
    if bracket is not None and (drafted or (noted and iso(noted))):
        end = bracket.end()
    elif draft is not None:
        end = len(rest) - len(rest.lstrip()) + draft.end()
    else:
        return None
    following = rest[end:].lstrip()
    return end if following and following[0] not in CONTINUES else None


def _before_about(rest: str, p: Patterns) -> int | None:
    """Before 关于 when a mark (签发人：…) or a header stands before it, not an issuer."""
    about = rest.find("关于", 1)
    if about < 0 or quoted(rest, about):
        return None
    before = rest[:about].strip()
    header = p.header.match(before)
    if issuer_name(before, p) or not (p.marks.search(before) or header):
        return None
    if header and header.end() != len(before):
        return None
    return about


def _before_label(rest: str, p: Patterns) -> int | None:
    """After an issuer's name at the start, before a label ("…领导小组办公室会议时间：…",
    a 纪要's header run into its 会议时间, 主持人 lines)."""
    text = rest[: MAX_ISSUER + LABEL]
    for end in range(len(text) - 1, 2, -1):
        after = rest[end:]
        colon = _colon(after[: LABEL + 1])
        if colon is None or not (p.not_recipient.match(after) or p.any_label.match(after)):
            continue
        if issuer_name(rest[:end], p):
            return end
    return None


def _after_recipients(rest: str, p: Patterns) -> int | None:
    """After the 主送机关's colon, the body run into it ("各县…单位：为加强…")."""
    colon = _colon(rest)
    if colon is None or not rest[colon:].strip():
        return None
    return colon if is_recipients(rest[:colon], p) else None
