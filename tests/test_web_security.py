"""`sxcheck serve` against the attacks its issue names, on real runs in a real SQLite store.

Every route that takes an ID is found by enumerating the app's routes, so a route added
later is checked without anyone remembering to: a city account of one region gets 404
for another region's runs, jobs, items and history (as for an ID that does not exist),
an auditor gets the page (so the 404 is not vacuous), and a route with a path parameter
this file does not know how to fill fails the test until it is taught here.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from sxcheck.pipeline import check
from sxcheck.store import open_store
from sxcheck.store.jobs import jobs
from sxcheck.web.app import create_app
from sxcheck.web.security import Throttle
from sxcheck.web.settings import WebSettings
from tests.docbuilders import para, title, write_docx
from tests.web_helpers import PASSWORD, SAMPLES, add_user, csrf_of, login, zip_folder

REGION_A, REGION_B = "汾东市", "晋阳市"  # B: scanned pages, so its quotes have thumbnails
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HAN = re.compile(r"[\u4e00-\u9fff]")
KEY = "k" * 64
HOSTILE_TXT = (
    f"关于成立{REGION_A}新型智慧城市建设领导小组{SCRIPT}的通知\n\n"
    f"为加强组织领导，经市政府同意，决定成立{REGION_A}新型智慧城市建设领导小组{IMG}，"
    "领导小组办公室设在市行政审批服务管理局，负责日常工作。\n\n"
    f"2024年3月15日，市长主持召开领导小组2024年第一次全体会议{SCRIPT}，审议通过工作要点。\n"
)


def _no_trace(response: Any) -> None:
    """Every 4xx/5xx answer in this file: no stack trace, and a message in Chinese."""
    response.read()
    if response.status_code >= 400:
        body = response.text
        assert "Traceback" not in body and 'File "' not in body, body[:2000]
        assert HAN.search(body), f"{response.status_code} {response.url}: no Chinese: {body[:300]}"


def client_of(app: Any, **kwargs: Any) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False, **kwargs)
    client.event_hooks = {"request": [], "response": [_no_trace]}
    return client


def logged_in(app: Any, name: str, **kwargs: Any) -> TestClient:
    client = client_of(app, **kwargs)
    assert login(client, name).status_code == 303
    return client


def token(client: TestClient) -> str:
    return csrf_of(client.get("/upload").text)


def upload_zip(client: TestClient, data: bytes, name: str = "package.zip") -> Any:
    return client.post(
        "/upload",
        data={"csrf": token(client)},
        files={"package": (name, data, "application/zip")},
    )


class World:
    """Two regions' real runs (B twice, so its diff has a run before), a hostile run of A,
    queued jobs of both, the accounts, and the app on that store."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.db = base / "web.db"
        add_user(self.db, "city_a", "city", REGION_A)
        add_user(self.db, "city_b", "city", REGION_B)
        add_user(self.db, "auditor", "auditor")
        self.store = open_store(str(self.db))
        self.run_a = check(SAMPLES / f"{REGION_A}-2024", store=self.store).run.id
        hostile = base / "hostile"
        hostile.mkdir()
        (hostile / "submission.yaml").write_text(
            f"region: {REGION_A}\nlevel: city\nyear: 2024\nindicators: {{}}\n", encoding="utf-8"
        )
        (hostile / "02-领导小组通知.txt").write_text(HOSTILE_TXT, encoding="utf-8")
        write_docx(
            hostile / "03-领导小组会议纪要.docx",
            [
                title(f"{REGION_A}新型智慧城市建设领导小组会议纪要{SCRIPT}"),
                para(f"2024年6月1日，召开领导小组2024年第二次全体会议{IMG}，研究部署重点工作。"),
            ],
        )
        # a file name is shown on the pages too (the document list, the quote's source)
        (hostile / f"{IMG}.txt").write_text(
            f"{REGION_A}新型智慧城市建设领导小组办公室负责日常工作。\n", encoding="utf-8"
        )
        self.hostile_report = check(hostile, store=self.store)
        self.run_x = self.hostile_report.run.id
        check(SAMPLES / f"{REGION_B}-2024", store=self.store)
        self.report_b = check(SAMPLES / f"{REGION_B}-2024", store=self.store)
        self.run_b = self.report_b.run.id
        self.settings = self.settings_for("data")
        self.app = create_app(self.settings)
        self.zip_a = zip_folder(SAMPLES / f"{REGION_A}-2024", base / "a.zip").read_bytes()
        self.zip_b = zip_folder(SAMPLES / f"{REGION_B}-2024", base / "b.zip").read_bytes()
        self.job_a = self._job("city_a", self.zip_a)
        self.job_b = self._job("city_b", self.zip_b)
        self.item_b = "8.1.1"  # 领导小组: quotes from a .docx and from a scanned PDF
        self._evidence_n: str | None = None

    def evidence_n(self) -> str:
        """The number of region B's quote whose page the auditor can see (a scan's page)."""
        if self._evidence_n is None:
            judgment = next(j for j in self.report_b.indicators if j.id == self.item_b)
            count = sum(len(r.evidence) for r in judgment.reasons)
            with logged_in(self.app, "auditor") as auditor:
                for n in range(count):
                    url = f"/runs/{self.run_b}/items/{self.item_b}/evidence/{n}.png"
                    answer = auditor.get(url)
                    if answer.status_code == 200:
                        assert answer.headers["content-type"] == "image/png"
                        self._evidence_n = str(n)
                        break
                else:
                    pytest.fail(f"no page image of any of {self.item_b}'s {count} quotes")
        return self._evidence_n

    def settings_for(self, data: str, **kwargs: Any) -> WebSettings:
        return WebSettings(db=str(self.db), data_dir=self.base / data, secret_key=KEY, **kwargs)

    def _job(self, name: str, data: bytes) -> str:
        with logged_in(self.app, name) as client:
            answer = upload_zip(client, data)
            assert answer.status_code == 303, answer.text[:500]
            return str(answer.headers["location"]).rsplit("/", 1)[1]

    def values(self, param: str) -> list[str]:
        """Region B's object for a path parameter; a parameter not known here fails."""
        known: dict[str, list[str]] = {
            "run_id": [self.run_b],
            "job_id": [self.job_b],
            "region": [REGION_B],
            "fmt": ["json", "html", "docx", "xlsx"],
            "item": [self.item_b],
            "item_id": [self.item_b],
        }
        if param == "n":  # the number of a quote of the item (its page image)
            return [self.evidence_n()]
        if param not in known:
            pytest.fail(
                f"route parameter {{{param}}} is not filled by tests/test_web_security.py: "
                "teach World.values what another region's value of it is"
            )
        return known[param]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("web"))


PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def id_routes(app: Any) -> list[Route]:
    routes = []
    for route in app.routes:
        if isinstance(route, Mount) and route.name == "static":
            continue  # files of the package, no IDs
        assert isinstance(route, Route), f"a route this test does not understand: {route!r}"
        if route.param_convertors:
            routes.append(route)
    return routes


def urls(route: Route, world: World) -> list[str]:
    """The route's path with region B's values (every combination)."""
    paths = [route.path]
    for param in route.param_convertors:
        paths = [
            re.sub(r"\{" + param + r"(?::\w+)?\}", quote(value, safe=""), path)
            for path in paths
            for value in world.values(param)
        ]
    assert all(not PARAM.search(p) for p in paths), paths
    return paths


def test_every_route_with_an_id_hides_another_regions_objects(world: World) -> None:
    city, auditor = logged_in(world.app, "city_a"), logged_in(world.app, "auditor")
    city_token, auditor_token = token(city), token(auditor)
    checked: list[str] = []
    for route in id_routes(world.app):
        for url in urls(route, world):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                checked.append(f"{method} {route.path}")
                if method == "GET":
                    theirs = city.get(url)
                    assert theirs.status_code == 404, f"city A got {theirs.status_code}: {url}"
                    assert world.run_b not in theirs.text and world.job_b not in theirs.text
                    mine = auditor.get(url)
                    assert mine.status_code == 200, f"auditor got {mine.status_code}: {url}"
                else:
                    theirs = city.request(method, url, headers={"x-csrf-token": city_token})
                    assert theirs.status_code in (403, 404), f"city A {method} {url}: {theirs}"
                    mine = auditor.request(method, url, headers={"x-csrf-token": auditor_token})
                    assert mine.status_code not in (403, 404) and mine.status_code < 500, (
                        f"auditor {method} {url}: {mine.status_code} {mine.text[:300]}"
                    )
    # the foundation's routes at least (the items, regions and batch work add more)
    for expected in ("/runs/{run_id:str}", "/jobs/{job_id:str}", "/history/{region:str}"):
        assert f"GET {expected}" in checked
    assert "GET /runs/{run_id:str}/report.{fmt:str}" in checked
    # IDs in the query string too: a diff against region B's run
    assert city.get(f"/runs/{world.run_a}/diff?against={world.run_b}").status_code == 404
    assert auditor.get(f"/runs/{world.run_a}/diff?against={world.run_b}").status_code == 200
    # a prefix of an ID finds nothing either (no guessing by prefix)
    assert auditor.get(f"/runs/{world.run_b[:6]}").status_code == 404


def test_pages_without_an_id_do_not_list_another_region(world: World) -> None:
    city = logged_in(world.app, "city_a")
    for route in world.app.routes:
        if isinstance(route, Route) and not route.param_convertors and "GET" in route.methods:
            answer = city.get(route.path)
            assert answer.status_code in (200, 303, 403), (route.path, answer.status_code)
            for other in (world.run_b, world.job_b):
                assert other not in answer.text, f"{route.path} shows region B's {other}"
    home = city.get("/").text
    assert world.run_a in home and world.job_a in home  # its own are there


def post_routes(app: Any) -> list[Route]:
    return [r for r in app.routes if isinstance(r, Route) and "POST" in (r.methods or set())]


def test_every_post_needs_the_csrf_token(world: World) -> None:
    anonymous = client_of(world.app)
    anonymous.get("/login")  # a session with a token exists: only the request lacks it
    for data in ({"name": "auditor", "password": PASSWORD}, {"csrf": "wrong", "name": "auditor"}):
        answer = anonymous.post("/login", data=data)
        assert answer.status_code == 403, answer.text[:300]
    auditor = logged_in(world.app, "auditor")
    routes = post_routes(world.app)
    assert {"/login", "/logout", "/upload"} <= {r.path for r in routes}
    for route in routes:
        for url in urls(route, world) if route.param_convertors else [route.path]:
            for sent in ({}, {"data": {"csrf": "wrong"}}, {"headers": {"x-csrf-token": "wrong"}}):
                answer = auditor.post(url, **sent)  # type: ignore[arg-type]
                assert answer.status_code == 403, f"POST {url} {sent}: {answer.status_code}"
    assert auditor.get("/upload").status_code == 200  # the refused logout did not log out
    # an upload with a wrong token keeps nothing and queues nothing
    before = len(jobs(world.store, limit=10_000))
    answer = auditor.post(
        "/upload",
        data={"csrf": "wrong"},
        files={"package": ("p.zip", world.zip_b, "application/zip")},
    )
    assert answer.status_code == 403 and len(jobs(world.store, limit=10_000)) == before


class Tags(HTMLParser):
    """The start tags of a page, and its text outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._inside.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._inside and self._inside[-1] == tag:
            self._inside.pop()

    def handle_data(self, data: str) -> None:
        if not self._inside:
            self.text.append(data)


def assert_inert(answer: Any) -> str:
    """The document's markup is text on the page, and only nonce'd or own-file scripts run;
    the page's text."""
    assert answer.status_code == 200, answer.text[:500]
    body = answer.text
    assert SCRIPT not in body and "<img src=x" not in body and '<img src="x"' not in body
    csp = answer.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", csp)
    assert nonce, csp
    page = Tags()
    page.feed(body)
    text = "".join(page.text)
    assert SCRIPT in text and "onerror=alert(1)" in text  # shown as text: the quote is there
    for tag, attrs in page.tags:
        handlers = [a for a in attrs if a.startswith("on")]
        assert not handlers, f"<{tag}> with {handlers}"
        assert not (tag == "img" and attrs.get("src") == "x")
        if tag in ("script", "style"):
            assert attrs.get("src") or attrs.get("nonce") == nonce.group(1), (tag, attrs)
        for name in ("href", "src", "action"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:")
    return text


def item_route(app: Any) -> Route:
    for route in app.routes:
        if isinstance(route, Route) and "GET" in (route.methods or set()):
            params = set(route.param_convertors)
            if "/items/" in route.path and len(params) == 2 and "run_id" in params:
                return route
    pytest.fail("no item page route (GET /runs/{run_id}/items/{item}) in the app")


def test_a_script_in_a_document_is_inert(world: World) -> None:
    quotes = [
        e.quote for j in world.hostile_report.indicators for r in j.reasons for e in r.evidence
    ]
    assert any(SCRIPT in (q or "") for q in quotes)  # the hostile sentences are quoted
    quoted = {
        e.document
        for j in world.hostile_report.indicators
        for r in j.reasons
        for e in r.evidence
        if SCRIPT in (e.quote or "") or IMG in (e.quote or "")
    }
    assert {"02-领导小组通知.txt", "03-领导小组会议纪要.docx"} <= quoted, quoted
    assert f"{IMG}.txt" in {d.path for d in world.hostile_report.documents}
    city = logged_in(world.app, "city_a")
    assert f"{IMG}.txt" in assert_inert(city.get(f"/runs/{world.run_x}"))  # its file name
    route = item_route(world.app)
    item_param = next(p for p in route.param_convertors if p != "run_id")
    path = route.path.replace("{run_id:str}", world.run_x).replace("{run_id}", world.run_x)
    path = re.sub(r"\{" + item_param + r"(?::\w+)?\}", "8.1.1", path)
    assert_inert(city.get(path))
    # markup in a URL (a region's name) is text too
    auditor = logged_in(world.app, "auditor")
    history = auditor.get("/history/" + quote("<svg onload=alert(1)>" + IMG, safe=""))
    assert history.status_code == 200 and "<svg" not in history.text, history.text[:300]
    assert "<img src=x" not in history.text and "&lt;svg onload" in history.text
    download = city.get(f"/runs/{world.run_x}/report.html")
    assert download.status_code == 200 and SCRIPT not in download.text


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def kept_files(settings: WebSettings) -> list[Path]:
    return [p for p in settings.uploads().rglob("*") if p.is_file()]


def test_an_oversized_upload_is_refused_before_it_is_kept(world: World) -> None:
    settings = world.settings_for("small", max_upload_bytes=len(world.zip_a) // 4)
    app = create_app(settings)
    city = logged_in(app, "city_a")
    before = len(jobs(world.store, limit=10_000))
    answer = upload_zip(city, world.zip_a)  # 4 times the limit, with its Content-Length
    assert answer.status_code == 413 and "上限" in answer.text, answer.text[:300]
    # a request that does not say its length (chunked) is counted while it is read
    boundary = "sxcheckboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token(city)}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="package"; filename="p.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()

    def chunks() -> Any:
        yield head
        for start in range(0, len(world.zip_a), 16 * 1024):
            yield world.zip_a[start : start + 16 * 1024]
        yield f"\r\n--{boundary}--\r\n".encode()

    answer = city.post(
        "/upload",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 413, answer.text[:300]
    assert kept_files(settings) == [] and len(jobs(world.store, limit=10_000)) == before


def test_hostile_zips_are_refused_with_nothing_written(world: World) -> None:
    settings = world.settings_for("hostile")
    app = create_app(settings)
    city = logged_in(app, "city_a")
    declaration = f"region: {REGION_A}\nlevel: city\nyear: 2024\n".encode()
    before = len(jobs(world.store, limit=10_000))
    hostile = {
        "zip slip": _zip({"s/submission.yaml": declaration, "../evil.txt": b"pwned"}),
        "absolute": _zip({"s/submission.yaml": declaration, "/tmp/sxcheck-evil.txt": b"pwned"}),
        "bomb": _zip({"s/submission.yaml": declaration, "s/big.bin": b"\0" * (40 * 1024 * 1024)}),
        "not a zip": b"PK\x03\x04 not really a zip",
    }
    for what, data in hostile.items():
        answer = upload_zip(city, data)
        assert answer.status_code == 400, f"{what}: {answer.status_code} {answer.text[:300]}"
        assert "未保存" in answer.text or "不安全" in answer.text, answer.text[:300]
    # a folder upload whose file name climbs out of the folder
    answer = city.post(
        "/upload",
        data={"csrf": token(city)},
        files=[
            ("files", ("s/submission.yaml", declaration, "text/yaml")),
            ("files", ("s/../../evil.txt", b"pwned", "text/plain")),
        ],
    )
    assert answer.status_code == 400, answer.text[:300]
    assert kept_files(settings) == []
    assert not (world.base / "evil.txt").exists() and not (settings.folder() / "evil.txt").exists()
    assert not Path("/tmp/sxcheck-evil.txt").exists()
    assert len(jobs(world.store, limit=10_000)) == before


def test_wrong_passwords_are_throttled(world: World) -> None:
    app = create_app(world.settings_for("throttle"))
    client = client_of(app)
    for _ in range(5):
        assert login(client, "city_a", "wrong-password!").status_code == 401
    answer = login(client, "city_a", PASSWORD)  # the right one, too late
    assert answer.status_code == 429, answer.status_code
    assert "登录失败次数过多" in answer.text and "分钟后再试" in answer.text
    # the same address is locked out for another account too (it was guessing)
    assert login(client_of(app), "auditor").status_code == 429
    # another account from another address is not
    elsewhere = client_of(app, client=("198.51.100.7", 40000))
    assert login(elsewhere, "auditor").status_code == 303
    # the window passes (a Throttle of a short window: the one the app uses, shortened)
    throttle = Throttle(5, 0.3)
    for _ in range(5):
        assert throttle.attempt("user:x", "addr:1") == 0
    assert throttle.wait("user:x", "addr:2") > 0 and throttle.wait("user:y", "addr:1") > 0
    assert throttle.wait("user:y", "addr:2") == 0
    time.sleep(0.4)
    assert throttle.wait("user:x", "addr:1") == 0


def _session_cookie(answer: Any) -> str:
    cookies = [v for k, v in answer.headers.multi_items() if k == "set-cookie"]
    ours = [c for c in cookies if c.startswith("sxcheck_session=")]
    assert len(ours) == 1, cookies
    return ours[0]


def _flags(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_session_cookie_flags_rotation_and_logout(world: World) -> None:
    client = client_of(world.app)
    first = _session_cookie(client.get("/login"))
    flags = _flags(first)
    assert {"httponly", "samesite=strict", "path=/"} <= flags and "secure" not in flags, flags
    before = client.cookies["sxcheck_session"]
    answer = login(client, "city_a")
    assert answer.status_code == 303
    after = _session_cookie(answer)
    assert {"httponly", "samesite=strict", "path=/"} <= _flags(after)
    assert client.cookies["sxcheck_session"] != before
    assert client.get("/").status_code == 200
    out = client.post("/logout", data={"csrf": token(client)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    cleared = _session_cookie(out)
    assert "expires=thu, 01 jan 1970" in cleared.lower() or "max-age=0" in cleared.lower()
    assert "sxcheck_session" not in client.cookies
    assert client.get("/").status_code == 303  # logged out: to the login page
    secure = client_of(create_app(world.settings_for("https", https_only=True)))
    secure.base_url = "https://testserver"  # type: ignore[assignment]
    assert "secure" in _flags(_session_cookie(secure.get("/login")))


def test_a_session_copied_before_logout_is_dead_after_it(world: World) -> None:
    """Logout ends the session on the server too: a cookie copied before (a shared computer,
    a stolen cookie) must not log in again after the user logged out."""
    client = logged_in(world.app, "city_a")
    copied = client.cookies["sxcheck_session"]
    assert client.post("/logout", data={"csrf": token(client)}).status_code == 303
    replay = client_of(world.app, cookies={"sxcheck_session": copied})
    assert replay.get("/").status_code == 303, "the copied session still works after logout"


def test_error_pages_are_chinese_and_without_a_trace(world: World) -> None:
    anonymous, city = client_of(world.app), logged_in(world.app, "city_a")
    assert anonymous.get("/runs/x").status_code == 303  # to the login page first
    answers = [
        city.get("/no/such/page"),
        city.get(f"/runs/{'0' * 12}"),
        city.get(f"/runs/{world.run_a}/report.exe"),
        city.get("/logout"),  # 405
        city.post("/upload", data={"csrf": token(city)}),  # no file: 400
        city.post("/upload", headers={"content-length": "x"}, content=b""),
    ]
    for answer in answers:
        assert answer.status_code >= 400, (answer.url, answer.status_code)
        assert "<title>" in answer.text  # the error page, not a bare string
    assert answers[3].status_code == 405 and "不支持的请求方式" in answers[3].text
    # a damaged run in the store: the server's error page, no trace
    base = world.base / "damaged"
    base.mkdir()
    damaged_db = base / "d.db"
    add_user(damaged_db, "auditor", "auditor")
    store = open_store(str(damaged_db))
    run_id = check(SAMPLES / f"{REGION_B}-2024", store=store).run.id
    with store.engine.begin() as connection:
        from sqlalchemy import text

        connection.execute(
            text("UPDATE run SET head_json = '{', report_json = '{' WHERE id = :id"), {"id": run_id}
        )
    app = create_app(WebSettings(db=str(damaged_db), data_dir=base / "data", secret_key=KEY))
    auditor = logged_in(app, "auditor")
    for url in (f"/runs/{run_id}", f"/runs/{run_id}/report.docx", f"/runs/{run_id}/diff"):
        answer = auditor.get(url)
        assert answer.status_code in (404, 500), (url, answer.status_code)
