"""What a head line looks like: a title (or a title's start or end inside a longer
text), the 主送机关, a sentence's opening, a line beside a 文号, a label's value; and
the cuts a text shows without knowing its unit (after a draft marker, before 关于,
before a label, after the 主送机关's colon). `joins` puts them in order."""

from __future__ import annotations

import re

from sxcheck.evidence.official.dates import DATE, iso
from sxcheck.evidence.official.patterns import (
    DRAFT_LINE,
    FULL_TITLE,
    MAX_ISSUER,
    MAX_TITLE,
    NAME,
    NO_TITLE,
    SENTENCE,
    Patterns,
    issuer_name,
    number_spans,
)
from sxcheck.evidence.official.spans import bracketed, quoted

LABEL = 8  # a label's colon stands this close to where it opens ("会议时间：", "主持人：")
MIN_NAME = 5  # an issuer's name after a title is this long at least ("…规划建设局" is one name)
CLAUSE = re.compile("[，,。；;！？!?：:]")
CONTINUES = frozenset("，,。；;：:、）)》〕」”’…·的之和与及并或")
ARTICLE = re.compile(r"\s*第[一二三四五六七八九十百\d]{1,4}[章节条]")
BRACKET = re.compile(r"\s*[（(【\[]([^（）()【】\[\]]{1,80})[)）】\]]")


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


def is_title(text: str, p: Patterns) -> bool:
    """Does `text` read as a whole title (no clause mark, ending with a 文种)?"""
    return title_like(text, p) and bool(p.title_end.search(text.strip()))


def title_like(text: str, p: Patterns) -> bool:
    text = text.strip()
    return (
        2 <= len(text) <= MAX_TITLE
        and not CLAUSE.search(text)
        and not NO_TITLE.search(text)
        and not p.marks.search(text)
        and not p.any_label.match(text)
        and all(bracketed(text, s, e) != (s, e) for s, e in number_spans(text, p))
    )


def title_ends(rest: str, p: Patterns) -> list[list[int]]:
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


def own_title(title: str, p: Patterns) -> bool:
    """A title that is one beyond doubt: holding 关于, or ending with 的 and its 文种."""
    end = p.title_end.search(title)
    return "关于" in title or (end is not None and title[: end.start()].endswith("的"))


def before_line(title: str, after: str, p: Patterns, opening: bool) -> bool:
    """A title, then the 主送机关 ("…的通知各县（区）人民政府：") or the body's first
    sentence ("…的报告2023年，我局…", "…办法（送审稿）第一条 为规范…")."""
    title, after = title.strip(), after.lstrip()
    if not after or not title_like(title, p) or after[0] in CONTINUES:
        return False
    colon = colon_end(after)
    if colon is not None and is_recipients(after[:colon], p):
        return own_title(title, p)
    if not CLAUSE.search(after):
        return False
    if own_title(title, p):
        return True
    if ARTICLE.match(after):
        return not opening or len(title) >= FULL_TITLE
    return len(title) >= FULL_TITLE and (not opening or bool(p.not_recipient.match(after)))


def colon_end(text: str) -> int | None:
    """Where the first "：" of `text` ends, when no sentence ends before it."""
    at = min((k for k in (text.find("："), text.find(":")) if k >= 0), default=-1)
    if at < 0 or SENTENCE.search(text, 0, at):
        return None
    return at + 1


def before_name(title: str, after: str, p: Patterns) -> bool:
    """A title, then its issuer's name or its date (a cover)."""
    title, after = title.strip(), after.lstrip()
    if not after or after[0] in CONTINUES or not title_like(title, p):
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


def title_start(text: str, p: Patterns) -> bool:
    """Does `text` open with a title (whatever follows its 文种)?"""
    ends = [e for group in title_ends(text, p) for e in group] + [len(text.rstrip())]
    return any(is_title(text[:end], p) for end in ends)


def beside_number(text: str, p: Patterns) -> bool:
    """May `text` stand before a 文号 on its line (a header, its word, an issuer, a title)?"""
    header = p.header.match(text)
    return (
        (header is not None and header.end() == len(text))
        or bool(p.header_alone.fullmatch(text))
        or issuer_name(text, p)
        or is_title(text, p)
    )


def title_in_value(rest: str, p: Patterns) -> int | None:
    """Where a title run into a label line's last value starts: at 关于, or at the
    issuer's name before it when a digit or a letter ends the value before the name."""
    last = next(reversed(list(p.any_label.finditer(rest))), None)
    if last is None:
        return None
    about = rest.find("关于", last.end())
    if about < 0 or quoted(rest, about) or not title_start(rest[about:], p):
        return None
    value = rest[last.end() : about]
    name = NAME.match(value[::-1])  # the name standing before 关于, read backwards
    if name is not None and name.end() < len(value):
        start = about - name.end()
        if rest[start - 1].isascii() and issuer_name(rest[start:about], p):
            return start
    return about


def body_opening(text: str, p: Patterns) -> bool:
    """Does `text` open a body sentence as no cited 文号's sentence goes on ("《…办法》已经…",
    "为…", "根据…", `not_recipients`)?"""
    return bool(SENTENCE.search(text)) and (text[0] == "《" or bool(p.not_recipient.match(text)))


def after_draft(rest: str, p: Patterns) -> int | None:
    """After a draft marker opening the unit, bare or in brackets, or after a 题注 (a
    bracket opening with a date), when more follows."""
    bracket = BRACKET.match(rest)
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


def before_about(rest: str, p: Patterns) -> int | None:
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


def before_label(rest: str, p: Patterns) -> int | None:
    """After an issuer's name at the start, before a label ("…领导小组办公室会议时间：…",
    a 纪要's header run into its 会议时间, 主持人 lines)."""
    text = rest[: MAX_ISSUER + LABEL]
    for end in range(len(text) - 1, 2, -1):
        after = rest[end:]
        colon = colon_end(after[: LABEL + 1])
        if colon is None or not (p.not_recipient.match(after) or p.any_label.match(after)):
            continue
        if issuer_name(rest[:end], p):
            return end
    return None


def after_recipients(rest: str, p: Patterns) -> int | None:
    """After the 主送机关's colon, the body run into it ("各县…单位：为加强…")."""
    colon = colon_end(rest)
    if colon is None or not rest[colon:].strip():
        return None
    return colon if is_recipients(rest[:colon], p) else None
