"""A load test of `sxcheck serve` on loopback: a real server process with 2 check workers,
20 concurrent uploads (each its own logged-in client, its CSRF token from the upload
page), then 200 concurrent report-page views. Every request must succeed and every job
must end done with its run in the store: nothing lost under load.

Each upload is a sample with one small note added, so every zip is different content
(no upload is deduplicated and every job is a real check; the documents themselves are
read once and then come from the store, as for a city re-uploading). The throughput and
the 95th-percentile latency are printed (and kept in build/web-load.json), never
asserted: timings depend on the machine.
"""

from __future__ import annotations

import json
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlmodel import Session

from sxcheck.store import open_store
from sxcheck.store.tables import StoredRun
from tests.web_helpers import ROOT, SAMPLES, add_user_process, csrf_of, login, serve, zip_folder

UPLOADS = 20
VIEWS = 200
VIEW_THREADS = 40
JOB_DEADLINE = 8 * 60  # seconds for every job to end (generous: 2 cores in CI)
REGIONS = ("汾东市", "清源县", "潞州市", "晋阳市")  # 晋阳市: two scans, OCR'd once


def _account(region: str) -> str:
    return f"city-{region}"


def _package(region: str, n: int, folder: Path) -> bytes:
    path = zip_folder(SAMPLES / f"{region}-2024", folder / f"{region}-{n}.zip")
    with zipfile.ZipFile(path, "a") as archive:  # this upload's own bytes
        archive.writestr(f"{region}-2024/上传说明-{n}.txt", f"第 {n} 次上传（负载测试）\n")
    return path.read_bytes()


def _client(url: str, region: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=120.0, follow_redirects=False)
    answer = login(client, _account(region))
    assert answer.status_code == 303, answer.text[:300]
    return client


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def test_concurrent_uploads_and_report_views(tmp_path: Path) -> None:
    packages = [(REGIONS[n % len(REGIONS)], n) for n in range(UPLOADS)]
    data = {(region, n): _package(region, n, tmp_path) for region, n in packages}
    with serve(tmp_path / "serve", workers=2) as server:
        for region in REGIONS:
            add_user_process(server.db, _account(region), "city", region)
        # every uploader logged in with its token before the start, then all at once
        clients = [_client(server.url, region) for region, _ in packages]
        tokens = [csrf_of(c.get("/upload").text) for c in clients]
        start = threading.Barrier(UPLOADS + 1)
        answers: list[httpx.Response | BaseException | None] = [None] * UPLOADS

        def upload(i: int) -> None:
            region, n = packages[i]
            start.wait()
            try:
                answers[i] = clients[i].post(
                    "/upload",
                    data={"csrf": tokens[i]},
                    files={"package": (f"{region}-{n}.zip", data[(region, n)], "application/zip")},
                )
            except BaseException as exc:  # noqa: BLE001 - reported below, with the others
                answers[i] = exc

        threads = [threading.Thread(target=upload, args=(i,)) for i in range(UPLOADS)]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        upload_seconds = time.perf_counter() - began
        problems = [
            f"{packages[i]}: {a!r} {getattr(a, 'text', '')[:200]}"
            for i, a in enumerate(answers)
            if not isinstance(a, httpx.Response) or a.status_code != 303
        ]
        assert not problems, problems
        job_ids = [
            str(a.headers["location"]).rsplit("/", 1)[1]
            for a in answers
            if isinstance(a, httpx.Response)
        ]
        assert len(set(job_ids)) == UPLOADS

        # every job ends, done, with its run
        deadline = time.monotonic() + JOB_DEADLINE
        states: dict[str, dict[str, object]] = {}
        checks_began = time.perf_counter()
        while time.monotonic() < deadline:
            for i, job in enumerate(job_ids):
                if states.get(job, {}).get("state") not in ("done", "failed"):
                    answer = clients[i].get(f"/jobs/{job}.json")
                    assert answer.status_code == 200, answer.text[:300]
                    states[job] = answer.json()
            if all(s.get("state") in ("done", "failed") for s in states.values()):
                break
            time.sleep(1.0)
        checks_seconds = time.perf_counter() - checks_began
        unfinished = {j: s for j, s in states.items() if s.get("state") != "done"}
        assert not unfinished, unfinished
        run_ids = [str(states[job]["run"]) for job in job_ids]
        store = open_store(str(server.db), write=False)
        with Session(store.engine) as session:
            for job, run in zip(job_ids, run_ids, strict=True):
                row = session.get(StoredRun, run)
                assert row is not None, f"job {job}: run {run} is not in the store"
                assert row.region == packages[job_ids.index(job)][0]
        store.engine.dispose()

        # 200 report-page views, 40 at a time, each by the city of the run's region
        by_region = {region: clients[packages.index((region, n))] for region, n in packages}
        views = [(by_region[packages[i % UPLOADS][0]], run_ids[i % UPLOADS]) for i in range(VIEWS)]

        def view(pair: tuple[httpx.Client, str]) -> tuple[int, float, int]:
            client, run = pair
            t0 = time.perf_counter()
            answer = client.get(f"/runs/{run}")
            return answer.status_code, time.perf_counter() - t0, len(answer.content)

        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=VIEW_THREADS) as pool:
            results = list(pool.map(view, views))
        view_seconds = time.perf_counter() - began
        for client in clients:
            client.close()
    bad = [r for r in results if r[0] != 200]
    assert not bad, bad[:10]
    latencies = [r[1] for r in results]
    numbers = {
        "uploads": UPLOADS,
        "uploads_accepted_per_s": round(UPLOADS / upload_seconds, 2),
        "checks_all_done_s": round(checks_seconds, 1),
        "views": VIEWS,
        "view_threads": VIEW_THREADS,
        "views_per_s": round(VIEWS / view_seconds, 2),
        "view_p50_s": round(sorted(latencies)[len(latencies) // 2], 3),
        "view_p95_s": round(_p95(latencies), 3),
        "report_page_bytes": results[0][2],
    }
    print("sxcheck serve load:", json.dumps(numbers, ensure_ascii=False))
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "web-load.json").write_text(json.dumps(numbers, indent=1) + "\n")
