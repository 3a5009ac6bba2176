"""An official document read: labels, head, signature (成文日期 and issuer),
a 纪要's meeting date and what a title adjusts (`read_official`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sxcheck.evidence.official.dates import DATE, Dated, dates, iso, last_part
from sxcheck.evidence.official.head import HeadReader, head_of
from sxcheck.evidence.official.patterns import (
    BODY_UNITS,
    FIRST_UNITS,
    LAST_UNITS,
    MAX_ISSUER,
    MAX_TITLE,
    SENTENCE,
    compiled,
)
from sxcheck.evidence.official.spans import (
    Line,
    Span,
    name_end,
    piece_at,
    plain_number,
    read_lines,
    strip,
    tidy,
)
from sxcheck.models import OfficialInfo, TextUnit

if TYPE_CHECKING:
    from sxcheck.catalogue.schema import OfficialWords


def read_official(units: list[TextUnit], words: OfficialWords) -> OfficialInfo | None:
    """The document as an official document, from its head and signature (module doc)."""
    if not units:
        return None
    p = compiled(words)
    first = read_lines(units, range(min(FIRST_UNITS, len(units))))
    last = read_lines(units, range(max(FIRST_UNITS, len(units) - LAST_UNITS), len(units)))
    head, body = head_of(first, p)
    reader = Reader(p)
    reader.read_labels(first)
    reader.read_head(head, body)
    reader.read_signature(body, last)
    if reader.kind == "纪要":
        reader.read_meeting([*head, *body[:BODY_UNITS]])
    reader.read_adjusts(body[:BODY_UNITS])
    return reader.result()


class Reader(HeadReader):
    """The head's reader, and the labels, signature, meeting date and adjusts."""

    # -- labelled metadata

    def read_labels(self, lines: list[Line]) -> None:
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
                span = strip(Span(line, match.end(), end.start() if end else len(line.text)))
                if span is None and position + 1 < len(lines):
                    following = lines[position + 1]
                    if not self.p.any_label.search(following.text):
                        span = strip(Span(following, 0, len(following.text)))
                if span is not None:
                    self._labelled(field, span)

    def _labelled(self, field: str, span: Span) -> None:
        text = span.text
        if field == "number":
            for pattern in self.p.numbers:
                found = pattern.search(text)
                if found:
                    number = Span(span.line, span.start + found.start(), span.start + found.end())
                    self.put("number", plain_number(number.text), number)
                    return
        elif field == "date":
            found = DATE.search(text)
            if found and iso(found):
                self._put_date(
                    Span(span.line, span.start + found.start(), span.start + found.end())
                )
        elif field == "issuer":
            about = text.find("关于")  # a title run into the value ("…办公室关于…的通知")
            if about > 0 and self._issuer_name(text[:about]):
                span = Span(span.line, span.start, span.start + about)
            if len(span.text) <= MAX_ISSUER:
                self.put("issuer", tidy(span), span)
        elif field == "title" and len(text) <= MAX_TITLE:
            match = self.p.title_end.search(text)
            if match:
                self._put_title([span], text, match)

    # -- the signature

    def read_signature(self, body: list[Line], last: list[Line]) -> None:
        """The 成文日期 (and the issuer above it), else a head date (and the issuer before
        it on its line: a report's "…管理局 2025年1月9日"), else the 印发日期."""
        after_head = [(d, body) for d in dates(body, self.p)]
        at_end = [(d, last) for d in dates(last, self.p)]
        written = [x for x in after_head if not x[0].issued] or [
            x for x in at_end if not x[0].issued
        ]
        issued = [x for x in after_head + at_end if x[0].issued]
        if self.kind == "纪要" and self.head_dates:  # its header's date, unless a meeting's
            self._put_dated(self.head_dates[0], [])
        elif written:
            self._put_dated(*written[0])
        elif self.head_dates:
            self._put_dated(self.head_dates[0], [])
        elif issued:
            self._put_dated(*issued[0])

    def _put_dated(self, dated: Dated, lines: list[Line]) -> None:
        """The date and the issuer signed above it (or before it on its line)."""
        self._put_date(dated.date)
        if dated.issuer is not None:
            self.put("issuer", tidy(dated.issuer), dated.issuer)
            return
        position = next((k for k, line in enumerate(lines) if line is dated.date.line), 0)
        if position > 0:  # the line above (blank units are left out of `lines`), or its
            above = last_part(lines[position - 1])  # part after the body's last sentence
            if above is not None and self._issuer_name(above.text):
                self.put("issuer", tidy(above), above)

    def _put_date(self, span: Span, overwrite: bool = False) -> None:
        value = iso(DATE.search(span.text))
        if value is None:
            return
        self.put("date", value, span, overwrite)
        self.put("date_text", span.text, span, overwrite)

    def read_meeting(self, body: list[Line]) -> None:
        """A 纪要's meeting date, from its first body lines."""
        for line in body:
            for match in DATE.finditer(line.text):
                if iso(match) is None:
                    continue
                before = line.text[max(0, match.start() - 12) : match.start()]
                clause = SENTENCE.split(line.text[match.end() : match.end() + 80], maxsplit=1)[0]
                if self.p.meeting_label.search(before) or self.p.meeting_after.search(clause):
                    self._put_date(Span(line, match.start(), match.end()), overwrite=True)
                    return

    # -- adjusts

    def read_adjusts(self, body: list[Line]) -> None:
        """The word a title adjusts with (调整, 补充, 废止), and what it names."""
        if not self.title:
            return
        joined = "".join(piece.text for piece in self.title)
        for pattern in self.p.adjusts:
            match = pattern.search(joined)
            if not match:
                continue
            word_at = match.start(1)
            self.put("adjusts", match.group(1), piece_at(self.title, word_at, match.end(1)))
            about = joined.find("关于")
            if about >= 0 and about + 2 <= match.start() and match.start() != about + 2:
                start, end = about + 2, match.start()  # "关于成立…的补充通知"
            else:
                start, end = match.end(), name_end(joined, match.end())
            named = self._adjusted(joined, start, end)
            if named is not None:
                self.put("adjusted", named[0], piece_at(self.title, *named[1]))
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

    def _adjusted_number(self, body: list[Line]) -> None:
        """An adjusting notice whose title names nothing: the 文号 its body cites."""
        for line in body:
            for pattern in self.p.numbers[:1]:
                match = pattern.search(line.text)
                if match:
                    span = Span(line, match.start(), match.end())
                    self.put("adjusted", plain_number(span.text), span)
                    return

    def result(self) -> OfficialInfo | None:
        if not (self.header or "number" in self.values or "title" in self.values):
            return None
        return OfficialInfo(**self.values, evidence=self.evidence)
