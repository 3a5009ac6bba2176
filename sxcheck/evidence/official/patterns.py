"""The lexicon's `official` words compiled once, and the reader's limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

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

SENTENCE = re.compile("[。！？；;!?]")
NO_TITLE = re.compile(
    "[。！？；;!?：:]$|^附\\s*件|^[一二三四五六七八九十]+、|^[（(][一二三四五六七八九十\\d]+[)）]|^\\d+[.．、]"
)
NAME = re.compile("[^\\s\\d，,。、；;：:（）()《》“”\"'‘’【】\\[\\]|]+")
COMMA = re.compile("[，,]")


class Patterns:
    """The lexicon's `official` words compiled once."""

    def __init__(self, words: OfficialWords) -> None:
        ends = "|".join(f"(?:{p})" for p in words.issuer_ends) or "(?!)"
        self.issuer = re.compile(f"{NAME.pattern}?(?:{ends})")
        self.header = re.compile(f"({NAME.pattern}?(?:{ends}))\\s*(?:{words.header_after})")
        self.header_alone = re.compile(f"(?:{words.header_after})")
        self.numbers = [re.compile(p) for p in words.numbers]
        self.signer = re.compile(words.signer)
        self.kind_names = list(words.kinds)
        kinds = "|".join(f"(?P<k{i}>{p})" for i, p in enumerate(words.kinds.values())) or "(?!)"
        drafts = "|".join(f"(?:{p})" for p in words.drafts) or "(?!)"
        self.title_end = re.compile(f"(?:{kinds})(?:{words.title_tail}|{drafts}){{0,2}}$")
        # a 文种 word anywhere, and one bracket or draft marker after it (where a title
        # ends inside a unit joining head lines); a header word that is a 文种 (令)
        self.kind_word = any_of(list(words.kinds.values()))
        self.title_tail = re.compile(f"{words.title_tail}|{drafts}")
        self.kinds = [(name, re.compile(p)) for name, p in words.kinds.items()]
        self.marks = any_of(words.head_marks)
        self.draft = any_of(words.drafts)
        self.recipient_words = any_of(words.recipient_words)
        self.not_recipient = any_of(words.not_recipients)
        self.adjusts = [re.compile(p) for p in words.adjusts]
        self.labels = {field: any_of(patterns) for field, patterns in words.labels.items()}
        self.label = any_of([p for patterns in words.labels.values() for p in patterns])
        self.any_label = any_of(
            [*(p for ps in words.labels.values() for p in ps), *words.other_labels]
        )
        self.adjusted_prefix = re.compile(words.adjusted_prefix)
        self.adjusted_suffix = re.compile(words.adjusted_suffix)
        self.meeting_after = any_of(words.meeting_after)
        self.meeting_label = any_of(words.meeting_label)
        self.issued_after = re.compile(words.issued_after)
        self.opener = any_of(words.listing_openers)
        self.listing_title = any_of(words.listing_titles)
        self.listing_row = re.compile(words.listing_row)
        self.toc_title = re.compile(words.toc_title)
        self.toc_row = re.compile(words.toc_row)
        self.toc_numbered = re.compile(words.toc_numbered)
        self.name_column = re.compile(words.listing_name_columns)
        self.other_column = re.compile(words.listing_other_columns)


def any_of(patterns: list[str]) -> re.Pattern[str]:
    """One alternation of patterns (never matching when there are none)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)")


_COMPILED: dict[int, tuple[OfficialWords, Patterns]] = {}


def compiled(words: OfficialWords) -> Patterns:
    """The words compiled once per words object (keyed by identity, as modality's)."""
    entry = _COMPILED.get(id(words))
    if entry is None or entry[0] is not words:
        entry = (words, Patterns(words))
        _COMPILED[id(words)] = entry
    return entry[1]


def issuer_name(text: str, p: Patterns) -> bool:
    """Is `text` an issuing body's name (or joint ones apart by spaces) alone?"""
    text = text.strip()
    if len(text) < 3 or len(text) > MAX_ISSUER or "关于" in text:
        return False
    return all(p.issuer.fullmatch(name) for name in text.split())


def number_spans(text: str, p: Patterns) -> Iterator[tuple[int, int]]:
    """Each 文号 or 期号 in `text` (the lexicon's patterns in order) as [start, end), its
    start moved past what its 机关代字 took from a name, a title or a header word run
    into it ("汾东市人民政府汾政发〔2019〕15号", "…的决定晋阳政发〔2023〕30号", "文件晋办发…"):
    the 代字 keeps two characters at least."""
    for pattern in p.numbers:
        for match in pattern.finditer(text):
            yield _code_start(text, match, p), match.end()


def _code_start(text: str, match: re.Match[str], p: Patterns) -> int:
    bracket = text.find("〔", match.start(), match.end())
    for cut in range(bracket - 2, match.start(), -1):
        before = text[:cut].strip()
        header = p.header.match(before)
        if (
            issuer_name(before, p)
            or p.header_alone.fullmatch(before)
            or (header is not None and header.end() == len(before))
            or p.title_end.search(before)
        ):
            return cut
    return match.start()
