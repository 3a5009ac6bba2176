"""Batch benchmark: a generated province-like corpus, read and judged at scale.

`make bench` runs it after the single-document benchmark. By default the corpus
is small (6 submissions of 10 documents of up to 30 pages, about 800 pages,
under a minute), so the whole `make bench` stays within a few minutes on two
cores; BENCH_BIG=1 makes it province-sized (12 x 25 documents of up to 40
pages, about 6,000 pages: several minutes more). BENCH_SUBMISSIONS, BENCH_DOCS
and BENCH_MAX_PAGES set each size on its own. The corpus is generated once into
build/bench/corpus-<size> and reused. Reported side by side in one run:
sxcheck's reading speed against raw pypdfium2 text extraction of the same PDFs
(the floor), batch wall time with 1 worker vs all cores, the engine's share of
the batch, and peak memory (largest process) for half the corpus and the whole
of it.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium

from sxcheck.ingest import read_document

from .docbuilders import page_break, para, table, title, write_docx, write_pdf

ROOT = Path(__file__).resolve().parents[1]
BIG = os.environ.get("BENCH_BIG") == "1"
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "12" if BIG else "6"))
DOCS = int(os.environ.get("BENCH_DOCS", "25" if BIG else "10"))
MAX_PAGES = int(os.environ.get("BENCH_MAX_PAGES", "40" if BIG else "30"))
CORPUS = ROOT / "build" / "bench" / f"corpus-{SUBMISSIONS}x{DOCS}x{MAX_PAGES}"
SXCHECK = str(Path(sys.executable).with_name("sxcheck"))

SENTENCES = [
    "截至2024年底，{r}累计建成5G基站{a}个，城市重点公共区域共{b}个，其中已实现5G网络覆盖的{c}个。",
    "{r}政务服务事项共{b}项，其中可使用电子证照办理的{c}项，电子证照使用率达到{p}%。",
    "{r}新型智慧城市建设领导小组于2024年{m}月召开第{n}次全体会议，研究部署城市大脑建设重点任务。",
    "全年累计处置城市管理事部件问题{a}件，结案率{p}%，群众满意度持续提升。",
    "{r}数据中心年均PUE值为1.{n}，市级政务云已接入省级一体化大数据中心核心枢纽节点。",
]


def _text(region: str, rng: random.Random) -> str:
    b = rng.randint(100, 3000)
    return rng.choice(SENTENCES).format(
        r=region,
        a=rng.randint(100, 9000),
        b=b,
        c=rng.randint(b // 2, b),
        p=rng.randint(60, 99),
        m=rng.randint(1, 12),
        n=rng.randint(1, 9),
    )


def generate() -> list[Path]:
    """The corpus: SUBMISSIONS folders of DOCS documents (3 in 4 PDFs), distinct text each."""
    done = CORPUS / ".complete"
    if done.exists():
        return sorted(p for p in CORPUS.iterdir() if p.is_dir())
    rng = random.Random(2024)
    for s in range(SUBMISSIONS):
        region = f"基准{s:02d}市"
        folder = CORPUS / region
        (folder / "材料").mkdir(parents=True, exist_ok=True)
        (folder / "submission.yaml").write_text(
            f'region: {region}\nlevel: city\nyear: 2024\nindicators:\n  "2.1.4": {{value: {rng.randint(10, 80)}}}\n',
            encoding="utf-8",
        )
        for d in range(DOCS):
            pages = rng.randint(5, MAX_PAGES)
            blocks = [title(f"{region}智慧城市建设材料之{d + 1}")]
            for page in range(pages):
                blocks += [para(_text(region, rng)) for _ in range(6)]
                if page % 5 == 0:
                    blocks.append(
                        table(
                            [
                                ["指标", "分子", "分母", "比率"],
                                ["5G网络覆盖率", str(rng.randint(200, 300)), "320", "90.0%"],
                            ]
                        )
                    )
                blocks.append(page_break())
            if d % 4 == 3:
                write_docx(
                    folder / "材料" / f"{d + 1:02d}.docx", [b for b in blocks if not b.page_break]
                )
            else:
                write_pdf(folder / "材料" / f"{d + 1:02d}.pdf", blocks)
    done.write_text("ok")
    return sorted(p for p in CORPUS.iterdir() if p.is_dir())


def _batch(folders: list[Path], workers: int) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS (MiB, largest process) and the comparison of one batch run."""
    out = CORPUS.parent / f"cmp-{workers}.json"
    command = [
        SXCHECK,
        "batch",
        *map(str, folders),
        "--workers",
        str(workers),
        "--no-store",
        "--quiet",
        "--report",
        str(out),
    ]
    # a wrapper process, so the peak is this batch's own (ru_maxrss of children is a running max)
    wrapper = (
        "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
    )
    started = time.time()
    result = subprocess.run(
        [sys.executable, "-c", wrapper, *command], capture_output=True, text=True
    )
    wall = time.time() - started
    assert result.returncode == 0, result.stderr
    peak = int(result.stdout.strip().splitlines()[-1]) / 1024
    return wall, peak, json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    started = time.time()
    folders = generate()
    pdfs = sorted(CORPUS.rglob("*.pdf"))
    pages = sum(len(pdfium.PdfDocument(str(p))) for p in pdfs)
    documents = sum(1 for _ in CORPUS.rglob("材料/*"))
    print(
        f"\ncorpus: {len(folders)} submissions, {documents} documents, {len(pdfs)} PDFs with {pages} pages (generated/reused in {time.time() - started:.0f} s)"
    )

    t = time.time()
    for path in pdfs:
        doc = pdfium.PdfDocument(str(path))
        for page in doc:
            page.get_textpage().get_text_range()
        doc.close()
    floor = time.time() - t
    t = time.time()
    for path in pdfs:
        read_document(path, path.name)
    reading = time.time() - t
    print(f"{'PDF text, raw pypdfium2 (floor)':<44}{pages / floor:>8.0f} pages/s")
    print(
        f"{'PDF reading, sxcheck (text, tables, layout)':<44}{pages / reading:>8.0f} pages/s  ({reading / floor:.1f}x the floor)"
    )

    cores = os.cpu_count() or 1
    half_wall, half_peak, _ = _batch(folders[: max(1, len(folders) // 2)], cores)
    one_wall, _, _ = _batch(folders, 1)
    all_wall, all_peak, comparison = _batch(folders, cores)
    timings = comparison["timings"]
    print(f"{'batch, 1 worker':<44}{one_wall:>8.1f} s")
    print(
        f"{f'batch, {cores} workers':<44}{all_wall:>8.1f} s  (speed-up {one_wall / all_wall:.2f}x on {cores} cores)"
    )
    share = timings["engine_and_judging"] / timings["total"]
    print(f"{'engine + judging share of the batch':<44}{share:>8.1%}")
    print(f"{'peak memory, largest process, half corpus':<44}{half_peak:>8.0f} MiB")
    print(f"{'peak memory, largest process, whole corpus':<44}{all_peak:>8.0f} MiB")


if __name__ == "__main__":
    main()
