"""Two documents parsed at once (ingest.reading, issue 18): the same documents and the
same report as one at a time, in the submission's order, each child under its limits."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sxcheck.catalogue.loader import RuleSet
from sxcheck.ingest.isolate import Limits
from sxcheck.ingest.reading import ParserPool, read_files
from sxcheck.models import IngestedDocument
from sxcheck.pipeline import effective_rules, evaluate, read_submission
from sxcheck.store.errors import StoreError

from .conftest import MINIMAL, ROOT
from .hostile import flate_bomb

SAMPLES = sorted((ROOT / "evidence_samples").iterdir())


def _read(folder: Path, rules: RuleSet, pool: ParserPool, progress=None):
    with pool:  # a sample's own 特色性指标 (rules/) as `check` adds them
        return read_submission(
            folder,
            rules,
            progress,
            isolation=pool,
            extend=lambda own: effective_rules([], None, own),
        )


def _shown(documents: list[IngestedDocument]) -> list[dict]:
    return [document.model_dump(mode="json") for document in documents]


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_two_parsers_read_what_one_reads_and_judge_it_the_same(
    sample: Path, rules: RuleSet
) -> None:
    seen: list[tuple[str, int, int]] = []
    manifest, info, one, judged_by = _read(sample, rules, ParserPool(parsers=1))
    _, _, two, _ = _read(sample, rules, ParserPool(parsers=2), lambda *a: seen.append(a))
    assert one and _shown(two) == _shown(one)  # same documents, same order
    files = seen[0][2]  # the files are counted first (then the scanned pages OCR reads)
    assert [number for _, number, _ in seen[:files]] == list(range(1, files + 1))
    reports = [
        evaluate(judged_by, documents, info, manifest.indicators).model_dump(
            mode="json", exclude={"run"}
        )
        for documents in (one, two)
    ]
    assert reports[0] == reports[1]


def test_a_document_is_read_while_the_one_before_it_is_still_parsed(
    make_submission, tmp_path: Path, rules: RuleSet
) -> None:
    """A bomb holds one child until the run's budget ends; the notice after it is read by
    the other child meanwhile (one parser at a time would list it as not read)."""
    bomb = flate_bomb(tmp_path / "bomb.pdf", 256)  # parses for minutes
    root = make_submission(
        MINIMAL,
        {"a-炸弹.pdf": bomb, "b-说明.txt": "全市IPv6网站共50个。".encode()},
    )
    limits = Limits(seconds=60, memory_mb=4096, run_seconds=3)
    started = time.monotonic()
    pool = ParserPool(limits, parsers=2)
    _, _, documents, _ = _read(root, rules, pool)
    assert time.monotonic() - started < 30  # the bomb's child was stopped at the budget
    listed = [(d.info.path, d.info.status, d.info.error) for d in documents]
    assert listed[:2] == [
        ("a-炸弹.pdf", "error", "not read: the run's time budget (3 s) was used up"),
        ("b-说明.txt", "ok", None),
    ]
    assert documents[1].units and pool.replaced == 1

    one = ParserPool(limits, parsers=1)
    _, _, documents, _ = _read(root, rules, one)
    assert [d.info.status for d in documents[:2]] == ["error", "error"]


def test_a_document_that_times_out_leaves_the_other_child_reading(
    make_submission, tmp_path: Path, rules: RuleSet
) -> None:
    """Each child keeps its own time limit: the bomb's is replaced at its limit and the
    documents after it are read by both children, still in the submission's order."""
    bomb = flate_bomb(tmp_path / "bomb.pdf", 256)
    notices = {f"{c}-说明.txt": f"全市IPv6网站共{n}个。".encode() for n, c in enumerate("bcde")}
    root = make_submission(MINIMAL, {"a-炸弹.pdf": bomb, **notices})
    pool = ParserPool(Limits(seconds=3, memory_mb=4096), parsers=2)
    _, _, documents, _ = _read(root, rules, pool)
    listed = [(d.info.path.split("/")[-1], d.info.status, d.info.error) for d in documents]
    assert listed[0] == ("a-炸弹.pdf", "error", "timeout: not parsed within 3 s")
    assert listed[1:5] == [(name, "ok", None) for name in sorted(notices)]
    assert [d.units[0].text for d in documents[1:5]] == [f"全市IPv6网站共{n}个。" for n in range(4)]
    assert pool.replaced == 1


def _files(folder: Path, named: dict[str, bytes | Path]) -> list[tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, content in named.items():
        path = folder / name
        path.write_bytes(content.read_bytes() if isinstance(content, Path) else content)
        out.append((path, name))
    return out


def test_each_file_gets_its_own_document_in_the_files_order(tmp_path: Path) -> None:
    """The notices after a bomb finish long before it; they still come back after it,
    each paired with its own file and its own text."""
    bomb = flate_bomb(tmp_path / "bomb.pdf", 256)
    texts = {f"{c}.txt": f"全县{n}个行政村通光纤。" for n, c in enumerate("abc", start=1)}
    files = _files(
        tmp_path / "in", {"0-炸弹.pdf": bomb, **{k: v.encode() for k, v in texts.items()}}
    )
    with ParserPool(Limits(seconds=3, memory_mb=4096), parsers=2) as pool:
        read = read_files(files, None, pool.children, time.monotonic() + 600, 600)
    assert [(path, document.info.path) for path, document in read] == [
        (path, rel) for path, rel in files
    ]
    assert read[0][1].info.error == "timeout: not parsed within 3 s"
    assert [document.units[0].text for _, document in read[1:]] == list(texts.values())


class _LockedOnce:
    """A store whose second lookup fails (a database locked for a moment)."""

    def __init__(self) -> None:
        self.calls = 0

    def lookup(self, sha256: str, version: str) -> None:
        self.calls += 1
        if self.calls == 2:
            raise StoreError("sxcheck.db: database is locked")


@pytest.mark.parametrize("parsers", [1, 2])
def test_a_parser_left_waiting_by_an_error_never_answers_for_the_next_file(
    tmp_path: Path, parsers: int
) -> None:
    """The store fails while the first file is with a child; a batch worker goes on to
    the next submission with the same parsers, whose files get their own documents (the
    unanswered child is stopped, not asked again)."""
    first = _files(tmp_path / "one", {"one-a.txt": "第一份甲。".encode(), "one-b.txt": b"x"})
    second = _files(
        tmp_path / "two", {"two-a.txt": "第二份甲。".encode(), "two-b.txt": "第二份乙。".encode()}
    )
    with ParserPool(Limits(seconds=30), parsers=parsers) as pool:
        with pytest.raises(StoreError):
            read_files(first, _LockedOnce(), pool.children, time.monotonic() + 600, 600)
        read = read_files(second, None, pool.children, time.monotonic() + 600, 600)
    assert [(d.info.path, d.info.status, d.units[0].text) for _, d in read] == [
        ("two-a.txt", "ok", "第二份甲。"),
        ("two-b.txt", "ok", "第二份乙。"),
    ]


def test_a_file_not_begun_when_the_budget_ends_is_listed_as_before(tmp_path: Path) -> None:
    """The budget ends while the parser waits on a bomb: the notice after it was hashed
    meanwhile but never parsed, and is listed as one parse at a time listed it (no size,
    no hash: nothing of it was read)."""
    bomb = flate_bomb(tmp_path / "bomb.pdf", 256)
    files = _files(tmp_path / "in", {"a.pdf": bomb, "b.txt": "全市IPv6网站共50个。".encode()})
    with ParserPool(Limits(seconds=60, memory_mb=4096, run_seconds=2), parsers=1) as pool:
        read = read_files(files, None, pool.children, time.monotonic() + 2, 2)
    reason = "not read: the run's time budget (2 s) was used up"
    assert [(p, d.info.error, d.info.size, d.info.sha256) for p, d in read] == [
        (files[0][0], reason, bomb.stat().st_size, read[0][1].info.sha256),
        (None, reason, 0, ""),
    ]
    assert len(read[0][1].info.sha256) == 64


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_parsers_exit_when_the_check_is_killed(tmp_path: Path):
    """kill -9 (or the OOM killer) of a check leaves no parser behind: each child closes
    the parent's end of every pipe it inherited, so it sees its own pipe close, and one
    killed while sending its result goes quietly."""
    import subprocess
    import sys

    from .bench_process import submission

    folder, _ = submission(tmp_path, "dense", 400)
    sxcheck = str(Path(sys.executable).with_name("sxcheck"))
    check = subprocess.Popen(
        [sxcheck, "check", str(folder), "--no-store", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    children: list[int] = []
    for _ in range(200):  # until both parsers run (at most 20 s)
        children = _children(check.pid)
        if len(children) >= 2 or check.poll() is not None:
            break
        time.sleep(0.1)
    assert len(children) >= 2, "the check did not start its two parsers"
    check.kill()
    check.wait()
    for _ in range(100):  # each child notices within a few seconds
        if not any(_alive(c) for c in children):
            break
        time.sleep(0.1)
    left = [c for c in children if _alive(c)]
    for pid in left:
        os.kill(pid, 9)
    assert not left, "parser children outlived the killed check"
    assert b"Traceback" not in (check.stderr.read() if check.stderr else b"")
