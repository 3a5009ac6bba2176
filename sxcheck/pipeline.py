"""Wire the stages: ingest -> evidence -> facts -> engine -> judge -> Report.

The only place that knows the order of the stages; the CLI calls `check`.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sxcheck import __version__
from sxcheck.catalogue.extend import apply_profile, extend_rules
from sxcheck.catalogue.loader import RuleSet, load_rules
from sxcheck.engine import engine_for
from sxcheck.evidence import compact_units, read_documents, sentences_of
from sxcheck.facts import build_facts
from sxcheck.fingerprint import quick_digest
from sxcheck.ingest import ExtractionCache, cacheable, extractor_version
from sxcheck.ingest.folder import with_listing
from sxcheck.ingest.isolate import IsolatedParser, Limits
from sxcheck.ingest.ocr.merge import read_scans
from sxcheck.ingest.reading import ParserPool, read_files
from sxcheck.ingest.submission import open_submission
from sxcheck.judge import judge, roll_up
from sxcheck.judge.decisions import apply_decisions
from sxcheck.models import (
    Decision,
    Fact,
    IngestedDocument,
    Judgment,
    Manifest,
    Report,
    RunInfo,
    Status,
    SubmissionInfo,
    Summary,
)

if TYPE_CHECKING:  # the store's ORM is imported only by a run that has a store
    from sxcheck.store import Store

Progress = Callable[[str, int, int], None]


def evaluate(
    rules: RuleSet,
    documents: list[IngestedDocument],
    info: SubmissionInfo,
    declared: dict,
    started: float | None = None,
) -> Report:
    """Evaluate already-read documents (shared by `check` and the rule-case runner)."""
    return evaluate_with_facts(rules, documents, info, declared, started)[0]


def evaluate_with_facts(
    rules: RuleSet,
    documents: list[IngestedDocument],
    info: SubmissionInfo,
    declared: dict,
    started: float | None = None,
) -> tuple[Report, list[Fact]]:
    """The report and the facts behind it (the store keeps both)."""
    started = started or time.time()
    facts = facts_of(rules, documents, info, declared)
    return judge_facts(rules, facts, documents, info, started), facts


def facts_of(
    rules: RuleSet, documents: list[IngestedDocument], info: SubmissionInfo, declared: dict
) -> list[Fact]:
    """Documents and declaration -> one fact per item measure (the costly part after reading)."""
    units, officials, listing = read_documents(documents, rules.lexicon)
    sentences = sentences_of(units, info.year, rules.lexicon, officials, listing)
    # the evaluation period: a profile's, else the submission's year
    years = set(rules.period_years or {info.year})
    return build_facts(
        rules,
        sentences,
        info.level,
        declared,
        years=years,
        region=info.region,
        parent=info.parent,
        officials=officials,
    )


def judge_facts(
    rules: RuleSet,
    facts: list[Fact],
    documents: list[IngestedDocument],
    info: SubmissionInfo,
    started: float,
) -> Report:
    """Facts -> engine -> judgments -> a report. A batch calls it after ranking the facts."""
    findings = engine_for(rules).evaluate(facts, label=info.region)
    doc_infos = [doc.info for doc in documents]
    judgments = judge(rules, facts, findings, doc_infos)
    finished = time.time()
    fresh = sum(1 for doc in documents if doc.info.sha256 and not doc.from_store)
    return Report(
        run=RunInfo(
            id=uuid.uuid4().hex[:12],
            started_at=datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            finished_at=datetime.fromtimestamp(finished, UTC).isoformat(timespec="seconds"),
            tool_version=__version__,
            rules_digest=rules.digest,
            duration_seconds=round(finished - started, 3),
            documents_read=fresh,
            documents_from_store=sum(1 for doc in documents if doc.from_store),
            pages_ocred=pages_ocred(documents),
            profile=rules.profile,
            rules_skipped=rules.skipped,
        ),
        submission=info,
        summary=summarise(rules, judgments),
        indicators=judgments,
        documents=doc_infos,
    )


def pages_ocred(documents: list[IngestedDocument]) -> int:
    """Pages this run read by OCR (a document from the store was read by an earlier one)."""
    return sum(len(doc.info.ocr_pages) for doc in documents if not doc.from_store)


def summarise(rules: RuleSet, judgments: list[Judgment]) -> Summary:
    counts = {status.value: 0 for status in Status}
    for judgment in judgments:
        counts[judgment.status.value] += 1
    return Summary(counts=counts, scores=roll_up(rules, judgments))


def read_submission(
    path: Path,
    rules: RuleSet,
    progress: Progress | None = None,
    cache: ExtractionCache | None = None,
    isolation: IsolatedParser | ParserPool | None = None,
    extend: Callable[[Path], RuleSet] | None = None,
    ocr_workers: int | None = None,
) -> tuple[Manifest, SubmissionInfo, list[IngestedDocument], RuleSet]:
    """Open a submission and read every document (from the cache where it can,
    each parse in the isolation's child process where one is given). Returns
    the rules it is judged by: with its own 特色性指标 when it brings them.

    The documents share one time budget (the isolation's `run_seconds`, else
    RUN_SECONDS): once it is used up, the rest are listed as not read and the
    run goes on to its report.

    Pages without a usable text layer (scans, images) are then read by OCR, all
    of the submission's at once in a pool of isolated workers (ingest.ocr), each
    page under the isolation's per-document limits; the progress callback counts
    those pages after the documents."""
    limits = isolation.limits if isolation is not None else Limits()
    budget = limits.run_seconds
    with open_submission(path, rules, extend) as submission:
        deadline = time.monotonic() + budget  # reading and OCR share it
        read_in_order = read_files(
            submission.files,
            cache,
            isolation.children if isolation is not None else None,
            deadline,
            budget,
            progress,
            settle=compact_units,  # held in the compact form from now on (issue 18)
        )
        documents = [document for _, document in read_in_order]
        read = [(file, document) for file, document in read_in_order if file is not None]
        read_scans(read, limits, progress, deadline, ocr_workers)
        documents = with_listing(documents, submission.refused, submission.notes)
        manifest = submission.manifest
        rules = submission.rules or rules
    info = SubmissionInfo(
        region=manifest.region,
        level=manifest.level,
        year=manifest.year,
        parent=manifest.parent,
        source=str(path),
        declared=manifest.indicators,
        declared_at=manifest.declared_at,
    )
    return manifest, info, documents, rules


def effective_rules(
    rule_dirs: list[Path] | None = None,
    profile: Path | None = None,
    own_rules: Path | None = None,
) -> RuleSet:
    """The built-in rules (or a replacement folder with a catalogue.yaml), plus the
    特色性指标 of the other folders and of the submission's own rules/, then the profile."""
    dirs = list(dict.fromkeys(d.resolve() for d in rule_dirs or []))
    bases = [d for d in dirs if (d / "catalogue.yaml").is_file()]
    rules = load_rules(bases[-1] if bases else None)
    extra = [d for d in dirs if d not in bases]
    if own_rules is not None and own_rules.resolve() not in extra:
        extra.append(own_rules.resolve())
    rules = extend_rules(rules, extra)
    return apply_profile(rules, profile) if profile else rules


def check(
    path: Path,
    rules_dir: Path | list[Path] | None = None,
    progress: Progress | None = None,
    store: Store | None = None,
    limits: Limits | None = None,
    profile: Path | None = None,
    quick: str | None = None,
) -> Report:
    """Evaluate one submission (folder or zip) and return its report.

    With a store, documents read before are taken from it and the run is
    recorded (one transaction) before the report is returned. `quick`: the
    submission's quick digest when the caller hashed it already (the CLI does, for
    its fast path), so its files are not hashed again before reading.
    """
    started = time.time()
    dirs = [rules_dir] if isinstance(rules_dir, Path) else list(rules_dir or [])
    if store is not None and quick is None:
        quick = quick_digest(path, dirs, profile)
    rules = effective_rules(dirs, profile)
    with ParserPool(limits) as isolation:  # two documents parsed at once (ingest.reading)
        manifest, info, documents, rules = read_submission(
            path,
            rules,
            progress,
            store,
            isolation,
            extend=lambda folder: effective_rules(dirs, profile, folder),
        )
    if store is None:
        return evaluate(rules, documents, info, manifest.indicators, started)
    digest = input_digest(rules, manifest, documents)
    reused = store.reusable(digest)
    facts: list[Fact] | None = None
    if reused is not None:
        report = _rerun(reused.report, info, documents, started)
    else:
        report, facts = evaluate_with_facts(rules, documents, info, manifest.indicators, started)
    report = with_decisions(rules, report, store)
    # the quick digest is kept only for a whole read of files that did not change meanwhile
    whole = all(cacheable(d.info.status, d.info.error) and not d.ocr_pending for d in documents)
    if not whole or quick_digest(path, dirs, profile) != quick:
        quick = None
    store.save_run(
        report,
        facts,
        documents,
        extractor_version(),
        digest,
        quick_digest=quick or "",
        facts_sha=reused.facts_sha if reused is not None else None,
    )
    return report


def with_decisions(rules: RuleSet, report: Report, store: Store) -> Report:
    """The report with the reviewers' latest decisions on its region applied (or shown as
    lapsed or expired, judge.decisions), scores rolled up again from the statuses used."""
    decisions = decisions_for(store, report)
    return report if decisions is None else decided(rules, report, decisions)


def current_decisions(store: Store, report: Report) -> Report:
    """A stored run shown with the reviewers' decisions as they stand now (recorded
    after the run too), scores rolled up by the built-in rules. A run judged under a
    profile keeps its recorded judgments: its weights are not known here, and the next
    check applies the decisions. (`show` and `sxcheck serve` show runs this way.)"""
    if report.run.profile or any(j.id.startswith("T.") for j in report.indicators):
        return report  # its own weights or 特色性指标: the next check applies them
    decisions = decisions_for(store, report)
    # the rules (for the scores) only when there is a decision to apply or undo
    return report if decisions is None else decided(effective_rules(), report, decisions)


def decisions_for(store: Store, report: Report) -> dict[str, Decision] | None:
    """The latest decision per item of the report's region; None when there is nothing
    to apply or undo (no decision now, none applied in the report), so a caller need
    not load the rules."""
    from sxcheck.store.decisions import latest_decisions

    sub = report.submission
    decisions = latest_decisions(store, sub.region, sub.level)
    if not decisions and not any(j.decision for j in report.indicators):
        return None
    return decisions


def decided(rules: RuleSet, report: Report, decisions: dict[str, Decision]) -> Report:
    """`decisions` applied to the report's judgments, its summary rolled up again."""
    judgments = apply_decisions(
        report.indicators, decisions, date.today(), rules.defaults.scoring.qualitative_scores
    )
    return report.model_copy(
        update={"indicators": judgments, "summary": summarise(rules, judgments)}
    )


def input_digest(rules: RuleSet, manifest: Manifest, documents: list[IngestedDocument]) -> str:
    """Everything a judgment depends on: rules, tool and extractor versions, the
    declaration and each document's name and content hash."""
    payload = {
        "rules": rules.digest,
        "tool": __version__,
        "extractor": extractor_version(),
        "manifest": manifest.model_dump(mode="json"),
        # pages OCR could not read (limits) make a read differ from a complete one
        "documents": sorted(
            (d.info.path, d.info.sha256, d.info.status, d.ocr_pending) for d in documents
        ),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def _rerun(
    previous: Report, info: SubmissionInfo, documents: list[IngestedDocument], started: float
) -> Report:
    """Nothing an item depends on changed: the earlier judgments stand, as a new run."""
    finished = time.time()
    run = previous.run.model_copy(
        update={
            "id": uuid.uuid4().hex[:12],
            "started_at": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            "finished_at": datetime.fromtimestamp(finished, UTC).isoformat(timespec="seconds"),
            "duration_seconds": round(finished - started, 3),
            "documents_read": sum(1 for d in documents if d.info.sha256 and not d.from_store),
            "documents_from_store": sum(1 for d in documents if d.from_store),
            "pages_ocred": pages_ocred(documents),
            "judged_as_run": previous.run.judged_as_run or previous.run.id,
        }
    )
    return previous.model_copy(update={"run": run, "submission": info})
