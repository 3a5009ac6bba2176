"""The same evidence in two regions' packages: an auditor's red flag.

A document with the same sha256, or the same figure-bearing sentence quoted
by judgments, in submissions of different regions cannot prove both. Each
judgment citing such evidence gets a `reused_evidence` reason quoting its own
place and the other region's, and cannot pass.
"""

from __future__ import annotations

import re
from collections import defaultdict

from sxcheck.models import Evidence, Reason, Report, Status, unique_evidence

_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
MIN_SENTENCE = 16  # shorter sentences (a table cell, "合计 | 60") repeat by chance


def _key(quote: str) -> str:
    return _SPACE.sub("", quote)


def flag_reused_evidence(reports: list[Report], message: str) -> None:
    """Mark, in place, judgments that cite evidence another region also submitted."""
    by_sha: dict[str, list[tuple[str, Evidence]]] = defaultdict(list)
    by_sentence: dict[str, list[tuple[str, Evidence]]] = defaultdict(list)
    for report in reports:
        region = report.submission.region
        for doc in report.documents:
            if doc.sha256 and doc.status == "ok":
                by_sha[doc.sha256].append(
                    (
                        region,
                        Evidence(
                            document=doc.path,
                            sha256=doc.sha256,
                            location="(whole document)",
                            quote="",
                        ),
                    )
                )
        seen: set[str] = set()
        for judgment in report.indicators:
            for reason in judgment.reasons:
                for e in reason.evidence:
                    key = _key(e.quote)
                    if len(key) >= MIN_SENTENCE and _DIGIT.search(key) and key not in seen:
                        seen.add(key)
                        by_sentence[key].append((region, e))
    for report in reports:
        region = report.submission.region
        changed = False
        for judgment in report.indicators:
            others: list[tuple[str, Evidence]] = []
            own: list[Evidence] = []
            for reason in judgment.reasons:
                for e in reason.evidence:
                    elsewhere = [
                        (r, o)
                        for r, o in by_sha.get(e.sha256, []) + by_sentence.get(_key(e.quote), [])
                        if r != region
                    ]
                    if elsewhere:
                        own.append(e)
                        others += elsewhere
            if not others:
                continue
            where = "；".join(sorted({f"{r}：{o.document}" for r, o in others}))
            judgment.reasons.append(
                Reason(
                    code="reused_evidence",
                    message=message.format(where=where),
                    rule="batch/reused_evidence",
                    evidence=unique_evidence(own + [o for _, o in others if o.quote]),
                )
            )
            if judgment.status == Status.PASS:
                judgment.status = Status.PARTIAL
            changed = True
        if changed:
            counts = {s.value: 0 for s in Status}
            for judgment in report.indicators:
                counts[judgment.status.value] += 1
            report.summary.counts = counts
