"""`sxcheck serve` on a PostgreSQL store (`--db postgresql+psycopg://…`): the queue's
claim race between two processes, the guarded finish, and a city and an auditor using
the app on runs recorded there. Under CI=true a missing server fails (conftest)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sxcheck.pipeline import check
from sxcheck.store import jobs, open_store
from sxcheck.store.accounts import save_user
from sxcheck.web.app import create_app
from sxcheck.web.passwords import hash_password
from sxcheck.web.settings import WebSettings
from tests.test_store import PG_URL, _empty_postgres, _postgres_available
from tests.test_web_jobs import _claimer
from tests.web_helpers import PASSWORD, SAMPLES, decide, login


@pytest.fixture
def pg() -> str:
    problem = _postgres_available()
    if problem:
        pytest.skip(f"no PostgreSQL server at {PG_URL} ({problem}); `make postgres` starts one")
    return _empty_postgres()


def test_two_workers_never_take_the_same_job_on_postgresql(pg: str, tmp_path: Path) -> None:
    store = open_store(pg)
    queued = {jobs.enqueue(store, "晋阳市", "", "city", "0" * 64, "x.zip") for _ in range(80)}
    context = multiprocessing.get_context("spawn")
    racers = [
        context.Process(target=_claimer, args=(pg, f"w{i}", str(tmp_path / f"w{i}")))
        for i in range(2)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(120)
        assert racer.exitcode == 0
    first, second = (set((tmp_path / f"w{i}").read_text().split()) for i in range(2))
    assert not first & second and first | second == queued
    some = next(iter(queued))
    assert not jobs.finish(store, some, "r", None, worker="nobody")
    assert jobs.get_job(store, some).state == "running"  # type: ignore[union-attr]


def test_a_city_and_an_auditor_on_a_postgresql_store(pg: str, tmp_path: Path) -> None:
    store = open_store(pg)
    run = check(SAMPLES / "晋阳市-2024", store=store).run.id
    for name, role, region in (("jy", "city", "晋阳市"), ("aud", "auditor", None)):
        save_user(store, name, role, region, hash_password(PASSWORD), False)
    app = create_app(WebSettings(db=pg, data_dir=tmp_path / "web"))
    auditor, city = TestClient(app), TestClient(app)
    assert login(auditor, "aud").status_code == 303 and login(city, "jy").status_code == 303
    assert "晋阳市" in auditor.get("/regions").text
    item = f"/runs/{run}/items/8.1.1"
    answer = decide(auditor, item, "partial", "会议纪要未盖章")
    assert answer.status_code == 303
    assert "会议纪要未盖章" in city.get(f"/runs/{run}").text
    assert city.get("/regions").status_code == 403
