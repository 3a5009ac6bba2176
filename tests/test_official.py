"""Official documents as documents (evidence.official) against the lexicon's own cases.

The cases (rules/lexicon.cases.yaml `official`) are first pages written in the style
of real notices, 纪要, plans, drafts and adjusting notices, built here as text units
(a line "| a | b" is a table row); the same reader then reads real DOCX and PDF files
built with tests/docbuilders.py and parsed by the real ingest.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest
import yaml

from sxcheck.catalogue.regex_safety import probe_patterns
from sxcheck.catalogue.schema import OfficialWords
from sxcheck.evidence.official import listing_rows, read_official
from sxcheck.ingest import parse_document
from sxcheck.models import OcrLine, TableCell, TextUnit

from .conftest import ROOT
from .docbuilders import page_break, para, table, title, write_docx, write_pdf

CASES = yaml.safe_load((ROOT / "rules" / "lexicon.cases.yaml").read_text(encoding="utf-8"))[
    "official"
]
ALWAYS = ("issuer", "number", "kind", "date", "draft")  # compared even when not given


def build_units(lines: list[str], document: str = "case.docx") -> list[TextUnit]:
    """Text units as a reader gives them: paragraphs, and runs of "| a | b" lines as
    tables whose first row is the header (the rows below carry cells with headers,
    and the caption and header as context)."""
    units: list[TextUnit] = []
    header: list[str] = []
    caption = ""
    tables = 0
    for number, line in enumerate(lines, start=1):
        if not line.startswith("| "):
            header = []
            caption = line
            units.append(_unit(document, f"paragraph {number}", line))
            continue
        cells = [cell.strip() for cell in line[2:].split(" | ")]
        text = " | ".join(cells)
        if not header:
            tables += 1
            header = cells
            units.append(_unit(document, f"table {tables} row 1", text, "table_row", tables))
            units[-1].context = caption
            continue
        row = _unit(document, f"table {tables} row {number}", text, "table_row", tables)
        row.cells = [
            TableCell(text=c, header=h, column=i)
            for i, (c, h) in enumerate(zip(cells, header, strict=True))
        ]
        row.context = f"{caption} {' | '.join(header)}".strip()
        row.row_label = cells[0]
        units.append(row)
    return units


def _unit(document: str, location: str, text: str, kind: str = "paragraph", table=None):
    return TextUnit(
        document=document, sha256="0" * 64, location=location, text=text, kind=kind, table=table
    )


@pytest.fixture(scope="module")
def words(rules) -> OfficialWords:
    return rules.lexicon.official


def _fields(info) -> dict:
    return info.model_dump(exclude={"evidence"}) if info is not None else None


def _check_evidence(info, units: list[TextUnit]) -> None:
    """Every field read has evidence, and each quote is its unit's own text."""
    by_location = {(u.page, u.location): u for u in units}
    for field, value in _fields(info).items():
        if value is not None:
            assert field in info.evidence, f"no evidence for {field}"
    for field, evidence in info.evidence.items():
        unit = by_location[(evidence.page, evidence.location)]
        assert evidence.quote and evidence.quote in unit.text, (field, evidence.quote)
        assert (evidence.document, evidence.sha256, evidence.page) == (
            unit.document,
            unit.sha256,
            unit.page,
        )


@pytest.mark.parametrize("case", CASES["documents"], ids=lambda c: c["name"])
def test_document_cases(words, case):
    units = build_units(case["lines"])
    info = read_official(units, words)
    expect = case["expect"]
    if expect is None:
        assert info is None, _fields(info)
        return
    assert info is not None, case["name"]
    got = _fields(info)
    for field in {*ALWAYS, *expect}:
        assert got[field] == expect.get(field), (field, got)
    _check_evidence(info, units)


@pytest.mark.parametrize("case", CASES["titles"], ids=lambda c: c["title"])
def test_title_cases(words, case):
    info = read_official(build_units([case["title"], "各有关单位："]), words)
    assert info is not None
    assert (info.kind, info.draft, info.adjusts) == (
        case["kind"],
        case.get("draft"),
        case.get("adjusts"),
    ), _fields(info)
    assert info.title == case["title"]
    if "adjusted" in case:
        assert info.adjusted == case["adjusted"]
    assert info.recipients == "各有关单位"


@pytest.mark.parametrize("case", CASES["numbers"], ids=lambda c: c["line"])
def test_number_cases(words, case):
    units = build_units([case["line"], "晋阳市人民政府关于加强政务数据管理的通知"])
    info = read_official(units, words)
    assert info is not None and info.number == case["number"], _fields(info)
    assert info.evidence["number"].quote in case["line"]
    assert info.kind == "通知"  # the title is read beside its number line


@pytest.mark.parametrize("case", CASES["listing"], ids=lambda c: c["name"])
def test_listing_cases(words, case):
    units = build_units(case["lines"])
    assert sorted(listing_rows(units, words)) == case["rows"]


def test_every_kind_draft_and_adjust_word_has_a_case(words):
    """A word of the lexicon nothing tests could be wrong unnoticed."""
    kinds = {c["kind"] for c in CASES["titles"]} | {
        c["expect"]["kind"] for c in CASES["documents"] if c["expect"]
    }
    assert set(words.kinds) <= kinds, set(words.kinds) - kinds
    drafts = [c.get("draft") for c in CASES["titles"]] + [
        c["expect"].get("draft") for c in CASES["documents"] if c["expect"]
    ]
    for marker in words.drafts:
        assert any(d and re.fullmatch(marker, d) for d in drafts), marker
    titles = [c["title"] for c in CASES["titles"] if c.get("adjusts")]
    titles += [
        "".join(c["lines"]) for c in CASES["documents"] if (c["expect"] or {}).get("adjusts")
    ]
    for pattern in words.adjusts:
        assert any(re.search(pattern, t) for t in titles), pattern
    lines = [c["line"] for c in CASES["numbers"]]
    for pattern in words.numbers:
        assert any(re.search(pattern, n["number"]) for n in CASES["numbers"]), pattern
    assert lines


def test_an_unsealed_empty_or_foreign_document_reads_as_none(words):
    assert read_official([], words) is None
    assert read_official(build_units(["", "   "]), words) is None
    # a body sentence naming a notice and its 文号 is not the document's own head
    units = build_units(
        ["根据《关于成立领导小组的通知》（晋阳政办发〔2023〕58号），全市成立领导小组。"]
    )
    assert read_official(units, words) is None


def test_only_the_first_and_last_units_are_read(words):
    """The head is the first units; a notice's 文号 far into a document (an attachment
    compiled behind a report) is not the document's; its signature at the end is."""
    body = [f"第{i}项工作已按计划完成，全市累计建成基站{i}个。" for i in range(1, 120)]
    lines = ["晋阳市2024年新型智慧城市建设工作报告", *body, "晋阳市大数据应用局", "2025年1月6日"]
    info = read_official(build_units(lines), words)
    assert info is not None
    assert (info.kind, info.date, info.issuer) == ("报告", "2025-01-06", "晋阳市大数据应用局")
    assert info.evidence["date"].location == f"paragraph {len(lines)}"
    compiled = [*body[:70], "晋阳政办发〔2023〕58号", "关于成立领导小组的通知", *body[70:]]
    assert read_official(build_units(compiled), words) is None


def test_ocr_provenance_reaches_the_evidence(words):
    """A scanned notice: the 文号's evidence carries the OCR line's confidence and box."""
    units = build_units(
        ["晋阳市人民政府办公室文件", "晋阳政办发〔2023〕58号", "关于成立领导小组的通知"]
    )
    box = (0.3, 0.2, 0.7, 0.23)
    units[1].source = "ocr"
    units[1].lines = [OcrLine(text=units[1].text, box=box, confidence=0.91)]
    info = read_official(units, words)
    assert info is not None and info.number == "晋阳政办发〔2023〕58号"
    evidence = info.evidence["number"]
    assert (evidence.source, evidence.confidence, evidence.box) == ("ocr", 0.91, box)
    assert info.evidence["issuer"].source == "text"


NOTICE = [
    title("晋阳市人民政府办公室文件"),
    para("晋阳政办发〔２０２３〕５８号"),
    title("晋阳市人民政府办公室关于成立晋阳市新型智慧城市建设领导小组及其办公室的通知"),
    para("各县（市、区）人民政府，市人民政府各委、办、局，各有关单位："),
    para(
        "为加强对全市新型智慧城市建设工作的组织领导，经市人民政府同意，决定成立晋阳市"
        "新型智慧城市建设领导小组。现将有关事项通知如下。"
    ),
    para("附件：1.晋阳市新型智慧城市建设领导小组成员名单"),
    para("2.领导小组办公室工作规则"),
    para("晋阳市人民政府办公室"),
    para("二〇二三年五月十二日"),
    para("（此件公开发布）"),
    page_break(),
    para("附件1"),
    title("晋阳市新型智慧城市建设领导小组成员名单"),
    para("佐证材料清单"),
    table([["序号", "材料名称", "页码"], ["1", "《关于成立领导小组的通知》", "3"]]),
    para("抄送：市委办公室，市人大常委会办公室，市政协办公室。"),
    para("晋阳市人民政府办公室　　　　　　2023年5月14日印发"),
]


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_real_notice_read_from_its_file(tmp_path: Path, words, kind):
    path = (write_pdf if kind == "pdf" else write_docx)(tmp_path / f"notice.{kind}", NOTICE)
    data = path.read_bytes()
    document = parse_document(data, path.name, hashlib.sha256(data).hexdigest())
    info = read_official(document.units, words)
    assert info is not None
    assert _fields(info) | {"recipients": None} == {
        "issuer": "晋阳市人民政府办公室",
        "number": "晋阳政办发〔2023〕58号",
        "title": "晋阳市人民政府办公室关于成立晋阳市新型智慧城市建设领导小组及其办公室的通知",
        "kind": "通知",
        "date": "2023-05-12",
        "date_text": "二〇二三年五月十二日",
        "recipients": None,
        "draft": None,
        "adjusts": None,
        "adjusted": None,
    }
    assert info.recipients == "各县（市、区）人民政府，市人民政府各委、办、局，各有关单位"
    _check_evidence(info, document.units)
    assert info.evidence["number"].quote == "晋阳政办发〔２０２３〕５８号"  # the document's own
    if kind == "pdf":
        assert info.evidence["date"].page == 1
    rows = listing_rows(document.units, words)
    listed = {document.units[i].text for i in rows}
    assert {"附件：1.晋阳市新型智慧城市建设领导小组成员名单", "2.领导小组办公室工作规则"} <= listed
    assert "1 | 《关于成立领导小组的通知》 | 3" in listed
    assert not any("为加强" in text or text == "晋阳市人民政府办公室" for text in listed)


def test_a_real_draft_plan_read_from_its_file(tmp_path: Path, words):
    blocks = [
        title("晋阳市“十四五”新型智慧城市发展规划"),
        para("（征求意见稿）"),
        para("晋阳市人民政府"),
        para("2021年12月"),
        page_break(),
        para("目　录"),
        para("第一章　发展基础……………………………1"),
        para("第二章　总体要求……………………………6"),
        page_break(),
        para("“十三五”以来，全市新型智慧城市建设取得积极进展，数字基础设施不断完善。"),
    ]
    path = write_docx(tmp_path / "plan.docx", blocks)
    data = path.read_bytes()
    document = parse_document(data, path.name, hashlib.sha256(data).hexdigest())
    info = read_official(document.units, words)
    assert info is not None
    assert (info.title, info.kind, info.draft, info.date, info.issuer) == (
        "晋阳市“十四五”新型智慧城市发展规划",
        "规划",
        "征求意见稿",
        "2021-12",
        "晋阳市人民政府",
    )
    assert info.number is None
    rows = listing_rows(document.units, words)
    assert [document.units[i].text for i in sorted(rows)][:1] == ["目\u3000录"]
    assert len(rows) == 3


JOINED = {
    "cover": (
        [
            title("汾东市“十四五”数字政府建设规划"),
            para("汾东市人民政府办公室"),
            para("二〇二一年十一月"),
            page_break(),
            para("“十三五”时期，全市数字政府建设取得积极进展，政务云平台建成投用。"),
        ],
        "汾东市“十四五”数字政府建设规划汾东市人民政府办公室",
        {"title": "汾东市“十四五”数字政府建设规划", "kind": "规划", "date": "2021-11"},
    ),
    "minutes": (
        [
            title("汾川县数字政府建设领导小组会议纪要"),
            para("〔2024〕第2期"),
            para("汾川县数字政府建设领导小组办公室"),
            para("会议时间：2024年6月20日"),
            para("会议地点：县政府三楼会议室"),
            para("会议听取了各成员单位上半年工作进展情况汇报，研究部署下一阶段重点工作。"),
        ],
        "汾川县数字政府建设领导小组办公室会议时间：2024年6月20日",
        {"number": "〔2024〕第2期", "kind": "纪要", "date": "2024-06-20", "recipients": None},
    ),
}


@pytest.mark.parametrize("name", sorted(JOINED))
def test_head_lines_a_pdf_joins_are_read_apart(tmp_path: Path, words, name):
    """On a sparse first page the PDF reader's paragraphs (grouped by line length) run
    head lines into one unit: a cover's title and its organ, a 纪要's issuer and its
    labelled lines. Each is read apart, quoted from the joined unit's own text."""
    blocks, joined, expected = JOINED[name]
    path = write_pdf(tmp_path / f"{name}.pdf", blocks)
    data = path.read_bytes()
    document = parse_document(data, path.name, hashlib.sha256(data).hexdigest())
    unit = next(u for u in document.units if u.text.startswith(joined))  # the join happened
    info = read_official(document.units, words)
    assert info is not None
    assert {field: getattr(info, field) for field in expected} == expected
    issuer = blocks[1 if name == "cover" else 2].text
    assert info.issuer == issuer
    assert (info.evidence["issuer"].quote, info.evidence["issuer"].location) == (
        issuer,
        unit.location,
    )
    _check_evidence(info, document.units)


def test_reading_is_fast_on_a_long_document(words):
    """Reading looks at 75 units whatever the length; listing rows look at every unit
    once (a 汇编 holds many notices with their attachment lists)."""
    body = [f"第{i}项任务：全市累计建成5G基站{i}个，覆盖率达到{i % 100}%。" for i in range(20_000)]
    units = build_units(["晋阳市新型智慧城市建设工作报告", *body])
    started = time.perf_counter()
    assert read_official(units, words) is not None
    assert time.perf_counter() - started < 0.5
    started = time.perf_counter()
    assert listing_rows(units, words) == set()
    assert time.perf_counter() - started < 5.0


def test_a_very_long_line_is_cheap(words):
    """Lines from outside may be one 100,000-character paragraph (or a run of dots)."""
    for text in ("." * 100_000, " " * 50_000 + "1", "附件：" + "、" * 100_000, "晋" * 100_000):
        units = build_units([text, text])
        started = time.perf_counter()
        read_official(units, words)
        listing_rows(units, words)
        assert time.perf_counter() - started < 1.0, text[:10]


def test_the_patterns_are_bounded(words):
    """Every `official` pattern through the ReDoS probe of the rule files."""
    patterns: list[str] = []
    for name, field in words:
        entries = list(field.values()) if isinstance(field, dict) else [field]
        for entry in entries:
            patterns += entry if isinstance(entry, list) else [entry]
        if name == "doc":
            patterns.pop()
    assert len(patterns) > 60
    verdicts = probe_patterns(patterns)
    unsafe = [p for p, v in zip(patterns, verdicts, strict=True) if not v.safe]
    assert not unsafe, unsafe


def test_a_bad_pattern_is_a_rules_error():
    with pytest.raises(ValueError, match="invalid regular expression"):
        OfficialWords(drafts=["征求(意见稿"])
    with pytest.raises(ValueError, match="group 1"):
        OfficialWords(adjusts=["(?<=关于)调整"])
