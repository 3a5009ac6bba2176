"""The HTML report for people who print it or read it top-down (issue 19): the fix-first
list at the top, each line linking to its item and naming the document and quote
behind it; printed through Chromium, every item is open, the controls are gone and
each first-level indicator starts a page."""

from __future__ import annotations

import re
import shutil
import subprocess

import pypdfium2 as pdfium
import pytest

from .conftest import SAMPLE, run_cli

WEAK = SAMPLE.parent / "汾东市-2024"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "预检.html"
    code, _, err = run_cli("check", str(WEAK), "--no-store", "--quiet", "--report", str(out))
    assert code == 0, err
    return out


def test_the_fix_first_list_is_at_the_top_and_links_to_its_items(html):
    text = html.read_text(encoding="utf-8")
    assert text.index('id="fix-first"') < text.index('id="tree"')
    section = text[text.index('id="fix-first"') : text.index('id="tree"')]
    links = re.findall(r'href="#item-([^"]+)"', section)
    assert links[:2] == ["2.5.1", "1.1.1"]  # a wrong declaration first, then a conflict
    assert all(f'id="item-{item}"' in text for item in links)
    conflict = section[section.index("inconsistent_figures") :].split("</li>")[0]
    assert "依据：" in conflict and "附件/" in conflict and "“" in conflict
    # and the declaration line to change: 1.1.1 stands on line 6 of the sample's YAML
    lines = (WEAK / "submission.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.strip().startswith('"1.1.1"'))
    assert f"改申报：submission.yaml:{line}" in conflict


def test_printed_every_item_is_open_without_controls_a_page_per_indicator(html, tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make system-deps)")
    pdf = tmp_path / "printed.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            html.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    document = pdfium.PdfDocument(str(pdf))
    pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    printed = "\n".join(pages)
    assert "全部原因代码" not in printed and "搜索指标" not in printed  # controls hidden
    # a reason's rule line is inside its item: printed only when every item is open
    assert printed.count("rule ") >= 60
    starts = [page.strip().splitlines()[0] for page in pages if page.strip()]
    for first in ("2 惠民服务", "3 精准治理", "8 组织保障"):
        assert any(line.startswith(first) for line in starts), first
