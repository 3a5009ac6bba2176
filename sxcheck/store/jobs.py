"""The queue of checks `sxcheck serve` runs, kept in the store (table web_job).

An upload adds a queued job and returns at once; worker processes claim jobs one at
a time with a conditional UPDATE (only one worker's UPDATE finds the job still
queued, on SQLite and PostgreSQL alike), report progress as they read, and record
the run id or the reason it failed. A worker beats while it works; a job whose
worker stopped beating (the server was killed, the machine restarted) is queued
again, at most MAX_ATTEMPTS times, so no upload is lost by a restart.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from sxcheck.store.runs import Store
from sxcheck.store.tables import WebJob

MAX_ATTEMPTS = 3
STALE_SECONDS = 60  # a running job not heard from for this long lost its worker
INTERRUPTED = f"检查进程已中断 {MAX_ATTEMPTS} 次，未完成；请检查材料后重新上传"


def _now(offset: float = 0.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset)).isoformat(timespec="microseconds")


def enqueue(store: Store, region: str, level: str, by: str, upload_sha: str, filename: str) -> str:
    """Queue a check of the uploaded zip; its job id."""
    job = WebJob(
        id=secrets.token_hex(8),
        region=region,
        level=level,
        uploaded_by=by,
        upload_sha=upload_sha,
        filename=filename,
        created_at=_now(),
    )
    with store._guard(), Session(store.engine) as session:
        session.add(job)
        session.commit()
        return job.id


def claim(store: Store, worker: str) -> WebJob | None:
    """The oldest queued job, now this worker's; None when the queue is empty."""
    with store._guard(), store.engine.begin() as connection:
        for _ in range(5):  # another worker may take the one chosen: choose again
            row = connection.execute(
                text(
                    "SELECT q.id FROM web_job q WHERE q.state = 'queued' ORDER BY "
                    "(SELECT COUNT(*) FROM web_job r WHERE r.state = 'running' "
                    "AND r.uploaded_by = q.uploaded_by), q.created_at LIMIT 1"
                )
            ).first()
            if row is None:
                return None
            now = _now()
            taken = connection.execute(
                text(
                    "UPDATE web_job SET state = 'running', worker = :worker, started_at = :now, "
                    "beat_at = :now, attempts = attempts + 1 WHERE id = :id AND state = 'queued'"
                ),
                {"worker": worker, "now": now, "id": row[0]},
            )
            if taken.rowcount == 1:
                break
        else:
            return None
    return get_job(store, row[0])


def _mine(worker: str | None) -> str:
    """The condition that the job is still this worker's (a job requeued while its
    worker was stalled, and claimed by another, is no longer written by the first)."""
    return " AND worker = :worker" if worker is not None else ""


def beat(
    store: Store, job_id: str, progress: dict[str, Any] | None = None, worker: str | None = None
) -> None:
    """The worker is alive (and, given, how far it got)."""
    values: dict[str, Any] = {"id": job_id, "now": _now(), "worker": worker}
    sql = "UPDATE web_job SET beat_at = :now"
    if progress is not None:
        sql += ", progress_json = :progress"
        values["progress"] = json.dumps(progress, ensure_ascii=False)
    with store._guard(), store.engine.begin() as connection:
        connection.execute(
            text(sql + " WHERE id = :id AND state = 'running'" + _mine(worker)), values
        )


def finish(
    store: Store,
    job_id: str,
    run_id: str | None,
    error: str | None = None,
    worker: str | None = None,
) -> bool:
    """The job is done with its run, or failed with a one-line reason (in Chinese).
    With `worker`: only while the job is still that worker's; False when it is not."""
    with store._guard(), store.engine.begin() as connection:
        done = connection.execute(
            text(
                "UPDATE web_job SET state = :state, run_id = :run, error = :error, "
                "finished_at = :now WHERE id = :id" + _mine(worker)
            ),
            {
                "state": "done" if error is None else "failed",
                "run": run_id,
                "error": error,
                "now": _now(),
                "id": job_id,
                "worker": worker,
            },
        )
        return done.rowcount == 1


def requeue_stale(store: Store, stale_seconds: float = STALE_SECONDS) -> int:
    """Queue again the running jobs whose worker stopped beating (or fail them after
    MAX_ATTEMPTS); how many were queued again."""
    cutoff = _now(-stale_seconds)
    with store._guard(), store.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE web_job SET state = 'failed', finished_at = :now, error = :error "
                "WHERE state = 'running' AND beat_at < :cutoff AND attempts >= :most"
            ),
            {
                "now": _now(),
                "cutoff": cutoff,
                "most": MAX_ATTEMPTS,
                "error": INTERRUPTED,
            },
        )
        again = connection.execute(
            text(
                "UPDATE web_job SET state = 'queued', worker = NULL "
                "WHERE state = 'running' AND beat_at < :cutoff"
            ),
            {"cutoff": cutoff},
        )
        return int(again.rowcount or 0)


def pending_of(store: Store, uploaded_by: str) -> int:
    """How many of an account's uploads are queued or being checked."""
    with store._guard(), store.engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT COUNT(*) FROM web_job WHERE uploaded_by = :by "
                "AND state IN ('queued', 'running')"
            ),
            {"by": uploaded_by},
        ).one()
    return int(row[0] or 0)


def job_of_run(store: Store, run_id: str) -> WebJob | None:
    """The upload's job that recorded this run (None: a run checked from the CLI)."""
    with store._guard(), Session(store.engine) as session:
        return session.exec(select(WebJob).where(WebJob.run_id == run_id)).first()


def get_job(store: Store, job_id: str) -> WebJob | None:
    with store._guard(), Session(store.engine) as session:
        return session.get(WebJob, job_id)


def jobs(store: Store, region: str | None = None, limit: int = 50) -> list[WebJob]:
    """The latest jobs, newest first (of one region, given)."""
    query = select(WebJob).order_by(col(WebJob.created_at).desc()).limit(limit)
    if region is not None:
        query = query.where(WebJob.region == region)
    with store._guard(), Session(store.engine) as session:
        return list(session.exec(query))


def progress_of(job: WebJob) -> dict[str, Any]:
    try:
        value = json.loads(job.progress_json or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def set_region(store: Store, job_id: str, region: str, level: str) -> None:
    """The region and level the job's declaration names (an auditor's upload is queued
    without a region: it takes the declaration's, so the city sees its own jobs)."""
    with store._guard(), store.engine.begin() as connection:
        connection.execute(
            text("UPDATE web_job SET region = :region, level = :level WHERE id = :id"),
            {"region": region, "level": level, "id": job_id},
        )


def running_workers(store: Store) -> set[str]:
    """The workers named by running jobs (to find those that are gone)."""
    with store._guard(), store.engine.begin() as connection:
        rows = connection.execute(
            text("SELECT DISTINCT worker FROM web_job WHERE state = 'running'")
        )
        return {row[0] for row in rows if row[0]}


def requeue_workers(store: Store, gone: set[str]) -> int:
    """Queue again at once the running jobs of workers known to be gone (their process
    no longer exists), without waiting STALE_SECONDS; a job interrupted MAX_ATTEMPTS
    times fails as requeue_stale fails it. How many were queued again."""
    again = 0
    with store._guard(), store.engine.begin() as connection:
        for worker in sorted(gone):
            connection.execute(
                text(
                    "UPDATE web_job SET state = 'failed', finished_at = :now, error = :error "
                    "WHERE state = 'running' AND worker = :worker AND attempts >= :most"
                ),
                {
                    "now": _now(),
                    "worker": worker,
                    "most": MAX_ATTEMPTS,
                    "error": INTERRUPTED,
                },
            )
            done = connection.execute(
                text(
                    "UPDATE web_job SET state = 'queued', worker = NULL "
                    "WHERE state = 'running' AND worker = :worker"
                ),
                {"worker": worker},
            )
            again += int(done.rowcount or 0)
    return again


def release(store: Store, job_id: str, worker: str | None = None) -> None:
    """A worker asked to stop (the server stops) puts its job back in the queue: the
    stop was no fault of the job's, so the attempt is not counted."""
    with store._guard(), store.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE web_job SET state = 'queued', worker = NULL, "
                "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END "
                "WHERE id = :id AND state = 'running'" + _mine(worker)
            ),
            {"id": job_id, "worker": worker},
        )
