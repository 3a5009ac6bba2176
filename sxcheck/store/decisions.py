"""Reviewer decisions in the store: appended, never changed; the latest per item wins.

`review` appends one row per decision (who, in what role, when, why, until when, on
which run and on what evidence); a check of the same region reads the latest decision
of each item and the judge stage decides whether it still stands (judge.decisions).
Who recorded it is kept too (`recorded_by`): the operating-system account that ran the
command, or the web account ("web:reviewer1") whose form it came from; never the name
given, which the reviewer types.
"""

from __future__ import annotations

import getpass
import json

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from sxcheck.models import DecidedOn, Decision
from sxcheck.store.db import StoreError, _first_line
from sxcheck.store.runs import Store
from sxcheck.store.tables import StoredDecision


def add_decision(
    store: Store,
    region: str,
    level: str,
    item_id: str,
    decision: Decision,
    recorded_by: str | None = None,
) -> int:
    """Append a decision on `item_id` (its `id` is ignored); the new id. One transaction
    per decision: two reviewers writing at once both land. `recorded_by`: the account
    it came from when not this process's user (the web service runs as one account for
    all its users)."""
    account = recorded_by if recorded_by is not None else _os_account()
    row = StoredDecision(
        region=region,
        level=level,
        item_id=item_id,
        status=decision.status,
        reason=decision.reason,
        decided_by=decision.by,
        role=decision.role,
        decided_at=decision.decided_at,
        expires=decision.expires,
        on_run=decision.on_run,
        engine_status=decision.engine_status,
        based_on_json=json.dumps(
            [d.model_dump(mode="json") for d in decision.based_on], ensure_ascii=False
        ),
        recorded_by=account,
    )
    try:
        with Session(store.engine) as session:
            session.add(row)
            session.commit()
            session.refresh(row)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"{store.shown}: the decision was not recorded ({_first_line(exc)})"
        ) from None
    assert row.id is not None
    return row.id


def _os_account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's uid)
        return ""


def latest_decisions(store: Store, region: str, level: str) -> dict[str, Decision]:
    """The latest decision on each item of a region (ids grow: the later one wins)."""
    found: dict[str, Decision] = {}
    for row in _rows(store, region, level):
        found[row.item_id] = _decision(row)
    return found


def all_decisions(store: Store, region: str, level: str) -> list[tuple[str, Decision]]:
    """Every decision on a region, oldest first, superseded ones included."""
    return [(row.item_id, _decision(row)) for row in _rows(store, region, level)]


def _rows(store: Store, region: str, level: str) -> list[StoredDecision]:
    try:
        with Session(store.engine) as session:
            return list(
                session.exec(
                    select(StoredDecision)
                    .where(StoredDecision.region == region, StoredDecision.level == level)
                    .order_by(col(StoredDecision.id))
                )
            )
    except SQLAlchemyError as exc:
        raise StoreError(f"{store.shown}: {_first_line(exc)}") from None


def _decision(row: StoredDecision) -> Decision:
    assert row.id is not None
    try:
        based_on = [DecidedOn.model_validate(d) for d in json.loads(row.based_on_json)]
    except (ValueError, TypeError):
        based_on = [DecidedOn(document="（记录损坏）", sha256="")]  # never matches: lapses
    return Decision(
        id=row.id,
        status=row.status,  # type: ignore[arg-type]
        reason=row.reason,
        by=row.decided_by,
        role=row.role,  # type: ignore[arg-type]
        decided_at=row.decided_at,
        expires=row.expires,
        on_run=row.on_run,
        engine_status=row.engine_status,
        based_on=based_on,
    )


def decisions_mark(store: Store, region: str, level: str) -> tuple[int, int]:
    """(how many, the latest id) of a region's decisions: changes whenever one is added,
    so a page rendered with the decisions as they stood can be kept until then."""
    with store._guard(), store.engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT COUNT(*), MAX(id) FROM decision WHERE region = :region AND level = :level"
            ),
            {"region": region, "level": level},
        ).one()
    return int(row[0] or 0), int(row[1] or 0)
