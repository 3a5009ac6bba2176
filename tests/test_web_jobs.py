"""The background checks of `sxcheck serve` (sxcheck.web.worker): real worker
processes checking real sample zips from the queue in a SQLite store, a restart
that loses nothing, uploads that cannot be checked, and a Dask cluster."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
import zipfile
from pathlib import Path

import pytest

from sxcheck.store import jobs, open_store
from sxcheck.web import uploads
from sxcheck.web.jobrun import MISMATCH, MISSING
from sxcheck.web.settings import WebSettings
from sxcheck.web.worker import WorkerPool

SAMPLES = Path(__file__).resolve().parent.parent / "evidence_samples"
WAIT = 240.0  # a guard against a hang, never a measure of speed


def _settings(tmp_path: Path, workers: int = 2, scheduler: str | None = None) -> WebSettings:
    return WebSettings(
        db=str(tmp_path / "store.db"),
        data_dir=tmp_path / "web",
        workers=workers,
        scheduler=scheduler,
    )


def _zip(tmp_path: Path, sample: str) -> Path:
    """The sample folder zipped as a city would upload it (one top folder)."""
    folder = SAMPLES / sample
    target = tmp_path / f"{sample}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{sample}/{path.relative_to(folder).as_posix()}")
    return target


def _kept(settings: WebSettings, data: bytes) -> str:
    """Keep bytes as an upload is kept (by their sha256); the sha."""
    sha = hashlib.sha256(data).hexdigest()
    path = uploads.path_of(settings, sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return sha


def _upload(settings: WebSettings, tmp_path: Path, sample: str, region: str | None) -> str:
    """Queue a check of the sample as a city (its region) or an auditor (None) would."""
    sha = _kept(settings, _zip(tmp_path, sample).read_bytes())
    store = open_store(settings.db)
    by = "city" if region else "auditor"
    return jobs.enqueue(store, region or "", "", by, sha, f"{sample}.zip")


def _wait(settings: WebSettings, job_ids: list[str]) -> dict[str, jobs.WebJob]:
    store = open_store(settings.db)
    deadline = time.monotonic() + WAIT
    while True:
        found = {i: jobs.get_job(store, i) for i in job_ids}
        if all(j is not None and j.state in ("done", "failed") for j in found.values()):
            return {i: j for i, j in found.items() if j is not None}
        assert time.monotonic() < deadline, [(j.id, j.state) for j in found.values() if j]
        time.sleep(0.2)


def _files(sample: str) -> int:
    return sum(1 for p in (SAMPLES / sample).rglob("*") if p.is_file())


# ------------------------------------------------------------ the queue


def _claimer(db: str, name: str, out: str) -> None:
    """A racing worker: claim until the queue is empty, write down what it got."""
    store = open_store(db)
    taken = []
    while (job := jobs.claim(store, name)) is not None:
        taken.append(job.id)
    Path(out).write_text("\n".join(taken))


def test_two_workers_never_take_the_same_job(tmp_path):
    settings = _settings(tmp_path)
    store = open_store(settings.db)
    queued = {jobs.enqueue(store, "晋阳市", "", "city", "0" * 64, "x.zip") for _ in range(150)}
    context = multiprocessing.get_context("spawn")
    racers = [
        context.Process(target=_claimer, args=(settings.db, f"w{i}", str(tmp_path / f"w{i}")))
        for i in range(2)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(WAIT)
        assert racer.exitcode == 0
    first, second = (set((tmp_path / f"w{i}").read_text().split()) for i in range(2))
    assert not first & second
    assert first | second == queued
    assert all(jobs.get_job(store, i).attempts == 1 for i in queued)  # type: ignore[union-attr]


def test_each_job_is_checked_once_with_its_declarations_region(tmp_path):
    settings = _settings(tmp_path, workers=2)
    city = _upload(settings, tmp_path, "晋阳市-2024", "晋阳市")
    auditor = _upload(settings, tmp_path, "汾东市-2024", None)
    again = [_upload(settings, tmp_path, "潞州市-2024", "潞州市") for _ in range(5)]
    pool = WorkerPool(settings)
    pool.start()
    try:
        done = _wait(settings, [city, auditor, *again])
    finally:
        pool.stop()
    assert {j.state for j in done.values()} == {"done"}, [j.error for j in done.values()]
    assert all(j.attempts == 1 and j.error is None for j in done.values())
    assert len({j.run_id for j in done.values()}) == len(done)  # each checked once
    store = open_store(settings.db)
    assert len(store.runs(limit=100)) == len(done)
    for job_id, region, sample in (
        (city, "晋阳市", "晋阳市-2024"),
        (auditor, "汾东市", "汾东市-2024"),
    ):
        job = done[job_id]
        assert (job.region, job.level) == (region, "city")  # the auditor's job took it
        assert store.report(job.run_id or "").submission.region == region
        progress = jobs.progress_of(job)
        assert progress["documents"] == progress["of"] > 0
        assert progress["of"] <= _files(sample)
    assert jobs.progress_of(done[city])["ocr_pages"] >= 1  # the sample's scans
    assert not any(p.is_alive() for p in pool.processes)


def test_a_restart_loses_no_job(tmp_path):
    settings = _settings(tmp_path, workers=1)
    first = _upload(settings, tmp_path, "晋阳市-2024", "晋阳市")
    second = _upload(settings, tmp_path, "汾东市-2024", "汾东市")
    pool = WorkerPool(settings)
    pool.start()
    store = open_store(settings.db)
    deadline = time.monotonic() + WAIT
    while True:  # mid-check: reading its documents
        job = jobs.get_job(store, first)
        assert job is not None and job.state in ("queued", "running")
        if job.state == "running" and jobs.progress_of(job).get("of"):
            break
        assert time.monotonic() < deadline
        time.sleep(0.02)
    for process in pool.processes:  # as the OOM killer or a power cut would
        os.kill(process.pid, signal.SIGKILL)
    pool.stop()
    assert jobs.get_job(store, first).state in ("running", "queued")  # type: ignore[union-attr]
    assert not store.runs()
    restarted = WorkerPool(settings)
    restarted.start()
    try:
        done = _wait(settings, [first, second])
    finally:
        restarted.stop()
    assert [done[first].state, done[second].state] == ["done", "done"]
    assert done[first].attempts >= 2  # it was interrupted, then checked again
    assert store.report(done[first].run_id or "").submission.region == "晋阳市"
    assert len(store.runs()) == 2


def test_uploads_that_cannot_be_checked_fail_with_one_chinese_line(tmp_path):
    settings = _settings(tmp_path, workers=1)
    store = open_store(settings.db)
    other = _upload(settings, tmp_path, "晋阳市-2024", "汾东市")  # a city's upload of another
    damaged = jobs.enqueue(store, "", "", "a", _kept(settings, b"not a zip"), "坏的.zip")
    missing = jobs.enqueue(store, "晋阳市", "", "city", "ab" * 32, "丢失.zip")
    pool = WorkerPool(settings)
    pool.start()
    try:
        done = _wait(settings, [other, damaged, missing])
    finally:
        pool.stop()
    assert {j.state for j in done.values()} == {"failed"}
    assert done[other].error == MISMATCH.format(declared="晋阳市", account="汾东市")
    assert done[missing].error == MISSING
    error = done[damaged].error or ""
    assert "\n" not in error and "坏的.zip" in error, error
    assert str(settings.folder()) not in error and "Traceback" not in error
    assert any("\u4e00" <= c <= "\u9fff" for c in error)
    assert all(j.run_id is None for j in done.values())
    assert not store.runs()


def test_checks_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip(
        "distributed", reason="Dask distributed is an optional extra (sxcheck[dask])"
    )
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        settings = _settings(tmp_path, workers=1, scheduler=cluster.scheduler_address)
        job_id = _upload(settings, tmp_path, "汾东市-2024", None)
        pool = WorkerPool(settings)
        pool.start()
        try:
            job = _wait(settings, [job_id])[job_id]
        finally:
            pool.stop()
    finally:
        cluster.close()
    assert job.state == "done", job.error
    store = open_store(settings.db)
    assert store.report(job.run_id or "").submission.region == "汾东市"
    progress = jobs.progress_of(job)  # written by the cluster's worker
    assert progress["documents"] == progress["of"] > 0
