"""Runs: recorded in one transaction, content kept once, reused, shown again.

The last stage of the pipeline: it receives a finished Report with its facts
and the documents as read, and writes them in one transaction, so a run killed
at any point leaves the whole run or none of it. It also serves ingest as a
cache (`lookup`), which ingest sees only as a protocol.

The order of a `check`: the store is opened and checked (is it sxcheck's, whole,
writable?) before any document is read; the run is judged, recorded, and then the
reports are written. When recording fails at the end anyway (disk full, a lock), the
transaction rolls back (no earlier run changes), the reports are still written
(`RunNotRecorded` carries the report to the CLI) and the exit code is 2. A damaged
row (bad JSON or zlib) fails only what needs it: `show` of that run names it, the
caches treat it as a miss.

What a run says is kept once by hash (store.content): a run row holds its head and
refers to its judgments, body and facts; a re-check that changes nothing adds a run
row and its per-item rows, no content.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import Engine, func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from sxcheck.models import DocumentInfo, Fact, IngestedDocument, Report, TextUnit
from sxcheck.store import content
from sxcheck.store.db import _first_line, open_engine, target
from sxcheck.store.errors import RunNotRecorded, StoreError
from sxcheck.store.tables import Extraction, StoredDocument, StoredJudgment, StoredRun, WebJob


class Store:
    """Runs and extractions in one database."""

    def __init__(self, engine: Engine, shown: str = "store") -> None:
        self.engine = engine
        self.shown = shown  # how messages name it: "store /x/y.db"
        self._damaged: set[str] = set()  # content found damaged: rewritten when next stored

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """A database failure mid-command (a table dropped, the disk image malformed, the
        file locked) is one line naming the store, never a traceback."""
        try:
            yield
        except SQLAlchemyError as exc:
            raise StoreError(f"{self.shown}: {_first_line(exc)}") from None

    # ------------------------------------------------------------ cache

    def lookup(self, sha256: str, version: str) -> tuple[DocumentInfo, list[TextUnit]] | None:
        """What an earlier run read from this content, by the same extractor version."""
        with self._guard(), Session(self.engine) as session:
            row = session.get(Extraction, (sha256, version))
            if row is None:
                return None
            try:  # a damaged row (bad JSON or zlib) is a miss: the document is read again
                info = DocumentInfo(
                    path="",
                    sha256=sha256,
                    size=0,
                    kind=row.kind,
                    pages=row.pages,
                    status=row.status,  # type: ignore[arg-type]
                    error=row.error,
                    notes=json.loads(row.notes_json),
                )
                if row.info_json:  # how it was read (OCR, conversion, encoding ...)
                    stored = json.loads(row.info_json)
                    stored.update(path="", sha256=sha256, size=0)
                    info = DocumentInfo.model_validate(stored)
                units = [
                    TextUnit.model_validate(u) for u in json.loads(zlib.decompress(row.units_zlib))
                ]
            except (
                zlib.error,
                ValueError,
                TypeError,
                AttributeError,
            ):  # ValidationError: a ValueError
                return None
            return info, units

    # ------------------------------------------------------------ runs

    def save_run(
        self,
        report: Report,
        facts: list[Fact] | None,
        documents: list[IngestedDocument],
        extractor_version: str,
        input_digest: str = "",
        extractions: bool = True,
        quick_digest: str = "",
        facts_sha: str | None = None,
        kind: str = "check",
    ) -> None:
        """Write the run, its rows, its new content and the new extractions in one
        transaction. `facts=None` with `facts_sha`: a reused run refers to the facts
        an earlier run stored. `quick_digest`: the submission's files hashed before
        reading (sxcheck.fingerprint), given only when every document was read whole."""
        try:
            with Session(self.engine) as session:
                self._add_run(session, report, facts, input_digest, quick_digest, facts_sha, kind)
                if extractions:
                    self._add_extractions(session, documents, extractor_version, _now())
                session.commit()
        except SQLAlchemyError as exc:
            raise RunNotRecorded(
                f"{self.shown}: the run was not recorded ({_first_line(exc)}); "
                "no earlier run was changed",
                report,
            ) from None

    def _add_run(
        self,
        session: Session,
        report: Report,
        facts: list[Fact] | None,
        input_digest: str,
        quick_digest: str,
        facts_sha: str | None,
        kind: str,
    ) -> None:
        parts = content.split(report, facts)
        content.put(session, parts.content, self._damaged)
        session.add(
            _run_row(
                report,
                _now(),
                input_digest,
                parts,
                quick_digest,
                parts.facts_sha or facts_sha,
                kind,
            )
        )
        session.flush()  # the run row before the rows that refer to it
        for listed in report.documents:
            session.add(
                StoredDocument(
                    run_id=report.run.id,
                    path=listed.path,
                    sha256=listed.sha256,
                    size=listed.size,
                    kind=listed.kind,
                    status=listed.status,
                    error=listed.error,
                )
            )
        for part in parts.judgments:
            session.add(
                StoredJudgment(
                    run_id=report.run.id,
                    item_id=part.item,
                    status=part.status,
                    score=part.score,
                    codes=part.codes,
                    judgment_sha=part.sha,
                )
            )

    def save_extractions(self, documents: list[IngestedDocument], extractor_version: str) -> None:
        """Keep what was read, on its own (a batch worker does this before the run is saved)."""
        with Session(self.engine) as session:
            self._add_extractions(session, documents, extractor_version, _now())
            session.commit()

    @staticmethod
    def _add_extractions(
        session: Session, documents: list[IngestedDocument], version: str, now: str
    ) -> None:
        from sxcheck.ingest import cacheable  # ingest's readers: only when something was read

        seen: set[str] = set()
        for doc in documents:
            sha = doc.info.sha256
            if doc.from_store or not sha or sha in seen:
                continue
            seen.add(sha)
            if not cacheable(doc.info.status, doc.info.error) or doc.ocr_pending:
                continue  # a timeout or memory limit (of a page's OCR too) says nothing of the content
            stored = session.get(Extraction, (sha, version))
            if stored is None:
                session.add(_extraction_row(doc, version, now))
            elif not cacheable(stored.status, stored.error):  # a limit's failure, kept before
                session.merge(_extraction_row(doc, version, now))

    def reusable(self, input_digest: str) -> Reuse | None:
        """The latest run judged from exactly these inputs; a damaged stored row is a
        miss (the run is judged again), not a failure."""
        if not input_digest:
            return None
        with self._guard(), Session(self.engine) as session:
            row = session.exec(
                select(StoredRun)
                .where(StoredRun.input_digest == input_digest)
                .order_by(col(StoredRun.recorded_at).desc())
                .limit(1)
            ).first()
            if row is None or (row.head_json is not None and row.facts_sha is None):
                return None
            try:
                also = [row.facts_sha] if row.facts_sha else []  # checked in the same read
                return Reuse(_load(session, row, also), row.id, row.facts_sha)
            except content.DamagedContent as exc:
                self._damaged.update(exc.shas)
                return None
            except (ValidationError, ValueError, TypeError, KeyError):
                return None

    def facts(self, reference: str) -> list[Fact]:
        """The facts a run was judged from (a reused run: those of the run it reuses)."""
        run_id = self.resolve(reference)
        with self._guard(), Session(self.engine) as session:
            row = session.get(StoredRun, run_id)
            if row is None or row.facts_sha is None:
                return []
            try:
                index = json.loads(content.get(session, [row.facts_sha])[row.facts_sha])
                groups = content.get(session, [sha for _, sha in index])
                return [
                    Fact.model_validate(fact)
                    for _, sha in index
                    for fact in json.loads(groups[sha])
                ]
            except (ValidationError, ValueError, TypeError):
                raise StoreError(
                    f"{self.shown}: run {run_id}: its stored facts are damaged"
                ) from None

    def runs(self, region: str | None = None, limit: int = 50) -> list[StoredRun]:
        """Past runs, newest first."""
        with self._guard(), Session(self.engine) as session:
            query = select(StoredRun)
            if region:
                query = query.where(StoredRun.region == region)
            query = query.order_by(col(StoredRun.recorded_at).desc())
            return list(session.exec(query.limit(limit)))

    def decided(self, run_ids: list[str]) -> dict[str, int]:
        """How many items of each run a reviewer's decision decided (history)."""
        if not run_ids:
            return {}
        with self._guard(), Session(self.engine) as session:
            rows = session.exec(
                select(StoredJudgment.run_id, func.count())
                .where(
                    col(StoredJudgment.run_id).in_(run_ids),
                    col(StoredJudgment.codes).contains("decided"),
                )
                .group_by(StoredJudgment.run_id)
            )
            return {run_id: int(count) for run_id, count in rows}

    def resolve(self, reference: str) -> str:
        """A run as people type it: its id or a unique prefix of one (as `history` shows
        them), `latest` (the newest run), or a region's name (that region's newest run)."""
        with self._guard(), Session(self.engine) as session:
            newest = select(StoredRun.id).order_by(col(StoredRun.recorded_at).desc()).limit(1)
            if reference == LATEST:
                found = session.exec(newest).first()
                if found is None:
                    raise StoreError(f"{self.shown}: no runs recorded yet")
                return found
            ids = list(
                session.exec(select(StoredRun.id).where(col(StoredRun.id).startswith(reference)))
            )
            if reference in ids:
                return reference
            region = session.exec(newest.where(StoredRun.region == reference)).first()
        if region is not None:
            return region
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise StoreError(
                f"no run '{reference}' in {self.shown} (a run id or its first characters, "
                "`latest`, or a region; see `sxcheck history`)"
            )
        raise StoreError(f"run '{reference}' is ambiguous: {', '.join(sorted(ids)[:5])}")

    def report(self, reference: str) -> Report:
        """The stored report of one run; a damaged row names the run, and only that run fails."""
        run_id = self.resolve(reference)
        with self._guard(), Session(self.engine) as session:
            row = session.get(StoredRun, run_id)
            if row is None:
                raise StoreError(f"no run '{reference}' in the store (see `sxcheck history`)")
            try:
                return _load(session, row)
            except (ValidationError, ValueError, TypeError, KeyError):
                raise StoreError(
                    f"{self.shown}: run {run_id}: its stored report is damaged (not a valid "
                    "report); the other runs are unaffected"
                ) from None

    def last_two(self, region: str) -> tuple[str, str]:
        """For `diff REGION`: the region's latest run and the run before it of the same
        source (folder or zip path) and kind (check or batch), so a diff never reports a
        different folder's or a batch's differences as changes. The web service's uploads
        of a region are one source: each is kept under its own name, and a city uploads
        its corrected package again."""
        runs = self.runs(region, limit=500)
        if not runs:
            raise StoreError(f"no run of '{region}' in {self.shown} (see `sxcheck history`)")
        latest = runs[0]
        uploaded = self._uploaded([r.id for r in runs])
        for earlier in runs[1:]:
            same_source = earlier.source == latest.source or {earlier.id, latest.id} <= uploaded
            if same_source and earlier.kind == latest.kind:
                return earlier.id, latest.id
        raise StoreError(
            f"'{region}' has no earlier {latest.kind} run of {latest.source or 'the same source'}"
            f" to compare its latest run {latest.id} with; name two runs: "
            "`sxcheck diff RUN RUN` (see `sxcheck history`)"
        )

    def _uploaded(self, run_ids: list[str]) -> set[str]:
        """Which of these runs the web service checked from an upload (its queue's jobs)."""
        with self._guard(), Session(self.engine) as session:
            query = select(WebJob.run_id).where(col(WebJob.run_id).in_(run_ids))
            return {run_id for run_id in session.exec(query) if run_id}

    def count(self, table: type) -> int:
        with self._guard(), Session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(table)).one())


LATEST = "latest"


@dataclass(frozen=True)
class Reuse:
    """An earlier run judged from the same inputs: its report, id and stored facts."""

    report: Report
    run_id: str
    facts_sha: str | None  # None: a run stored before revision 0004 (facts not kept)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _load(session: Session, row: StoredRun, also: list[str] | None = None) -> Report:
    """A stored run's report: joined from its parts, or whole (runs before 0004). The
    parts `also` are read with them, so DamagedContent names every damaged one."""
    if row.head_json is None:
        return Report.model_validate_json(row.report_json)
    shas = list(
        session.exec(
            select(StoredJudgment.judgment_sha)
            .where(StoredJudgment.run_id == row.id)
            .order_by(col(StoredJudgment.id))
        )
    )
    if row.body_sha is None:
        raise ValueError("no body")
    texts = content.get(session, [row.body_sha, *shas, *(also or [])])
    data = content.join(row.head_json, texts[row.body_sha], [texts[sha] for sha in shas])
    return Report.model_validate(data)


def _run_row(
    report: Report,
    now: str,
    input_digest: str,
    parts: content.Parts,
    quick_digest: str,
    facts_sha: str | None,
    kind: str,
) -> StoredRun:
    run, sub = report.run, report.submission
    return StoredRun(
        id=run.id,
        input_digest=input_digest,
        started_at=run.started_at,
        recorded_at=now,
        finished_at=run.finished_at,
        tool_version=run.tool_version,
        rules_digest=run.rules_digest,
        profile=run.profile,
        region=sub.region,
        level=sub.level,
        year=sub.year,
        source=sub.source,
        total_score=report.summary.scores.get("total"),
        counts_json=json.dumps(report.summary.counts),
        documents_read=run.documents_read,
        documents_from_store=run.documents_from_store,
        report_json="",
        head_json=parts.head_json,
        body_sha=parts.body_sha,
        facts_sha=facts_sha,
        quick_digest=quick_digest,
        kind=kind,
    )


def _extraction_row(doc: IngestedDocument, version: str, now: str) -> Extraction:
    units = json.dumps([u.model_dump(mode="json") for u in doc.units], ensure_ascii=False)
    return Extraction(
        sha256=doc.info.sha256,
        extractor_version=version,
        kind=doc.info.kind,
        pages=doc.info.pages,
        status=doc.info.status,
        error=doc.info.error,
        notes_json=json.dumps(doc.info.notes, ensure_ascii=False),
        units_zlib=zlib.compress(units.encode("utf-8"), 6),
        created_at=now,
        info_json=doc.info.model_dump_json(exclude={"path", "size"}),
    )


def run_counts(run: StoredRun) -> dict[str, int] | None:
    """A run's status counts for `history`; None when its row is damaged (the others still list)."""
    try:
        counts = json.loads(run.counts_json)
    except (ValueError, TypeError):
        return None
    if not isinstance(counts, dict) or not all(isinstance(v, int) for v in counts.values()):
        return None
    return counts


def open_store(db: str | None = None, write: bool = True) -> Store:
    """A checked store (see store.db); `write=False` for commands that only read."""
    return Store(open_engine(db, write=write), target(db).shown)
