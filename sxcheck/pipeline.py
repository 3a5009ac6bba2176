"""Wire the stages: ingest -> evidence -> facts -> engine -> judge -> Report.

The only place that knows the order of the stages; the CLI calls `check`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sxcheck import __version__
from sxcheck.catalogue.loader import RuleSet, load_rules
from sxcheck.engine import engine_for
from sxcheck.evidence import sentences_of
from sxcheck.facts import build_facts
from sxcheck.ingest import read_document
from sxcheck.ingest.submission import open_submission
from sxcheck.judge import judge, roll_up
from sxcheck.models import IngestedDocument, Report, RunInfo, Status, SubmissionInfo, Summary

Progress = Callable[[str, int, int], None]


def evaluate(
    rules: RuleSet,
    documents: list[IngestedDocument],
    info: SubmissionInfo,
    declared: dict,
    started: float | None = None,
) -> Report:
    """Evaluate already-read documents (shared by `check` and the rule-case runner)."""
    started = started or time.time()
    units = [unit for doc in documents for unit in doc.units]
    sentences = sentences_of(units)
    facts = build_facts(rules, sentences, info.level, declared)
    findings = engine_for(rules).evaluate(facts, label=info.region)
    doc_infos = [doc.info for doc in documents]
    judgments = judge(rules, facts, findings, doc_infos)
    counts = {status.value: 0 for status in Status}
    for judgment in judgments:
        counts[judgment.status.value] += 1
    finished = time.time()
    return Report(
        run=RunInfo(
            id=uuid.uuid4().hex[:12],
            started_at=datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            finished_at=datetime.fromtimestamp(finished, UTC).isoformat(timespec="seconds"),
            tool_version=__version__,
            rules_digest=rules.digest,
            duration_seconds=round(finished - started, 3),
        ),
        submission=info,
        summary=Summary(counts=counts, scores=roll_up(rules, judgments)),
        indicators=judgments,
        documents=doc_infos,
    )


def check(path: Path, rules_dir: Path | None = None, progress: Progress | None = None) -> Report:
    """Evaluate one submission (folder or zip) and return its report."""
    started = time.time()
    rules = load_rules(rules_dir)
    with open_submission(path, rules) as submission:
        documents = []
        total = len(submission.files)
        for index, (file_path, rel) in enumerate(submission.files, start=1):
            if progress:
                progress(rel, index, total)
            documents.append(read_document(file_path, rel))
        manifest = submission.manifest
    info = SubmissionInfo(
        region=manifest.region,
        level=manifest.level,
        year=manifest.year,
        parent=manifest.parent,
        source=str(path),
    )
    return evaluate(rules, documents, info, manifest.indicators, started)
