"""Accounts of `sxcheck serve` in the store: who may log in, in what role, for which region.

The password itself is never here: the web layer hashes it (argon2) and this module
keeps the hash. A city account is tied to one region; the others see every region.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from sxcheck.store.db import StoreError, _first_line
from sxcheck.store.runs import Store
from sxcheck.store.tables import WebUser

ROLES = ("city", "auditor", "reviewer", "admin")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def save_user(
    store: Store, name: str, role: str, region: str | None, password_hash: str, replace: bool
) -> bool:
    """Add the account (or, with `replace`, set its role, region and password); True when
    it is new. A city account needs its region."""
    if role not in ROLES:
        raise StoreError(f"角色只能是 {'、'.join(ROLES)}：{role}")
    if role == "city" and not region:
        raise StoreError("城市账号须用 --region 指定所属地区")
    try:
        with Session(store.engine) as session:
            row = session.get(WebUser, name)
            if row is not None and not replace:
                raise StoreError(f"账号 {name} 已存在（改密码或角色请加 --replace）")
            new = row is None
            row = row or WebUser(name=name, role=role, password_hash="", created_at=_now())
            if not new and password_hash != row.password_hash:
                row.session_epoch += 1  # a new password ends the sessions of the old one
            row.role, row.region, row.password_hash = role, region, password_hash
            row.disabled = False
            session.add(row)
            session.commit()
    except SQLAlchemyError as exc:
        raise StoreError(f"{store.shown}: 账号未保存（{_first_line(exc)}）") from None
    return new


def get_user(store: Store, name: str) -> WebUser | None:
    """The account, or None (a disabled one too: the caller decides)."""
    with store._guard(), Session(store.engine) as session:
        return session.get(WebUser, name)


def list_users(store: Store) -> list[WebUser]:
    with store._guard(), Session(store.engine) as session:
        return list(session.exec(select(WebUser).order_by(WebUser.name)))


def set_disabled(store: Store, name: str, disabled: bool) -> bool:
    """Disable (or enable) an account; False when there is none of that name."""
    with store._guard(), Session(store.engine) as session:
        row = session.get(WebUser, name)
        if row is None:
            return False
        row.disabled = disabled
        row.session_epoch += 1
        session.add(row)
        session.commit()
        return True


def end_sessions(store: Store, name: str) -> None:
    """Every session of the account ends (logout: a copied session cookie is dead too)."""
    with store._guard(), Session(store.engine) as session:
        row = session.get(WebUser, name)
        if row is not None:
            row.session_epoch += 1
            session.add(row)
            session.commit()


def count_admins(store: Store) -> int:
    with store._guard(), Session(store.engine) as session:
        rows = session.exec(select(WebUser).where(WebUser.role == "admin")).all()
        return sum(1 for row in rows if not row.disabled)
