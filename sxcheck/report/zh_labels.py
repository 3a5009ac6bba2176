"""Chinese words for what the pipeline records in English, for the archive formats (DOCX, XLSX).

Readers write a quote's place as "paragraph 3", "table 2 row 5" or "sheet 统计表 row 14
(统计表!A14:D14)", and a fact names compared cells as "column 覆盖数 (2024年)"; the JSON
keeps them so (they are the contract). An archive copy is read by people who expect
第3段, 表2第5行, 工作表“统计表”第14行: this module says them so, and says a document's
status, a file's type and a measure's kind in Chinese. A place it cannot parse is shown
as written, never dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sxcheck.models import DocumentInfo, Evidence, Judgment

DOC_STATUS_ZH = {"ok": "已读取", "error": "无法读取", "skipped": "未读取"}
FILE_KIND_ZH = {
    "pdf": "PDF",
    "docx": "Word",
    "doc": "Word（旧版）",
    "wps": "WPS文字",
    "xlsx": "Excel",
    "xls": "Excel（旧版）",
    "et": "WPS表格",
    "ofd": "OFD",
    "txt": "文本",
    "md": "文本（Markdown）",
    "image": "图片",
    "unknown": "未知",
}
MEASURE_KIND_ZH = {
    "ratio": "比率",
    "value": "数值",
    "qualitative": "定性",
    "count": "计数",
    "rank": "排名",
}
SOURCE_ZH = {"declared": "申报数据", "evidence": "材料载明", "none": "未找到"}

_PARAGRAPH = re.compile(r"^paragraph (\d+)$")
_TABLE_ROW = re.compile(r"^table (\d+) row (\d+)$")
_TABLE = re.compile(r"^table (\d+)$")
_SHEET_ROW = re.compile(r"^sheet (.+) row (\d+)((?: \(.*\))?)$")
_SHEET = re.compile(r"^sheet (.+)$")
_COLUMN = re.compile(r"^column (.+)$")
_HIDDEN = (
    (re.compile(r"hidden sheet"), "隐藏工作表"),
    (re.compile(r"hidden row"), "隐藏行"),
    (re.compile(r"hidden column ([A-Z]+)"), r"隐藏列\1"),
)


def _notes(rest: str) -> str:
    """ " (hidden row, hidden column C) (统计表!A14:D14)" -> "（隐藏行、隐藏列C）（统计表!A14:D14）"."""
    out = ""
    for group in re.findall(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)", rest):
        words = group
        for pattern, zh in _HIDDEN:
            words = pattern.sub(zh, words)
        out += "（" + words.replace(", ", "、") + "）"
    return out


def location_zh(location: str) -> str:
    """A reader's place in Chinese: 第3段, 表2第5行, 工作表“统计表”第14行（统计表!A14:D14）."""
    if match := _PARAGRAPH.match(location):
        return f"第{match[1]}段"
    if match := _TABLE_ROW.match(location):
        return f"表{match[1]}第{match[2]}行"
    if match := _TABLE.match(location):
        return f"表{match[1]}"
    if match := _SHEET_ROW.match(location):
        return f"工作表“{match[1]}”第{match[2]}行{_notes(match[3])}"
    if match := _SHEET.match(location):
        return f"工作表“{match[1]}”"
    return location


def cell_zh(cell: str) -> str:
    """Compared cells in Chinese: "column 分子, column 3" -> "列“分子”、第3列" (addresses as
    written: 统计表!B14 is what Excel's name box takes)."""
    parts = []
    for part in cell.split(", "):
        if match := _COLUMN.match(part):
            name = match[1]
            parts.append(f"第{name}列" if name.isdigit() else f"列“{name}”")
        else:
            parts.append(part)
    return "、".join(parts)


def place_zh(ev: Evidence) -> str:
    """Page, place and compared cells of a quote: "第3页 表2第5行（列“分子”、列“分母”）"."""
    where = location_zh(ev.location)
    if ev.cell:
        where += f"（{cell_zh(ev.cell)}）"
    return f"第{ev.page}页 {where}" if ev.page else where


def doc_status_zh(doc: DocumentInfo) -> str:
    return DOC_STATUS_ZH.get(doc.status, doc.status)


def file_kind_zh(doc: DocumentInfo) -> str:
    kind = FILE_KIND_ZH.get(doc.kind, doc.kind)
    if doc.converted_from and doc.converted_from != doc.kind:
        kind = FILE_KIND_ZH.get(doc.converted_from, doc.converted_from)
    return kind


def item_kind_zh(judgment: Judgment) -> str:
    """An item's kind from its measures: "比率", "数值＋定性" (the catalogue's own
    description mixes English notes)."""
    kinds = [MEASURE_KIND_ZH.get(m.get("kind", ""), m.get("kind", "")) for m in _measures(judgment)]
    return "＋".join(dict.fromkeys(k for k in kinds if k)) or judgment.kind


def _measures(judgment: Judgment) -> list[dict[str, Any]]:
    return [m for m in judgment.measures.values() if isinstance(m, dict)]


# Readers' notes and errors most often seen, in Chinese; any other is shown as written.
_NOTES_ZH = (
    (
        re.compile(r"^converted from \.(\w+) to (\w+) by LibreOffice$"),
        r"已由LibreOffice从.\1转换为\2读取",
    ),
    (re.compile(r"^unreadable (\w+): (.*)$"), r"\1文件无法读取：\2"),
    (
        re.compile(r"^no usable text layer on page\(s\) (.+): scanned or garbled, needs OCR$"),
        r"第\1页无可用文字层（扫描件或乱码），需要OCR",
    ),
    (re.compile(r"^OCR found no text on page\(s\) (.+)$"), r"第\1页OCR未识别出文字"),
    (
        re.compile(r"^page\(s\) (.+) not read by OCR: (.+); needs OCR$"),
        r"第\1页未经OCR读取（\2），需要OCR",
    ),
    (re.compile(r"^tables not read \((\w+)\); text kept$"), r"表格未能读取（\1），已保留文字"),
)


def note_zh(note: str) -> str:
    for pattern, zh in _NOTES_ZH:
        if pattern.match(note):
            return pattern.sub(zh, note)
    return note


def doc_notes_zh(doc: DocumentInfo) -> str:
    """The documents table's 说明 cell: the error, else the notes, in Chinese where known."""
    return note_zh(doc.error) if doc.error else "；".join(note_zh(n) for n in doc.notes)


def when_zh(stamp: str) -> str:
    """A run's ISO time as an archive writes it: "2026年12月2日 12:58:21（UTC）" (as
    given when it is not ISO)."""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    zone = ""
    if when.tzinfo is not None:
        offset = when.utcoffset() or dt.timedelta(0)
        hours, rest = divmod(int(offset.total_seconds()), 3600)
        zone = "（UTC）" if not offset else f"（UTC{hours:+03d}:{rest // 60:02d}）"
    return f"{when.year}年{when.month}月{when.day}日 {when:%H:%M:%S}{zone}"
