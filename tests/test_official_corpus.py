"""The official-document corpus (tests/corpus/official, issue 17): 公文 read as documents.

Each entry is the first page(s) of a document (and, where it matters, its last page with
the 落款, 成文日期 and 版记), written in the style of real Shanxi 公文, with what an
auditor reads off it: 发文机关, 发文字号, title, 文种, 成文日期, 主送机关, draft marker and
what it adjusts. Every entry is built as a DOCX (python-docx) and as a text PDF
(reportlab), and the entries marked `scan:` also as an image-only PDF of realistic scans
(tests/scans.py: red header, seal, skew, speckle). Each file is read by the real readers
(`sxcheck.ingest.read_document`, and for scans the real RapidOCR pipeline through
`sxcheck.ingest.ocr.merge.read_scans`), and its units go to `read_official` with the
lexicon's `official` words. Every expected field is asserted; a failure prints a table
of all misses of that format (format, entry, field, expected, got).

How fields are compared (the corpus README says why):
- an expected list means "any of these"; `null` means the field must be None;
- texts are compared without whitespace and after `normalise` (full-width digits, a
  文号's year in [] or （） made 〔〕), so "晋阳审管发[2024]12号" is 晋阳审管发〔2024〕12号;
- a title is compared without the issuer's name in front (a page may or may not repeat
  it) and without a bracketed draft marker (that is the `draft` field's);
- `draft`: the marker as read may keep its brackets ("（征求意见稿）");
- `adjusted`: what is read must contain one of the expected names (a 文号 or a title);
- evidence: issuer, number, date and draft, when read, each name a place in the
  document whose text holds the quote verbatim.

Scans only (OCR reads what is printed, not what was typed): issuer, title and recipients
need a character accuracy of 0.9 (one misread character in a long organ name is OCR's,
a wrong line scores far lower); a 文号 is compared with its brackets removed (OCR reads
〔〕 as 【】, [], （） or drops them), every digit and character else exactly; date_text
needs 0.8 (OCR reads 〇 as O or 0). The ISO date, kind, draft and adjusts stay exact.

`python -m tests.test_official_corpus [docx|pdf|scan …]` prints the tables without pytest.
"""

from __future__ import annotations

import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import docx
import pytest
import yaml
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sxcheck.catalogue.loader import load_rules
from sxcheck.evidence.normalise import normalise
from sxcheck.evidence.official import read_official
from sxcheck.ingest import read_document
from sxcheck.ingest.ocr.engine import char_accuracy
from sxcheck.models import OfficialInfo, TextUnit

from .docbuilders import CELL, FONT
from .scans import (
    A4_INCHES,
    BODY_PT,
    LINE_PITCH_PT,
    MARGIN_MM,
    SERIF,
    _mm,
    _px,
    font,
    image_pdf,
    scan_page,
    wrap,
)

CORPUS = Path(__file__).parent / "corpus" / "official"
FIELDS = (
    "issuer",
    "number",
    "title",
    "kind",
    "date",
    "date_text",
    "recipients",
    "draft",
    "adjusts",
    "adjusted",
)
REQUIRED = ("issuer", "number", "kind", "date", "draft", "adjusts")  # in every official entry
WITH_EVIDENCE = ("issuer", "number", "date", "draft")
MARKS = {"^ ": "header", "# ": "title", "| ": "centre", "> ": "right"}
BRACKETS = str.maketrans("", "", "〔〕[]［］【】〖〗()（）")
DRAFT_PART = re.compile(
    r"[（(][^（）()]*(?:征求意见稿|送审稿|草案|讨论稿|初稿|修改稿|审议稿)[^（）()]*[）)]"
)
OCR_TEXT_ACCURACY = 0.9
OCR_DATE_TEXT_ACCURACY = 0.8
RED = RGBColor(0xD4, 0x18, 0x1E)
SCAN_DPI = 200


# ------------------------------------------------------------------ the corpus


@dataclass(frozen=True)
class Line:
    """One paragraph of a page: its style (from the corpus's mark) and text, or a table."""

    style: str  # header | title | centre | right | body | table
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass
class Entry:
    id: str
    text_kind: str
    pages: list[list[Line]]
    expect: dict[str, Any] | None  # None: not an official document
    scan: dict[str, Any] | None = None
    source: str = ""

    @property
    def text(self) -> str:
        """Everything the pages say, in order (for the corpus's own checks)."""
        return "\n".join(
            line.text if line.style != "table" else " ".join(" ".join(r) for r in line.rows)
            for page in self.pages
            for line in page
        )


def _line(item: str | dict) -> Line:
    if isinstance(item, dict):
        return Line("table", rows=tuple(tuple(str(c) for c in row) for row in item["table"]))
    for mark, style in MARKS.items():
        if item.startswith(mark):
            return Line(style, item[len(mark) :])
    return Line("body", item)


def _value(value: Any) -> Any:
    """YAML scalars as the comparison expects them: strings (dates too), lists, None."""
    if isinstance(value, list):
        return [_value(v) for v in value]
    return None if value is None else str(value)


def load_corpus() -> list[Entry]:
    entries = []
    for path in sorted(CORPUS.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            official = raw.get("official", True)
            expect = {k: _value(v) for k, v in raw.get("expect", {}).items()}
            entries.append(
                Entry(
                    id=raw["id"],
                    text_kind=raw["text_kind"],
                    pages=[[_line(item) for item in page] for page in raw["pages"]],
                    expect=expect if official else None,
                    scan=raw.get("scan"),
                    source=path.name,
                )
            )
    return entries


ENTRIES = load_corpus()


# ------------------------------------------------------------------ building the files


def write_docx(path: Path, pages: list[list[Line]]) -> Path:
    """A DOCX as a 公文 is typed: red header, centred title and 文号, right-aligned 落款."""
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(16)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    align = {"header": "CENTER", "title": "CENTER", "centre": "CENTER", "right": "RIGHT"}
    for number, page in enumerate(pages):
        if number:
            document.add_page_break()
        for line in page:
            if line.style == "table":
                width = max(len(row) for row in line.rows)
                grid = document.add_table(rows=len(line.rows), cols=width)
                grid.style = "Table Grid"
                for r, row in enumerate(line.rows):
                    for c, value in enumerate(row):
                        grid.cell(r, c).text = value
                continue
            paragraph = document.add_paragraph()
            run = paragraph.add_run(line.text)
            if line.style == "header":
                run.bold, run.font.size, run.font.color.rgb = True, Pt(26), RED
            elif line.style == "title":
                run.bold, run.font.size = True, Pt(22)
            if line.style in align:
                paragraph.alignment = getattr(WD_ALIGN_PARAGRAPH, align[line.style])
    document.save(str(path))
    return path


def _style(name: str, size: float, alignment: int, colour: Any = colors.black) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=FONT,
        fontSize=size,
        leading=size * 1.6,
        alignment=alignment,
        textColor=colour,
        wordWrap="CJK",
    )


PDF_STYLES = {
    "header": _style("header", 26, 1, colors.Color(0.83, 0.09, 0.12)),
    "title": _style("title", 20, 1),
    "centre": _style("centre", 15, 1),
    "right": _style("right", 15, 2),
    "body": _style("body", 15, 0),
}


def _fitted(style: ParagraphStyle, text: str, width: float) -> ParagraphStyle:
    """The header style at a size that keeps `text` on one line of `width` points."""
    size = min(style.fontSize, 0.95 * width / max(len(text), 1))
    if size == style.fontSize:
        return style
    return _style(f"{style.name}-{size:.1f}", size, style.alignment, style.textColor)


def _gap(previous: str, style: str) -> float:
    """Space above a paragraph, as a 公文's layout leaves it: wide between the header, the
    文号, the title and the body (GB/T 9704 puts a red rule and blank lines there, and a
    cover spreads its lines over the page), narrow between two lines of one part."""
    parts = {"header", "title", "centre"}
    if previous == "start" or previous == style:
        return 4
    return 22 if previous in parts or style in parts else 4


def write_pdf(path: Path, pages: list[list[Line]]) -> Path:
    """A text PDF laid out by reportlab (STSong-Light), one story page per corpus page."""
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=79, rightMargin=74, topMargin=100)
    story: list = []
    for number, page in enumerate(pages):
        if number:
            story.append(PageBreak())
        previous = "start"
        for line in page:
            if line.style == "table":
                cells = [[Paragraph(escape(c), CELL) for c in row] for row in line.rows]
                grid = Table(cells)
                grid.setStyle(
                    TableStyle(
                        [
                            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                            ("FONTNAME", (0, 0), (-1, -1), FONT),
                        ]
                    )
                )
                story.extend([grid, Spacer(1, 8)])
            else:
                story.append(Spacer(1, _gap(previous, line.style)))
                style = PDF_STYLES[line.style]
                if line.style == "header":  # a 红头 is set to fit one line, as scans.py does
                    style = _fitted(style, line.text, doc.width)
                story.append(Paragraph(escape(line.text), style))
            previous = line.style
    doc.build(story)
    return path


def _scan_geometry() -> tuple[Any, int, int, int, int, int]:
    """What scan_page lays out: body face, text width, first line y (without and with a
    red header), last usable y and the line pitch, in pixels at SCAN_DPI."""
    dpi = SCAN_DPI
    page_w, page_h = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    top = _mm(MARGIN_MM[1], dpi)
    text_w = page_w - _mm(MARGIN_MM[0], dpi) - _mm(MARGIN_MM[2], dpi)
    header_top = top + _px(36, dpi) + _mm(12, dpi) + _mm(10, dpi)  # the tallest header
    bottom = page_h - _mm(MARGIN_MM[3], dpi)
    return font(SERIF, _px(BODY_PT, dpi)), text_w, top, header_top, bottom, _px(LINE_PITCH_PT, dpi)


def scan_pages(pages: list[list[Line]]) -> tuple[str | None, list[list[str]]]:
    """The paragraphs of each scanned page: the corpus's pages, each carried on to a new
    sheet where it outgrows one (scan_page drops what does not fit). The first header
    line is drawn as the red header; a table is not scanned."""
    face, text_w, top, header_top, bottom, pitch = _scan_geometry()
    header = next((line.text for line in pages[0] if line.style == "header"), None)
    sheets: list[list[str]] = []
    for number, page in enumerate(pages):
        y = header_top if number == 0 and header else top
        sheet: list[str] = []
        for line in page:
            if line.style in ("header", "table"):
                continue
            needed = len(wrap(line.text, face, text_w)) * pitch
            if sheet and y + needed > bottom:
                sheets.append(sheet)
                sheet, y = [], top
            sheet.append(line.text)
            y += needed
        sheets.append(sheet)
    return header, sheets


def write_scan(path: Path, entry: Entry, seed: int) -> Path:
    """An image-only PDF of the entry's pages as a scanner returns them (seal on the last)."""
    header, sheets = scan_pages(entry.pages)
    seal = (entry.scan or {}).get("seal")
    images = []
    for number, paragraphs in enumerate(sheets):
        last = number == len(sheets) - 1
        image = scan_page(
            paragraphs,
            dpi=SCAN_DPI,
            red_header=header if number == 0 else None,
            seal=seal if last else None,
            skew=0.6 if seed % 2 else -0.4,
            noise=0.25,
            seed=seed * 10 + number,
        )
        face, text_w, *_ = _scan_geometry()
        wanted = sum(len(wrap(p, face, text_w)) for p in paragraphs)
        assert len(image.info["lines"]) == wanted, f"{entry.id}: page {number + 1} overflows"
        images.append(image)
    return image_pdf(images, path, dpi=SCAN_DPI)


# ------------------------------------------------------------------ reading and comparing


@dataclass
class Miss:
    fmt: str
    entry: str
    field: str
    expected: Any
    got: Any


@dataclass
class Result:
    fmt: str
    entries: int = 0
    right_entries: int = 0
    fields: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def right_fields(self) -> int:
        return self.fields - sum(1 for m in self.misses if m.field in (*FIELDS, "not official"))


def _plain(text: str) -> str:
    """The text as compared: no whitespace, normalised (full-width digits, 文号 brackets)."""
    return normalise("".join(text.split()))[0]


def _title_key(title: str, issuers: list[str]) -> str:
    key = DRAFT_PART.sub("", _plain(title))
    for issuer in sorted({_plain(i) for i in issuers if i}, key=len, reverse=True):
        if key.startswith(issuer) and len(key) > len(issuer):
            return key[len(issuer) :]
    return key


def _options(expected: Any) -> list[str | None]:
    return expected if isinstance(expected, list) else [expected]


def _matches(
    name: str, option: str, got: str, info: OfficialInfo, issuers: list[str], ocr: bool
) -> bool:
    """Does the value read (`got`, not None) match one expected option (not None)?"""
    if name == "number":
        want, have = _plain(option), _plain(got)
        if ocr:
            want, have = want.translate(BRACKETS), have.translate(BRACKETS)
        return want == have
    if name == "title":
        want = _title_key(option, [*issuers, info.issuer or ""])
        have = _title_key(got, [*issuers, info.issuer or ""])
        return char_accuracy(want, have) >= OCR_TEXT_ACCURACY if ocr else want == have
    if name in ("issuer", "recipients"):
        want, have = _plain(option).rstrip("：:"), _plain(got).rstrip("：:")
        return char_accuracy(want, have) >= OCR_TEXT_ACCURACY if ocr else want == have
    if name == "date_text":
        want, have = _plain(option), _plain(got)
        return char_accuracy(want, have) >= OCR_DATE_TEXT_ACCURACY if ocr else want == have
    if name == "draft":
        have = _plain(got)
        return _plain(option) in have and len(have) <= len(option) + 2
    if name == "adjusted":
        want, have = _plain(option), _plain(got)
        if ocr:
            want, have = want.translate(BRACKETS), have.translate(BRACKETS)
        return bool(have) and (want in have or (len(have) >= 6 and have in want))
    return option == got.strip()  # kind, date, adjusts: exact


def _adjusted_ok(expected: list[str], got: str | None, info: OfficialInfo, ocr: bool) -> bool:
    return got is not None and any(_matches("adjusted", o, got, info, [], ocr) for o in expected)


def check_field(
    name: str, expected: Any, info: OfficialInfo, issuers: list[str], ocr: bool
) -> bool:
    """True when what was read for field `name` is one of the expected options."""
    got = getattr(info, name)
    got = got if got not in ("", None) else None
    if name == "adjusted":  # a list of names, any of which the read value contains
        return _adjusted_ok(_options(expected), got, info, ocr)
    for option in _options(expected):
        if option is None and got is None:
            return True
        if (
            option is not None
            and got is not None
            and _matches(name, option, got, info, issuers, ocr)
        ):
            return True
    return False


def evidence_misses(info: OfficialInfo, units: list[TextUnit]) -> list[str]:
    """The fields read without a place in the document that holds their quote verbatim."""
    places = {(u.page, u.location): u.text for u in units}
    missing = []
    for name in WITH_EVIDENCE:
        if getattr(info, name) in (None, ""):
            continue
        ev = info.evidence.get(name)
        if ev is None or not ev.quote or ev.quote not in places.get((ev.page, ev.location), ""):
            missing.append(name)
    return missing


def score(fmt: str, entry: Entry, units: list[TextUnit], result: Result, words: Any) -> None:
    """Read one built document and record every field that is not as expected."""
    ocr = fmt == "scan"
    info = read_official(units, words)
    result.entries += 1
    before = len(result.misses)
    if entry.expect is None:  # not an official document: nothing that makes it one
        result.fields += 1
        if info is not None and (info.number or info.issuer or info.draft):
            got = {k: getattr(info, k) for k in ("issuer", "number", "draft") if getattr(info, k)}
            result.misses.append(Miss(fmt, entry.id, "not official", "None", got))
    else:
        if info is None:  # every field is then compared with an empty reading
            result.misses.append(Miss(fmt, entry.id, "(document)", "official", None))
            info = OfficialInfo()
        issuers = [i for i in _options(entry.expect.get("issuer")) if i]
        for name in FIELDS:
            if name not in entry.expect:
                continue
            result.fields += 1
            if not check_field(name, entry.expect[name], info, issuers, ocr):
                result.misses.append(
                    Miss(fmt, entry.id, name, entry.expect[name], getattr(info, name))
                )
        for name in evidence_misses(info, units):
            ev = info.evidence.get(name)
            shown = None if ev is None else f"{ev.quote!r} at {ev.page}/{ev.location}"
            result.misses.append(Miss(fmt, entry.id, f"evidence.{name}", "its place", shown))
    result.right_entries += len(result.misses) == before


def table(result: Result) -> str:
    """The misses of one format as an aligned table, with the totals above it."""
    head = (
        f"{result.fmt}: {result.right_entries}/{result.entries} entries right, "
        f"{result.right_fields}/{result.fields} fields right"
    )
    if not result.misses:
        return head
    rows = [("format", "entry", "field", "expected", "got")] + [
        (m.fmt, m.entry, m.field, _show(m.expected), _show(m.got)) for m in result.misses
    ]
    widths = [max(_width(r[c]) for r in rows) for c in range(4)]
    lines = [head]
    for row in rows:
        cells = [row[c] + " " * (widths[c] - _width(row[c])) for c in range(4)]
        lines.append("  ".join([*cells, row[4]]))
    return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return " | ".join(_show(v) for v in value)
    return "null" if value is None else str(value)


def _width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def run_text_formats(folder: Path, formats: tuple[str, ...] = ("docx", "pdf")) -> dict[str, Result]:
    """Build every entry in each text format, read it and score it."""
    words = load_rules().lexicon.official
    results = {fmt: Result(fmt) for fmt in formats}
    for number, entry in enumerate(ENTRIES, start=1):
        for fmt in formats:
            rel = f"doc-{number:02d}.{fmt}"  # neutral names: nothing to read off the name
            path = folder / rel
            (write_docx if fmt == "docx" else write_pdf)(path, entry.pages)
            doc = read_document(path, rel)
            assert doc.info.status == "ok", (entry.id, fmt, doc.info.error)
            assert not doc.ocr_pending, (entry.id, fmt, "a text file read as a scan")
            score(fmt, entry, doc.units, results[fmt], words)
    return results


def run_scans(folder: Path) -> Result:
    """Build the scanned subset, OCR all its pages in one pool, read and score each."""
    from sxcheck.ingest.ocr.merge import read_scans

    words = load_rules().lexicon.official
    result = Result("scan")
    built = []
    for number, entry in enumerate(ENTRIES, start=1):
        if entry.scan is None:
            continue
        rel = f"scan-{number:02d}.pdf"
        path = write_scan(folder / rel, entry, seed=number)
        doc = read_document(path, rel)
        assert doc.info.status == "ok" and doc.ocr_pending, (entry.id, doc.info.error)
        built.append((entry, path, doc))
    read_scans([(path, doc) for _, path, doc in built])
    for entry, _, doc in built:
        assert doc.units and all(u.source == "ocr" for u in doc.units), entry.id
        score("scan", entry, doc.units, result, words)
    return result


# ------------------------------------------------------------------ tests


def test_the_corpus_is_what_issue_17_asks():
    """At least 24 first pages over every kind, draft marker, 文号 variant and level, each
    expected value found in the entry's own text (so a typo in the corpus cannot pass)."""
    assert len(ENTRIES) >= 24
    assert len({e.id for e in ENTRIES}) == len(ENTRIES)
    official = [e for e in ENTRIES if e.expect is not None]
    assert len(ENTRIES) - len(official) >= 1  # a document that is not an official one
    kinds: set[str] = set()
    drafts: set[str] = set()
    for entry in official:
        assert set(REQUIRED) <= set(entry.expect), (entry.id, set(REQUIRED) - set(entry.expect))
        assert set(entry.expect) <= set(FIELDS), entry.id
        kinds.update(k for k in _options(entry.expect["kind"]) if k)
        drafts.update(d for d in _options(entry.expect["draft"]) if d)
        text = _plain(entry.text)
        for name in ("issuer", "number", "date_text", "recipients", "draft"):
            options = [_plain(o) for o in _options(entry.expect.get(name)) if o is not None]
            assert not options or any(o in text for o in options), (entry.id, name, options)
        for option in _options(entry.expect.get("title")):
            plain = _plain(option) if option is not None else None
            # as written, or without its draft marker (a title the reader reads it from)
            assert plain is None or plain in text or DRAFT_PART.sub("", plain) in text, entry.id
        for option in _options(entry.expect.get("date")):
            assert option is None or re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", option), entry.id
    assert {"通知", "决定", "办法", "纪要", "方案", "规划", "要点", "意见", "函", "批复"} <= kinds
    assert {"征求意见稿", "送审稿", "草案", "讨论稿"} <= drafts
    everything = "\n".join(e.text for e in ENTRIES)
    for variant in ("〔2023〕58号", "[2024]12号", "（2024）3号", "〔２０２３〕１９号"):
        assert variant in everything, variant  # 文号 brackets and digits as typed
    assert re.search(r"二〇二.年.+月.+日", everything) and re.search(r"二○二.年", everything)
    assert any("县" in (i or "") for e in official for i in _options(e.expect["issuer"]))
    assert any(e.expect.get("adjusts") == "调整" for e in official)
    scans = [e for e in ENTRIES if e.scan is not None]
    assert len(scans) >= 6
    assert any(e.expect and e.expect["draft"] for e in scans)
    assert any(e.expect and e.expect.get("adjusts") == "调整" for e in scans)


def test_every_scanned_page_keeps_its_text():
    """The scan builder drops nothing: every paragraph of a scanned entry is on a sheet,
    in order, and only its first header line is drawn (as the red header)."""
    for entry in ENTRIES:
        if entry.scan is None:
            continue
        header, sheets = scan_pages(entry.pages)
        drawn = [p for sheet in sheets for p in sheet]
        wanted = [
            line.text
            for page in entry.pages
            for line in page
            if line.style == "body" or line.style in ("title", "centre", "right")
        ]
        headers = [line.text for line in entry.pages[0] if line.style == "header"]
        assert drawn == wanted and header == (headers[0] if headers else None), entry.id
        assert len(headers) <= 1, (entry.id, "a scan draws one header line")


@pytest.fixture(scope="module")
def text_results(tmp_path_factory) -> dict[str, Result]:
    return run_text_formats(tmp_path_factory.mktemp("official"))


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_official_fields_of_every_entry(text_results, fmt):
    """Every expected field of every entry, read from its DOCX and its text PDF."""
    result = text_results[fmt]
    if result.misses:
        pytest.fail(table(result), pytrace=False)
    print(table(result))  # the totals, shown with -rP or -s


@pytest.mark.slow
def test_official_fields_of_scanned_entries(tmp_path):
    """The scanned subset (a draft and an adjusting notice among them), read by OCR."""
    result = run_scans(tmp_path)
    if result.misses:
        pytest.fail(table(result), pytrace=False)
    print(table(result))  # the totals, shown with -rP or -s


if __name__ == "__main__":
    wanted = tuple(sys.argv[1:]) or ("docx", "pdf", "scan")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        texts = tuple(f for f in wanted if f != "scan")
        for res in (run_text_formats(folder, texts) if texts else {}).values():
            print(table(res), end="\n\n")
        if "scan" in wanted:
            print(table(run_scans(folder)))
