"""Which part of a sentence speaks of a measure (its evidence pattern, rules data).

A sentence is about a measure when it matches the measure's evidence pattern. Its
figures are read from the semicolon part that matches on its own ("立案率99%；结案率
95%" gives each rate to its own measure), else from the whole sentence ("共有学校420
所；其中418所已覆盖" is one statement), else from the clauses before a word that turns
it to something else (`none_of`). A table row speaks of the measure by one of its
column groups (columns_speak_of).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sxcheck.catalogue.schema import EvidencePattern
from sxcheck.facts.ocr import Folding, matching
from sxcheck.ingest.layout import split_segments
from sxcheck.models import Sentence


def mentions(pattern: EvidencePattern, text: str) -> bool:
    """Every all_of group has a word in the text (none_of not considered)."""
    lowered = text.lower()
    return all(any(word.lower() in lowered for word in group) for group in pattern.all_of)


def matches(pattern: EvidencePattern, text: str) -> bool:
    """Every all_of group has a word in the text and no none_of word appears."""
    lowered = text.lower()
    if any(word.lower() in lowered for word in pattern.none_of):
        return False
    return mentions(pattern, lowered)


def relevant_text(
    sentence: Sentence, pattern: EvidencePattern, folding: Folding | None = None
) -> str | None:
    """The part of the sentence whose figures belong to the measure, or None if unrelated.

    A semicolon part that matches on its own is preferred, so a sentence that
    also speaks of a sibling measure (excluded by `none_of`) still counts for
    the part that is about this one. A sentence read by OCR is matched through
    the rules' confusion table (`folding`: 履盖率 speaks of 覆盖率); the part
    returned is always the sentence's own text, so its figures' spans hold.
    """
    pattern, fold = matching(folding, sentence, pattern)
    seen = fold or _as_written
    context = seen(sentence.context)
    if not mentions(pattern, f"{context} {seen(sentence.text)}"):
        return None  # the cheap test first: most sentences are about something else
    segments = split_segments(sentence.text)
    if len(segments) > 1:
        own = [s for s in segments if matches(pattern, f"{context} {seen(s)}")]
        if len(own) == 1:
            return own[0]
    if matches(pattern, f"{context} {seen(sentence.text)}"):
        return sentence.text
    return _clauses_without(sentence.text, context, pattern, seen)


_CLAUSE = re.compile(r"[^，,；;]+[，,；;]?")


def _clauses_without(
    text: str, context: str, pattern: EvidencePattern, seen: Callable[[str], str]
) -> str | None:
    """The clauses before the first one with a `none_of` word, when they match on their
    own: what a sentence goes on to say of something else does not undo what it said
    first ("印发《…方案》，构建…一体化大数据中心体系，市级政务云已接入省级核心枢纽节点":
    the last clause is 1.2.2's, the first two still 1.2.1's), else the clauses after the
    last one with such a word, when the sentence turned to something else in between
    ("…2386项，其中一站式办结的1724项，依托统一身份认证…的事项占比达到96.5%"). A none_of
    word in its first clause scopes the rest ("全市在建工地已全部安装扬尘在线监测设备，空气监测覆盖率100%" is about
    the sites). A verbatim slice of the text, so its figures' spans hold."""
    if not pattern.none_of:
        return None
    words = [w.lower() for w in pattern.none_of]
    clauses = list(_CLAUSE.finditer(text))
    marked = [i for i, c in enumerate(clauses) if any(w in seen(c.group()).lower() for w in words)]
    if not marked:
        return None
    part = text[: clauses[marked[0]].start()].rstrip("，,；; ")
    if part and matches(pattern, f"{context} {seen(part)}"):
        return part
    if marked[0] == 0:
        return None  # the sentence opens on something else: it scopes the rest
    # "共梳理事项2386项，其中一站式办结的1724项，依托统一身份认证实现…的事项占比达到96.5%":
    # the clauses after the last one about something else, when they match on their own
    if marked[-1] + 1 < len(clauses):
        tail = text[clauses[marked[-1] + 1].start() :].rstrip("。.")
        if matches(pattern, f"{context} {seen(tail)}"):
            return tail
    return None


def columns_speak_of(
    sentence: Sentence, pattern: EvidencePattern, folding: Folding | None = None
) -> bool:
    """Does one column (or group of columns) of a table row speak of the measure on its own?

    A row's header names every column, so a sheet with 政务服务事项总数 | 使用电子证照办理
    事项数 | 线下一站式办理事项数 names 一站式 (a none_of word of 电子证照使用率) for the whole
    row, and 公共停车场（库）→ 总数/联网数 beside 易发生交通堵塞路口 → 路口数/疏堵数 names 停车
    for 智能疏堵率. One column group (the columns under one top header, else one column),
    with the caption and the row's label, may still be about the measure alone. Such a
    row backs the measure only with figures read by header (facts.tables), never as a
    line of text.
    """
    if not sentence.cells:
        return False
    pattern, fold = matching(folding, sentence, pattern)
    seen = fold or _as_written
    groups: dict[str, list[str]] = {}
    for cell in sentence.cells:
        top = cell.header.split("/", 1)[0]
        if cell.header and cell.text != sentence.row_label:
            groups.setdefault(top, []).append(cell.header)
    if len(groups) < 2:
        return False
    caption = sentence.context.split(" | ", 1)[0].rsplit(" ", 1)[0]
    return any(
        matches(pattern, seen(f"{caption} {sentence.row_label} {' '.join(headers)}"))
        for headers in groups.values()
    )


def _as_written(text: str) -> str:
    return text
