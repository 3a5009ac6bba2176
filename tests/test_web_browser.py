"""`sxcheck serve` in real headless Chromium: a city uploads, watches its check, reads the
report and an item and downloads the DOCX; an auditor sees every region, the batch
comparison, and records a decision the city then sees. Against a real `sxcheck serve`
process (its workers run the check) with accounts made by `sxcheck users add`.

Screenshots go to build/web-screenshots/. Console errors are printed; a
Content-Security-Policy violation ("Refused to ...") fails the test, since it means a
page relies on something the policy blocks.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from sxcheck.pipeline import check
from sxcheck.store import open_store
from tests.web_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    ROOT,
    SAMPLES,
    add_user_process,
    serve,
    zip_folder,
)

SHOTS = ROOT / "build" / "web-screenshots"
REASON = "抽查：领导小组会议纪要为扫描件，请补充盖章原件"
CHECK_SECONDS = 240  # the worker's check of the sample (OCR of two scans) with a margin


def _sync_api() -> Any:
    if not CHROMIUM:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    return pytest.importorskip("playwright.sync_api")


class Console:
    """Every console message and page error of the pages it watches."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.failed: list[str] = []  # responses >= 400 (what a console 404 was)

    def watch(self, page: Any, who: str) -> None:
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"{who} {page.url}: {m.text}") if m.type == "error" else None
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(f"{who} {page.url}: {e}"))
        page.on(
            "response",
            lambda r: self.failed.append(f"{who} {r.status} {r.url}") if r.status >= 400 else None,
        )

    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if "Refused to" in e or "Content Security Policy" in e]


def _login(page: Any, name: str, shot: str | None = None) -> None:
    page.goto("/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    if shot:
        page.screenshot(path=str(SHOTS / shot), full_page=True)
    page.click("#login-button")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:1000]


def test_city_and_auditor_in_chromium(tmp_path: Path) -> None:
    sync_api = _sync_api()
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = tmp_path / "serve"
    base.mkdir()
    # two other regions checked before (the auditor's list has more than the city's upload)
    store = open_store(str(base / "serve.db"))
    for other in ("汾东市-2024", "清源县-2024"):
        check(SAMPLES / other, store=store)
    store.engine.dispose()
    package = zip_folder(SAMPLES / "晋阳市-2024", tmp_path / "晋阳市-2024.zip")
    other = zip_folder(SAMPLES / "汾东市-2024", tmp_path / "汾东市-2024.zip")
    console = Console()
    with serve(base, workers=2) as server:
        add_user_process(server.db, "jinyang", "city", "晋阳市")
        add_user_process(server.db, "auditor1", "auditor")
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                expect = sync_api.expect
                options = {"base_url": server.url, "viewport": {"width": 1280, "height": 900}}
                city_ctx = browser.new_context(accept_downloads=True, locale="zh-CN", **options)
                city = city_ctx.new_page()
                console.watch(city, "city")
                _login(city, "jinyang", "01-login.png")
                expect(city.locator("h1")).to_contain_text("晋阳市")

                city.goto("/upload")
                city.set_input_files("#package", str(package))
                city.click("#upload-button")
                city.wait_for_url("**/jobs/*")
                expect(city.locator("#job-state")).to_be_visible()
                city.screenshot(path=str(SHOTS / "02-job-progress.png"), full_page=True)
                link = city.locator("#run-link")
                link.wait_for(state="visible", timeout=CHECK_SECONDS * 1000)
                assert city.locator("#job-error").inner_text().strip() == ""
                expect(city.locator("#job-state")).to_have_text("已完成")
                city.screenshot(path=str(SHOTS / "03-job-done.png"), full_page=True)

                link.click()
                city.wait_for_url("**/runs/*")
                run_url = city.url
                expect(city.locator("details.item")).to_have_count(69)
                city.screenshot(path=str(SHOTS / "04-report.png"))
                with city.expect_download() as download_info:
                    city.click("#download-docx")
                docx = tmp_path / "report.docx"
                download_info.value.save_as(docx)
                with zipfile.ZipFile(docx) as archive:
                    assert "word/document.xml" in archive.namelist()
                    assert "晋阳市" in archive.read("word/document.xml").decode("utf-8")

                city.locator("#item-8\\.1\\.1").get_by_role("link", name="详情与复核").click()
                city.wait_for_url("**/items/8.1.1")
                item_url = city.url
                expect(city.locator("#item-title")).to_contain_text("8.1.1")
                expect(city.locator("#decision-form")).to_have_count(0)  # a city only reads
                assert city.locator(".evidence-item").count() > 0
                # the scanned page behind the OCR quote is shown, and its PNG loads
                thumbs = city.locator(".thumb img")
                assert thumbs.count() >= 1
                for n in range(thumbs.count()):
                    thumbs.nth(n).scroll_into_view_if_needed()
                    expect(thumbs.nth(n)).to_have_js_property("complete", True)
                    assert thumbs.nth(n).evaluate("img => img.naturalWidth") > 0
                city.screenshot(path=str(SHOTS / "05-item.png"), full_page=True)

                auditor_ctx = browser.new_context(locale="zh-CN", **options)
                auditor = auditor_ctx.new_page()
                console.watch(auditor, "auditor")
                _login(auditor, "auditor1")
                auditor.wait_for_url("**/regions")
                for region in ("晋阳市", "汾东市", "清源县"):
                    expect(auditor.locator("main")).to_contain_text(region)
                auditor.screenshot(path=str(SHOTS / "06-regions.png"), full_page=True)
                auditor.goto("/batch")
                expect(auditor.locator("body")).to_contain_text("晋阳市")
                auditor.screenshot(path=str(SHOTS / "07-batch.png"))

                auditor.goto(item_url)
                auditor.check("input[name=status][value=partial]")
                auditor.fill("#reason", REASON)
                auditor.click("#decision-button")
                auditor.wait_for_load_state()
                expect(auditor.locator("#decision-now")).to_contain_text(REASON)
                auditor.screenshot(path=str(SHOTS / "08-decision-recorded.png"), full_page=True)

                city.reload()
                expect(city.locator("#decision-now")).to_contain_text(REASON)
                expect(city.locator("#item-status")).to_have_text("部分达标")
                city.screenshot(path=str(SHOTS / "09-decision-seen-by-city.png"), full_page=True)
                city.goto(run_url)
                expect(city.locator("#item-8\\.1\\.1 .badge.decided")).to_have_count(1)
                city.screenshot(path=str(SHOTS / "10-report-with-decision.png"))

                # a city cannot check material into another region's history
                store = open_store(str(server.db), write=False)
                before = len(store.runs(region="汾东市", limit=1000))
                city.goto("/upload")
                city.set_input_files("#package", str(other))
                city.click("#upload-button")
                city.wait_for_url("**/jobs/*")
                refused = city.locator("#job[data-state=failed]")
                refused.wait_for(state="attached", timeout=CHECK_SECONDS * 1000)
                expect(city.locator("#job-error")).to_contain_text("汾东市")
                expect(city.locator("#run-link")).to_have_count(0)
                city.screenshot(path=str(SHOTS / "11-other-region-refused.png"))
                assert len(store.runs(region="汾东市", limit=1000)) == before
                store.engine.dispose()
            finally:
                browser.close()
    for line in console.errors:
        print("console:", line)
    for line in console.failed:
        print("response:", line)
    assert not console.csp_violations(), console.csp_violations()
