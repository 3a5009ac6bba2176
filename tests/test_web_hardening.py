"""What a security review of `sxcheck serve` found, each shown fixed on real runs.

- A batch run quotes the other regions' packages (reused_evidence): a city never sees one.
- Parallel wrong passwords cannot all be tried before the first fails (the attempt is
  counted before the argon2 check), and asking the throttle costs it no memory.
- A job requeued while its worker stalled is written only by the worker that has it.
- One account cannot fill the queue; a form the parser refuses says so in Chinese.
- Pages and downloads never name the server's upload folder.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from sxcheck.batch import run_batch
from sxcheck.pipeline import check
from sxcheck.store import jobs as queue
from sxcheck.store import open_store
from sxcheck.web.app import create_app
from sxcheck.web.security import Throttle
from sxcheck.web.settings import WebSettings
from sxcheck.web.views.uploads import MAX_PENDING
from tests.web_helpers import SAMPLES, add_user, csrf_of, login, zip_folder

REGION_A, REGION_B = "汾东市", "清源县"


class Site:
    def __init__(self, base: Path) -> None:
        self.db = base / "web.db"
        for name, role, region in (
            ("city_a", "city", REGION_A),
            ("city_b", "city", REGION_B),
            ("auditor", "auditor", None),
        ):
            add_user(self.db, name, role, region)
        self.store = open_store(str(self.db))
        self.check_a = check(SAMPLES / f"{REGION_A}-2024", store=self.store).run.id
        batch, _ = run_batch(
            [SAMPLES / f"{REGION_A}-2024", SAMPLES / f"{REGION_B}-2024"], workers=1, db=str(self.db)
        )
        self.batch_runs = {e.region: e.run_id for e in batch.entries if e.run_id}
        self.settings = WebSettings(db=str(self.db), data_dir=base / "data")
        self.app = create_app(self.settings)
        self.base = base

    def client(self, name: str) -> TestClient:
        client = TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)
        assert login(client, name).status_code == 303
        return client


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site(tmp_path_factory.mktemp("hardening"))


def test_a_city_never_sees_a_batch_run_of_its_region(site: Site) -> None:
    run = site.batch_runs[REGION_A]
    city, auditor = site.client("city_a"), site.client("auditor")
    for url in (f"/runs/{run}", f"/runs/{run}/report.json", f"/runs/{run}/items/8.1.1"):
        assert city.get(url).status_code == 404, url
        assert auditor.get(url).status_code == 200, url
    assert run not in city.get("/").text
    assert run not in city.get(f"/history/{REGION_A}").text
    assert run in auditor.get(f"/history/{REGION_A}").text
    # the city's own check is still its own
    assert city.get(f"/runs/{site.check_a}").status_code == 200


def test_parallel_wrong_passwords_are_counted_before_they_are_checked(site: Site) -> None:
    site.app.state.throttle = Throttle(5, 900)
    token_client = TestClient(site.app, follow_redirects=False)

    def attempt(_: int) -> int:
        client = TestClient(site.app, follow_redirects=False)
        token = csrf_of(client.get("/login").text)
        answer = client.post("/login", data={"name": "city_b", "password": "wrong", "csrf": token})
        return answer.status_code

    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(attempt, range(12)))
    assert codes.count(401) <= 5 and codes.count(401) + codes.count(429) == 12, codes
    # the right password is refused too until the window passes
    token = csrf_of(token_client.get("/login").text)
    answer = token_client.post(
        "/login", data={"name": "city_b", "password": "correct-horse-battery-1", "csrf": token}
    )
    assert answer.status_code == 429 and "分钟后再试" in answer.text
    site.app.state.throttle = Throttle(5, 900)


def test_asking_the_throttle_costs_it_nothing_and_a_success_takes_back_its_attempt() -> None:
    throttle = Throttle(3, 900)
    for n in range(2000):
        assert throttle.wait(f"user:{n}", "addr:1") == 0
    assert len(throttle._seen) == 0
    assert throttle.attempt("user:x", "addr:1") == 0
    throttle.succeeded("user:x", "addr:1")
    assert len(throttle._seen) == 0
    for _ in range(3):
        assert throttle.attempt("user:x", "addr:1") == 0
    assert throttle.attempt("user:x", "addr:2") > 0  # the account is locked
    assert throttle.attempt("user:y", "addr:1") > 0  # and so is the address


def test_a_job_taken_over_is_written_only_by_the_worker_that_has_it(site: Site) -> None:
    store = site.store
    job_id = queue.enqueue(store, REGION_A, "", "city_a", "0" * 64, "a.zip")
    first = queue.claim(store, "host:1")
    assert first is not None and first.id == job_id
    assert queue.requeue_stale(store, stale_seconds=-1) == 1  # worker 1 stalled
    second = queue.claim(store, "host:2")
    assert second is not None and second.id == job_id
    queue.beat(store, job_id, {"documents": 9}, worker="host:1")  # the stalled one wakes
    assert queue.progress_of(queue.get_job(store, job_id)) == {}
    assert not queue.finish(store, job_id, "run-of-1", None, worker="host:1")
    assert queue.get_job(store, job_id).state == "running"
    assert queue.finish(store, job_id, "run-of-2", None, worker="host:2")
    done = queue.get_job(store, job_id)
    assert (done.state, done.run_id) == ("done", "run-of-2")


def test_one_account_cannot_fill_the_queue(site: Site) -> None:
    store = site.store
    queued = [
        queue.enqueue(store, REGION_B, "", "city_b", f"{n:064x}", f"{n}.zip")
        for n in range(MAX_PENDING)
    ]
    city = site.client("city_b")
    package = zip_folder(SAMPLES / f"{REGION_B}-2024", site.base / "b.zip").read_bytes()
    token = csrf_of(city.get("/upload").text)
    answer = city.post(
        "/upload",
        data={"csrf": token},
        files={"package": ("b.zip", package, "application/zip")},
    )
    assert answer.status_code == 429 and "排队" in answer.text
    assert not list((site.settings.uploads()).rglob("*.zip"))
    for job_id in queued:  # the account's queue is free again
        queue.finish(store, job_id, None, "测试")
    assert queue.pending_of(store, "city_b") == 0


def test_a_wrong_token_in_the_forms_action_is_refused_before_the_body(site: Site) -> None:
    city = site.client("city_a")
    csrf_of(city.get("/upload").text)
    answer = city.post(
        "/upload?csrf=wrong",
        data={"csrf": "wrong"},
        files={"package": ("a.zip", b"PK\x05\x06" + b"\0" * 18, "application/zip")},
    )
    assert answer.status_code == 403


def test_a_form_the_parser_refuses_is_one_chinese_line(site: Site) -> None:
    city = site.client("city_a")
    token = csrf_of(city.get("/upload").text)
    fields: dict[str, Any] = {f"f{n}": "x" for n in range(30)}
    answer = city.post("/upload", data={"csrf": token, **fields})
    assert answer.status_code == 400
    message = re.search(r'id="error-message">([^<]*)<', answer.text)
    assert message is not None and "未保存" in message.group(1)
    assert "Too many" not in answer.text


def test_pages_and_downloads_never_name_the_upload_folder(site: Site, tmp_path: Path) -> None:
    package = zip_folder(SAMPLES / f"{REGION_A}-2024", tmp_path / "汾东市申报.zip")
    city = site.client("city_a")
    token = csrf_of(city.get("/upload").text)
    answer = city.post(
        f"/upload?csrf={token}",
        data={"csrf": token},
        files={"package": ("汾东市申报.zip", package.read_bytes(), "application/zip")},
    )
    assert answer.status_code == 303, answer.text[:300]
    job_id = answer.headers["location"].rsplit("/", 1)[-1]
    job = queue.claim(site.store, "host:9")
    assert job is not None and job.id == job_id
    kept = site.settings.uploads() / job.upload_sha[:2] / f"{job.upload_sha}.zip"
    report = check(kept, store=site.store)
    assert queue.finish(site.store, job_id, report.run.id, None, worker="host:9")
    folder = str(site.settings.folder())
    downloaded = city.get(f"/runs/{report.run.id}/report.json")
    assert json.loads(downloaded.text)["submission"]["source"] == "上传：汾东市申报.zip"
    for url in (
        f"/runs/{report.run.id}",
        f"/runs/{report.run.id}/report.json",
        f"/runs/{report.run.id}/report.html",
        f"/jobs/{job_id}",
        f"/jobs/{job_id}.json",
    ):
        assert folder not in city.get(url).text, url
