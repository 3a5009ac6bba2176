"""The store's tables (sqlmodel): runs, their documents and judgments, content kept
once by hash, and the extraction cache keyed by document sha256 and extractor version.

Content once (revision 0004): what a run says is split into parts that repeat from
run to run (each item's judgment with its reasons and quotes, the facts, the summary
and documents) and kept in `content`, keyed by the sha256 of their JSON, once however
many runs say the same. A run row holds only what is its own (`head_json`: its id,
times and counts, and the submission) and refers to the rest by hash, so a re-check
that changes nothing adds a run row and its small per-item rows, and `sxcheck show`
still rebuilds the exact report. The per-item rows are for queries (history, diff,
"which runs failed 8.1.1", "which runs had stale_document"). The migrations in
`migrations/versions` create these same tables; a test checks the two agree.
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
    # runs written before revision 0004 kept the whole report here; since, "" (see head_json)
    report_json: str = Field(sa_column=Column(Text, nullable=False))
    # {"run": RunInfo, "submission": SubmissionInfo} as JSON: what is this run's own
    head_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    body_sha: str | None = None  # content: the report's summary and documents
    facts_sha: str | None = None  # content: [[item, sha of that item's facts], ...]
    # hash of the submission's bytes, the rules' and the tool's (sxcheck.fingerprint): a
    # re-check whose files hash the same reuses this run before reading anything
    quick_digest: str = Field(default="", index=True)
    kind: str = "check"  # or "batch": `diff` pairs runs of the same kind and source


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
    codes: str = ""  # the reasons' codes, space-separated, for queries
    judgment_sha: str = ""  # content: the judgment with its reasons and quotes


class Content(SQLModel, table=True):
    """A part of a report or the facts, once, by the sha256 of its JSON text."""

    __tablename__ = "content"

    sha256: str = Field(primary_key=True)
    data_zlib: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


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


class StoredDecision(SQLModel, table=True):
    """A reviewer's decision (复核意见) on one item, append-only: a later one on the same
    region and item supersedes it, nothing is overwritten (revision 0005)."""

    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)
    region: str = Field(index=True)
    level: str
    item_id: str
    status: str  # pass | partial | fail | not_applicable | confirm
    reason: str = Field(sa_column=Column(Text, nullable=False))
    decided_by: str
    role: str
    decided_at: str
    expires: str | None = None
    on_run: str  # the run whose judgment was reviewed
    engine_status: str
    based_on_json: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by: str = ""  # the OS account that ran `sxcheck review`, or "web:<account>"


class WebUser(SQLModel, table=True):
    """An account of `sxcheck serve` (revision 0006): a city's office sees its own region,
    auditors, reviewers and admins see every region. Only the argon2 hash is kept."""

    __tablename__ = "web_user"

    name: str = Field(primary_key=True)
    role: str  # city | auditor | reviewer | admin
    region: str | None = None  # a city account's region (its runs and uploads only)
    password_hash: str
    created_at: str
    disabled: bool = False
    # sessions name the epoch they began in: logging out, disabling the account or
    # changing its password moves it on, so a session cookie copied before is dead
    session_epoch: int = 0


class WebJob(SQLModel, table=True):
    """A check queued by an upload (revision 0006): the queue lives in the store, so a
    restarted server loses no queued or finished run. A worker claims a queued job by
    setting its state and its own id in one conditional UPDATE; a job whose worker
    stopped beating is queued again."""

    __tablename__ = "web_job"

    id: str = Field(primary_key=True)
    region: str = Field(index=True)
    level: str = ""
    uploaded_by: str
    upload_sha: str  # the uploaded zip, content-addressed in the upload folder
    filename: str = ""
    state: str = Field(default="queued", index=True)  # queued | running | done | failed
    progress_json: str = "{}"  # {"documents": n, "of": m, "ocr_pages": k, "current": "..."}
    run_id: str | None = None
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: str = Field(index=True)
    started_at: str | None = None
    finished_at: str | None = None
    worker: str | None = None
    beat_at: str | None = None
    attempts: int = 0
