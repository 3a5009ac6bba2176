"""Every report format renders the same records; the HTML is driven in headless Chromium
and the DOCX is converted to PDF by LibreOffice, as a reviewer and an auditor would open them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
import pytest

from sxcheck.report.view import STATUS_ZH

from .conftest import CHROMIUM_ARGS, ROOT, SAMPLE, run_cli

BUILD = ROOT / "build" / "test-reports"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


@pytest.fixture(scope="module")
def reports() -> dict[str, Path]:
    BUILD.mkdir(parents=True, exist_ok=True)
    paths = {ext: BUILD / f"sample.{ext}" for ext in ("json", "md", "html", "docx", "xlsx")}
    args = ["check", str(SAMPLE), "--quiet"]
    for path in paths.values():
        args += ["--report", str(path)]
    code, _, err = run_cli(*args)
    assert code == 0, err
    return paths


@pytest.fixture(scope="module")
def data(reports) -> dict:
    return json.loads(reports["json"].read_text(encoding="utf-8"))


def a_quoted_reason(data: dict) -> tuple[dict, dict]:
    for judgment in data["indicators"]:
        for reason in judgment["reasons"]:
            if reason["evidence"]:
                return judgment, reason
    raise AssertionError("the sample has no quoted evidence")


def test_markdown_has_summary_fixes_and_quotes(reports, data):
    text = reports["md"].read_text(encoding="utf-8")
    assert text.startswith("# 晋阳市")
    assert "## 先改这些" in text and "uncorroborated" in text
    judgment, reason = a_quoted_reason(data)
    assert reason["evidence"][0]["quote"].replace("|", "｜") in text
    assert text.count("\n| ") >= 69


def test_xlsx_one_row_per_item_with_filters(reports, data):
    book = openpyxl.load_workbook(reports["xlsx"])
    sheet = book["评价结果"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("ID", "一级指标", "二级指标", "评价指标项")
    assert [r[0] for r in rows[1:]] == [j["id"] for j in data["indicators"]]
    # the status in Chinese (column F), its code for filters that want one (状态代码, before
    # the reviewer's 复核 columns)
    assert [r[5] for r in rows[1:]] == [STATUS_ZH[j["status"]] for j in data["indicators"]]
    code = rows[0].index("状态代码")
    assert [r[code] for r in rows[1:]] == [j["status"] for j in data["indicators"]]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref
    assert book.sheetnames[0] == "汇总" and "材料清单" in book.sheetnames


def _chromium():
    if not CHROMIUM:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    return sync_api


def test_html_in_headless_chromium(reports, data):
    sync_api = _chromium()
    judgment, reason = a_quoted_reason(data)
    quote = reason["evidence"][0]["quote"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(reports["html"].as_uri())
            assert page.locator("details.item").count() == 69
            assert page.locator("details.first").count() == 8
            assert page.locator("details.second").count() == 20
            css_id = judgment["id"].replace(".", "\\.")
            item = page.locator(f"#item-{css_id}")
            mark = item.locator("mark", has_text=quote[:12]).first
            assert not mark.is_visible()  # collapsed
            item.locator("summary").first.click()
            assert mark.is_visible()  # expanded: the quote shows, highlighted
            page.screenshot(path=str(BUILD / "html-report.png"))
            passing = page.locator("details.item[data-status=pass]").first
            assert passing.is_visible()
            page.locator(".status-filter[value=pass]").uncheck()
            assert not passing.is_visible()
            assert page.locator("details.item[data-status=pass]:not(.hidden)").count() == 0
            shown = page.locator("#shown").inner_text()
            assert "/ 69" in shown and not shown.startswith("显示 69")
            page.fill("#search", "5G网络覆盖率")
            page.locator(".status-filter[value=pass]").check()
            assert page.locator("details.item:not(.hidden)").count() >= 1
            page.fill("#search", "")
            page.select_option("#code-filter", "planned_not_done")
            planned = {
                j["id"]
                for j in data["indicators"]
                for r in j["reasons"]
                if r["code"] == "planned_not_done"
            }
            visible = page.locator("details.item:not(.hidden)")
            assert (
                planned
                and {visible.nth(i).get_attribute("data-id") for i in range(visible.count())}
                == planned
            )
            assert all(u.startswith("file://") for u in requests)  # self-contained: nothing fetched
        finally:
            browser.close()


def test_docx_converts_to_pdf_with_chinese_and_quotes(reports, data, tmp_path):
    if not SOFFICE:
        pytest.skip("LibreOffice is not installed (.ci/run installs Debian's libreoffice-writer)")
    result = subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(reports["docx"]),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    pdf_path = tmp_path / "sample.pdf"
    assert pdf_path.exists(), result.stderr
    pdf = pdfium.PdfDocument(str(pdf_path))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    flat = "".join(text.split())
    assert "晋阳市新型智慧城市试点建设评价核查报告" in flat
    for judgment in data["indicators"][:5]:
        assert "".join(judgment["name"].split()) in flat, judgment["name"]
    _, reason = a_quoted_reason(data)
    assert "".join(reason["evidence"][0]["quote"].split())[:30] in flat
    shutil.copy(pdf_path, BUILD / "docx-report.pdf")


def test_terminal_summary_counts_statuses_and_names_what_to_fix(data):
    from rich.console import Console

    from sxcheck.models import Report
    from sxcheck.report.terminal import print_summary

    console = Console(record=True, width=160, force_terminal=False)
    print_summary(Report.model_validate(data), console)
    text = console.export_text()
    counts = data["summary"]["counts"]
    assert f"pass: {counts['pass']}" in text and f"fail: {counts['fail']}" in text
    assert "先改这些" in text
    # the fixes name the item, the code and the Chinese advice
    assert "2.4.2 [uncorroborated]" in text and "请补充" in text
    assert "06-等保测评报告扫描件.pdf" in text  # the unreadable document is listed


def test_no_progress_bar_or_summary_when_quiet_or_not_a_terminal():
    code, out, err = run_cli("check", str(SAMPLE))
    assert code == 0 and "评价结果" in out and "━" not in err  # CliRunner is not a TTY
    code, out, err = run_cli("check", str(SAMPLE), "--quiet")
    assert code == 0 and out == "" and err == ""


def test_an_interrupted_write_leaves_the_previous_report(tmp_path, monkeypatch):
    import os

    from sxcheck.report import write_atomically

    target = tmp_path / "report.html"
    target.write_text("previous report", encoding="utf-8")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, "<html>new</html>")
    assert target.read_text(encoding="utf-8") == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temp file left behind
