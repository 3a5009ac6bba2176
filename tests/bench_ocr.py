"""OCR throughput: pages per second per core, as a scanned package costs it (`make bench`).

Two figures per engine, both on one core at a time:
- whole process: each page read by a fresh `python -c` that imports sxcheck,
  renders the page from an image-only PDF and OCRs it (start-up and model
  loading included: what one page costs a worker that starts for it);
- steady state: one process reading every page after loading once (what a
  long-lived worker per core achieves);
then what a user waits for: a scanned package checked by whole `sxcheck check`
processes, its pages OCR'd per second of the first check (with the OCR workers
it starts), and its re-check, which OCRs nothing.
The chosen engine runs on PAGES pages (4, or 6 with BENCH_BIG=1, keeping the
default `make bench` within a few minutes); the other engine once on fewer, for the
record. Run as `python -m tests.bench_ocr [pages]`.

Every process runs with compiled bytecode, as an installed sxcheck does (a
PYTHONDONTWRITEBYTECODE in the environment is dropped; the bytecode goes to a
temporary PYTHONPYCACHEPREFIX, written by one uncounted page first).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sxcheck.ingest import ocr
from tests.scans import image_pdf, scan_page
from tests.test_ocr_accuracy import TEMPLATES, accuracy_pages

PAGES = 6 if os.environ.get("BENCH_BIG") == "1" else 4
OTHER_PAGES = 2
ROOT = Path(__file__).resolve().parent.parent
# the environment of every measured process (main() points PYTHONPYCACHEPREFIX into its folder)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

ONE_PAGE = """
import sys
from sxcheck.ingest.ocr import recognise
from sxcheck.ingest.ocr.render import prepare, render_pdf_page
lines = recognise(prepare(render_pdf_page(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))), engine=sys.argv[4])
print(len(lines))
"""

STEADY = """
import json, sys, time
from sxcheck.ingest.ocr import recognise
from sxcheck.ingest.ocr.render import prepare, render_pdf_page
path, count, dpi, engine = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
times = []
for index in range(count):
    start = time.perf_counter()
    recognise(prepare(render_pdf_page(path, index, dpi)), engine=engine)
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(code: str, *args: object) -> tuple[str, float, float]:
    """Run `code` in a fresh interpreter; its stdout, wall seconds and CPU seconds."""
    env = {**ENV, "PYTHONPATH": str(ROOT), "OMP_THREAD_LIMIT": "1"}
    cpu, wall = _children_cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    if done.returncode:
        raise SystemExit(f"bench page failed: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout, time.perf_counter() - wall, _children_cpu() - cpu


def scanned_pdf(folder: Path, count: int, dpi: int) -> Path:
    """An image-only PDF of `count` accuracy pages (红头, seal, skew, noise) at `dpi`."""
    pages = []
    candidates = accuracy_pages(-(-count // len(TEMPLATES)))
    for page in sorted(candidates, key=lambda page: (page.seed % 1000, page.seed))[:count]:
        pages.append(
            scan_page(
                list(page.lines),
                dpi=dpi,
                red_header=page.red_header,
                seal=page.seal,
                skew=page.skew,
                noise=page.noise,
                seed=page.seed,
            )
        )
    return image_pdf(pages, folder / f"scan-{count}-{dpi}.pdf", dpi=dpi)


def bench(engine: str, count: int, dpi: int, folder: Path) -> dict[str, float]:
    """Whole-process and steady-state pages per second per core for one engine."""
    pdf = scanned_pdf(folder, count, dpi)
    _run(ONE_PAGE, pdf, 0, dpi, engine)  # uncounted: compiles the bytecode, warms the files
    walls, cpus = [], []
    for index in range(count):
        _, wall, cpu = _run(ONE_PAGE, pdf, index, dpi, engine)
        walls.append(wall)
        cpus.append(cpu)
    out, _, steady_cpu = _run(STEADY, pdf, count, dpi, engine)
    steady = json.loads(out)
    per_page = sum(steady[1:]) / max(1, len(steady) - 1)
    return {
        "process_s": sum(walls) / count,
        "process_cpu_s": sum(cpus) / count,
        "steady_s": per_page,
        "process_pages_per_s": count / sum(walls),
        "steady_pages_per_s": 1 / per_page if per_page else 0.0,
    }


def recheck(folder: Path, count: int) -> None:
    """A scanned package checked twice on one store, as whole `sxcheck check` processes:
    the re-check must OCR no page (run.pages_ocred 0) and is timed against the first."""
    package = folder / "扫描件包-2024"
    (package / "佐证材料").mkdir(parents=True)
    (package / "submission.yaml").write_text(
        "region: 扫描市\nlevel: city\nyear: 2024\nindicators: {}\n", encoding="utf-8"
    )
    pdf = scanned_pdf(folder, count, ocr.OCR_DPI)
    pdf.rename(package / "佐证材料" / pdf.name)
    db = folder / "bench.db"
    command = [str(Path(sys.executable).with_name("sxcheck")), "check", str(package)]
    command += ["--db", str(db), "--json"]
    runs = []
    for _ in range(2):
        wall = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=folder, env=ENV)
        if done.returncode not in (0, 1):
            raise SystemExit(f"bench check failed: {done.stderr.strip().splitlines()[-1:]}")
        runs.append((time.perf_counter() - wall, json.loads(done.stdout)["run"]["pages_ocred"]))
    (first, first_pages), (again, again_pages) = runs
    assert again_pages == 0, "the re-check OCR'd a page again"
    print(
        f"  scanned package ({count} pages), whole processes: first check {first:.2f} s "
        f"({first_pages} pages OCR'd, {first_pages / first:.3f} pages/s), "
        f"re-check {again:.2f} s ({again_pages} pages OCR'd), {first / again:.1f}x"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else PAGES
    chosen = ocr.ENGINE
    other = next(name for name in ocr.ENGINES if name != chosen)
    print(
        f"OCR bench: {count} rendered A4 pages at {ocr.OCR_DPI} dpi, one core, "
        f"{os.cpu_count()} cores on this machine (others' load counts in wall time)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        for engine, pages in ((chosen, count), (other, min(OTHER_PAGES, count))):
            try:
                name = ocr.engine_name(engine)
            except RuntimeError as error:  # Tesseract not installed: say so, the bench goes on
                print(f"  {engine}: not measured ({error})")
                continue
            result = bench(engine, pages, ocr.OCR_DPI, Path(tmp))
            mark = "chosen" if engine == chosen else "for the record"
            print(
                f"  {name} ({mark}, {pages} pages): "
                f"fresh process per page {result['process_pages_per_s']:.3f} pages/s/core "
                f"({result['process_s']:.2f} s wall, {result['process_cpu_s']:.2f} s CPU per page); "
                f"steady state {result['steady_pages_per_s']:.3f} pages/s/core ({result['steady_s']:.2f} s per page)"
            )
        recheck(Path(tmp), count)


if __name__ == "__main__":
    main()
