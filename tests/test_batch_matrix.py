"""The batch matrix (issue 19): a submission's own 特色性指标 are rows of it, and with
--reports-dir each cell links to the item in that submission's own HTML report."""

from __future__ import annotations

import re
from urllib.parse import unquote

from .conftest import SAMPLE, run_cli

OWN_RULES = SAMPLE.parent / "潞州市-2024"  # brings T.1.1 and T.1.2 in its rules/


def test_matrix_rows_include_own_items_and_cells_link_to_each_report(tmp_path):
    out = tmp_path / "比较" / "cmp.html"
    each = tmp_path / "各地报告"
    code, _, err = run_cli(
        "batch",
        str(OWN_RULES),
        str(SAMPLE),
        "--no-store",
        "--quiet",
        "--workers",
        "1",
        "--report",
        str(out),
        "--reports-dir",
        str(each),
    )
    assert code in (0, 1), err
    html = out.read_text(encoding="utf-8")
    matrix = html[html.index('<table id="matrix">') :]
    rows = re.findall(r"<tr><td>([^<]+)</td>", matrix)
    assert rows[:3] == ["1.1.1", "1.1.2", "1.1.3"] and rows[-2:] == ["T.1.1", "T.1.2"]
    links = re.findall(r'href="([^"#]+)#item-([^"]+)"', matrix)
    assert {item for _, item in links} >= {"1.1.1", "8.1.1", "T.1.1"}
    for target, item in links[:10] + [link for link in links if link[1] == "T.1.1"]:
        report = (out.parent / unquote(target)).resolve()
        assert report.parent == each.resolve(), target
        assert f'id="item-{item}"' in report.read_text(encoding="utf-8")


def test_without_reports_dir_the_matrix_has_no_dangling_links(tmp_path):
    out = tmp_path / "cmp.html"
    code, _, err = run_cli(
        "batch", str(OWN_RULES), "--no-store", "--quiet", "--workers", "1", "--report", str(out)
    )
    assert code in (0, 1), err
    html = out.read_text(encoding="utf-8")
    assert "#item-" not in html and "T.1.1" in html
