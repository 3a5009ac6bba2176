"""The bundled sample end to end, and the rule that every quote is found in its document.

Quotes are looked up in text extracted by a *different* library than the one
sxcheck reads with (pdfplumber for PDFs), after removing whitespace, so a
quote that sxcheck made up or mangled cannot pass.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

import docx
import openpyxl
import pdfplumber
import pytest

from sxcheck.ingest.xlsx import display

from .conftest import SAMPLE, check_json, run_cli

_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACE.sub("", text)


def ocr_text(path: Path, page: int | None) -> str:
    """What OCR reads of the page (or image) again, prepared as the pipeline prepares it:
    an OCR quote must be found in the OCR text of its own page."""
    from sxcheck.ingest.ocr import recognise
    from sxcheck.ingest.ocr.render import open_image, prepare, render_pdf_page

    if path.suffix == ".pdf":
        image = render_pdf_page(path, (page or 1) - 1)
    else:
        image = open_image(path.read_bytes(), (page or 1) - 1)
    return _flat("".join(line.text for line in recognise(prepare(image))))


def converted_text(path: Path, target: str, tmp: Path) -> str:
    """A .wps/.doc/.xls read back after LibreOffice saves it in its OOXML form."""
    from tests.docbuilders import convert_with_libreoffice

    copy = tmp / f"original{path.suffix}"
    copy.write_bytes(path.read_bytes())
    return independent_text(convert_with_libreoffice(copy, target, tmp), None)


@functools.cache
def independent_text(path: Path, page: int | None, source: str = "text") -> str:
    """The page's text as another reader sees it (cached: a document is cited many times)."""
    if source == "ocr":
        return ocr_text(path, page)
    if path.suffix in (".wps", ".doc", ".xls", ".et"):
        import tempfile

        target = "docx" if path.suffix in (".wps", ".doc") else "xlsx"
        with tempfile.TemporaryDirectory(prefix="sxcheck-quote-") as tmp:
            return converted_text(path, target, Path(tmp))
    if path.suffix == ".pdf":
        with pdfplumber.open(path) as pdf:
            return _flat(pdf.pages[page - 1].extract_text() or "")
    if path.suffix == ".docx":
        document = docx.Document(str(path))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
        return _flat("\n".join(parts))
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, data_only=True)
        return _flat(
            "\n".join(
                display(c.value, c.number_format)
                for s in book.worksheets
                for r in s.iter_rows()
                for c in r
            )
        )
    return _flat(path.read_text(encoding="utf-8"))


def quote_parts(quote: str) -> list[str]:
    """What of a quote must be found in its document: each " | " cell of a row; a labelled
    cell ("2024年/覆盖数=412", a table row quoted with its headers) as its header levels
    and its value, each of them the document's own text."""
    parts: list[str] = []
    for part in quote.split(" | "):
        header, labelled, value = part.partition("=")
        if labelled and header and value:
            parts += [*header.split("/"), value]
        else:
            parts.append(part)
    return [p for p in parts if p.strip()]


_GOES_ON = re.compile(r"至第(\d+)页")


def assert_quotes_found(report: dict, root: Path) -> int:
    checked = 0
    for judgment in report["indicators"]:
        for reason in judgment["reasons"]:
            for ev in reason["evidence"]:
                path = root / ev["document"]
                assert hashlib.sha256(path.read_bytes()).hexdigest() == ev["sha256"]
                text = independent_text(path, ev["page"], ev.get("source", "text"))
                went_on = _GOES_ON.search(ev["location"])  # a sentence a page break cut
                if went_on:
                    text += independent_text(path, int(went_on.group(1)), ev.get("source", "text"))
                for part in quote_parts(ev["quote"]):
                    assert _flat(part) in text, (
                        f"{judgment['id']}: quote not in {ev['document']} p.{ev['page']}: {part}"
                    )
                assert ev["location"]
                checked += 1
    return checked


@pytest.fixture(scope="module")
def sample_report() -> dict:
    code, report, err = check_json(SAMPLE)
    assert code == 0, err
    assert report is not None
    return report


def test_every_quote_is_in_its_document(sample_report):
    assert assert_quotes_found(sample_report, SAMPLE) >= 10


def test_report_shape_follows_the_contract(sample_report):
    report = sample_report
    assert report["schema_version"] == 1
    assert set(report["run"]) >= {"id", "started_at", "tool_version", "rules_digest"}
    assert report["submission"] == {
        **report["submission"],
        "region": "晋阳市",
        "level": "city",
        "year": 2024,
    }
    assert len(report["indicators"]) == 69
    assert sum(report["summary"]["counts"].values()) == 69
    assert {"1", "1.1", "total"} <= set(report["summary"]["scores"])
    for judgment in report["indicators"]:
        assert judgment["status"] in ("pass", "partial", "fail", "not_applicable")
        assert 0.0 <= judgment["score"] <= 1.0
        assert judgment["reasons"], judgment["id"]
        for reason in judgment["reasons"]:
            assert reason["code"] and reason["message"]
            assert re.search(r"[\u4e00-\u9fff]", reason["message"]), reason
    for doc in report["documents"]:
        assert set(doc) >= {"path", "sha256", "kind", "pages", "status", "error"}


def judgment(report: dict, item_id: str) -> dict:
    return next(j for j in report["indicators"] if j["id"] == item_id)


def codes(report: dict, item_id: str) -> set[str]:
    return {r["code"] for r in judgment(report, item_id)["reasons"]}


def test_sample_judgments_an_auditor_would_reach(sample_report):
    r = sample_report
    # 5G coverage: declared 310/320, stated in a sentence that wraps across lines
    assert judgment(r, "1.1.1")["status"] == "pass" and "corroborated" in codes(r, "1.1.1")
    # download speed backed by the report
    assert judgment(r, "1.1.2")["status"] == "pass"
    # 电子证照使用率 78.6%: corroborated but below the 90% pass line
    assert judgment(r, "2.1.1")["status"] == "partial" and "below_threshold" in codes(r, "2.1.1")
    # 一站式办理率 declared 1900/2100 (90.5%), the report says 85%
    assert "inconsistent_figures" in codes(r, "2.1.2")
    # 预约诊疗率 declared, no document states it
    assert "uncorroborated" in codes(r, "2.4.2") and judgment(r, "2.4.2")["status"] != "pass"
    # 学校无线网络覆盖率: figures written in Chinese numerals and in the sheet
    assert judgment(r, "2.5.2")["status"] == "pass"
    # 数字化城管: four rates from a ruled PDF table, not declared
    assert "evidence_figures_used" in codes(r, "3.3.1")
    # 社保 channels: 短信 declared but no document mentions it
    assert "option_uncorroborated" in codes(r, "2.2.1")
    # rank item cannot be ranked alone
    assert judgment(r, "2.1.4")["status"] == "not_applicable"
    # the broken scan is listed, and the item it was about says so
    broken = next(d for d in r["documents"] if d["path"].endswith("06-等保测评报告扫描件.pdf"))
    assert broken["status"] == "error"
    assert "document_unreadable" in codes(r, "7.1.4") or judgment(r, "7.1.4")["status"] == "pass"
    # the screenshot is read by OCR (issue 15)
    screenshot = next(d for d in r["documents"] if d["path"].endswith(".png"))
    assert screenshot["status"] == "ok" and screenshot["read_by"] == "ocr"


def test_zip_of_the_sample_gives_the_same_judgments(tmp_path, sample_report):
    import shutil

    archive = Path(shutil.make_archive(str(tmp_path / "sample"), "zip", SAMPLE.parent, SAMPLE.name))
    code, report, err = check_json(archive)
    assert code == 0, err
    assert [(j["id"], j["status"], j["score"]) for j in report["indicators"]] == [
        (j["id"], j["status"], j["score"]) for j in sample_report["indicators"]
    ]


def test_report_file_and_fail_on(tmp_path):
    out = tmp_path / "r" / "report.json"
    code, _, err = run_cli(
        "check", str(SAMPLE), "--quiet", "--report", str(out), "--fail-on", "fail"
    )
    assert code == 1, err  # the sample has failing items
    assert json.loads(out.read_text(encoding="utf-8"))["schema_version"] == 1
    assert not list(out.parent.glob(".*.tmp"))  # written atomically


def test_the_same_submission_is_judged_the_same_every_time():
    from .conftest import run_cli as _run

    runs = []
    for _ in range(3):
        code, out, err = _run("check", str(SAMPLE), "--json", "--no-store")
        assert code == 0, err
        report = json.loads(out)
        runs.append(
            [
                (j["id"], j["status"], j["score"], [r["code"] for r in j["reasons"]])
                for j in report["indicators"]
            ]
        )
    assert runs[0] == runs[1] == runs[2]
