"""Store: every run kept (SQLite by default, any SQLAlchemy URL), and the extraction
cache that makes a re-check pay only for the documents that changed.

The last stage of the pipeline: it receives a finished Report with its facts
and the documents as read, and writes them in one transaction, so a run killed
at any point leaves the whole run or none of it. It also serves ingest as a
cache (`lookup`), which ingest sees only as a protocol.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from sxcheck.models import DocumentInfo, Fact, IngestedDocument, Report, TextUnit
from sxcheck.store.db import StoreError, open_engine, resolve_url
from sxcheck.store.tables import (
    Extraction,
    StoredDocument,
    StoredFact,
    StoredJudgment,
    StoredReason,
    StoredRun,
)

__all__ = ["Store", "StoreError", "open_store", "resolve_url"]


class Store:
    """Runs and extractions in one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------ cache

    def lookup(self, sha256: str, version: str) -> tuple[DocumentInfo, list[TextUnit]] | None:
        """What an earlier run read from this content, by the same extractor version."""
        with Session(self.engine) as session:
            row = session.get(Extraction, (sha256, version))
            if row is None:
                return None
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
            units = [
                TextUnit.model_validate(u) for u in json.loads(zlib.decompress(row.units_zlib))
            ]
            return info, units

    # ------------------------------------------------------------ runs

    def save_run(
        self,
        report: Report,
        facts: list[Fact],
        documents: list[IngestedDocument],
        extractor_version: str,
        input_digest: str = "",
        extractions: bool = True,
    ) -> None:
        """Write the run, its rows and the new extractions in one transaction."""
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        with Session(self.engine) as session:
            session.add(_run_row(report, now, input_digest))
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
            for judgment in report.indicators:
                session.add(
                    StoredJudgment(
                        run_id=report.run.id,
                        item_id=judgment.id,
                        status=judgment.status.value,
                        score=judgment.score,
                    )
                )
                for reason in judgment.reasons:
                    session.add(
                        StoredReason(
                            run_id=report.run.id,
                            item_id=judgment.id,
                            code=reason.code,
                            measure=reason.measure,
                            rule=reason.rule,
                            message=reason.message,
                            evidence_json=json.dumps(
                                [e.model_dump(mode="json") for e in reason.evidence],
                                ensure_ascii=False,
                            ),
                        )
                    )
            for fact in facts:
                session.add(
                    StoredFact(
                        run_id=report.run.id,
                        fact_id=fact.id,
                        item_id=fact.item,
                        fact_json=fact.model_dump_json(),
                    )
                )
            if extractions:
                self._add_extractions(session, documents, extractor_version, now)
            session.commit()

    def save_extractions(self, documents: list[IngestedDocument], extractor_version: str) -> None:
        """Keep what was read, on its own (a batch worker does this before the run is saved)."""
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        with Session(self.engine) as session:
            self._add_extractions(session, documents, extractor_version, now)
            session.commit()

    @staticmethod
    def _add_extractions(
        session: Session, documents: list[IngestedDocument], version: str, now: str
    ) -> None:
        seen: set[str] = set()
        for doc in documents:
            sha = doc.info.sha256
            if doc.from_store or not sha or sha in seen:
                continue
            seen.add(sha)
            if session.get(Extraction, (sha, version)) is None:
                session.add(_extraction_row(doc, version, now))

    def reusable(self, input_digest: str) -> tuple[Report, list[Fact]] | None:
        """The latest run judged from exactly these inputs, with its facts."""
        if not input_digest:
            return None
        with Session(self.engine) as session:
            row = session.exec(
                select(StoredRun)
                .where(StoredRun.input_digest == input_digest)
                .order_by(col(StoredRun.recorded_at).desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            facts = session.exec(
                select(StoredFact.fact_json)
                .where(StoredFact.run_id == row.id)
                .order_by(col(StoredFact.id))
            )
            return (
                Report.model_validate_json(row.report_json),
                [Fact.model_validate_json(f) for f in facts],
            )

    def runs(self, region: str | None = None, limit: int = 50) -> list[StoredRun]:
        """Past runs, newest first."""
        with Session(self.engine) as session:
            query = select(StoredRun)
            if region:
                query = query.where(StoredRun.region == region)
            query = query.order_by(col(StoredRun.recorded_at).desc())
            return list(session.exec(query.limit(limit)))

    def resolve(self, reference: str) -> str:
        """A run id, or a unique prefix of one (as `history` shows them)."""
        with Session(self.engine) as session:
            ids = list(
                session.exec(select(StoredRun.id).where(col(StoredRun.id).startswith(reference)))
            )
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise StoreError(f"no run '{reference}' in the store (see `sxcheck history`)")
        raise StoreError(f"run '{reference}' is ambiguous: {', '.join(sorted(ids)[:5])}")

    def report(self, reference: str) -> Report:
        run_id = self.resolve(reference)
        with Session(self.engine) as session:
            row = session.get(StoredRun, run_id)
            assert row is not None
            return Report.model_validate_json(row.report_json)

    def last_two(self, region: str) -> tuple[str, str]:
        """The previous and the latest run of a region, for `diff REGION`."""
        runs = self.runs(region, limit=2)
        if len(runs) < 2:
            raise StoreError(f"'{region}' has {len(runs)} run(s) in the store; a diff needs two")
        return runs[1].id, runs[0].id

    def count(self, table: type) -> int:
        with Session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(table)).one())


def _run_row(report: Report, now: str, input_digest: str) -> StoredRun:
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
        report_json=report.model_dump_json(),
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
    )


def open_store(db: str | None = None) -> Store:
    return Store(open_engine(db))
