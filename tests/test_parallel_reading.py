"""Two documents parsed at once (ingest.reading, issue 18): the same documents and the
same report as one at a time, in the submission's order, each child under its limits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sxcheck.catalogue.loader import RuleSet
from sxcheck.ingest.isolate import Limits
from sxcheck.ingest.reading import ParserPool
from sxcheck.models import IngestedDocument
from sxcheck.pipeline import effective_rules, evaluate, read_submission

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
