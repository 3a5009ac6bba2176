"""Run the test cases that sit beside each rule file (`<id>.cases.yaml`).

A case is a short set of documents and a declaration; it goes through the
real text ingestion, fact extraction, engine and judge, and its expected
status and reason codes are compared with the judgment. Used by
`sxcheck rules test` and by the test suite (one pytest id per case).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from sxcheck.catalogue.loader import RuleSet
from sxcheck.catalogue.schema import RuleCase
from sxcheck.ingest.submission import declared_entry
from sxcheck.ingest.text import read_text
from sxcheck.models import DeclaredMeasure, DocumentInfo, IngestedDocument, Judgment, SubmissionInfo
from sxcheck.pipeline import evaluate


@dataclass
class CaseResult:
    item: str
    name: str
    ok: bool
    problems: list[str]
    judgment: Judgment


def _declared(
    rules: RuleSet, item_id: str, raw: dict | None
) -> dict[str, dict[str, DeclaredMeasure]]:
    if not raw:
        return {}
    entry = declared_entry(rules.items[item_id], raw)
    return {item_id: {k: DeclaredMeasure.model_validate(v) for k, v in entry.items()}}


def case_submission(case: RuleCase) -> tuple[list[IngestedDocument], SubmissionInfo]:
    """A case's documents read as text files, and the submission they make."""
    documents = []
    for doc in case.documents:
        data = doc.text.encode("utf-8")
        sha = hashlib.sha256(data).hexdigest()
        units, _, _ = read_text(data, doc.name, sha)
        doc_info = DocumentInfo(path=doc.name, sha256=sha, size=len(data), kind="txt")
        documents.append(IngestedDocument(info=doc_info, units=units))
    info = SubmissionInfo(region=f"case:{case.name}", level=case.level, year=case.year)
    return documents, info


def case_declared(rules: RuleSet, item_id: str, case: RuleCase) -> dict:
    """A case's declaration, as the pipeline takes it."""
    return _declared(rules, item_id, case.declared)


def run_case(rules: RuleSet, item_id: str, case: RuleCase) -> CaseResult:
    documents, info = case_submission(case)
    report = evaluate(rules, documents, info, case_declared(rules, item_id, case))
    judgment = next(j for j in report.indicators if j.id == item_id)
    codes = {r.code for r in judgment.reasons}
    problems = []
    if judgment.status.value != case.expect.status:
        problems.append(f"status {judgment.status.value}, expected {case.expect.status}")
    for code in case.expect.codes:
        if code not in codes:
            problems.append(f"missing reason code {code} (got {sorted(codes)})")
    for code in case.expect.absent_codes:
        if code in codes:
            problems.append(f"unexpected reason code {code}")
    if case.expect.score is not None and abs(
        Decimal(str(judgment.score)) - Decimal(str(case.expect.score))
    ) > Decimal("0.001"):
        problems.append(f"score {judgment.score}, expected {case.expect.score}")
    return CaseResult(item_id, case.name, not problems, problems, judgment)


def run_cases(rules: RuleSet, item: str | None = None) -> list[CaseResult]:
    results = []
    for item_id, (_, cases_file) in sorted(rules.cases.items()):
        if item and item_id != item:
            continue
        for case in cases_file.cases:
            results.append(run_case(rules, item_id, case))
    return results
