"""Batch: a province at once. Many submissions read in parallel, ranked together.

Worker processes (or a Dask cluster) open each submission, read its documents
(taking unchanged ones from the store) and build its facts: the costly part.
The main process then ranks the rank measures across submissions of the same
level, runs the engine and the judge for each (a few milliseconds each), flags
evidence reused across regions, records every run in the store and builds the
comparison. One bad submission is listed as not evaluated; the others go on.
"""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sxcheck import __version__
from sxcheck.batch.rank import rank_facts
from sxcheck.batch.reuse import flag_reused_evidence
from sxcheck.catalogue.loader import RuleSet
from sxcheck.errors import SxcheckError
from sxcheck.ingest import EXTRACTOR_VERSION
from sxcheck.ingest.isolate import IsolatedParser, Limits
from sxcheck.ingest.submission_xlsx import FORM
from sxcheck.models import (
    BatchEntry,
    BatchReport,
    Fact,
    IngestedDocument,
    Manifest,
    Report,
    SubmissionInfo,
)
from sxcheck.pipeline import effective_rules, facts_of, judge_facts, read_submission, summarise
from sxcheck.store import Store, open_store

Advance = Callable[[int], None]


@dataclass
class Prepared:
    """What a worker hands back: a read submission and its facts, or why not."""

    source: str
    documents_guess: int = 0  # files of a submission that could not be opened
    error: str | None = None
    manifest: Manifest | None = None
    info: SubmissionInfo | None = None
    documents: list[IngestedDocument] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    started: float = 0.0
    rules: RuleSet | None = None


def _is_submission(path: Path) -> bool:
    if path.is_dir():
        return (path / "submission.yaml").is_file() or (path / FORM).is_file()
    return path.suffix.lower() == ".zip"


def expand(paths: list[Path]) -> list[Path]:
    """Each argument is a submission (folder or zip) or a folder of submissions."""
    found: list[Path] = []
    for path in paths:
        if not path.exists() or _is_submission(path) or not path.is_dir():
            found.append(path)  # a missing path is reported as not evaluated
            continue
        children = sorted(c for c in path.iterdir() if not c.name.startswith("."))
        found += [c for c in children if c.is_dir() or c.suffix.lower() == ".zip"]
    return found


def _count_documents(path: Path) -> int:
    """For the progress bar: files that are not the declaration."""
    try:
        if path.is_dir():
            return sum(
                1 for f in path.rglob("*") if f.is_file() and not f.name.startswith("submission.")
            )
        with zipfile.ZipFile(path) as archive:
            return sum(1 for i in archive.infolist() if not i.is_dir()) - 1
    except (OSError, zipfile.BadZipFile):
        return 0


# ------------------------------------------------------------ workers

_RULES: RuleSet | None = None
_STORE: Store | None = None
_PARSER: IsolatedParser | None = None


_RULE_DIRS: list[Path] = []
_PROFILE: Path | None = None


def _extend(folder: Path) -> RuleSet:
    return effective_rules(_RULE_DIRS, _PROFILE, folder)


def _init(
    rules_dir: str | None,
    db: str | None,
    limits: Limits | None = None,
    profile: str | None = None,
) -> None:
    """Each worker loads the rules, opens the store (the cache) and starts its parser child."""
    global _RULES, _STORE, _PARSER, _RULE_DIRS, _PROFILE
    _RULE_DIRS = [Path(d) for d in rules_dir.split("\0")] if rules_dir else []
    _PROFILE = Path(profile) if profile else None
    _RULES = effective_rules(_RULE_DIRS, _PROFILE)
    _STORE = open_store(db) if db else None
    _PARSER = IsolatedParser(limits)


def prepare(
    source: str,
    rules_dir: str | None = None,
    db: str | None = None,
    limits: Limits | None = None,
    profile: str | None = None,
) -> Prepared:
    """Read one submission and build its facts; user errors become `error`."""
    if _RULES is None:  # a Dask worker: no initialiser hook, initialise on first use
        _init(rules_dir, db, limits, profile)
    assert _RULES is not None
    path = Path(source)
    prepared = Prepared(source=source, started=time.time())
    try:
        manifest, info, documents, rules = read_submission(
            path, _RULES, cache=_STORE, isolation=_PARSER, extend=_extend
        )
    except SxcheckError as exc:
        prepared.error = str(exc)
        prepared.documents_guess = _count_documents(path)  # for the progress bar only
        return prepared
    prepared.manifest, prepared.info = manifest, info
    prepared.facts = facts_of(rules, documents, info, manifest.indicators)
    if rules is not _RULES:
        prepared.rules = rules  # its own 特色性指标: judged by them in the main process
    if _STORE is not None:
        _STORE.save_extractions(documents, EXTRACTOR_VERSION)
    # the text stays here: the main process needs the facts and the document list,
    # so its memory does not grow with the pages of the batch
    prepared.documents = [d.model_copy(update={"units": []}) for d in documents]
    return prepared


def _run_local(
    sources: list[str],
    workers: int,
    rules_dir: str | None,
    db: str | None,
    limits: Limits | None,
    profile: str | None,
) -> Iterator[Prepared]:
    if workers <= 1:
        _init(rules_dir, db, limits, profile)
        try:
            for source in sources:
                yield prepare(source)
        finally:
            if _PARSER is not None:
                _PARSER.close()
        return
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init, initargs=(rules_dir, db, limits, profile)
    ) as pool:
        futures = [pool.submit(prepare, source) for source in sources]
        for future in as_completed(futures):
            yield future.result()


def _run_dask(
    sources: list[str],
    scheduler: str,
    rules_dir: str | None,
    db: str | None,
    limits: Limits | None,
    profile: str | None,
) -> Iterator[Prepared]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise SxcheckError(
            "--scheduler needs Dask distributed: pip install 'sxcheck[dask]'"
        ) from None
    try:
        client = Client(scheduler, timeout=20)
    except (OSError, TimeoutError) as exc:
        raise SxcheckError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        futures = client.map(
            prepare,
            sources,
            rules_dir=rules_dir,
            db=db,
            limits=limits,
            profile=profile,
            pure=False,
        )
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()


# ------------------------------------------------------------ main process


def run_batch(
    paths: list[Path],
    workers: int | None = None,
    rules_dir: Path | list[Path] | None = None,
    db: str | None = None,
    scheduler: str | None = None,
    advance: Advance | None = None,
    on_total: Callable[[int], None] | None = None,
    limits: Limits | None = None,
    profile: Path | None = None,
) -> tuple[BatchReport, list[Report]]:
    """Evaluate many submissions; returns the comparison and each submission's report."""
    started = time.time()
    dirs = [rules_dir] if isinstance(rules_dir, Path) else list(rules_dir or [])
    rules = effective_rules(dirs, profile)
    store = open_store(db) if db else None  # migrate once, before the workers open it
    sources = [str(p) for p in expand(paths)]
    if not sources:
        raise SxcheckError("no submissions found in the given folders")
    workers = workers or os.cpu_count() or 1
    if on_total:
        on_total(sum(_count_documents(Path(s)) for s in sources))
    rules_arg = "\0".join(str(d) for d in dirs) or None
    profile_arg = str(profile) if profile else None
    stream = (
        _run_dask(sources, scheduler, rules_arg, db, limits, profile_arg)
        if scheduler
        else _run_local(sources, min(workers, len(sources)), rules_arg, db, limits, profile_arg)
    )
    prepared: dict[str, Prepared] = {}
    reading_started = time.time()
    for item in stream:
        prepared[item.source] = item
        if advance:
            advance(len(item.documents) or item.documents_guess)
    ordered = [prepared[s] for s in sources]
    good = [p for p in ordered if p.error is None]
    judging_started = time.time()
    rank_facts(rules, [(p.info.level, p.facts) for p in good if p.info])
    reports: dict[str, Report] = {}
    for p in good:
        assert p.info is not None
        reports[p.source] = judge_facts(p.rules or rules, p.facts, p.documents, p.info, p.started)
    flag_reused_evidence(list(reports.values()), rules.messages["reused_evidence"])
    storing_started = time.time()
    for p in good:
        report = reports[p.source]
        report.summary = summarise(p.rules or rules, report.indicators)
        if store is not None:
            # no input digest: a batch run's ranks depend on the other submissions,
            # so a later single check must not reuse its judgments
            store.save_run(report, p.facts, p.documents, EXTRACTOR_VERSION, "", extractions=False)
    comparison = _comparison(rules, ordered, reports, started, workers if not scheduler else 0)
    comparison.timings = {
        "reading_and_facts": round(judging_started - reading_started, 3),
        "engine_and_judging": round(storing_started - judging_started, 3),
        "store": round(time.time() - storing_started, 3),
        "total": round(time.time() - started, 3),
    }
    return comparison, [reports[p.source] for p in good]


def _ranks(values: dict[str, float | None]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4) of the entries with a value, highest first."""
    ordered = sorted((v for v in values.values() if v is not None), reverse=True)
    return {k: ordered.index(v) + 1 for k, v in values.items() if v is not None}


def _comparison(
    rules: RuleSet,
    prepared: list[Prepared],
    reports: dict[str, Report],
    started: float,
    workers: int,
) -> BatchReport:
    firsts: dict[str, str] = {}
    for tree in rules.tree.values():
        if tree.first != "T":
            firsts.setdefault(tree.first, tree.first_name)
    entries = []
    for p in prepared:
        report = reports.get(p.source)
        if report is None:
            entries.append(BatchEntry(source=p.source, evaluated=False, error=p.error))
            continue
        scores = report.summary.scores
        apps = next((j for j in report.indicators if j.kind.startswith("rank")), None)
        apps_rank = None
        if apps is not None:
            for measure in apps.measures.values():
                if measure.get("ranked"):
                    apps_rank = int(measure["rank"])
        entries.append(
            BatchEntry(
                source=p.source,
                evaluated=True,
                run_id=report.run.id,
                region=report.submission.region,
                level=report.submission.level,
                year=report.submission.year,
                total=scores.get("total"),
                first_level={f: scores.get(f) for f in firsts},
                apps_rank=apps_rank,
                counts=report.summary.counts,
                statuses={j.id: j.status.value for j in report.indicators},
                reused_evidence=[
                    j.id
                    for j in report.indicators
                    if any(r.code == "reused_evidence" for r in j.reasons)
                ],
            )
        )
    for level in ("city", "county"):
        same = [e for e in entries if e.evaluated and e.level == level]
        overall = _ranks({e.source: e.total for e in same})
        for e in same:
            e.rank = overall.get(e.source)
        for first in firsts:
            ranks = _ranks({e.source: e.first_level.get(first) for e in same})
            for e in same:
                if e.source in ranks:
                    e.first_level_ranks[first] = ranks[e.source]
    now = time.time()
    return BatchReport(
        started_at=datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        finished_at=datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        tool_version=__version__,
        rules_digest=rules.digest,
        workers=workers,
        documents=sum(len(p.documents) for p in prepared),
        first_levels=firsts,
        items={item_id: item.name for item_id, item in rules.items.items()},
        entries=entries,
    )


__all__ = ["Prepared", "expand", "prepare", "run_batch"]
