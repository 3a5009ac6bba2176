"""Hostile text from a submission in every report and on the terminal (issue 13).

Region names, file names, quotes, 特色性指标 names and profile names are the
submitter's text. Real runs of `sxcheck check`, `show`, `diff`, `history` and
`batch` over a package built here must never: run script in the reviewer's
browser (HTML), store a formula in a workbook (XLSX), fail to write DOCX/XLSX
because of NUL or ESC, pass raw HTML into Markdown, or send ESC/OSC sequences
or rich markup from the package to the auditor's terminal.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from sxcheck.models import Report
from sxcheck.report import write_report

from .conftest import ROOT, run_cli

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# The region may carry markup, quotes and a leading `=` (a formula to Excel);
# control characters in it are refused at input, so they go in file names and text.
REGION = f"=1+1{SCRIPT}<img src=x onerror=alert(1)>&'[bold]b[/bold]"
SPECIAL_NAME = f'=HYPERLINK("http://x","y"){SCRIPT}[bold]t[/bold]'
PROFILE_NAME = f"{SCRIPT}{IMG}[bold]p[/bold]=1+1"
CONTROLS = "\x00\x1b[2J\x1b]0;title\x07\x08"
SCRIPT_FILE = f"{SCRIPT}.txt"  # a folder `<script>alert(1)<` holding `script>.txt`
FORMULA_FILE = "=1+cmd|' /C calc'!A0.txt"
ESC_FILE = "esc\x1b[2J\x1b]0;title\x07\x08name.txt"
BROKEN_ESC_FILE = "broken\x1b]0;title\x07.txt"  # unreadable: listed with its error
SENTENCE = "全市重点公共区域320个，已实现5G覆盖310个"
PAD = "本文件为佐证材料的说明。" * 80 + "\n"  # NUL past the first 2 KiB is still text
# What must never reach a terminal raw (rich itself draws with other sequences).
TERMINAL_RAW = ("\x1b]", "\x1b[2J", "\x07", "\x08", "\x00")
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
ESCAPED = {
    "script": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "img": "&lt;img src=x onerror=alert(1)&gt;",
}


def _special_rule() -> str:
    source = ROOT / "evidence_samples" / "潞州市-2024" / "rules" / "T.1.1.yaml"
    text = source.read_text(encoding="utf-8")
    return re.sub(r"(?m)^name: .*$", "name: " + json.dumps(SPECIAL_NAME), text, count=1)


def build_submission(
    root: Path,
    region: str = REGION,
    files: tuple[str, ...] = (SCRIPT_FILE, FORMULA_FILE),
    own_rules: bool = True,
) -> Path:
    """A package whose every name and quote is hostile; `files` picks the evidence."""
    root.mkdir(parents=True)
    (root / "submission.yaml").write_text(
        "region: "
        + json.dumps(region, ensure_ascii=False)
        + '\nlevel: city\nyear: 2024\nindicators:\n  "1.1.1": {numerator: 310, denominator: 320}\n',
        encoding="utf-8",
    )
    if own_rules:
        (root / "rules").mkdir()
        (root / "rules" / "T.1.1.yaml").write_text(_special_rule(), encoding="utf-8")
    texts = {
        SCRIPT_FILE: f"{PAD}{SENTENCE}{SCRIPT}[link=http://evil]y[/link]{CONTROLS}。\n",
        FORMULA_FILE: f"{SENTENCE}{IMG}。\n",
        ESC_FILE: f"{SENTENCE} [bold]x[/bold] [link=http://evil]y[/link]{CONTROLS}。\n",
    }
    for name in files:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(texts[name], encoding="utf-8")
    (root / BROKEN_ESC_FILE).write_bytes(b"\x00\x01binary")
    return root


def _profile(path: Path) -> Path:
    text = (ROOT / "profiles" / "default.yaml").read_text(encoding="utf-8")
    path.write_text(
        re.sub(r"(?m)^name: .*$", "name: " + json.dumps(PROFILE_NAME), text, count=1),
        encoding="utf-8",
    )
    return path


def _run_id(db: str) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [r[0] for r in connection.execute("SELECT id FROM run ORDER BY started_at")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Two stored runs of the hostile package (evidence changed between them) and reports."""
    base = tmp_path_factory.mktemp("hostile")
    db = str(base / "store.db")
    profile = _profile(base / "profile.yaml")
    first = build_submission(base / "first")
    second = build_submission(base / "second", files=(SCRIPT_FILE, ESC_FILE))
    reports = {ext: base / f"report.{ext}" for ext in ("html", "xlsx", "docx", "md", "json")}
    args = ["check", str(first), "--db", db, "--profile", str(profile)]
    for path in reports.values():
        args += ["--report", str(path)]
    code, out, err = run_cli(*args)
    assert code == 0, err
    code2, out2, err2 = run_cli("check", str(second), "--db", db, "--profile", str(profile))
    assert code2 == 0, err2
    return {
        "base": base,
        "db": db,
        "reports": reports,
        "ids": _run_id(db),
        "second": second,
        "profile": profile,
        "terminal": [out, err, out2, err2],
    }


def _no_raw_markup(text: str, own_scripts: int = 0) -> None:
    assert text.count("<script") == own_scripts  # only the report's own filter script
    assert "alert(1)</script>" not in text
    assert "<img" not in text
    assert not XML_ILLEGAL.search(text)


def test_the_hostile_text_reached_the_run(runs):
    """The attack is real: the canonical JSON keeps every hostile string exactly."""
    data = json.loads(runs["reports"]["json"].read_text(encoding="utf-8"))
    assert data["submission"]["region"] == REGION
    assert data["run"]["profile"].startswith(PROFILE_NAME)
    paths = {d["path"]: d["status"] for d in data["documents"]}
    assert paths[SCRIPT_FILE] == "ok" and paths[FORMULA_FILE] == "ok"
    assert paths[BROKEN_ESC_FILE] == "error"
    quotes = [e["quote"] for j in data["indicators"] for r in j["reasons"] for e in r["evidence"]]
    assert any(CONTROLS in q and SCRIPT in q for q in quotes)
    assert next(j for j in data["indicators"] if j["id"] == "T.1.1")["name"] == SPECIAL_NAME


def test_check_html_escapes_every_name_and_quote(runs):
    text = runs["reports"]["html"].read_text(encoding="utf-8")
    _no_raw_markup(text, own_scripts=1)
    assert "=1+1" + ESCAPED["script"] + ESCAPED["img"] + "&amp;&#39;[bold]b[/bold]" in text
    assert ESCAPED["script"] + "&#34;&gt;" + ESCAPED["img"] in text  # profile, quote
    assert ESCAPED["script"] + ".txt" in text  # the file name
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" + ESCAPED["script"] in text
    assert ESCAPED["script"] + "[link=http://evil]y[/link]\\x00\\x1b[2J" in text  # the quote


def test_markdown_report_has_no_raw_html_and_keeps_its_tables(runs):
    text = runs["reports"]["md"].read_text(encoding="utf-8")
    _no_raw_markup(text)
    assert text.startswith("# =1+1" + ESCAPED["script"])
    assert "\\[bold\\]b\\[/bold\\]" in text  # no link or emphasis syntax from the region
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("| =1+cmd"))
    header = next(line for line in reversed(lines[:at]) if line.startswith("| 文件"))
    # as many cells as the documents table's header: the `|` in the file name split none
    assert lines[at].count("|") == header.count("|") >= 8
    assert "\\\\x1b\\[2J" in text  # the control characters shown, not sent


def test_xlsx_report_holds_text_never_a_formula(runs):
    book = openpyxl.load_workbook(runs["reports"]["xlsx"])
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert REGION in values
    assert FORMULA_FILE in values
    assert SPECIAL_NAME in values
    with zipfile.ZipFile(runs["reports"]["xlsx"]) as archive:
        for name in archive.namelist():
            assert b"<f>" not in archive.read(name), name


def test_docx_report_is_written_with_controls_made_visible(runs):
    document = docx.Document(str(runs["reports"]["docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert REGION in text and SCRIPT in text
    assert "\\x1b]0;title\\x07" in text
    assert not XML_ILLEGAL.search(text)


def _assert_terminal_clean(*outputs: str) -> None:
    for output in outputs:
        for raw in TERMINAL_RAW:
            assert raw not in output, repr(raw)


def test_check_summary_sends_no_control_sequence_or_markup(runs):
    out, err, out2, err2 = runs["terminal"]
    _assert_terminal_clean(out, err, out2, err2)
    assert "[bold]b[/bold]" in out  # markup shown as text, not obeyed
    # the unreadable file, named visibly (a notice about a document: on stderr)
    assert "broken\\x1b]0;title\\x07.txt" in err


def test_show_summary_and_item_quotes_are_clean(runs):
    run_id = runs["ids"][-1]
    code, out, err = run_cli("show", run_id, "--db", runs["db"])
    assert code == 0, err
    _assert_terminal_clean(out, err)
    assert "broken\\x1b]0;title\\x07.txt" in err and "[bold]b[/bold]" in out
    code, out, err = run_cli("show", run_id, "1.1.1", "--db", runs["db"])
    assert code == 0, err
    _assert_terminal_clean(out, err)
    assert "[link=http://evil]y[/link]" in out.replace("\n", "")  # markup shown, not obeyed
    assert "y[/link]\\x00\\x1b[2J\\x1b]0;title\\x07\\x08" in out.replace("\n", "")


def test_diff_text_html_and_markdown_are_safe(runs, tmp_path):
    before, after = runs["ids"][:2]
    outputs = {ext: tmp_path / f"diff.{ext}" for ext in ("html", "md", "txt")}
    args = ["diff", before, after, "--db", runs["db"]]
    for path in outputs.values():
        args += ["--report", str(path)]
    code, out, err = run_cli(*args)
    assert code == 0, err
    _assert_terminal_clean(out, err)
    assert "document added: esc\\x1b[2J\\x1b]0;title\\x07\\x08name.txt" in out
    html = outputs["html"].read_text(encoding="utf-8")
    _no_raw_markup(html)
    assert "=1+1" + ESCAPED["script"] in html
    markdown = outputs["md"].read_text(encoding="utf-8")
    _no_raw_markup(markdown)
    _assert_terminal_clean(outputs["txt"].read_text(encoding="utf-8"))


def test_history_of_a_hostile_store_row_is_clean(runs, tmp_path):
    """A store is input too: a region with ESC/OSC in a run row never reaches the terminal."""
    db = tmp_path / "copy.db"
    with sqlite3.connect(runs["db"]) as source, sqlite3.connect(db) as copy:
        source.backup(copy)  # the store may be in WAL mode: copy through SQLite
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE run SET region = ?", (f"x{CONTROLS}[bold]y",))
    code, out, err = run_cli("history", "--db", str(db))
    assert code == 0, err
    _assert_terminal_clean(out, err)
    assert "x\\x00\\x1b[2J" in out


def test_renderers_take_quotes_and_backslashes_in_the_region(runs, tmp_path):
    """Regions with `"` and `\\` (and `+`, `-`, `@` formulas) render safely in every format."""
    report = Report.model_validate_json(runs["reports"]["json"].read_text(encoding="utf-8"))
    for region in ('=HYPERLINK("http://x","y")\\' + IMG, "+1+1" + IMG, "-1+1", "@SUM(1)"):
        hostile = report.model_copy(
            update={"submission": report.submission.model_copy(update={"region": region})}
        )
        for ext in ("html", "xlsx", "docx", "md"):
            write_report(hostile, tmp_path / f"r.{ext}")
        html = (tmp_path / "r.html").read_text(encoding="utf-8")
        _no_raw_markup(html, own_scripts=1)
        _no_raw_markup((tmp_path / "r.md").read_text(encoding="utf-8"))
        book = openpyxl.load_workbook(tmp_path / "r.xlsx")
        cell = book["运行信息"]["B1"]
        assert cell.value == region and cell.data_type == "s"


@pytest.fixture(scope="module")
def batch(runs) -> dict:
    base = runs["base"]
    # 特色性指标 reach the comparison through --rules-dir (a package's own rules stay its own)
    rules = base / "batch-rules"
    rules.mkdir()
    (rules / "T.1.1.yaml").write_text(_special_rule(), encoding="utf-8")
    one = build_submission(base / "one", own_rules=False)
    other = build_submission(
        base / "other", region="@SUM(1+1)<img src=x onerror=alert(1)>", own_rules=False
    )
    outputs = {ext: base / f"cmp.{ext}" for ext in ("html", "xlsx")}
    args = ["batch", str(one), str(other), "--rules-dir", str(rules), "--no-store"]
    args += ["--workers", "1"]
    for path in outputs.values():
        args += ["--report", str(path)]
    code, out, err = run_cli(*args)
    assert code == 0, err
    return outputs


def test_batch_comparison_html_is_escaped(batch):
    text = batch["html"].read_text(encoding="utf-8")
    _no_raw_markup(text)
    assert "=1+1" + ESCAPED["script"] in text
    assert "@SUM(1+1)" + ESCAPED["img"] in text
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" + ESCAPED["script"] in text  # T.1.1


def test_batch_comparison_xlsx_holds_text_never_a_formula(batch):
    book = openpyxl.load_workbook(batch["xlsx"])
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert REGION in values
    assert "@SUM(1+1)<img src=x onerror=alert(1)>" in values
    assert SPECIAL_NAME in values


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_no_script_runs_in_headless_chromium(runs, batch):
    """Opened as a reviewer would: no alert from any of the three HTML outputs."""
    if not CHROMIUM:
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    before, after = runs["ids"][:2]
    diff_html = runs["base"] / "diff.html"
    code, _, err = run_cli("diff", before, after, "--db", runs["db"], "--report", str(diff_html))
    assert code == 0, err
    dialogs: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for path in (runs["reports"]["html"], diff_html, batch["html"]):
                page.goto(path.as_uri())
                page.wait_for_load_state("load")
                assert page.locator("img").count() == 0, path
        finally:
            browser.close()
    assert dialogs == []


def test_progress_bar_on_a_terminal_shows_file_names_safely(runs):
    """On a real TTY (the progress bar is on) no control sequence of a file name is sent."""
    import pty

    master, slave = pty.openpty()
    command = [str(Path(sys.executable).parent / "sxcheck"), "check", str(runs["second"])]
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    process = subprocess.Popen(
        [*command, "--no-store"], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert process.wait(timeout=120) == 0
    output = b"".join(chunks).decode("utf-8", "replace")
    assert "评价结果" in output  # the summary reached the terminal
    _assert_terminal_clean(output)


def test_progress_description_is_escaped_and_cleaned():
    """The bar's description is a file name: rendered without markup or control characters."""
    import io

    from rich.console import Console

    from sxcheck.cli import reading_progress

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=160)
    with reading_progress(console, enabled=True) as advance:
        advance("[link=http://evil]y[/link]" + ESC_FILE, 1, 2)
        console.file.flush()
        advance("[link=http://evil]y[/link]" + ESC_FILE, 2, 2)
    output = buffer.getvalue()
    _assert_terminal_clean(output)
    assert "[link=http://evil]y[/link]esc\\x1b[2J" in output
