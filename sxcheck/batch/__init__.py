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
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sxcheck import __version__
from sxcheck.batch.rank import rank_facts
from sxcheck.batch.reuse import flag_reused_evidence
from sxcheck.batch.workers import (
    Prepared,
    count_documents,
    prepare,
    run_dask,
    run_local,
    unexpected,
)
from sxcheck.catalogue.loader import RuleSet
from sxcheck.errors import SxcheckError
from sxcheck.ingest import extractor_version
from sxcheck.ingest.isolate import Limits
from sxcheck.ingest.submission_xlsx import FORM
from sxcheck.models import BatchEntry, BatchReport, Report
from sxcheck.pipeline import effective_rules, judge_facts, summarise, with_decisions
from sxcheck.store import Store, open_store

Advance = Callable[[int], None]


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


def shown(source: str) -> str:
    """A path as text every report can hold: a file name that is not UTF-8
    (kept by Python as surrogates) would make the JSON or XLSX writer fail."""
    try:
        return source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return source.encode("utf-8", "replace").decode("utf-8")


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
        on_total(sum(count_documents(Path(s)) for s in sources))
    rules_arg = "\0".join(str(d) for d in dirs) or None
    profile_arg = str(profile) if profile else None
    stream = (
        run_dask(sources, scheduler, rules_arg, db, limits, profile_arg)
        if scheduler
        else run_local(sources, min(workers, len(sources)), rules_arg, db, limits, profile_arg)
    )
    prepared: dict[str, Prepared] = {}
    reading_started = time.time()
    for item in stream:
        prepared[item.source] = item
        if advance:
            advance(len(item.documents) or item.documents_guess)
    ordered = [prepared[s] for s in sources]
    judging_started = time.time()
    rank_facts(rules, [(p.info.level, p.facts) for p in ordered if p.info and p.error is None])
    reports: dict[str, Report] = {}
    for p in ordered:
        if p.error is None:
            _judge(p, rules, reports)
    flag_reused_evidence(
        list(reports.values()),
        rules.messages,
        {r.run.id: prepared[source].heads for source, r in reports.items()},
        rules.lexicon.issuer,
    )
    storing_started = time.time()
    for p in ordered:
        if p.source in reports:
            _store(p, rules, reports, store)
    comparison = build_comparison(rules, ordered, reports, started, workers if not scheduler else 0)
    comparison.timings = {
        "reading_and_facts": round(judging_started - reading_started, 3),
        "engine_and_judging": round(storing_started - judging_started, 3),
        "store": round(time.time() - storing_started, 3),
        "total": round(time.time() - started, 3),
    }
    return comparison, [reports[p.source] for p in ordered if p.source in reports]


def _judge(p: Prepared, rules: RuleSet, reports: dict[str, Report]) -> None:
    """Judge one submission; whatever goes wrong makes it a row of its own."""
    assert p.info is not None
    p.info = p.info.model_copy(update={"source": shown(p.info.source)})
    try:
        report = judge_facts(p.rules or rules, p.facts, p.documents, p.info, p.started)
        report.model_dump_json().encode("utf-8")  # every writer can hold it
    except SxcheckError as exc:
        p.error = str(exc)
    except Exception as exc:  # noqa: BLE001 -- one submission's trouble is its own row
        p.error = unexpected(exc, "judging it")
    else:
        reports[p.source] = report


def _store(p: Prepared, rules: RuleSet, reports: dict[str, Report], store: Store | None) -> None:
    """Summarise and record one run; a run that cannot be recorded is not evaluated,
    with the store's one-line error, and the others are still recorded."""
    report = reports[p.source]
    try:
        report.summary = summarise(p.rules or rules, report.indicators)
        if store is not None:
            # the reviewers' decisions on the region, as a single check applies them
            report = reports[p.source] = with_decisions(p.rules or rules, report, store)
            # no input digest: a batch run's ranks depend on the other submissions,
            # so a later single check must not reuse its judgments
            store.save_run(
                report,
                p.facts,
                p.documents,
                extractor_version(),
                "",
                extractions=False,
                kind="batch",
            )
    except SxcheckError as exc:
        p.error = str(exc)
    except Exception as exc:  # noqa: BLE001
        p.error = unexpected(exc, "summarising and recording it")
    if p.error is not None:
        del reports[p.source]


def _ranks(values: dict[str, float | None]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4) of the entries with a value, highest first."""
    ordered = sorted((v for v in values.values() if v is not None), reverse=True)
    return {k: ordered.index(v) + 1 for k, v in values.items() if v is not None}


def _citing(report: Report, code: str) -> list[str]:
    return [j.id for j in report.indicators if any(r.code == code for r in j.reasons)]


def _items(rules: RuleSet, reports: dict[str, Report]) -> dict[str, str]:
    """The matrix's rows: the rules' items, then the 特色性指标 submissions brought with
    their own rules/ (each submission's T. items, by id)."""
    items = {item_id: item.name for item_id, item in rules.items.items()}
    extra = {
        j.id: j.name for report in reports.values() for j in report.indicators if j.id not in items
    }
    return {**items, **dict(sorted(extra.items()))}


def build_comparison(
    rules: RuleSet,
    prepared: list[Prepared],
    reports: dict[str, Report],
    started: float,
    workers: int,
) -> BatchReport:
    """The comparison of judged submissions: totals and first-level scores ranked among
    submissions of the same level, and every item's status (`batch`, and the web's
    /batch over each region's latest run)."""
    firsts: dict[str, str] = {}
    for tree in rules.tree.values():
        if tree.first != "T":
            firsts.setdefault(tree.first, tree.first_name)
    entries = []
    for p in prepared:
        report = reports.get(p.source)
        if report is None:
            entries.append(BatchEntry(source=shown(p.source), evaluated=False, error=p.error))
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
                source=shown(p.source),
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
                reused_evidence=_citing(report, "reused_evidence"),
                reused_unresolved=_citing(report, "reused_evidence_unresolved"),
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
        items=_items(rules, reports),
        entries=entries,
    )


__all__ = ["Prepared", "expand", "prepare", "run_batch"]
