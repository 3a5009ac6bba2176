"""Rows of an attachment list, a 目录 or a 文件清单: naming a document there is
not evidence that what the document says holds."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sxcheck.evidence.normalise import normalise
from sxcheck.evidence.official.patterns import (
    COMMA,
    MAX_LIST_ROW,
    MAX_TOC_ROW,
    SENTENCE,
    Patterns,
    compiled,
)
from sxcheck.models import TextUnit

if TYPE_CHECKING:
    from sxcheck.catalogue.schema import OfficialWords


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
    p = compiled(words)
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
            if len(gap) < 2 and len(text) <= 40 and not SENTENCE.search(text):
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


def _toc_row(original: str, text: str, p: Patterns) -> bool:
    """A 目录 row: dot leaders and a page number, in a short line stating nothing (a
    sentence's "……3个" is no page number)."""
    return (
        len(text) <= MAX_TOC_ROW and not SENTENCE.search(text) and bool(p.toc_row.search(original))
    )


def _without_label(text: str) -> str:
    """A list's title without its 附件N / 表N label ("附件2 佐证材料清单")."""
    return re.sub(r"^(?:附\s*件|附表|表)\s*\d{0,2}\s*[：:]?\s*", "", text).strip()


def _list_row(text: str, p: Patterns) -> bool:
    """A row of an attachment list: numbered, short, naming rather than stating."""
    if not p.listing_row.match(text) or len(text) > MAX_LIST_ROW:
        return False
    unquoted = re.sub("《[^《》]*》", "", text)
    body = unquoted.rstrip("。；;，, ")
    return not (COMMA.search(body) or "。" in body)


def _listing_table(
    unit: TextUnit, units: list[TextUnit], index: int, tables: dict[int, bool], p: Patterns
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
