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
    """Mark, in place, judgments that cite evidence another region also submitted.

    Statuses change (a pass becomes partial); the caller summarises the reports after.
    """
    documents: dict[str, list[tuple[str, str]]] = defaultdict(list)  # sha256 -> (region, path)
    sentences: dict[str, list[tuple[str, Evidence]]] = defaultdict(list)  # quote -> (region, quote)
    for report in reports:
        region = report.submission.region
        for doc in report.documents:
            if doc.sha256 and doc.status == "ok":
                documents[doc.sha256].append((region, doc.path))
        seen: set[str] = set()
        for judgment in report.indicators:
            for reason in judgment.reasons:
                for e in reason.evidence:
                    key = _key(e.quote)
                    if len(key) >= MIN_SENTENCE and _DIGIT.search(key) and key not in seen:
                        seen.add(key)
                        sentences[key].append((region, e))
    for report in reports:
        region = report.submission.region
        for judgment in report.indicators:
            places: set[str] = set()  # "region：document" of the other packages
            own: list[Evidence] = []
            theirs: list[Evidence] = []
            for reason in judgment.reasons:
                for e in reason.evidence:
                    same_file = [
                        (r, path) for r, path in documents.get(e.sha256, []) if r != region
                    ]
                    same_quote = [
                        (r, o) for r, o in sentences.get(_key(e.quote), []) if r != region
                    ]
                    if same_file or same_quote:
                        own.append(e)
                        theirs += [o for _, o in same_quote]
                        places |= {f"{r}：{path}" for r, path in same_file}
                        places |= {f"{r}：{o.document}" for r, o in same_quote}
            if not places:
                continue
            judgment.reasons.append(
                Reason(
                    code="reused_evidence",
                    message=message.format(where="；".join(sorted(places))),
                    rule="batch/reused_evidence",
                    evidence=unique_evidence(own + theirs),
                )
            )
            if judgment.status == Status.PASS:
                judgment.status = Status.PARTIAL
