"""The head of a first page: red header, 文号, marks, draft and date lines, the
title and the 主送机关 (GB/T 9704 layout and the looser one of reports and plans)."""

from __future__ import annotations

import re

from sxcheck.evidence.official.dates import Dated, noted_date, standalone_date
from sxcheck.evidence.official.joins import pieces
from sxcheck.evidence.official.patterns import (
    BODY_LENGTH,
    DRAFT_LINE,
    FULL_TITLE,
    HEAD_LINES,
    MAX_ISSUER,
    MAX_TITLE,
    NO_TITLE,
    SENTENCE,
    SHORT_REST,
    TITLE_LINES,
    Patterns,
    issuer_name,
    number_spans,
)
from sxcheck.evidence.official.shapes import is_recipients
from sxcheck.evidence.official.spans import (
    Line,
    Span,
    bracketed,
    evidence_of,
    piece_at,
    plain_number,
    quoted,
    strip,
    tidy,
)
from sxcheck.models import Evidence


def head_of(lines: list[Line], p: Patterns) -> tuple[list[Line], list[Line]]:
    """The document's head and the lines after it: its first lines up to its first
    sentence, or through its 主送机关, each unit read as the head lines joined in it
    (joins.pieces); a label line ("主题分类：政务公开；信息化", a 政府信息公开 page's
    fields run into one unit) is metadata, never the body's first sentence."""
    head: list[Line] = []
    for position, line in enumerate(lines[:HEAD_LINES]):
        parts = pieces(line, p, opening=not head)
        for k, piece in enumerate(parts):
            text = piece.text.strip()
            label = p.any_label.match(text)
            if not label and (SENTENCE.search(text) or len(text) > BODY_LENGTH):
                return head, [*parts[k:], *lines[position + 1 :]]
            head.append(piece)
            if recipients_span(piece, p) is not None:
                return head, [*parts[k + 1 :], *lines[position + 1 :]]
    return head, lines[HEAD_LINES:]


def recipients_span(line: Line, p: Patterns, merged: bool = False) -> Span | None:
    """The 主送机关 of a line ending with ：(without the colon), if it is one; `merged`:
    of a line opening with it, the body's first sentence after its colon."""
    text = line.text.rstrip()
    if merged:
        colon = min((at for at in (text.find("："), text.find(":")) if at >= 0), default=-1)
        if colon < 0 or SENTENCE.search(text, 0, colon):
            return None
        text = text[: colon + 1]
    if line.unit.kind != "paragraph" or not is_recipients(text, p):
        return None
    body = text[:-1].strip()
    start = len(line.text) - len(line.text.lstrip())
    return Span(line, start, start + len(body))


class HeadReader:
    """What has been read so far, field by field, each with its evidence; the head."""

    def __init__(self, p: Patterns) -> None:
        self.p = p
        self.values: dict[str, str] = {}
        self.evidence: dict[str, Evidence] = {}
        self.kind: str | None = None
        self.title: list[Span] = []
        self.header = False
        self.header_lines: set[tuple[int, int]] = set()
        self.head_dates: list[Dated] = []
        self.header_kind: tuple[str, Span] | None = None

    def put(self, field: str, value: str, span: Span, overwrite: bool = False) -> None:
        if value and (overwrite or field not in self.values):
            self.values[field] = value
            self.evidence[field] = evidence_of(span)

    # -- the head

    def read_head(self, head: list[Line], after: list[Line]) -> None:
        """Header, 文号, marks, dates, draft lines and 主送机关; then the title in the rest
        (else the 文种 a header names: "…令"). `after`: the lines after the head."""
        rests: list[Span | None] = []
        issuer_lines: list[Span] = []
        for line in head:
            if line.unit.cells:  # a table's body row is content (a 文件清单's 文号), not a head
                rests.append(None)
                continue
            rest = self._header(line, issuer_lines)
            if self.header_lines:  # issuers on the lines before "文件" are the header's
                rests = [
                    None if r is not None and r.line.key in self.header_lines else r for r in rests
                ]
            rest = self._number(rest) if rest is not None else None
            rest = strip(rest) if rest is not None else None
            if rest is not None and self._classified(rest):
                rest = None
            rests.append(rest)
        self._title(rests)
        if self.kind is None and self.header_kind is not None:  # "晋阳市人民政府令"
            self.kind = self.header_kind[0]
            self.put("kind", self.kind, self.header_kind[1])
        if "recipients" not in self.values and after:
            merged = recipients_span(after[0], self.p, merged=True)
            if merged is not None:  # "各县…单位：为加强…" (a DOCX, one paragraph)
                self.put("recipients", merged.text, merged)
        for rest in rests:  # a line that is an issuer's name alone (a 函's header, a cover)
            if rest is not None and not self._in_title(rest) and self._issuer_name(rest.text):
                self.put("issuer", tidy(rest), rest)

    def _header(self, line: Line, before: list[Span]) -> Span | None:
        """The red header at the line's start ("…文件"), also when its issuers stand on
        the lines before it; returns what follows it on the line."""
        span = strip(Span(line, 0, len(line.text)))
        if span is None:
            return None
        text = span.text
        match = self.p.header.match(text)
        if match and self._issuer_name(match.group(1)):
            names = [*before, Span(line, span.start, span.start + match.end(1))]
            self._put_header(names, line)
            self._header_kind(
                strip(Span(line, span.start + match.end(1), span.start + match.end()))
            )
            before.clear()
            return Span(line, span.start + match.end(), span.end)
        alone = self.p.header_alone.match(text)
        if alone and before:  # "文件" under its issuers (a 文号 may follow it on its line)
            self._put_header(list(before))
            before.clear()
            return strip(Span(line, span.start + alone.end(), span.end))
        if self._issuer_name(text) and not self.header:
            before.append(span)
            return span
        before.clear()
        return span

    def _header_kind(self, word: Span | None) -> None:
        """The 文种 a header's word names ("晋阳市人民政府令": 令; "文件" names none)."""
        if word is not None and self.header_kind is None:
            name = next((n for n, kind in self.p.kinds if kind.fullmatch(word.text)), None)
            if name is not None:
                self.header_kind = (name, word)

    def _put_header(self, names: list[Span], line: Line | None = None) -> None:
        """The header's issuers, on the lines before it and on its own `line`; the lines
        before it hold nothing else (what follows "文件" on its own line, a 文号 or a
        title run into it, is read on)."""
        self.header = True
        self.header_lines |= {name.line.key for name in names if name.line is not line}
        value = " ".join(tidy(n) for n in names)
        self.put("issuer", value, names[0], overwrite=True)

    def _number(self, span: Span) -> Span | None:
        """The 文号 (or 期号) at one end of the line; returns the rest of the line."""
        text = span.text
        signer = self.p.signer.search(text)
        if signer:  # "晋阳政发〔2023〕58号 签发人：王某某"
            text = (
                text[: signer.start()]
                + " " * (signer.end() - signer.start())
                + text[signer.end() :]
            )
        for start, end in number_spans(text, self.p):
            low, high = bracketed(text, start, end)
            before, after = text[:low].strip(), text[high:].strip()
            other = before or after  # a header or a title may stand beside it
            if (before and after) or SENTENCE.search(other):
                continue
            if len(other) > SHORT_REST and not self.p.title_end.search(other):
                continue
            number = Span(span.line, span.start + start, span.start + end)
            if "number" not in self.values:
                self.put("number", plain_number(number.text), number)
            rest = (span.start, span.start + low) if before else (span.start + high, span.end)
            return Span(span.line, *rest)
        if signer:
            return Span(span.line, span.start, span.start + signer.start())
        return span

    def _classified(self, rest: Span) -> bool:
        """Marks, a draft line, a date line or the 主送机关: not a title."""
        text = rest.text
        if self.p.marks.search(text) or self.p.any_label.match(text):
            return True
        recipients = recipients_span(rest.line, self.p)
        if recipients is not None and recipients.start >= rest.start:
            self.put("recipients", recipients.text, recipients)
            return True
        draft = self.p.draft.search(text)
        bracketed = text[:1] in "（(【[" and text[-1:] in ")）】]"
        if draft and not self.p.title_end.search(text) and (len(text) <= DRAFT_LINE or bracketed):
            span = Span(rest.line, rest.start + draft.start(), rest.start + draft.end())
            self.put("draft", span.text, span)
            return True
        dated = standalone_date(rest, self.p) or noted_date(rest)
        if dated is not None:
            self.head_dates.append(dated)
            return True
        return False

    def _title(self, rests: list[Span | None]) -> None:
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

    def _try_title(self, rests: list[Span | None], begin: int) -> bool:
        pieces: list[Span] = []
        for rest in rests[begin : begin + TITLE_LINES]:
            if rest is None or NO_TITLE.search(rest.text) or self.p.toc_row.search(rest.text):
                return False
            pieces.append(rest)
            joined = "".join(piece.text for piece in pieces)
            if len(joined) > MAX_TITLE:
                return False
            match = self.p.title_end.search(joined)
            # a 文种 inside a 《 not yet closed names the document the title is about
            # ("关于公开征求《…管理办法" / "（征求意见稿）》意见的公告"): the title goes on
            if match and joined.count("《") <= joined.count("》"):
                self._put_title(pieces, joined, match)
                return True
        return False

    def _put_title(self, pieces: list[Span], joined: str, match: re.Match[str]) -> None:
        self.title = pieces
        title = joined.strip("《》 ")
        self.evidence["title"] = evidence_of(pieces[0])
        group = next(name for name, value in match.groupdict().items() if value is not None)
        self.kind = self.p.kind_names[int(group[1:])]
        self.put("kind", self.kind, piece_at(pieces, match.start(group), match.end(group)))
        about = joined.find("关于")
        if 0 < about <= MAX_ISSUER and self._issuer_name(joined[:about]):
            named = strip(piece_at(pieces, 0, about))
            if named is not None:
                issuer = tidy(named)
                self.put("issuer", issuer, named)
                title = issuer + title[title.find("关于") :]  # joint issuers kept apart
        self.values.setdefault("title", title)
        self._title_draft(pieces, joined)

    def _title_draft(self, pieces: list[Span], joined: str) -> None:
        """A draft marker in the title, outside a 《》 naming another document, or inside
        the 《》 of a letter asking for comments on it ("关于征求《…（征求意见稿）》意见的函"):
        such a letter is issued, but what it carries, the text after it, is the draft."""
        consulting = "征求" in re.sub("《[^《》]*》", "", joined)
        for match in self.p.draft.finditer(joined):
            if quoted(joined, match.start()) and not consulting:
                continue
            self.put("draft", match.group(), piece_at(pieces, match.start(), match.end()))
            return

    def _in_title(self, span: Span) -> bool:
        return any(piece.line is span.line for piece in self.title)

    def _issuer_name(self, text: str) -> bool:
        return issuer_name(text, self.p)
