"""`make bench`, first table: what a user waits for, whole processes against their floor.

Every figure is a whole process (start-up, imports and rule loading included),
timed from outside with time.perf_counter and resource.getrusage(RUSAGE_CHILDREN),
and paired with its floor in the same run: A and B are started in turn
(A B A B ...), the ratio is taken pair by pair and its median printed, so a
machine whose speed drifts during the run still gives a meaningful ratio.

Rows:
- start-up: `sxcheck --help` and `sxcheck rules list` against `python -c pass`;
- first check against raw pypdfium2 text extraction of the same PDFs, on
  generated submissions of dense text (every paragraph states figures about
  items, tests/bench_batch.py's sentences), of mixed text (the same with a table of
  indicators by year and targets on every page, every third document a 规划: every
  page goes through pdfplumber's table reading) and of sparse prose (no figures),
  at 10, 100 and 1,000 pages (3,000 too with BENCH_BIG=1);
- re-check of the unchanged submission on the same store against `sxcheck --help`,
  and against its first check (ratio of the medians: the two cannot be paired);
- batch of a small corpus with 2 workers against 1 worker.

Runs per figure: BENCH_RUNS (default 5) for start-up, 3 for checks up to 100
pages and for re-checks, 1 first check at 1,000 and 3,000 pages;
BENCH_SIZES=10,100 picks the sizes (BENCH_BIG=1 adds 3,000 pages, about ten
minutes more). Documents are generated into a temporary folder and removed
afterwards.

Every process runs as an installed sxcheck does: with compiled bytecode (a
PYTHONDONTWRITEBYTECODE in the environment would make each one compile every
module it imports, which no user pays; the bytecode goes to a temporary
PYTHONPYCACHEPREFIX, written by the uncounted first pair) and with its own rule
cache (SXCHECK_CACHE_DIR in the same temporary folder, warmed the same way).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from .bench_batch import _text
from .docbuilders import page_break, para, table, title, write_pdf

PYTHON = sys.executable
SXCHECK = str(Path(PYTHON).with_name("sxcheck"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
BIG = os.environ.get("BENCH_BIG") == "1"
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10,100,1000").split(",")] + (
    [3000] if BIG else []
)
PAGES_PER_DOC = 100  # a big submission is several documents, as real ones are
PARAS_PER_PAGE = 8

# the floor of a first check: open every PDF, extract every page's text layer, nothing else
RAW = (
    "import sys, pypdfium2 as pdfium\n"
    "for name in sys.argv[1:]:\n"
    "    doc = pdfium.PdfDocument(name)\n"
    "    for i in range(len(doc)):\n"
    "        doc[i].get_textpage().get_text_range()\n"
    "    doc.close()\n"
)

PROSE = [
    "全市坚持以人民为中心的发展思想，统筹推进新型智慧城市建设，着力提升城市治理体系和治理能力现代化水平。",
    "各有关部门按照职责分工，加强协调配合，形成工作合力，推动各项任务落地见效，群众获得感不断增强。",
    "我们将继续深化数字政府改革，优化营商环境，完善基础设施，加快推进数字经济与实体经济深度融合。",
    "围绕惠民服务、精准治理、生态宜居和产业发展等方面，持续探索具有本地特色的智慧城市建设路径。",
    "下一步，将进一步健全工作机制，强化要素保障，注重总结推广典型经验，推动建设成果更好惠及全体市民。",
]


# the environment of every timed process (main() points the caches into its temporary folder)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def runs_for(pages: int) -> int:
    return min(RUNS, 3) if pages <= 100 else 1


# --------------------------------------------------------------------------- generation


def submission(root: Path, kind: str, pages: int, seed: int = 2024) -> tuple[Path, list[Path]]:
    """A submission folder of `pages` pages of dense, sparse or mixed text, in PDFs of up
    to 100 pages. Mixed is dense text as 规划 and statistics write it: every page has a
    table of indicators by year (基期值, this year, 目标值) and a paragraph of targets,
    and every third document is a 规划 (its figures without a year are the plan's)."""
    rng = random.Random(seed + pages)
    region = "基准市"
    folder = root / f"{kind}-{pages}p"
    (folder / "佐证材料").mkdir(parents=True)
    (folder / "submission.yaml").write_text(
        f'region: {region}\nlevel: city\nyear: 2024\nindicators:\n  "1.1.1": {{numerator: 310, denominator: 320}}\n',
        encoding="utf-8",
    )
    pdfs = []
    for start in range(0, pages, PAGES_PER_DOC):
        count = min(PAGES_PER_DOC, pages - start)
        number = start // PAGES_PER_DOC + 1
        plan = kind == "mixed" and number % 3 == 0
        name = "新型智慧城市发展规划（2021-2025年）" if plan else f"新型智慧城市建设材料之{number}"
        blocks = [title(f"{region}{name}")]
        for _ in range(count):
            for _ in range(PARAS_PER_PAGE if kind != "mixed" else PARAS_PER_PAGE // 2):
                if kind == "sparse":
                    text = rng.choice(PROSE) + rng.choice(PROSE)
                else:  # every paragraph states figures about items
                    text = _text(region, rng) + _text(region, rng)
                blocks.append(para(text))
            if kind == "mixed":
                blocks += [para(_targets(rng)), table(_indicator_rows(rng))]
            blocks.append(page_break())
        path = folder / "佐证材料" / f"{number:03d}.pdf"
        write_pdf(path, blocks)
        pdfs.append(path)
    return folder, pdfs


INDICATORS = [
    ("5G网络覆盖率", "%"),
    ("电子证照使用率", "%"),
    ("政务服务事项网上可办率", "%"),
    ("城市管理事部件问题结案率", "%"),
    ("政务信息系统上云率", "%"),
    ("千兆光纤用户数（万户）", ""),
]


def _indicator_rows(rng: random.Random) -> list[list[str]]:
    """A 规划's table of indicators: 基期值, this year's figure and the 目标值."""
    rows = [["指标名称", "2020年基期值", "2024年", "2025年目标值"]]
    for name, unit in rng.sample(INDICATORS, 4):
        base, now = rng.randint(40, 70), rng.randint(71, 97)
        rows.append([name, f"{base}{unit}", f"{now}{unit}", f"{rng.randint(now, 100)}{unit}"])
    return rows


def _targets(rng: random.Random) -> str:
    """A paragraph of targets, as 规划 state them."""
    name, unit = rng.choice(INDICATORS[:4])
    return (
        f"到2025年，全市{name}达到{rng.randint(95, 100)}{unit}以上，"
        f"较2020年提高{rng.randint(10, 40)}个百分点；力争{rng.choice(INDICATORS[:4])[0]}"
        f"达到{rng.randint(90, 100)}{unit}。"
    )


def batch_corpus(root: Path, submissions: int = 4, pages: int = 30) -> list[Path]:
    """`submissions` dense submissions of `pages` pages each, distinct text each."""
    return [submission(root / f"b{s}", "dense", pages, seed=s)[0] for s in range(submissions)]


# --------------------------------------------------------------------------- timing


@dataclass
class Run:
    wall: float
    cpu: float


@dataclass
class Pair:
    a: list[Run]
    b: list[Run]

    @property
    def ratios(self) -> list[float]:
        return [x.wall / y.wall for x, y in zip(self.a, self.b, strict=True)]

    @property
    def cpu_ratios(self) -> list[float]:
        return [x.cpu / y.cpu for x, y in zip(self.a, self.b, strict=True) if y.cpu > 0]


def run_once(command: list[str], cwd: Path, setup: Callable[[], None] | None = None) -> Run:
    if setup:
        setup()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):  # 1: a check that found failures still ran
        raise RuntimeError(f"{command[:3]} exited {result.returncode}: {result.stderr[-2000:]!r}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu)


def paired(
    a: list[str],
    b: list[str],
    cwd: Path,
    runs: int,
    warmup: int = 1,
    setup_a: Callable[[], None] | None = None,
    setup_b: Callable[[], None] | None = None,
) -> Pair:
    """A and B in turn, `warmup` uncounted pairs first; each setup runs outside the timing."""
    for _ in range(warmup):
        run_once(a, cwd, setup_a)
        run_once(b, cwd, setup_b)
    pair = Pair([], [])
    for _ in range(runs):
        pair.a.append(run_once(a, cwd, setup_a))
        pair.b.append(run_once(b, cwd, setup_b))
    return pair


def median_wall(runs: list[Run]) -> float:
    return statistics.median(r.wall for r in runs)


# --------------------------------------------------------------------------- table

HEADER = (
    f"{'whole process (A) vs its floor (B)':<48}{'A s':>8}{'B s':>8}"
    f"{'A/B':>8}{'min':>7}{'cpu':>7}{'n':>3}  goal"
)


def row(label: str, pair: Pair, goal: str = "") -> None:
    cpu = f"{statistics.median(pair.cpu_ratios):>7.2f}" if pair.cpu_ratios else f"{'-':>7}"
    print(
        f"{label:<48}{median_wall(pair.a):>8.3f}{median_wall(pair.b):>8.3f}"
        f"{statistics.median(pair.ratios):>8.2f}{min(pair.ratios):>7.2f}{cpu}{len(pair.a):>3}  {goal}",
        flush=True,
    )


def main() -> None:
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="sxcheck-bench-"))
    try:
        work = root / "cwd"  # so no ./sxcheck.db lands in the checkout
        work.mkdir()
        ENV["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        ENV["SXCHECK_CACHE_DIR"] = str(root / "cache")
        print(
            "\nwhole processes, paired A B A B ...; A/B: median of the pairs' wall ratios, "
            "min: smallest, cpu: median of user+sys ratios, n: pairs",
            flush=True,
        )
        print(HEADER, flush=True)
        floor = [PYTHON, "-c", "pass"]
        helpcmd = [SXCHECK, "--help"]
        row("sxcheck --help vs python -c pass", paired(helpcmd, floor, work, RUNS), "<= 3")
        row(
            "sxcheck rules list vs python -c pass",
            paired([SXCHECK, "rules", "list"], floor, work, RUNS),
            "<= 3",
        )

        for kind in ("dense", "mixed", "sparse"):
            for pages in SIZES:
                folder, pdfs = submission(root / "subs", kind, pages)
                real = sum(len(pdfium.PdfDocument(str(p))) for p in pdfs)
                db = root / f"{kind}-{pages}.db"
                check = [SXCHECK, "check", str(folder), "--quiet", "--db", f"sqlite:///{db}"]
                raw = [PYTHON, "-c", RAW, *map(str, pdfs)]
                n = runs_for(pages)
                first = paired(
                    check,
                    raw,
                    work,
                    n,
                    warmup=1 if pages <= 100 else 0,
                    setup_a=lambda db=db: db.unlink(missing_ok=True),
                )
                label = f"{kind} {real}p"
                row(
                    f"{label}: first check vs raw pypdfium2",
                    first,
                    "<= 2" if kind == "dense" else "",
                )
                # the store now holds the last first check: every further run is a re-check
                again = paired(check, helpcmd, work, min(RUNS, 3), warmup=0)
                row(f"{label}: re-check vs sxcheck --help", again, "<= 1.5")
                ratio = median_wall(again.a) / median_wall(first.a)
                print(
                    f"{f'{label}: re-check vs first check (medians)':<48}"
                    f"{median_wall(again.a):>8.3f}{median_wall(first.a):>8.3f}{ratio:>8.3f}"
                    f"{'':>7}{'':>7}{'':>3}  <= 0.05 (>= 20x faster)",
                    flush=True,
                )
                shutil.rmtree(folder)

        folders = batch_corpus(root / "batch")
        out = root / "batch.json"
        base = [SXCHECK, "batch", *map(str, folders), "--no-store", "--quiet", "--report", str(out)]
        row(
            f"batch of {len(folders)} x 30p, 2 workers vs 1",
            paired([*base, "--workers", "2"], [*base, "--workers", "1"], work, 2, warmup=0),
            "~ 0.5 on 2 cores",
        )
        print(f"(whole-process table in {time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
