"""The auditors' and reviewers' pages of `sxcheck serve` on real runs of the samples:
every region's latest check, the batch comparison with its ranking, an item's trail
with the quote marked and the page behind it, and decisions recorded from the item
page (seen read-only by the region's city account)."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from sxcheck.batch import run_batch
from sxcheck.pipeline import check
from sxcheck.store import open_store
from sxcheck.store.accounts import save_user
from sxcheck.store.decisions import all_decisions
from sxcheck.store.jobs import claim, finish, get_job, jobs
from sxcheck.store.tables import StoredDecision
from sxcheck.web.app import create_app
from sxcheck.web.passwords import hash_password
from sxcheck.web.settings import WebSettings
from sxcheck.web.uploads import path_of
from sxcheck.web.views.regions import build_batch, latest_runs
from tests.web_helpers import SAMPLES, decide
from tests.web_helpers import csrf_of as csrf

REGIONS = ("晋阳市", "汾东市", "清源县", "潞州市")
PASSWORD = "password-for-tests"
PNG = b"\x89PNG\r\n\x1a\n"


class Site:
    """The app on a store holding a check of every sample, and an upload of 晋阳市."""

    def __init__(self, folder: Path) -> None:
        self.db = str(folder / "store.db")
        self.store = open_store(self.db)
        self.folder_runs = {
            region: check(SAMPLES / f"{region}-2024", store=self.store).run.id for region in REGIONS
        }
        for name, role, region in (
            ("auditor1", "auditor", None),
            ("reviewer1", "reviewer", None),
            ("jy", "city", "晋阳市"),
            ("fd", "city", "汾东市"),
        ):
            save_user(self.store, name, role, region, hash_password(PASSWORD), False)
        self.settings = WebSettings(db=self.db, data_dir=folder / "web")
        self.app = create_app(self.settings)
        self.upload_run = self._upload(folder)

    def client(self, name: str) -> TestClient:
        client = TestClient(self.app)
        token = csrf(client.get("/login").text)
        answer = client.post(
            "/login",
            data={"name": name, "password": PASSWORD, "csrf": token},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return client

    def _upload(self, folder: Path) -> str:
        """晋阳市 uploaded as a zip by its city account, checked as the worker checks it."""
        package = folder / "jinyang.zip"
        with zipfile.ZipFile(package, "w") as archive:
            base = SAMPLES / "晋阳市-2024"
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    archive.write(path, f"晋阳市-2024/{path.relative_to(base).as_posix()}")
        city = self.client("jy")
        token = csrf(city.get("/upload").text)
        with open(package, "rb") as handle:
            answer = city.post(
                "/upload",
                data={"csrf": token},
                files={"package": ("晋阳市-2024.zip", handle, "application/zip")},
                follow_redirects=False,
            )
        assert answer.status_code == 303, answer.text
        job = claim(self.store, "test-worker")
        assert job is not None and answer.headers["location"] == f"/jobs/{job.id}"
        report = check(path_of(self.settings, job.upload_sha), store=self.store)
        finish(self.store, job.id, report.run.id)
        done = get_job(self.store, job.id)
        assert done is not None and done.run_id == report.run.id
        return report.run.id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site(tmp_path_factory.mktemp("web-pages"))


def _evidence(site: Site, run_id: str, item_id: str) -> list:
    judgment = next(j for j in site.store.report(run_id).indicators if j.id == item_id)
    return [ev for reason in judgment.reasons for ev in reason.evidence]


def test_regions_lists_every_region_with_its_latest_check(site: Site) -> None:
    auditor = site.client("auditor1")
    page = auditor.get("/regions")
    assert page.status_code == 200
    rows = re.findall(r'<tr class="region-row" data-region="([^"]+)"', page.text)
    assert rows == sorted(REGIONS)  # by name, each once
    latest = {run.region: run for run in latest_runs(site.store)}
    assert latest["晋阳市"].id == site.upload_run  # the upload is 晋阳市's latest check
    for region in REGIONS:
        run = latest[region]
        row = page.text.split(f'data-region="{region}"', 1)[1].split("</tr>", 1)[0]
        counts = site.store.report(run.id).summary.counts
        assert f'<td class="n pass-n">{counts["pass"]}</td>' in row
        assert f'<td class="n fail-n">{counts["fail"]}</td>' in row
        assert f'<td class="n total">{(run.total_score or 0) * 100:.1f}</td>' in row
        assert f'href="/runs/{run.id}/diff"' in row and f"/history/{quote(region)}" in row
    assert '<script src="/static/regions.js" nonce="' in page.text
    assert auditor.get("/static/regions.js").status_code == 200


def test_a_city_cannot_list_regions_or_compare(site: Site) -> None:
    city = site.client("jy")
    assert city.get("/regions").status_code == 403
    assert city.get("/batch").status_code == 403


def test_batch_ranks_the_latest_checks_as_sxcheck_batch_does(site: Site, tmp_path: Path) -> None:
    page = site.client("reviewer1").get("/batch")
    assert page.status_code == 200
    ranking = page.text.split('<table id="ranking">', 1)[1].split("</table>", 1)[0]
    shown = re.findall(r'<tr><td class="name">([^<]+)</td><td>[^<]*</td><td>2024</td>', ranking)
    assert sorted(shown) == sorted(REGIONS)
    assert 'id="batch-filter"' in page.text and "/static/app.css" in page.text
    latest = latest_runs(site.store)
    for run in latest:
        assert f'href="/runs/{run.id}#item-' in page.text  # the matrix opens the run's items
    # the same totals and ranks `sxcheck batch` gives the same folders (2.1.4 ranked)
    batch, _ = build_batch(site.store, latest)
    folders = [tmp_path / region for region in REGIONS]
    for region, folder in zip(REGIONS, folders, strict=True):
        shutil.copytree(SAMPLES / f"{region}-2024", folder)
    expected, _ = run_batch(folders, workers=1, db=site.db)  # the decisions too
    ours = {e.region: (e.total, e.rank, e.apps_rank) for e in batch.entries}
    theirs = {e.region: (e.total, e.rank, e.apps_rank) for e in expected.entries}
    assert ours == theirs
    assert any(e.apps_rank is not None for e in batch.entries)
    county = site.client("auditor1").get("/batch?level=county&year=2024")
    assert county.status_code == 200
    ranked = county.text.split('<table id="ranking">', 1)[1].split("</table>", 1)[0]
    assert "清源县" in ranked and "晋阳市" not in ranked


def test_item_page_marks_the_quote_in_its_paragraph(site: Site) -> None:
    run = site.upload_run
    auditor = site.client("auditor1")
    page = auditor.get(f"/runs/{run}/items/1.1.1")
    assert page.status_code == 200
    ev = _evidence(site, run, "1.1.1")[0]
    assert f"<mark>{ev.quote}</mark>" in page.text
    assert ev.sha256[:16] in page.text and ev.document in page.text
    assert 'id="decision-form"' in page.text
    assert auditor.get(f"/runs/{run}/items/9.9.9").status_code == 404


def test_thumbnails_of_a_pdf_page_and_a_scan(site: Site) -> None:
    auditor = site.client("auditor1")
    run = site.upload_run
    evidence = _evidence(site, run, "1.1.1")
    n = next(i for i, ev in enumerate(evidence) if ev.document.endswith(".pdf"))
    page = auditor.get(f"/runs/{run}/items/1.1.1")
    assert f'src="/runs/{run}/items/1.1.1/evidence/{n}.png"' in page.text
    image = auditor.get(f"/runs/{run}/items/1.1.1/evidence/{n}.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(PNG)
    # a scan (OCR box) from the upload, and from the report's own thumbnail of a folder run
    for run_id in (run, site.folder_runs["晋阳市"]):
        scans = _evidence(site, run_id, "8.1.1")
        k = next(i for i, ev in enumerate(scans) if ev.source == "ocr" and ev.box)
        scan = auditor.get(f"/runs/{run_id}/items/8.1.1/evidence/{k}.png")
        assert scan.status_code == 200 and scan.content.startswith(PNG)
    # a docx quote has no page to show
    docx = next(i for i, ev in enumerate(scans) if ev.document.endswith(".docx"))
    folder_run = site.folder_runs["晋阳市"]
    assert auditor.get(f"/runs/{folder_run}/items/8.1.1/evidence/{docx}.png").status_code == 404
    assert auditor.get(f"/runs/{folder_run}/items/8.1.1/evidence/999.png").status_code == 404


def test_a_decision_from_the_item_page_reaches_the_city(site: Site) -> None:
    run = site.upload_run
    reviewer = site.client("reviewer1")
    item = f"/runs/{run}/items/1.1.2"
    answer = decide(reviewer, item, "pass", "现场核实：光纤覆盖数据属实")
    assert answer.status_code == 303 and answer.headers["location"].startswith(item)
    recorded = [d for i, d in all_decisions(site.store, "晋阳市", "city") if i == "1.1.2"]
    assert len(recorded) == 1
    decision = recorded[0]
    assert (decision.by, decision.role, decision.on_run) == ("reviewer1", "reviewer", run)
    assert decision.based_on  # the documents it rests on, as `review` records them
    with Session(site.store.engine) as session:
        rows = session.exec(select(StoredDecision).where(StoredDecision.item_id == "1.1.2"))
        assert [row.recorded_by for row in rows] == ["web:reviewer1"]  # not the server's
    page = reviewer.get(item).text
    assert 'id="decision-history"' in page and "现场核实：光纤覆盖数据属实" in page
    assert '<span class="badge pass" id="item-status">' in page
    city = site.client("jy")
    own = city.get(item)
    assert own.status_code == 200
    assert "现场核实：光纤覆盖数据属实" in own.text and 'id="decision-form"' not in own.text
    report_page = city.get(f"/runs/{run}")
    assert "现场核实：光纤覆盖数据属实" in report_page.text
    # a city may not decide, even with its own valid token
    refused = city.post(
        f"{item}/decision",
        data={"csrf": csrf(own.text), "status": "fail", "reason": "不同意"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert len([i for i, _ in all_decisions(site.store, "晋阳市", "city") if i == "1.1.2"]) == 1


def test_decision_form_problems_and_csrf(site: Site) -> None:
    run = site.upload_run
    auditor = site.client("auditor1")
    item = f"/runs/{run}/items/1.1.3"
    token = csrf(auditor.get(item).text)
    before = len(all_decisions(site.store, "晋阳市", "city"))
    no_token = auditor.post(
        f"{item}/decision", data={"status": "pass", "reason": "理由"}, follow_redirects=False
    )
    assert no_token.status_code == 403
    for data, message in (
        ({"status": "pass", "reason": "  "}, "复核意见须写明理由"),
        ({"status": "maybe", "reason": "理由"}, "请选择复核结论"),
        ({"status": "pass", "reason": "长" * 2001}, "理由最多 2000 字"),
        ({"status": "pass", "reason": "理由", "expires": "2020-01-01"}, "已过去"),
        ({"status": "pass", "reason": "理由", "expires": "下周"}, "YYYY-MM-DD"),
    ):
        page = auditor.post(f"{item}/decision", data={"csrf": token, **data})
        assert page.status_code == 400 and message in page.text
        assert 'id="decision-errors"' in page.text
    missing = auditor.post(
        f"/runs/{run}/items/9.9.9/decision", data={"csrf": token, "status": "pass", "reason": "x"}
    )
    assert missing.status_code == 404
    assert len(all_decisions(site.store, "晋阳市", "city")) == before


def test_a_city_sees_nothing_of_another_region(site: Site) -> None:
    other = site.client("fd")
    run = site.upload_run
    evidence = _evidence(site, run, "1.1.1")
    n = next(i for i, ev in enumerate(evidence) if ev.document.endswith(".pdf"))
    assert other.get(f"/runs/{run}/items/1.1.1").status_code == 404
    assert other.get(f"/runs/{run}/items/1.1.1/evidence/{n}.png").status_code == 404
    token = csrf(other.get("/").text)
    refused = other.post(
        f"/runs/{run}/items/1.1.1/decision", data={"csrf": token, "status": "pass", "reason": "x"}
    )
    assert refused.status_code == 403
    own = site.folder_runs["汾东市"]
    assert other.get(f"/runs/{own}/items/1.1.1").status_code == 200


def test_an_altered_upload_is_never_shown(site: Site, tmp_path: Path) -> None:
    """A kept zip whose document no longer hashes to the evidence's sha256 gives no page."""
    from sxcheck.web import thumbnails

    run = site.upload_run
    job = next(j for j in jobs(site.store) if j.run_id == run)
    kept = path_of(site.settings, job.upload_sha)
    evidence = _evidence(site, run, "1.1.1")
    n = next(i for i, ev in enumerate(evidence) if ev.document.endswith(".pdf"))
    original = kept.read_bytes()
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(kept) as source, zipfile.ZipFile(altered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(evidence[n].document):
                data = data.replace(b"%%EOF", b"%%EOF\n% altered\n")
            target.writestr(info, data)
    auditor = site.client("auditor1")
    try:
        kept.write_bytes(altered.read_bytes())
        thumbnails._cache.clear()
        answer = auditor.get(f"/runs/{run}/items/1.1.1/evidence/{n}.png")
        assert answer.status_code == 404
    finally:
        kept.write_bytes(original)
        thumbnails._cache.clear()
    assert auditor.get(f"/runs/{run}/items/1.1.1/evidence/{n}.png").status_code == 200


def test_a_hostile_pdf_costs_its_render_child_only(site: Site, tmp_path: Path) -> None:
    """A Flate bomb's page is rendered in a capped child: no thumbnail, the server goes on,
    and the next page renders in a fresh child."""
    import hashlib

    from sxcheck.models import DocumentInfo, Evidence
    from sxcheck.web import thumbnails

    from .hostile import flate_bomb

    data = flate_bomb(tmp_path / "bomb.pdf", 1500).read_bytes()  # inflates past the cap
    package = tmp_path / "bomb.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("s/bomb.pdf", data)
    sha = hashlib.sha256(data).hexdigest()
    doc = DocumentInfo(path="bomb.pdf", sha256=sha, size=len(data), kind="pdf", pages=1)
    ev = Evidence(document="bomb.pdf", sha256=sha, page=1, location="paragraph 1", quote="x")
    assert thumbnails.thumbnail(doc, ev, str(package)) is None
    thumbnails._cache.clear()
    run = site.upload_run
    evidence = _evidence(site, run, "1.1.1")
    n = next(i for i, e in enumerate(evidence) if e.document.endswith(".pdf"))
    image = site.client("auditor1").get(f"/runs/{run}/items/1.1.1/evidence/{n}.png")
    assert image.status_code == 200 and image.content.startswith(PNG)


def test_a_report_page_kept_rendered_is_each_viewers_own_and_follows_decisions(
    site: Site,
) -> None:
    """The report page is rendered once and kept (views.runs.PageCache): every response
    still carries its own nonce (the one its CSP names) and its own account's navigation,
    and a decision recorded after it was kept shows at once."""
    run = site.folder_runs["汾东市"]
    city, auditor = site.client("fd"), site.client("auditor1")
    pages = [city.get(f"/runs/{run}"), city.get(f"/runs/{run}"), auditor.get(f"/runs/{run}")]
    nonces = []
    for answer in pages:
        assert answer.status_code == 200
        nonce = re.search(r"'nonce-([^']+)'", answer.headers["content-security-policy"])
        assert nonce is not None
        nonces.append(nonce.group(1))
        assert answer.text.count(f'nonce="{nonce.group(1)}"') >= 2  # its style and its script
    assert len(set(nonces)) == 3
    assert "fd（城市" in pages[0].text and "auditor1（审核员" in pages[2].text
    assert "auditor1" not in pages[0].text and "fd（城市" not in pages[2].text
    item = f"/runs/{run}/items/8.1.1"
    answer = decide(auditor, item, "fail", "领导小组未见实际运行记录")
    assert answer.status_code == 303
    assert "领导小组未见实际运行记录" in city.get(f"/runs/{run}").text
