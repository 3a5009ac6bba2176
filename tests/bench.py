"""`make bench`: where the time of a check goes, as ratios against a floor measured in the same run.

Builds a 300-page report (paragraphs that wrap, a ruled table every 10 pages)
under build/bench, then times: raw pypdfium2 text extraction of it (the floor),
sxcheck's reading of it (ingest + sentences), and full checks of the bundled
sample and of a submission holding the 300-page report.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pypdfium2 as pdfium

from sxcheck.catalogue.loader import load_rules
from sxcheck.engine import engine_for
from sxcheck.evidence import sentences_of
from sxcheck.facts import build_facts
from sxcheck.ingest import read_document
from sxcheck.pipeline import check
from sxcheck.store import open_store

from .conftest import SAMPLE
from .docbuilders import page_break, para, table, title, write_pdf

BUILD = Path(__file__).resolve().parents[1] / "build" / "bench"
SENTENCE = (
    "全市持续推进新型智慧城市建设，统筹推进信息基础设施、政务服务、城市治理和产业数字化各项工作，"
    "第{n}项工作已按计划完成，累计投入资金{n}万元，覆盖{n}个社区和重点公共区域。"
)


def big_pdf(pages: int, tables: bool = True) -> Path:
    folder = "big" if tables else "plain"
    path = BUILD / folder / "佐证材料" / f"report-{pages}p.pdf"
    if path.exists():
        return path
    blocks = [title("晋阳市新型智慧城市建设年度报告")]
    for page in range(pages):
        blocks += [para(SENTENCE.format(n=page * 10 + k)) for k in range(6)]
        if tables and page % 10 == 0:
            blocks.append(
                table([["指标", "分子", "分母", "比率"], ["5G网络覆盖率", "310", "320", "96.9%"]])
            )
        blocks.append(page_break())
    write_pdf(path, blocks)
    (path.parents[1] / "submission.yaml").write_text(
        'region: 基准市\nlevel: city\nyear: 2024\nindicators:\n  "1.1.1": {numerator: 310, denominator: 320}\n',
        encoding="utf-8",
    )
    return path


def timed(func, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def raw_pdfium(path: Path) -> None:
    doc = pdfium.PdfDocument(str(path))
    for index in range(len(doc)):
        page = doc[index]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    doc.close()


def main() -> None:
    BUILD.mkdir(parents=True, exist_ok=True)
    pdf = big_pdf(300)
    pages = len(pdfium.PdfDocument(str(pdf)))
    rules = load_rules()
    engine_for(rules)  # build the rulesets once, as a long-running process would

    plain = big_pdf(300, tables=False)
    floor = timed(lambda: raw_pdfium(pdf))
    reading = timed(lambda: read_document(pdf, pdf.name))
    plain_floor = timed(lambda: raw_pdfium(plain))
    plain_reading = timed(lambda: read_document(plain, plain.name))
    doc = read_document(pdf, pdf.name)
    assert doc.info.status == "ok", doc.info.error
    sentences = sentences_of(doc.units)
    split = timed(lambda: sentences_of(doc.units))
    facts_time = timed(lambda: build_facts(rules, sentences, "city", {}))
    facts = build_facts(rules, sentences, "city", {})
    engine_time = timed(lambda: engine_for(rules).evaluate(facts))
    big_check = timed(lambda: check(pdf.parents[1]), repeat=1)
    sample_check = timed(lambda: check(SAMPLE))

    print(f"300-page report: {pages} pages, {len(doc.units)} units, {len(sentences)} sentences")
    print(f"{'stage':<42}{'seconds':>10}{'x floor':>10}")
    rows = [
        ("floor: raw pypdfium2 text extraction", floor),
        ("sxcheck reading, 30 of 300 pages with tables", reading),
        ("sxcheck reading, same text without tables", plain_reading * floor / plain_floor),
        ("sentences + quantities", split),
        ("facts (69 items x all sentences)", facts_time),
        ("engine (durable_rules, 69 rulesets)", engine_time),
        ("full check of the 300-page submission", big_check),
    ]
    for name, seconds in rows:
        print(f"{name:<42}{seconds:>10.3f}{seconds / floor:>10.1f}")
    print(
        f"reading speed: {pages / reading:.0f} pages/s with tables, {pages / plain_reading:.0f} without (floor {pages / floor:.0f} pages/s)"
    )
    print(
        "(the row without tables is scaled to this floor; tables cost pdfplumber's full-page parse)"
    )
    print(f"engine share of the 300-page check: {engine_time / big_check:.1%}")
    print(f"full check of the bundled sample ({SAMPLE.name}): {sample_check:.3f} s")
    recheck_bench(pdf.parents[1])
    shutil.rmtree(BUILD / "tmp", ignore_errors=True)


def recheck_bench(submission: Path) -> None:
    """First check vs. re-check of the unchanged 300-page submission, on one store."""
    db = BUILD / "bench-store.db"
    db.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{db}")
    first = timed(lambda: check(submission, store=store), repeat=1)
    recheck = timed(lambda: check(submission, store=store))
    report = check(submission, store=store)
    assert report.run.documents_read == 0, "the re-check read a document again"
    print(f"{'first check, recorded in the store':<42}{first:>10.3f}")
    print(f"{'re-check of the unchanged submission':<42}{recheck:>10.3f}")
    print(f"re-check speed-up: {first / recheck:.1f}x (documents read again: 0)")


if __name__ == "__main__":
    main()
