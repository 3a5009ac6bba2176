"""Shared pieces of the `sxcheck serve` tests: accounts made with the real CLI, sample
zips, logging in through the real login form, and a real `sxcheck serve` process on a
free loopback port (its own SQLite store and data folder) for the browser and load tests.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sxcheck.cli import main
from tests.conftest import CHROMIUM_ARGS as CHROMIUM_ARGS  # the web tests take it from here
from tests.conftest import ROOT

SAMPLES = ROOT / "evidence_samples"
PASSWORD = "correct-horse-battery-1"
SXCHECK = Path(sys.executable).with_name("sxcheck")  # the venv's console script
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def add_user(db: Path, name: str, role: str, region: str | None = None) -> None:
    """`sxcheck users add NAME --role R [--region X] --password-stdin --db DB` (in-process)."""
    args = ["users", "add", name, "--role", role, "--password-stdin", "--db", str(db)]
    if region:
        args += ["--region", region]
    result = CliRunner().invoke(main, args, input=PASSWORD + "\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output


def add_user_process(db: Path, name: str, role: str, region: str | None = None) -> None:
    """The same with the installed `sxcheck` command, as an administrator would."""
    args = [str(SXCHECK), "users", "add", name, "--role", role, "--password-stdin", "--db", str(db)]
    if region:
        args += ["--region", region]
    done = subprocess.run(args, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def zip_folder(folder: Path, target: Path) -> Path:
    """The folder as a zip with the folder's name on top (as a city's office would zip it)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return target


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def decide(client: Any, item: str, status: str, reason: str, expires: str = "") -> Any:
    """Record a decision through the item page's form (its token taken from the page);
    the POST's response (not followed)."""
    return client.post(
        f"{item}/decision",
        data={
            "csrf": csrf_of(client.get(item).text),
            "status": status,
            "reason": reason,
            "expires": expires,
        },
        follow_redirects=False,
    )


def login(client: Any, name: str, password: str = PASSWORD) -> Any:
    """Log in through the form (GET /login for the token, POST it back); the POST's response
    (not followed)."""
    page = client.get("/login")
    assert page.status_code == 200, page.text[:300]
    return client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "name": name, "password": password},
        follow_redirects=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    db: Path
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes]


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"sxcheck serve exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"sxcheck serve did not listen on {port} within its deadline:\n{log.read_text()}")


@contextmanager
def serve(base: Path, workers: int = 2, start_seconds: float = 90.0) -> Iterator[Server]:
    """A real `sxcheck serve` subprocess (the venv's command) on a free loopback port with its
    own store and data folder under `base`; stopped (SIGTERM, then SIGKILL) at the end."""
    if not (ROOT / "sxcheck" / "web" / "worker.py").exists():
        pytest.fail("sxcheck/web/worker.py (WorkerPool) is missing: `sxcheck serve` cannot start")
    base.mkdir(parents=True, exist_ok=True)
    db, data_dir, log = base / "serve.db", base / "data", base / "serve.log"
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("SXCHECK_DB", None)
    args = [str(SXCHECK), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db)]
    args += ["--data-dir", str(data_dir), "--workers", str(workers)]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        _wait_for_port(port, process, log, time.monotonic() + start_seconds)
        yield Server(f"http://127.0.0.1:{port}", db, data_dir, log, process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: the workers too
                process.wait(timeout=10)
        left = _left_behind(log)
        for pid in left:  # the server's own descendants (their output goes to its log)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    assert not left, f"stopping sxcheck serve left processes running: {left}"


def _left_behind(log: Path, grace: float = 10.0) -> list[int]:
    """Live processes (not zombies) still writing to the server's log after it stopped:
    workers or their children that did not die with the server (Linux /proc)."""
    deadline = time.monotonic() + grace
    while True:
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if os.readlink(proc / "fd" / "1") != str(log):
                    continue
                state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                found.append(int(proc.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)
