"""The store's errors, apart from the modules that need SQLAlchemy: `check --no-store`
names RunNotRecorded in its `except` without importing a database library (issue 18)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sxcheck.errors import SxcheckError

if TYPE_CHECKING:
    from sxcheck.models import Report


class StoreError(SxcheckError):
    """The store cannot be opened or written (exit code 2, one line)."""


class RunNotRecorded(StoreError):
    """The run was judged but the store failed to record it. The report travels with
    the error so `check` still writes its --report files: a failing store never costs
    the user the work already done (nor any earlier run: the transaction rolls back)."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report
