"""The PDF table check reads page objects through PDFium's C API (issue 18).

`sxcheck.ingest.pdf._may_have_table` used to walk `page.get_objects()`, one
Python wrapper per object; it now reads types and bounds through
`sxcheck.ingest.pdf_objects`. The old check is kept here, word for word, as
the reference: on every page of every sample PDF and of real PDFs laid out
by reportlab (grids, three-line tables, prose, page rules, form XObjects
nested past the depth the check reads), both give the same answer, and the
object walk yields exactly what `get_objects()` + `get_bounds()` yield.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate

from sxcheck.ingest import read_document
from sxcheck.ingest.pdf import COLUMN_GAP, MIN_CELL_BOXES, _may_have_table
from sxcheck.ingest.pdf_objects import PATH, TEXT, bounds_of, object_bounds
from sxcheck.ingest.pdf_tables import LONG_RULE, MIN_COLUMNS, TableKind

from .docbuilders import BODY as BODY_STYLE
from .docbuilders import FONT, page_break, para, table, title, write_pdf

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PDFS = sorted((ROOT / "evidence_samples").rglob("*.[pP][dD][fF]"))
HEADER = ["区域", "学校总数", "覆盖学校数", "覆盖率"]
ROWS = [[f"第{i}学区", str(10 + i), str(9 + i), "90%"] for i in range(1, 30)]
PROSE = (
    "全市持续推进教育信息化建设，2024年各学区按照统一规划完成校园网络改造，覆盖率达到96.5%。" * 6
)


def _old_may_have_table(page: pdfium.PdfPage) -> TableKind | None:
    """The check as it was before issue 18, through pypdfium2's object wrappers."""
    horizontal = vertical = boxes = 0
    width = page.get_width()
    long_rules: list[float] = []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if h < 2 and w > 15:
            horizontal += 1
        elif w < 2 and h > 8:
            vertical += 1
        elif w > 15 and h > 8:
            boxes += 1
        if (horizontal >= 2 and vertical >= 2) or boxes >= MIN_CELL_BOXES:
            return "ruled"
        if h < 4 and w >= LONG_RULE * width:
            long_rules.append((top + bottom) / 2)
    if vertical or len(long_rules) < 2:
        return None
    return "three_line" if _old_runs_in_columns(page, min(long_rules), max(long_rules)) else None


def _old_runs_in_columns(page: pdfium.PdfPage, low: float, high: float) -> bool:
    lines: dict[int, list[tuple[float, float]]] = {}
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        if low < (top + bottom) / 2 < high:
            lines.setdefault(round(bottom / 3), []).append((left, right))
    tabular = 0
    for runs in lines.values():
        runs.sort()
        apart = 1 + sum(1 for a, b in zip(runs, runs[1:], strict=False) if b[0] - a[1] > COLUMN_GAP)
        tabular += apart >= MIN_COLUMNS
    return tabular >= 2


def _with_page_rules(path: Path) -> Path:
    """Prose between a header rule and a footer rule on every page, as Word exports it."""

    def furniture(cv: canvas.Canvas, _doc: object) -> None:
        width, height = A4
        cv.setFont(FONT, 9)
        cv.drawString(72, height - 50, "晋阳市新型智慧城市建设自评估报告")
        cv.line(72, height - 56, width - 72, height - 56)
        cv.line(72, 60, width - 72, 60)

    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=72, rightMargin=72)
    story = [Paragraph(PROSE, BODY_STYLE) for _ in range(14)]
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return path


def _grid(cv: canvas.Canvas, x0: float, y0: float, line_width: float) -> None:
    """A 3x3 grid with a word in each cell, drawn line by line."""
    cv.setLineWidth(line_width)
    for i in range(4):
        cv.line(x0, y0 + 20 * i, x0 + 300, y0 + 20 * i)
        cv.line(x0 + 100 * i, y0, x0 + 100 * i, y0 + 60)
    cv.setFont(FONT, 10)
    for i in range(3):
        for j in range(3):
            cv.drawString(x0 + 100 * j + 5, y0 + 20 * i + 5, f"格{i}{j}")


def _with_forms(path: Path) -> Path:
    """Tables inside form XObjects: one level deep (read), two levels deep (not read)."""
    cv = canvas.Canvas(str(path), pagesize=A4)
    cv.beginForm("thin")
    _grid(cv, 72, 500, 0.5)
    cv.endForm()
    cv.beginForm("thick")  # 1 pt rules: 2 pt tall bounds, no rule by the check's measure
    _grid(cv, 72, 300, 1)
    cv.endForm()
    cv.beginForm("outer")
    cv.setFont(FONT, 12)
    cv.drawString(72, 700, "外层表单中的文字")
    cv.doForm("thin")
    cv.endForm()
    for forms in (["outer"], ["thin"], ["thick"], ["thin", "thick", "outer"]):
        for name in forms:
            cv.doForm(name)
        cv.showPage()
    cv.save()
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real PDFs with known pages: ruled, three-line, prose, page rules, forms."""
    out = tmp_path_factory.mktemp("table-check")
    return {
        "grid": write_pdf(
            out / "grid.pdf",
            [title("表1 覆盖情况"), table([HEADER, *ROWS]), page_break(), para(PROSE)],
        ),
        "three_line": write_pdf(
            out / "three_line.pdf",
            [
                para("表2 覆盖情况"),
                table([HEADER, *ROWS[:8]], style="three_line"),
                page_break(),
                para(PROSE),
            ],
        ),
        "prose": write_pdf(
            out / "prose.pdf", [title("总体情况"), *[para(PROSE) for _ in range(12)]]
        ),
        "mixed": write_pdf(
            out / "mixed.pdf",
            [
                block
                for i in range(6)
                for block in (
                    para(PROSE),
                    table([HEADER, *ROWS[:6]], style="three_line" if i % 2 else "grid"),
                    para(PROSE),
                    page_break(),
                )
            ],
        ),
        "page_rules": _with_page_rules(out / "page_rules.pdf"),
        "forms": _with_forms(out / "forms.pdf"),
    }


def _pages(path: Path) -> Iterator[tuple[int, pdfium.PdfPage]]:
    doc = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(doc)):
            page = doc[index]
            try:
                yield index, page
            finally:
                page.close()
    finally:
        doc.close()


def _kinds(path: Path) -> list[TableKind | None]:
    return [_may_have_table(page) for _, page in _pages(path)]


def _same_as_before(path: Path) -> None:
    """Every page: the same verdict as the old check, the same objects as get_objects()."""
    for index, page in _pages(path):
        assert _may_have_table(page) == _old_may_have_table(page), f"{path.name} page {index + 1}"
        for kind in (PATH, TEXT, pdfium_c.FPDF_PAGEOBJ_IMAGE):
            for depth in (1, 2, 3):
                wrapped = [
                    o.get_bounds() for o in page.get_objects(filter=(kind,), max_depth=depth)
                ]
                assert list(object_bounds(page, kind, max_depth=depth)) == wrapped
            texts: list[int] = []
            paths = list(object_bounds(page, PATH, max_depth=depth, keep=TEXT, kept=texts))
            assert paths == [o.get_bounds() for o in page.get_objects((PATH,), max_depth=depth)]
            wrapped = [o.get_bounds() for o in page.get_objects((TEXT,), max_depth=depth)]
            assert list(bounds_of(texts)) == wrapped


def _opens(path: Path) -> bool:
    try:
        pdfium.PdfDocument(str(path)).close()
    except pdfium.PdfiumError:
        return False
    return True


def test_every_sample_pdf_is_judged_as_before():
    readable = [p for p in SAMPLE_PDFS if _opens(p)]
    assert len(readable) >= 3, SAMPLE_PDFS
    for path in readable:
        _same_as_before(path)


@pytest.mark.parametrize("name", ["grid", "three_line", "prose", "mixed", "page_rules", "forms"])
def test_every_built_pdf_is_judged_as_before(built: dict[str, Path], name: str):
    _same_as_before(built[name])


def test_table_pages_are_flagged_and_prose_is_not(built: dict[str, Path]):
    assert _kinds(built["grid"]) == ["ruled", None]
    assert _kinds(built["three_line"]) == ["three_line", None]
    assert set(_kinds(built["prose"])) == {None}
    assert set(_kinds(built["page_rules"])) == {None}  # header and footer rules around prose
    mixed = _kinds(built["mixed"])
    assert mixed == ["ruled", "three_line"] * 3, mixed


def test_the_sample_report_flags_its_two_table_pages():
    path = ROOT / "evidence_samples/晋阳市-2024/佐证材料/01-晋阳市新型智慧城市建设自评估报告.pdf"
    assert _kinds(path) == [None, None, "ruled", "ruled"]


def test_form_xobjects_are_read_one_level_deep(built: dict[str, Path]):
    """As get_objects(max_depth=2): a form's own objects count, a form in a form does not."""
    assert _kinds(built["forms"]) == [None, "ruled", "three_line", "ruled"]


def test_the_tables_found_are_still_read(built: dict[str, Path]):
    """The flagged pages still reach pdfplumber: the grid's rows come out as table rows."""
    read = read_document(built["grid"], "grid.pdf")
    labels = [u.row_label for u in read.units if u.kind == "table_row" and u.cells]
    assert labels == [r[0] for r in ROWS]


def test_what_object_bounds_refuses(built: dict[str, Path]):
    """Forms are descended, not read; kept handles need a list to go to."""
    for _, page in _pages(built["grid"]):
        for kind, keep in ((pdfium_c.FPDF_PAGEOBJ_FORM, None), (PATH, PATH), (PATH, TEXT)):
            with pytest.raises(ValueError):
                next(object_bounds(page, kind, keep=keep))
        break
