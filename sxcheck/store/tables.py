"""The store's tables (sqlmodel): runs, their documents, judgments, reasons and facts,
and the extraction cache keyed by document sha256 and extractor version.

A run keeps its canonical JSON report whole (`report_json`), so `sxcheck show`
re-renders it exactly; the per-item rows beside it are for queries (history,
diff, "which runs failed 8.1.1"). The migrations in `migrations/versions`
create these same tables; a test checks the two agree.
"""

from __future__ import annotations

from sqlalchemy import Column, LargeBinary, Text
from sqlmodel import Field, SQLModel


class StoredRun(SQLModel, table=True):
    __tablename__ = "run"

    id: str = Field(primary_key=True)
    # hash of everything the judgments depend on: an unchanged re-check reuses them
    input_digest: str = Field(default="", index=True)
    started_at: str
    recorded_at: str = Field(index=True)  # microseconds: orders runs started in the same second
    finished_at: str | None = None
    tool_version: str
    rules_digest: str
    profile: str | None = None
    region: str = Field(index=True)
    level: str
    year: int
    source: str = ""
    total_score: float | None = None
    counts_json: str = "{}"
    documents_read: int = 0
    documents_from_store: int = 0
    report_json: str = Field(sa_column=Column(Text, nullable=False))


class StoredDocument(SQLModel, table=True):
    __tablename__ = "run_document"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id", index=True)
    path: str
    sha256: str = Field(index=True)
    size: int
    kind: str
    status: str
    error: str | None = None


class StoredJudgment(SQLModel, table=True):
    __tablename__ = "judgment"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id", index=True)
    item_id: str = Field(index=True)
    status: str
    score: float


class StoredReason(SQLModel, table=True):
    __tablename__ = "reason"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id", index=True)
    item_id: str
    code: str = Field(index=True)
    measure: str | None = None
    rule: str | None = None
    message: str = Field(sa_column=Column(Text, nullable=False))
    evidence_json: str = Field(sa_column=Column(Text, nullable=False))


class StoredFact(SQLModel, table=True):
    __tablename__ = "fact"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id", index=True)
    fact_id: str
    item_id: str
    fact_json: str = Field(sa_column=Column(Text, nullable=False))


class Extraction(SQLModel, table=True):
    """What reading one document gave, by content: reused by every later run."""

    __tablename__ = "extraction"

    sha256: str = Field(primary_key=True)
    extractor_version: str = Field(primary_key=True)
    kind: str
    pages: int | None = None
    status: str
    error: str | None = None
    notes_json: str = "[]"
    units_zlib: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: str
    # the DocumentInfo as read (how: read_by, ocr_*, thumbnails, converted_from, encoding,
    # signatures); NULL in rows written before revision 0003
    info_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
