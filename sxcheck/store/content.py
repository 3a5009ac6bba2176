"""Content once: the parts of a report and of the facts, kept by the sha256 of their JSON.

A report is split into its own head (run and submission: new every run), its body
(schema version, summary, documents) and one part per item judgment (status, score,
reasons and their quotes); the facts into one part per item plus an index that lists
them in order. Parts that an earlier run already stored are not written again, so an
unchanged re-check writes none, and a check that changed one document writes only the
items whose judgments changed. Joining the parts gives back the exact report.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from sxcheck.models import Fact, Report
from sxcheck.store.parts import chunks, dumps, join, sha_of
from sxcheck.store.tables import Content

__all__ = ["DamagedContent", "Parts", "dumps", "get", "join", "put", "sha_of", "split"]

ZLIB_LEVEL = 6


@dataclass
class JudgmentPart:
    item: str
    status: str
    score: float
    codes: str
    sha: str


@dataclass
class Parts:
    """What one run stores: its head, references to content, and the content itself."""

    head_json: str
    body_sha: str
    judgments: list[JudgmentPart]
    facts_sha: str | None
    content: dict[str, str] = field(default_factory=dict)  # sha -> JSON text


def split(report: Report, facts: list[Fact] | None) -> Parts:
    """A report (and its facts, when there are any to keep) as content parts."""
    data = report.model_dump(mode="json")
    content: dict[str, str] = {}

    def keep(value: Any) -> str:
        text = dumps(value)
        sha = sha_of(text)
        content[sha] = text
        return sha

    head = dumps({"run": data.pop("run"), "submission": data.pop("submission")})
    judgments = [
        JudgmentPart(
            item=j["id"],
            status=j["status"],
            score=j["score"],
            codes=" ".join([*(r["code"] for r in j["reasons"]), *_decided(j)]),
            sha=keep(j),
        )
        for j in data.pop("indicators")
    ]
    body_sha = keep(data)
    facts_sha = None
    if facts is not None:
        index = [[item, keep(group)] for item, group in _by_item(facts)]
        facts_sha = keep(index)
    return Parts(head, body_sha, judgments, facts_sha, content)


def _decided(judgment: dict[str, Any]) -> list[str]:
    """`decided` (a reviewer's decision stands) or `decision_lapsed`, as a code of the row."""
    decision = judgment.get("decision")
    if not decision:
        return []
    return ["decided"] if decision.get("state") == "applied" else ["decision_lapsed"]


def _by_item(facts: list[Fact]) -> list[tuple[str, list[dict]]]:
    """The facts grouped by item, items in the order they first appear."""
    groups: dict[str, list[dict]] = {}
    for fact in facts:
        groups.setdefault(fact.item, []).append(fact.model_dump(mode="json"))
    return list(groups.items())


def put(session: Session, content: dict[str, str], damaged: set[str] | None = None) -> int:
    """Store the parts not stored yet; returns how many were written. Two writers storing
    the same part at once both succeed (INSERT ... ON CONFLICT DO NOTHING). Parts found
    `damaged` by an earlier read are written again over the damaged rows."""
    for sha in sorted((damaged or set()) & set(content)):
        session.merge(Content(sha256=sha, data_zlib=_pack(content[sha])))
    present = _present(session, list(content))
    missing = [sha for sha in content if sha not in present]
    if not missing:
        return 0
    rows = [{"sha256": sha, "data_zlib": _pack(content[sha])} for sha in missing]
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        module = __import__(f"sqlalchemy.dialects.{dialect}", fromlist=["insert"])
        statement = module.insert(Content).on_conflict_do_nothing(index_elements=["sha256"])
        session.execute(statement, rows)
    else:  # another backend: the check above, inside the run's transaction
        session.execute(insert(Content), rows)
    return len(missing)


def _pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), ZLIB_LEVEL)


def _present(session: Session, shas: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(shas):
        found.update(session.exec(select(Content.sha256).where(col(Content.sha256).in_(chunk))))
    return found


class DamagedContent(ValueError):
    """Parts that are missing or do not decode: whoever stores them again replaces them."""

    def __init__(self, shas: list[str]) -> None:
        super().__init__(f"content {shas[0][:12]} is damaged or missing")
        self.shas = shas


def get(session: Session, shas: list[str]) -> dict[str, str]:
    """The parts' JSON texts by sha; DamagedContent names those missing or damaged."""
    texts: dict[str, str] = {}
    for chunk in chunks(shas):
        for row in session.exec(select(Content).where(col(Content.sha256).in_(chunk))):
            try:
                text = zlib.decompress(row.data_zlib).decode("utf-8")
            except (zlib.error, UnicodeDecodeError):
                continue
            if sha_of(text) == row.sha256:
                texts[row.sha256] = text
    lost = [sha for sha in dict.fromkeys(shas) if sha not in texts]
    if lost:
        raise DamagedContent(lost)
    return texts
