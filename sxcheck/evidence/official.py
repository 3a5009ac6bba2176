"""Official documents (公文) as documents: issuer, 文号, title, 文种, date, 主送机关, draft.

An auditor looks at each notice as a document before reading what it says:
who issued it, its 发文字号, when, to whom, whether it is a 征求意见稿. These are
read from a document's first page(s) (its first units); the words live in
`rules/lexicon.yaml` `official` (with cases), the layout logic here.

It also finds rows of an attachment list (附件：1.《…》), a 目录 or a 文件清单:
naming a document there is not evidence that what the document says holds.

API (fixed; issue 17):
- `read_official(units, words) -> OfficialInfo | None`: `units` are one
  document's text units in order; None when it reads as no official document.
- `listing_rows(units, words) -> set[int]`: indices into `units` (one
  document's) of the units that are rows of an attachment list, 目录 or 文件清单.

How a first page is read (GB/T 9704 layout, and the looser one of reports and
plans): the *head* is the document's first lines up to its first sentence (a
line with 。；！？) or its 主送机关 line, at most HEAD_LINES lines. In the head, a
line may hold (and a PDF or a scan may join several of these into one line):
the red header ("晋阳市人民政府办公室文件", also over several lines), the 文号
(at one end of its line, beside "签发人：…"), marks (份号, 密级, 特急), the title
(one line or up to four consecutive ones, ending with a 文种 and at most two
brackets), a draft marker (a short line, or a bracket), a date (a plan's cover,
a 纪要's "晋阳市人民政府办公室 2024年3月15日"), and the 主送机关 (a line
ending with ：, or the start of the first body line up to its colon when a DOCX
runs them into one paragraph). The *signature* is a line that is a date alone (or
an issuer and a date), after the head in the first FIRST_UNITS units or among the
last LAST_UNITS: the line before it names the issuer. Labelled metadata (a
政府信息公开 page printed: "发文字号：…", "成文日期：…", "标题：…") in the first
units is read before all of this and wins.

Which date: a 纪要's is its meeting's (a date before 召开/主持 in the first body
lines, or after 会议时间：), else its head's; any other document's is its 成文日期
(the first signature date after the head, else the first among the last units),
else a date of its head (a cover's "2021年12月"), else its 印发日期 (the 版记's
"…2023年5月14日印发").

Which issuer: a label's, else the red header's, else the title's part before 关于,
else a head line that is an issuer's name alone, else the signature's (for a
纪要: its header line's, "晋阳市人民政府办公室 2024年3月15日").

Which 文号: a label's, else one at an end of a head line; one cited in the body
("（晋政办发〔2022〕59号）精神") is never the document's own. A title adjusting
something (`adjusts`) names it (`adjusted`): the title in the first 《》 after the
word, else the name after it without 成立/组成人员…; when the title names nothing
("关于撤销有关事项的通知"), the first 文号 its body cites.

Values are the matching text (evidence.normalise: "晋 阳 市" joined, full-width
digits ASCII, a 文号's year bracket 〔〕), with joint issuers kept apart by one
space; each `evidence` quote is the unit's own characters behind the value (a
title over several lines is quoted from its first line; `adjusts`/`adjusted`
from the line holding them).

None: a document is read as an official document when it has a 文号 (or 期号),
a red header, or a title ending with a 文种 of the lexicon (通知 … 总结, 汇报,
情况说明: a work report titled so is read, with its signature and date). A
document with none of these (a data table, a report titled "…建设情况", a news
page) is None, whatever dates or names it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date
from typing import TYPE_CHECKING

from sxcheck.evidence.normalise import Offsets, normalise
from sxcheck.models import Evidence, OfficialInfo, TextUnit

if TYPE_CHECKING:
    from sxcheck.catalogue.schema import OfficialWords

FIRST_UNITS = 60  # a document's first units read (its first page or two)
LAST_UNITS = 15  # and its last (a signature and a 版记 after a long body)
HEAD_LINES = 20  # the head is at most this many lines
TITLE_LINES = 4  # a title is at most this many lines
MAX_TITLE = 160  # characters
MAX_ISSUER = 60
FULL_TITLE = 10  # a line ending with a 文种 this long is a whole title, not a title's end
BODY_LENGTH = 160  # a line this long is body text, whatever its punctuation
SHORT_REST = 20  # what may stand beside a 文号 on its line (a header, 签发人)
DRAFT_LINE = 16  # a draft marker's own line is at most this long
MAX_LIST_ROW = 120  # an attachment list's row is at most this long
MAX_TOC_ROW = 100  # a 目录's row is at most this long
BODY_UNITS = 8  # body lines after the head searched for a 纪要's meeting date

_SENTENCE = re.compile("[。！？；;!?]")
_NO_TITLE = re.compile(
    "[。！？；;!?：:]$|^附\\s*件|^[一二三四五六七八九十]+、|^[（(][一二三四五六七八九十\\d]+[)）]|^\\d+[.．、]"
)
_NAME = re.compile("[^\\s\\d，,。、；;：:（）()《》“”\"'‘’【】\\[\\]|]+")
_COMMA = re.compile("[，,]")
_CN = {"〇": 0, "○": 0, "零": 0, "O": 0, "0": 0, "Ｏ": 0, "o": 0, "一": 1, "二": 2, "三": 3}
_CN |= {"四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# how dates are written: 2023年5月12日 (or 2023年5月), 二〇二三年五月十二日, 2023.5.12 / 2023-05-12
_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?"
    r"|(?P<cy>[〇○零OＯo0一二三四五六七八九]{4})\s*年\s*(?P<cm>[一二三四五六七八九十]{1,2})\s*月"
    r"(?:\s*(?P<cd>[一二三四五六七八九十]{1,3})\s*日)?"
    r"|(?<![\d.])(?P<ny>(?:19|20)\d\d)(?P<sep>[.\-/－])(?P<nm>\d{1,2})(?P=sep)(?P<nd>\d{1,2})"
    r"(?![\d.])"
)


@dataclass(frozen=True, slots=True)
class _Line:
    """A unit as matched: its index in the document, its matching text and the map back."""

    index: int
    unit: TextUnit
    text: str
    offsets: Offsets | None


@dataclass(frozen=True, slots=True)
class _Span:
    """Part of a line: [start, end) of its matching text."""

    line: _Line
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.line.text[self.start : self.end]


class _Patterns:
    """The lexicon's `official` words compiled once."""

    def __init__(self, words: OfficialWords) -> None:
        ends = "|".join(f"(?:{p})" for p in words.issuer_ends) or "(?!)"
        self.issuer = re.compile(f"{_NAME.pattern}?(?:{ends})")
        self.header = re.compile(f"({_NAME.pattern}?(?:{ends}))\\s*(?:{words.header_after})")
        self.header_alone = re.compile(f"(?:{words.header_after})")
        self.numbers = [re.compile(p) for p in words.numbers]
        self.signer = re.compile(words.signer)
        self.kind_names = list(words.kinds)
        kinds = "|".join(f"(?P<k{i}>{p})" for i, p in enumerate(words.kinds.values())) or "(?!)"
        drafts = "|".join(f"(?:{p})" for p in words.drafts) or "(?!)"
        self.title_end = re.compile(f"(?:{kinds})(?:{words.title_tail}|{drafts}){{0,2}}$")
        self.marks = _any(words.head_marks)
        self.draft = _any(words.drafts)
        self.recipient_words = _any(words.recipient_words)
        self.not_recipient = _any(words.not_recipients)
        self.adjusts = [re.compile(p) for p in words.adjusts]
        self.labels = {field: _any(patterns) for field, patterns in words.labels.items()}
        self.label = _any([p for patterns in words.labels.values() for p in patterns])
        self.any_label = _any(
            [*(p for ps in words.labels.values() for p in ps), *words.other_labels]
        )
        self.adjusted_prefix = re.compile(words.adjusted_prefix)
        self.adjusted_suffix = re.compile(words.adjusted_suffix)
        self.meeting_after = _any(words.meeting_after)
        self.meeting_label = _any(words.meeting_label)
        self.issued_after = re.compile(words.issued_after)
        self.opener = _any(words.listing_openers)
        self.listing_title = _any(words.listing_titles)
        self.listing_row = re.compile(words.listing_row)
        self.toc_title = re.compile(words.toc_title)
        self.toc_row = re.compile(words.toc_row)
        self.toc_numbered = re.compile(words.toc_numbered)
        self.name_column = re.compile(words.listing_name_columns)
        self.other_column = re.compile(words.listing_other_columns)


def _any(patterns: list[str]) -> re.Pattern[str]:
    """One alternation of patterns (never matching when there are none)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)")


_COMPILED: dict[int, tuple[OfficialWords, _Patterns]] = {}


def _patterns(words: OfficialWords) -> _Patterns:
    """The words compiled once per words object (keyed by identity, as modality's)."""
    entry = _COMPILED.get(id(words))
    if entry is None or entry[0] is not words:
        entry = (words, _Patterns(words))
        _COMPILED[id(words)] = entry
    return entry[1]


# ---------------------------------------------------------------- read_official


def read_official(units: list[TextUnit], words: OfficialWords) -> OfficialInfo | None:
    """The document as an official document, from its head and signature (module doc)."""
    if not units:
        return None
    p = _patterns(words)
    first = _lines(units, range(min(FIRST_UNITS, len(units))))
    last = _lines(units, range(max(FIRST_UNITS, len(units) - LAST_UNITS), len(units)))
    head = _head(first, p)
    reader = _Reader(p)
    reader.read_labels(first)
    reader.read_head(head, first)
    reader.read_signature(first[len(head) :], last)
    if reader.kind == "纪要":
        reader.read_meeting(first[: len(head) + BODY_UNITS])
    reader.read_adjusts(first[len(head) : len(head) + BODY_UNITS])
    return reader.result()


def _lines(units: list[TextUnit], indices: range) -> list[_Line]:
    """The units at `indices` as matched, blank ones left out."""
    out = []
    for index in indices:
        text, offsets = normalise(units[index].text)
        if text.strip():
            out.append(_Line(index, units[index], text, offsets))
    return out


def _head(lines: list[_Line], p: _Patterns) -> list[_Line]:
    """The document's first lines up to its first sentence, or through its 主送机关."""
    head: list[_Line] = []
    for line in lines[:HEAD_LINES]:
        text = line.text.strip()
        if _SENTENCE.search(text) or len(text) > BODY_LENGTH:
            break
        head.append(line)
        if _recipients_span(line, p) is not None:
            break
    return head


def _recipients_span(line: _Line, p: _Patterns, merged: bool = False) -> _Span | None:
    """The 主送机关 of a line ending with ：(without the colon), if it is one; `merged`:
    of a line opening with it, the body's first sentence after its colon."""
    text = line.text.rstrip()
    if merged:
        colon = min((at for at in (text.find("："), text.find(":")) if at >= 0), default=-1)
        if colon < 0 or _SENTENCE.search(text, 0, colon):
            return None
        text = text[: colon + 1]
    if line.unit.kind != "paragraph" or not text.endswith(("：", ":")) or len(text) > 200:
        return None
    body = text[:-1].strip()
    if len(body) < 2 or p.not_recipient.match(body) or not p.recipient_words.search(body):
        return None
    if p.label.search(text):  # "发文单位：" of a page's metadata
        return None
    start = len(line.text) - len(line.text.lstrip())
    return _Span(line, start, start + len(body))


class _Reader:
    """What has been read so far, field by field, each with its evidence."""

    def __init__(self, p: _Patterns) -> None:
        self.p = p
        self.values: dict[str, str] = {}
        self.evidence: dict[str, Evidence] = {}
        self.kind: str | None = None
        self.title: list[_Span] = []
        self.header = False
        self.header_lines: set[int] = set()
        self.head_dates: list[_Dated] = []

    def put(self, field: str, value: str, span: _Span, overwrite: bool = False) -> None:
        if value and (overwrite or field not in self.values):
            self.values[field] = value
            self.evidence[field] = _evidence(span)

    # -- the head

    def read_head(self, head: list[_Line], after: list[_Line]) -> None:
        """Header, 文号, marks, dates, draft lines and 主送机关; then the title in the rest."""
        rests: list[_Span | None] = []
        issuer_lines: list[_Span] = []
        for line in head:
            if line.unit.cells:  # a table's body row is content (a 文件清单's 文号), not a head
                rests.append(None)
                continue
            rest = self._header(line, issuer_lines)
            if self.header_lines:  # issuers on the lines before "文件" are the header's
                rests = [
                    None if r is not None and r.line.index in self.header_lines else r
                    for r in rests
                ]
            rest = self._number(rest) if rest is not None else None
            rest = _strip(rest) if rest is not None else None
            if rest is not None and self._classified(rest):
                rest = None
            rests.append(rest)
        self._title(rests)
        if "recipients" not in self.values and len(head) < len(after):
            merged = _recipients_span(after[len(head)], self.p, merged=True)
            if merged is not None:  # "各县…单位：为加强…" (a DOCX, one paragraph)
                self.put("recipients", merged.text, merged)
        for rest in rests:  # a line that is an issuer's name alone (a 函's header, a cover)
            if rest is not None and not self._in_title(rest) and self._issuer_name(rest.text):
                self.put("issuer", _tidy(rest), rest)

    def _header(self, line: _Line, before: list[_Span]) -> _Span | None:
        """The red header at the line's start ("…文件"), also when its issuers stand on
        the lines before it; returns what follows it on the line."""
        span = _strip(_Span(line, 0, len(line.text)))
        if span is None:
            return None
        text = span.text
        match = self.p.header.match(text)
        if match and self._issuer_name(match.group(1)):
            names = [*before, _Span(line, span.start, span.start + match.end(1))]
            self._put_header(names)
            before.clear()
            return _Span(line, span.start + match.end(), span.end)
        if self.p.header_alone.fullmatch(text) and before:
            self._put_header(list(before))
            before.clear()
            return None
        if self._issuer_name(text) and not self.header:
            before.append(span)
            return span
        before.clear()
        return span

    def _put_header(self, names: list[_Span]) -> None:
        self.header = True
        self.header_lines |= {name.line.index for name in names}
        value = " ".join(_tidy(n) for n in names)
        self.put("issuer", value, names[0], overwrite=True)

    def _number(self, span: _Span) -> _Span | None:
        """The 文号 (or 期号) at one end of the line; returns the rest of the line."""
        text = span.text
        signer = self.p.signer.search(text)
        if signer:  # "晋阳政发〔2023〕58号 签发人：王某某"
            text = (
                text[: signer.start()]
                + " " * (signer.end() - signer.start())
                + text[signer.end() :]
            )
        for pattern in self.p.numbers:
            for match in pattern.finditer(text):
                low, high = _bracketed(text, *match.span())
                before, after = text[:low].strip(), text[high:].strip()
                other = before or after  # a header or a title may stand beside it
                if (before and after) or _SENTENCE.search(other):
                    continue
                if len(other) > SHORT_REST and not self.p.title_end.search(other):
                    continue
                number = _Span(span.line, span.start + match.start(), span.start + match.end())
                if "number" not in self.values:
                    self.put("number", _plain_number(number.text), number)
                rest = (span.start, span.start + low) if before else (span.start + high, span.end)
                return _Span(span.line, *rest)
        if signer:
            return _Span(span.line, span.start, span.start + signer.start())
        return span

    def _classified(self, rest: _Span) -> bool:
        """Marks, a draft line, a date line or the 主送机关: not a title."""
        text = rest.text
        if self.p.marks.search(text) or self.p.any_label.match(text):
            return True
        recipients = _recipients_span(rest.line, self.p)
        if recipients is not None and recipients.start >= rest.start:
            self.put("recipients", recipients.text, recipients)
            return True
        draft = self.p.draft.search(text)
        bracketed = text[:1] in "（(【[" and text[-1:] in ")）】]"
        if draft and not self.p.title_end.search(text) and (len(text) <= DRAFT_LINE or bracketed):
            span = _Span(rest.line, rest.start + draft.start(), rest.start + draft.end())
            self.put("draft", span.text, span)
            return True
        dated = _standalone_date(rest, self)
        if dated is not None:
            self.head_dates.append(dated)
            return True
        return False

    def _title(self, rests: list[_Span | None]) -> None:
        """The first run of up to TITLE_LINES consecutive lines ending with a 文种; a run
        starts at a line opening with 关于 (with an issuer's line just before it) first."""
        if "title" in self.values:  # labelled ("标题：…")
            return
        starts = [i for i, r in enumerate(rests) if r is not None and "关于" in r.text[:MAX_ISSUER]]
        starts += [i for i, r in enumerate(rests) if r is not None and i not in starts]
        for i in starts:
            rest, previous = rests[i], rests[i - 1] if i > 0 else None
            following = rests[i + 1] if i + 1 < len(rests) else None
            assert rest is not None
            begin = i
            starts_about = rest.text.startswith("关于") and previous is not None
            if starts_about and previous is not None and self._issuer_name(previous.text):
                begin = i - 1  # "晋阳市人民政府办公室" / "关于成立…的通知"
            elif self._issuer_name(rest.text) and following is not None:
                # an issuer's line above a whole title ("…领导小组办公室" / "…会议纪要") is
                # the issuer's; above a short end of one ("工作规则") it is its start
                alone = following.text
                if len(alone) >= FULL_TITLE and self.p.title_end.search(alone):
                    continue
            if self._try_title(rests, begin):
                return

    def _try_title(self, rests: list[_Span | None], begin: int) -> bool:
        pieces: list[_Span] = []
        for rest in rests[begin : begin + TITLE_LINES]:
            if rest is None or _NO_TITLE.search(rest.text) or self.p.toc_row.search(rest.text):
                return False
            pieces.append(rest)
            joined = "".join(piece.text for piece in pieces)
            if len(joined) > MAX_TITLE:
                return False
            match = self.p.title_end.search(joined)
            if match:
                self._put_title(pieces, joined, match)
                return True
        return False

    def _put_title(self, pieces: list[_Span], joined: str, match: re.Match[str]) -> None:
        self.title = pieces
        title = joined.strip("《》 ")
        self.evidence["title"] = _evidence(pieces[0])
        group = next(name for name, value in match.groupdict().items() if value is not None)
        self.kind = self.p.kind_names[int(group[1:])]
        self.put("kind", self.kind, _piece_at(pieces, match.start(group), match.end(group)))
        about = joined.find("关于")
        if 0 < about <= MAX_ISSUER and self._issuer_name(joined[:about]):
            named = _strip(_piece_at(pieces, 0, about))
            if named is not None:
                issuer = _tidy(named)
                self.put("issuer", issuer, named)
                title = issuer + title[title.find("关于") :]  # joint issuers kept apart
        self.values.setdefault("title", title)
        self._title_draft(pieces, joined)

    def _title_draft(self, pieces: list[_Span], joined: str) -> None:
        """A draft marker in the title, outside a 《》 naming another document, or inside
        the 《》 of a letter asking for comments on it ("关于征求《…（征求意见稿）》意见的函"):
        such a letter is issued, but what it carries, the text after it, is the draft."""
        consulting = "征求" in re.sub("《[^《》]*》", "", joined)
        for match in self.p.draft.finditer(joined):
            if _quoted(joined, match.start()) and not consulting:
                continue
            self.put("draft", match.group(), _piece_at(pieces, match.start(), match.end()))
            return

    def _in_title(self, span: _Span) -> bool:
        return any(piece.line is span.line for piece in self.title)

    def _issuer_name(self, text: str) -> bool:
        text = text.strip()
        if len(text) < 3 or len(text) > MAX_ISSUER or "关于" in text:
            return False
        return all(self.p.issuer.fullmatch(name) for name in text.split())

    # -- labelled metadata

    def read_labels(self, lines: list[_Line]) -> None:
        """A page's labelled metadata ("发文字号：晋阳政发〔2023〕58号", "成文日期：…",
        a 政府信息公开 page printed): the value after the label on its line (up to the
        next label), or the next line when the label stands alone. Read first: what a
        page states as its 文号 or date beats what the layout suggests."""
        for position, line in enumerate(lines):
            for field, pattern in self.p.labels.items():
                match = pattern.search(line.text)
                if match is None or field in self.values:
                    continue
                end = self.p.any_label.search(line.text, match.end())
                span = _strip(_Span(line, match.end(), end.start() if end else len(line.text)))
                if span is None and position + 1 < len(lines):
                    following = lines[position + 1]
                    if not self.p.any_label.search(following.text):
                        span = _strip(_Span(following, 0, len(following.text)))
                if span is not None:
                    self._labelled(field, span)

    def _labelled(self, field: str, span: _Span) -> None:
        text = span.text
        if field == "number":
            for pattern in self.p.numbers:
                found = pattern.search(text)
                if found:
                    number = _Span(span.line, span.start + found.start(), span.start + found.end())
                    self.put("number", _plain_number(number.text), number)
                    return
        elif field == "date":
            found = _DATE.search(text)
            if found and _iso(found):
                self._put_date(
                    _Span(span.line, span.start + found.start(), span.start + found.end())
                )
        elif field == "issuer" and len(text) <= MAX_ISSUER:
            self.put("issuer", _tidy(span), span)
        elif field == "title" and len(text) <= MAX_TITLE:
            match = self.p.title_end.search(text)
            if match:
                self._put_title([span], text, match)

    # -- the signature

    def read_signature(self, body: list[_Line], last: list[_Line]) -> None:
        """The 成文日期 (and the issuer above it), else a head date, else the 印发日期."""
        after_head = [(d, body) for d in _dates(body, self)]
        at_end = [(d, last) for d in _dates(last, self)]
        written = [x for x in after_head if not x[0].issued] or [
            x for x in at_end if not x[0].issued
        ]
        issued = [x for x in after_head + at_end if x[0].issued]
        if self.kind == "纪要" and self.head_dates:  # its header's date, unless a meeting's
            self._put_dated(self.head_dates[0], [])
        elif written:
            self._put_dated(*written[0])
        elif self.head_dates:
            self._put_date(self.head_dates[0].date)
        elif issued:
            self._put_dated(*issued[0])

    def _put_dated(self, dated: _Dated, lines: list[_Line]) -> None:
        """The date and the issuer signed above it (or before it on its line)."""
        self._put_date(dated.date)
        if dated.issuer is not None:
            self.put("issuer", _tidy(dated.issuer), dated.issuer)
            return
        position = next((k for k, line in enumerate(lines) if line is dated.date.line), 0)
        if position > 0:  # the line above (blank units are left out of `lines`)
            above = _strip(_Span(lines[position - 1], 0, len(lines[position - 1].text)))
            if above is not None and self._issuer_name(above.text):
                self.put("issuer", _tidy(above), above)

    def _put_date(self, span: _Span, overwrite: bool = False) -> None:
        iso = _iso(_DATE.search(span.text))
        if iso is None:
            return
        self.put("date", iso, span, overwrite)
        self.put("date_text", span.text, span, overwrite)

    def read_meeting(self, body: list[_Line]) -> None:
        """A 纪要's meeting date, from its first body lines."""
        for line in body:
            for match in _DATE.finditer(line.text):
                if _iso(match) is None:
                    continue
                before = line.text[max(0, match.start() - 12) : match.start()]
                clause = _SENTENCE.split(line.text[match.end() : match.end() + 80], maxsplit=1)[0]
                if self.p.meeting_label.search(before) or self.p.meeting_after.search(clause):
                    self._put_date(_Span(line, match.start(), match.end()), overwrite=True)
                    return

    # -- adjusts

    def read_adjusts(self, body: list[_Line]) -> None:
        """The word a title adjusts with (调整, 补充, 废止), and what it names."""
        if not self.title:
            return
        joined = "".join(piece.text for piece in self.title)
        for pattern in self.p.adjusts:
            match = pattern.search(joined)
            if not match:
                continue
            word_at = match.start(1)
            self.put("adjusts", match.group(1), _piece_at(self.title, word_at, match.end(1)))
            about = joined.find("关于")
            if about >= 0 and about + 2 <= match.start() and match.start() != about + 2:
                start, end = about + 2, match.start()  # "关于成立…的补充通知"
            else:
                start, end = match.end(), _tail(joined, match.end())
            named = self._adjusted(joined, start, end)
            if named is not None:
                self.put("adjusted", named[0], _piece_at(self.title, *named[1]))
            else:
                self._adjusted_number(body)
            return

    def _adjusted(self, joined: str, start: int, end: int) -> tuple[str, tuple[int, int]] | None:
        part = joined[start:end]
        quoted = re.search("《([^《》]+)》", part)
        if quoted:
            return quoted.group(1), (start + quoted.start(1), start + quoted.end(1))
        prefix = self.p.adjusted_prefix.match(part)
        cut = prefix.end() if prefix else 0
        suffix = self.p.adjusted_suffix.search(part, cut)
        stop = suffix.start() if suffix else len(part)
        name = part[cut:stop].strip("的 ")
        if len(name) < 2:
            return None
        return name, (start + cut, start + cut + len(name))

    def _adjusted_number(self, body: list[_Line]) -> None:
        """An adjusting notice whose title names nothing: the 文号 its body cites."""
        for line in body:
            for pattern in self.p.numbers[:1]:
                match = pattern.search(line.text)
                if match:
                    span = _Span(line, match.start(), match.end())
                    self.put("adjusted", _plain_number(span.text), span)
                    return

    def result(self) -> OfficialInfo | None:
        if not (self.header or "number" in self.values or "title" in self.values):
            return None
        return OfficialInfo(**self.values, evidence=self.evidence)


def _bracketed(text: str, low: int, high: int) -> tuple[int, int]:
    """A number's span widened over the brackets around it ("…的意见（晋政发〔2023〕5号）")."""
    if low > 0 and text[low - 1] in "（(" and (high == len(text) or text[high] in "）)"):
        return low - 1, min(high + 1, len(text))
    return low, high


def _tail(joined: str, start: int) -> int:
    """Where a title's name part ends: before its last "的" (before the 文种), or at the 文种."""
    cut = joined.rfind("的", start)
    return cut if cut >= 0 else len(joined)


def _quoted(text: str, at: int) -> bool:
    """Is `text[at]` inside 《…》?"""
    return text.count("《", 0, at) > text.count("》", 0, at)


def _piece_at(pieces: list[_Span], start: int, end: int | None = None) -> _Span:
    """The part of a (multi-line) title at [start, end) of the joined text, within the one
    line that holds `start`."""
    offset = 0
    for piece in pieces:
        length = piece.end - piece.start
        if start < offset + length or piece is pieces[-1]:
            low = piece.start + max(0, start - offset)
            high = piece.end if end is None else min(piece.end, piece.start + end - offset)
            return _Span(piece.line, low, max(low, high))
        offset += length
    return pieces[0]


def _strip(span: _Span) -> _Span | None:
    """The span without surrounding whitespace; None when nothing is left."""
    text = span.text
    left = len(text) - len(text.lstrip())
    right = len(text.rstrip())
    if right <= left:
        return None
    return _Span(span.line, span.start + left, span.start + right)


def _tidy(span: _Span) -> str:
    """An issuer's name: joint issuers apart by one space ("中共晋阳市委办公室 晋阳市人民
    政府办公室"), spacing of one name joined (the matching text)."""
    original = _original(span)
    parts = original.split()
    if len(parts) > 1 and all(len(part) >= 3 for part in parts):
        return " ".join(normalise(part)[0] for part in parts)
    return span.text.strip()


def _plain_number(text: str) -> str:
    """A number with its year bracket 〔〕 (a 期号's too: normalise leaves 〔2024〕第2期's)."""
    text = re.sub(r"\s+", "", text)
    return re.sub(r"[\[［【(（]((?:19|20)\d\d)[\]］】)）]", r"〔\1〕", text)


@dataclass(frozen=True, slots=True)
class _Dated:
    """A line that is a date: the date, the issuer written before it, whether 印发."""

    date: _Span
    issuer: _Span | None
    issued: bool


def _standalone_date(span: _Span, reader: _Reader) -> _Dated | None:
    """A line (part) that is a date alone (in brackets or not), an issuer and a date,
    or a date and 印发 (the 版记's 印发日期)."""
    text = span.text
    inner = text.strip("（）() ")
    shift = span.start + (text.find(inner) if inner else 0)
    for match in _DATE.finditer(inner):
        if _iso(match) is None:
            continue
        before, after = inner[: match.start()].strip(), inner[match.end() :].strip()
        if before and not reader._issuer_name(before):
            continue
        if after and not reader.p.issued_after.fullmatch(after):
            continue
        issuer = _strip(_Span(span.line, shift, shift + match.start())) if before else None
        date = _Span(span.line, shift + match.start(), shift + match.end())
        return _Dated(date, issuer, bool(after))
    return None


def _dates(lines: list[_Line], reader: _Reader) -> list[_Dated]:
    """The lines that are dates (signatures, 版记), in order."""
    out = []
    for line in lines:
        if line.unit.kind != "paragraph" or len(line.text) > MAX_ISSUER + 20:
            continue
        span = _strip(_Span(line, 0, len(line.text)))
        found = _standalone_date(span, reader) if span is not None else None
        if found is not None:
            out.append(found)
    return out


def _iso(match: re.Match[str] | None) -> str | None:
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


def _original(span: _Span) -> str:
    """The unit's own characters behind a span of its matching text."""
    line = span.line
    if line.offsets is None:
        return line.unit.text[span.start : span.end]
    low, high = line.offsets.span(span.start, span.end)
    return line.unit.text[low:high]


def _evidence(span: _Span) -> Evidence:
    """Where a field was read: the unit's place and its own characters (an OCR line's
    confidence and box)."""
    from sxcheck.evidence import ocr_provenance, row_location  # the package imports this module

    unit = span.line.unit
    offsets = span.line.offsets
    low, high = offsets.span(span.start, span.end) if offsets else (span.start, span.end)
    return Evidence(
        document=unit.document,
        sha256=unit.sha256,
        page=unit.page,
        location=row_location(unit),
        quote=unit.text[low:high],
        **ocr_provenance(unit, low, high),
    )


# ---------------------------------------------------------------- listing_rows


def listing_rows(units: list[TextUnit], words: OfficialWords) -> set[int]:
    """Rows of an attachment list, a 目录 or a 文件清单 anywhere in the document.

    - after a paragraph opening a list ("附件：", "佐证材料：", itself a row) or titling
      one ("佐证材料清单"), the numbered rows that follow ("1.《…》"): short, and no
      statement (no "，" outside 《》, no "。" before the end);
    - a 目录 row: dot leaders and a page number anywhere, or, after a 目录 heading, a
      title and a page number (up to two short lines without one between rows);
    - every row of a table that lists documents (lexicon `listing_name_columns` beside
      only `listing_other_columns`, or a name column under a caption titling a list).

    Every unit is looked at (a 汇编 holds many notices, each with its attachment
    list), each with one anchored match unless a list or 目录 is open.
    """
    p = _patterns(words)
    out: set[int] = set()
    tables: dict[int, bool] = {}
    mode = ""  # "list": in an attachment list, "toc": in a 目录
    gap: list[int] = []  # lines of a 目录 without a page number (a part's heading)
    for index, unit in enumerate(units):
        if unit.kind != "paragraph":
            mode = ""
            if unit.table is not None and _listing_table(unit, units, index, tables, p):
                out.add(index)
            continue
        text = normalise(unit.text)[0].strip()
        if _toc_row(unit.text, text, p):
            out.update([*gap, index]) if mode == "toc" else out.add(index)
            mode, gap = "toc", []
            continue
        if mode == "toc":
            if p.toc_numbered.search(unit.text):
                out.update([*gap, index])
                gap = []
                continue
            if len(gap) < 2 and len(text) <= 40 and not _SENTENCE.search(text):
                gap.append(index)
                continue
            gap = []
            mode = ""
        if mode == "list" and _list_row(text, p):
            out.add(index)
            continue
        mode = ""
        if p.toc_title.match(text.replace(" ", "")):
            out.add(index)
            mode, gap = "toc", []
        elif p.opener.match(text) or p.listing_title.fullmatch(_without_label(text)):
            out.add(index)
            mode = "list"
    return out


def _toc_row(original: str, text: str, p: _Patterns) -> bool:
    """A 目录 row: dot leaders and a page number, in a short line stating nothing (a
    sentence's "……3个" is no page number)."""
    return (
        len(text) <= MAX_TOC_ROW and not _SENTENCE.search(text) and bool(p.toc_row.search(original))
    )


def _without_label(text: str) -> str:
    """A list's title without its 附件N / 表N label ("附件2 佐证材料清单")."""
    return re.sub(r"^(?:附\s*件|附表|表)\s*\d{0,2}\s*[：:]?\s*", "", text).strip()


def _list_row(text: str, p: _Patterns) -> bool:
    """A row of an attachment list: numbered, short, naming rather than stating."""
    if not p.listing_row.match(text) or len(text) > MAX_LIST_ROW:
        return False
    unquoted = re.sub("《[^《》]*》", "", text)
    body = unquoted.rstrip("。；;，, ")
    return not (_COMMA.search(body) or "。" in body)


def _listing_table(
    unit: TextUnit, units: list[TextUnit], index: int, tables: dict[int, bool], p: _Patterns
) -> bool:
    """Is the unit's table a list of documents? Decided once per table, from its header
    (its cells' headers, or its first row's text when that row has no cells)."""
    table = unit.table
    assert table is not None
    if table not in tables:
        headers = [c.header.rsplit("/", 1)[-1].strip() for c in unit.cells if c.header]
        caption = unit.context
        if not headers and not unit.cells:  # a header row: its context is the caption
            headers = [cell.strip() for cell in unit.text.split(" | ")]
        elif " | " in caption:  # a body row: caption, then the header row's text
            caption = caption[: max(0, caption.rfind(" ", 0, caption.find(" | ")))]
        names = [h for h in headers if p.name_column.search(h)]
        others = [h for h in headers if h and h not in names]
        titled = bool(p.listing_title.search(normalise(caption)[0]))
        listing = bool(names) and (titled or all(p.other_column.search(h) for h in others))
        tables[table] = listing
    return tables[table]
