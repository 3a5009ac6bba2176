"""The XLSX as Excel users read and print it, read back from real runs of two samples.

汇总 first (region, level, year, total, first- and second-level scores, items
counted by status), measures as numeric columns (分子, 分母, 比率) instead of JSON,
each location beside its quote, widths on every sheet, formatted scores, and print
setup (A4 landscape, one page wide, header row repeated). LibreOffice prints it as
a reader's machine would: every page landscape A4 and numbered.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
import pytest

from sxcheck.report.view import LEVEL_ZH, STATUS_ZH
from sxcheck.report.zh_labels import DOC_STATUS_ZH, location_zh

from .conftest import sample_reports

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SAMPLES = ("晋阳市-2024", "清源县-2024")
SHEETS = ["汇总", "评价结果", "测度", "佐证", "运行信息", "材料清单"]


@pytest.fixture(scope="module", params=SAMPLES)
def made(request, tmp_path_factory) -> dict:
    data, paths = sample_reports(request.param, tmp_path_factory.mktemp("xlsx"), "xlsx")
    return {
        "data": data,
        "path": paths["xlsx"],
        "book": openpyxl.load_workbook(paths["xlsx"]),
    }


def _pairs(sheet) -> dict:
    pairs = {}
    for label, value, *_ in sheet.iter_rows(values_only=True):
        if label == "编号":
            break
        pairs[label] = value
    return pairs


def test_summary_sheet_comes_first_with_totals_scores_and_counts(made):
    book, data = made["book"], made["data"]
    assert book.sheetnames == SHEETS
    summary = book["汇总"]
    pairs = _pairs(summary)
    sub, scores, counts = data["submission"], data["summary"]["scores"], data["summary"]["counts"]
    assert pairs["地区"] == sub["region"] and pairs["级别"] == LEVEL_ZH[sub["level"]]
    assert pairs["评价年度"] == sub["year"]
    assert pairs["总分"] == round(scores["total"] * 100, 1)
    total = next(row[1] for row in summary.iter_rows() if row[0].value == "总分")
    assert total.number_format == "0.0" and total.font.bold
    for status, label in STATUS_ZH.items():
        assert pairs[label] == counts[status]
    assert pairs["运行编号"] == data["run"]["id"]
    start = next(c.row for c in summary["A"] if c.value == "编号")
    header = [c.value for c in summary[start]]
    assert header == ["编号", "指标", "层级", "得分", *STATUS_ZH.values(), "指标项数"]
    groups = {row[0]: row for row in summary.iter_rows(min_row=start + 1, values_only=True)}
    firsts = {j["first"] for j in data["indicators"]}
    seconds = {j["second"] for j in data["indicators"]}
    assert set(groups) == firsts | seconds
    for gid, row in groups.items():
        assert row[2] == ("一级" if gid in firsts else "二级")
        assert row[3] == round(scores[gid] * 100, 1)
        items = [j for j in data["indicators"] if gid in (j["first"], j["second"])]
        assert row[8] == len(items) == sum(row[4:8])
        assert list(row[4:8]) == [sum(j["status"] == s for j in items) for s in STATUS_ZH]
    for row in summary.iter_rows(min_row=start + 1, max_col=4):
        assert row[3].number_format == "0.0"


def test_measures_are_numeric_columns_not_json(made):
    book, data = made["book"], made["data"]
    for sheet in book:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v.startswith("{") for v in row), sheet.title
    sheet = book["测度"]
    header = [c.value for c in sheet[1]]
    assert header[7:11] == ["分子", "分母", "比率", "数值"]
    rows = list(sheet.iter_rows(min_row=2))
    measures = [m for j in data["indicators"] for m in j["measures"].values()]
    assert len(rows) == len(measures)
    ratios = 0
    for row, measure in zip(rows, measures, strict=True):
        assert row[2].value == measure["name"]
        assert row[5].number_format == "0.0" and row[9].number_format == "0.0%"  # 0-100
        if isinstance(measure.get("score"), float):
            assert row[5].value == round(measure["score"] * 100, 1)
        if measure["kind"] == "ratio" and measure.get("has_value"):
            assert row[9].value == pytest.approx(measure["value"])
            if measure.get("denominator"):
                ratios += 1
                assert row[8].value == measure["denominator"]
                assert row[7].value == pytest.approx(measure["value"] * measure["denominator"])
        if measure["kind"] == "count":
            assert (row[7].value, row[8].value) == (measure["k"], measure["n"])
    assert ratios >= 3  # 310/320 and the like, as numbers Excel can sum


def test_results_sheet_scores_formatted_and_quotes_beside_places(made):
    book, data = made["book"], made["data"]
    sheet = book["评价结果"]
    header = [c.value for c in sheet[1]]
    assert header[5:10] == ["状态", "得分", "分子", "分母", "比率"]
    assert header[11].startswith("佐证")
    for row, judgment in zip(sheet.iter_rows(min_row=2), data["indicators"], strict=True):
        assert row[5].value == STATUS_ZH[judgment["status"]]
        # one scale in every report: 0-100 with one decimal (the JSON keeps 0-1)
        assert row[6].value == round(judgment["score"] * 100, 1)
        assert row[6].number_format == "0.0"
        assert row[9].number_format == "0.0%"
        for reason in judgment["reasons"]:
            for ev in reason["evidence"]:
                line = next(
                    line for line in row[11].value.splitlines() if f"“{ev['quote']}”" in line
                )
                assert line.startswith(ev["document"]) and location_zh(ev["location"]) in line
    quotes = book["佐证"]
    assert [c.value for c in quotes[1]][3:7] == ["文件", "页", "位置", "引文"]
    shown = {(r[0], r[3], r[6]) for r in quotes.iter_rows(min_row=2, values_only=True)}
    cited = {
        (j["id"], e["document"], e["quote"])
        for j in data["indicators"]
        for r in j["reasons"]
        for e in r["evidence"]
    }
    assert shown == cited
    statuses = {r[4] for r in book["材料清单"].iter_rows(min_row=2, values_only=True)}
    assert statuses <= set(DOC_STATUS_ZH.values())
    sha = {r[0]: r[1] for r in book["材料清单"].iter_rows(min_row=2, values_only=True)}
    assert sha == {d["path"]: d["sha256"] for d in data["documents"]}


def test_every_sheet_has_widths_and_prints_a4_landscape_one_page_wide(made):
    for sheet in made["book"]:
        used = {c.column_letter for row in sheet.iter_rows() for c in row if c.value is not None}
        widths = {k: d.width for k, d in sheet.column_dimensions.items() if d.customWidth}
        assert used <= set(widths), (sheet.title, used - set(widths))
        assert all(6 <= w <= 80 for w in widths.values()), sheet.title
        setup = sheet.page_setup
        assert setup.orientation == "landscape" and int(setup.paperSize) == 9, sheet.title
        assert int(setup.fitToWidth) == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
        if sheet.title in ("汇总", "运行信息"):
            assert int(setup.fitToHeight) == 1
        else:
            assert int(setup.fitToHeight) == 0  # as many pages tall as it takes
            assert sheet.print_title_rows == "$1:$1", sheet.title  # header on every page
            assert sheet.freeze_panes in ("B2", "C2"), sheet.title
            assert sheet.auto_filter.ref, sheet.title
    long = made["book"]["评价结果"]
    assert any((d.height or 0) > 30 for d in long.row_dimensions.values())  # wrapped rows grow


def test_libreoffice_prints_landscape_a4_pages(made, tmp_path):
    if not SOFFICE:
        pytest.skip("LibreOffice is not installed (.ci/run installs Debian's libreoffice-calc)")
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(made["path"]),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    path = tmp_path / f"{Path(made['path']).stem}.pdf"
    assert path.exists(), result.stderr
    pdf = pdfium.PdfDocument(str(path))
    pages = len(pdf)
    for number in range(pages):
        width, height = pdf[number].get_size()
        assert abs(width - 841.9) < 1 and abs(height - 595.3) < 1, number
        text = pdf[number].get_textpage().get_text_range()
        assert f"第 {number + 1} 页 共 {pages} 页" in text
    first = "".join(pdf[0].get_textpage().get_text_range().split())
    assert (
        first.startswith("汇总")
        and "总分" in first
        and made["data"]["submission"]["region"] in first
    )
    # each item row once, its header repeated: the results sheet's pages all start with it
    headed = [n for n in range(pages) if "评价结果" in pdf[n].get_textpage().get_text_range()[:40]]
    assert headed and all(
        "ID一级指标二级指标" in "".join(pdf[n].get_textpage().get_text_range().split())
        for n in headed
    )
