"""Who is asking and what they may see.

A session names its account; every request reads the account again, so a disabled
account or a changed role takes effect at once. A city account sees only its own
region: any run, job, item or download of another region answers 404, exactly as
an ID that does not exist (tests/test_web_security.py tries every route that takes
an ID), so a city cannot even learn which IDs exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request

from sxcheck.store.accounts import get_user
from sxcheck.store.runs import Store
from sxcheck.store.tables import StoredRun, WebJob

ROLE_ZH = {"city": "城市", "auditor": "审核员", "reviewer": "评审员", "admin": "管理员"}
DECIDERS = ("auditor", "reviewer", "admin")  # who may record a decision


@dataclass(frozen=True)
class User:
    name: str
    role: str
    region: str | None

    @property
    def sees_all(self) -> bool:
        return self.role != "city"

    @property
    def decides(self) -> bool:
        return self.role in DECIDERS

    @property
    def role_zh(self) -> str:
        return ROLE_ZH.get(self.role, self.role)

    def sees(self, region: str) -> bool:
        return self.sees_all or region == self.region

    def sees_run(self, run: StoredRun) -> bool:
        """Its region's checks for a city: a batch run's reused_evidence reasons quote the
        other regions' packages, so only the other roles see batch runs."""
        return self.sees(run.region) and (self.sees_all or run.kind == "check")


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def current_user(request: Request) -> User | None:
    """The logged-in account, or None (no session, or the account is gone or disabled)."""
    name = request.session.get("user")
    if not isinstance(name, str):
        return None
    row = get_user(store_of(request), name)
    if row is None or row.disabled or request.session.get("epoch") != row.session_epoch:
        request.session.clear()
        return None
    return User(row.name, row.role, row.region)


class LoginRequired(Exception):
    """Raised by a page that needs an account: the app redirects to the login page."""


def require(request: Request, *roles: str) -> User:
    """The account, which must hold one of `roles` (any role when none is given)."""
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    if roles and user.role not in roles:
        raise HTTPException(403, "你的账号无权进行此操作")
    return user


def not_found() -> HTTPException:
    return HTTPException(404, "没有找到该页面或记录")


def visible_run(request: Request, user: User, run_id: str) -> StoredRun:
    """The run of that exact ID if the user may see it; 404 otherwise (no prefixes here:
    a guess must not find another region's run)."""
    from sqlmodel import Session

    store = store_of(request)
    with store._guard(), Session(store.engine) as session:
        row = session.get(StoredRun, run_id)
    if row is None or not user.sees_run(row):
        raise not_found()
    return row


def visible_job(request: Request, user: User, job_id: str) -> WebJob:
    from sxcheck.store.jobs import get_job

    job = get_job(store_of(request), job_id)
    if job is None or not user.sees(job.region):
        raise not_found()
    return job
