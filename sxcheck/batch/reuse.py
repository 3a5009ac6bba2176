"""The same evidence in two regions' packages: an auditor's red flag, but whose?

A document with the same sha256, or the same figure-bearing sentence quoted
by judgments, in submissions of different regions cannot prove both. Public
documents are easy to enclose, though: flagging both packages would let any
submitter downgrade a rival by enclosing the rival's own notice. So the
evidence is given to the region its content names:

- a document: the region whose issuing body (发文机关, rules/lexicon.yaml
  `issuer`) comes first in its first lines, else the only region those lines name;
- a sentence found in different documents: the region every copy's document
  is issued by (a forged 红头 in one package cannot outvote the other's copy),
  else the only region the sentence names.

The owner's package keeps it; every other package's judgment citing it gets
`reused_evidence` and cannot pass. When no owner can be told, neither status
changes and both judgments get `reused_evidence_unresolved`, so a reviewer
sees the shared evidence and decides.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sxcheck.evidence.normalise import normalise
from sxcheck.models import (
    Evidence,
    IngestedDocument,
    Judgment,
    Reason,
    Report,
    Status,
    unique_evidence,
)

_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
MIN_SENTENCE = 16  # shorter sentences (a table cell, "合计 | 60") repeat by chance
HEAD_CHARS = 400  # a document's first lines: where its 发文机关 and title stand


def _key(quote: str) -> str:
    return _SPACE.sub("", quote)


def document_heads(documents: Iterable[IngestedDocument]) -> dict[str, str]:
    """Each readable document's first HEAD_CHARS characters, by path (in the worker,
    where the text is; the main process keeps only these)."""
    heads: dict[str, str] = {}
    for doc in documents:
        if doc.info.status != "ok" or not doc.units:
            continue
        parts: list[str] = []
        size = 0
        for unit in doc.units:
            # matched as the evidence stage matches ("晋 阳 市 人 民 政 府" of a spaced PDF)
            parts.append(normalise(unit.text[: HEAD_CHARS - size])[0])
            size += len(parts[-1]) + 1
            if size >= HEAD_CHARS:
                break
        heads[doc.info.path] = "\n".join(parts)[:HEAD_CHARS]
    return heads


@dataclass
class Owners:
    """Decides whose evidence it is among the regions sharing it."""

    issuer: str  # alternation of issuing bodies (rules/lexicon.yaml `issuer`)

    def issued_by(self, head: str, regions: set[str]) -> str | None:
        """The region whose name + issuing body comes first in `head`."""
        if not self.issuer:
            return None
        found: list[tuple[int, int, str]] = []
        for region in regions:
            match = re.search(re.escape(region) + f"(?:{self.issuer})", head)
            if match:
                found.append((match.start(), -len(region), region))
        found.sort()
        if not found or (len(found) > 1 and found[0][:2] == found[1][:2]):
            return None
        return found[0][2]

    @staticmethod
    def named(text: str, regions: set[str]) -> str | None:
        """The only region `text` names (a name inside a longer one's does not count)."""
        names: set[str] = set()
        for region in sorted(regions, key=len, reverse=True):
            if region and region in text:
                names.add(region)
                text = text.replace(region, "\0")
        return names.pop() if len(names) == 1 else None

    def of_document(self, head: str, regions: set[str]) -> str | None:
        return self.issued_by(head, regions) or self.named(head, regions)

    def of_sentence(self, quote: str, heads: list[str], regions: set[str]) -> str | None:
        issuers = {self.issued_by(head, regions) for head in heads}
        if len(issuers) == 1 and None not in issuers:
            return issuers.pop()
        return self.named(quote, regions)


@dataclass
class _Shared:
    flagged: set[str]  # "region：document" of evidence owned by another region
    unresolved: set[str]  # "region：document" of evidence whose owner cannot be told
    owners: set[str]
    own: list[Evidence]
    theirs: list[Evidence]


def flag_reused_evidence(
    reports: list[Report],
    messages: dict[str, str],
    heads: dict[str, dict[str, str]],
    issuer: list[str],
) -> None:
    """Mark, in place, judgments that cite evidence another region also submitted.

    `heads`: run id -> document path -> first lines. Statuses change (a pass becomes
    partial) only where the evidence is another region's; the caller summarises after.
    """
    owners = Owners("|".join(issuer))
    documents: dict[str, list[tuple[str, str, str]]] = defaultdict(
        list
    )  # sha -> (region, path, head)
    sentences: dict[str, list[tuple[str, Evidence, str]]] = defaultdict(list)  # (region, e, head)
    for report in reports:
        region, own_heads = report.submission.region, heads.get(report.run.id, {})
        for doc in report.documents:
            if doc.sha256 and doc.status == "ok":
                documents[doc.sha256].append((region, doc.path, own_heads.get(doc.path, "")))
        seen: set[str] = set()
        for judgment in report.indicators:
            for reason in judgment.reasons:
                for e in reason.evidence:
                    key = _key(e.quote)
                    if len(key) >= MIN_SENTENCE and _DIGIT.search(key) and key not in seen:
                        seen.add(key)
                        sentences[key].append((region, e, own_heads.get(e.document, "")))
    doc_owner = {
        sha: owners.of_document(next((h for _, _, h in copies if h), ""), {r for r, _, _ in copies})
        for sha, copies in documents.items()
        if len({r for r, _, _ in copies}) > 1
    }
    sentence_owner = {
        key: owners.of_sentence(key, [h for _, _, h in copies], {r for r, _, _ in copies})
        for key, copies in sentences.items()
        if len({r for r, _, _ in copies}) > 1
    }
    for report in reports:
        region = report.submission.region
        for judgment in report.indicators:
            shared = _Shared(set(), set(), set(), [], [])
            for reason in judgment.reasons:
                for e in reason.evidence:
                    places: list[tuple[str, str | None]] = [
                        (f"{r}：{path}", doc_owner.get(e.sha256))
                        for r, path, _ in documents.get(e.sha256, [])
                        if r != region
                    ]
                    copies = [(r, o) for r, o, _ in sentences.get(_key(e.quote), []) if r != region]
                    owner = sentence_owner.get(_key(e.quote))
                    places += [
                        (f"{r}：{o.document}", owner)
                        for r, o in copies
                        if not (o.sha256 and o.sha256 == e.sha256)  # the same file: decided above
                    ]
                    _sort(shared, region, e, [o for _, o in copies], places)
            _note(judgment, shared, messages)


def _sort(
    shared: _Shared,
    region: str,
    e: Evidence,
    others: list[Evidence],
    places: list[tuple[str, str | None]],
) -> None:
    """File each place this evidence is shared with as flagged or unresolved."""
    hit = False
    for place, owner in places:
        if owner == region:
            continue  # ours: the other package is flagged, not this one
        hit = True
        if owner is None:
            shared.unresolved.add(place)
        else:
            shared.flagged.add(place)
            shared.owners.add(owner)
    if hit:
        shared.own.append(e)
        shared.theirs += others


def _note(judgment: Judgment, shared: _Shared, messages: dict[str, str]) -> None:
    """Add the reasons; only evidence owned by another region lowers the status."""
    evidence = unique_evidence(shared.own + shared.theirs)
    if shared.flagged:
        judgment.reasons.append(
            Reason(
                code="reused_evidence",
                message=messages["reused_evidence"].format(
                    where="；".join(sorted(shared.flagged)), owner="、".join(sorted(shared.owners))
                ),
                rule="batch/reused_evidence",
                evidence=evidence,
            )
        )
        if judgment.status == Status.PASS:
            judgment.status = Status.PARTIAL
    if shared.unresolved:
        judgment.reasons.append(
            Reason(
                code="reused_evidence_unresolved",
                message=messages["reused_evidence_unresolved"].format(
                    where="；".join(sorted(shared.unresolved))
                ),
                rule="batch/reused_evidence",
                evidence=evidence,
            )
        )
