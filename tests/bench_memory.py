"""Memory of a first check in pages (issue 18): peak RSS of the checking process itself.

`python -m tests.bench_memory` generates dense submissions (tests/bench_process.py's:
every paragraph states figures about items, 100 pages a PDF), and mixed ones (the same
with a table of indicators by year and a paragraph of targets on every page, every
third document a 规划), of the sizes BENCH_MEMORY_SIZES gives (default 100,1000 pages;
100,1000,3000 with BENCH_BIG=1; BENCH_MEMORY_KINDS=dense picks the kinds) and
runs `sxcheck check SUB --no-store --quiet` on each in a fresh process, which prints its own peak RSS (RUSAGE_SELF) and that of its children
(the isolated parser, whose peak does not grow with the submission) at exit. The
growth per page is (peak at the largest size - peak at the smallest) / the pages
between: what a dense page costs the process, start-up and rules not counted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .bench_process import ENV, PYTHON, submission

# `make bench`: 100 and 1,000 pages (3,000 too with BENCH_BIG=1); BENCH_MEMORY_SIZES picks
SIZES = [
    int(n)
    for n in os.environ.get(
        "BENCH_MEMORY_SIZES", "100,1000,3000" if os.environ.get("BENCH_BIG") == "1" else "100,1000"
    ).split(",")
]

KINDS = os.environ.get("BENCH_MEMORY_KINDS", "dense,mixed").split(",")

# the check in-process, its peaks printed at exit (KiB on Linux)
RUN = (
    "import atexit, resource, sys\n"
    "def peaks():\n"
    "    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "    print(f'PEAKS {own} {kids}', file=sys.stderr)\n"
    "atexit.register(peaks)\n"
    "from sxcheck.cli import main\n"
    "sys.argv = ['sxcheck', 'check', sys.argv[1], '--no-store', '--quiet']\n"
    "main()\n"
)


def peaks(folder: Path, env: dict[str, str]) -> tuple[int, int]:
    """(own peak, children's peak) in KiB of one check of `folder`."""
    done = subprocess.run(
        [PYTHON, "-c", RUN, str(folder)], env=env, capture_output=True, text=True, check=False
    )
    line = next((x for x in done.stderr.splitlines() if x.startswith("PEAKS ")), None)
    if line is None:
        raise RuntimeError(f"no peaks from the check of {folder}: {done.stderr[-2000:]}")
    own, kids = line.split()[1:]
    return int(own), int(kids)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sxcheck-bench-memory-") as tmp:
        root = Path(tmp)
        env = {**ENV, "SXCHECK_CACHE_DIR": str(root / "cache")}
        env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        for kind in KINDS:
            folders = {pages: submission(root, kind, pages)[0] for pages in SIZES}
            peaks(folders[SIZES[0]], env)  # warms the rule cache and the bytecode
            rows = {pages: peaks(folder, env) for pages, folder in folders.items()}
            print(f"{kind:>6} {'pages':>6} {'own peak MiB':>13} {'parser peak MiB':>16}")
            for pages, (own, kids) in rows.items():
                print(f"{'':>6} {pages:>6} {own / 1024:>13.1f} {kids / 1024:>16.1f}")
            low, high = min(rows), max(rows)
            if high > low:
                per_page = (rows[high][0] - rows[low][0]) / (high - low)
                print(f"growth of the checking process: {per_page:.1f} KiB a {kind} page")


if __name__ == "__main__":
    sys.exit(main())
