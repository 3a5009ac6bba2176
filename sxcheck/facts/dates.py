"""When an official document was issued, and whether it can back an item on its own.

A 2019 notice setting up a body, in a 2024 evaluation with nothing since, no
longer shows the body exists as the notice gives it; a document dated after
the period did not happen in it. Such a document is `stale`: the item it
alone backs is capped (stale_document). The bounds are named defaults
(rules/defaults.yaml `staleness`), a profile's `period` overrides them.
A notice that adjusts (调整) a body supersedes the earlier ones about it.
"""

from __future__ import annotations

from datetime import date

from sxcheck.catalogue.schema import Period, Staleness
from sxcheck.models import DocumentRef


def _bounds(iso: str) -> tuple[date, date]:
    """The first and last day an ISO date as precise as written ("2023", "2023-05") means."""
    parts = [int(p) for p in iso.split("-")]
    year = parts[0]
    if len(parts) == 1:
        return date(year, 1, 1), date(year, 12, 31)
    month = parts[1]
    if len(parts) == 2:
        following = date(year + month // 12, month % 12 + 1, 1)
        return date(year, month, 1), date.fromordinal(following.toordinal() - 1)
    day = date(year, month, parts[2])
    return day, day


class DocumentDates:
    """The evaluation period and the dates an official document may carry to back an item."""

    def __init__(self, staleness: Staleness, period: Period | None, years: set[int]):
        if period is not None:
            self.start, self.end = date.fromisoformat(period.start), date.fromisoformat(period.end)
        else:
            self.start, self.end = date(min(years), 1, 1), date(max(years), 12, 31)
        if period is not None and period.stale_before:
            self.stale_before = date.fromisoformat(period.stale_before)
        else:
            self.stale_before = date(self.start.year - staleness.years, self.start.month, 1)
        self.report_kinds = staleness.report_kinds

    def stale(self, issued: DocumentRef | None) -> str | None:
        """Why the document is stale ("早于…" / "晚于…" as a Chinese phrase), or None."""
        if issued is None or not issued.date:
            return None
        try:
            first, last = _bounds(issued.date)
        except ValueError:
            return None  # a date the reader could not make a calendar date of
        if last < self.stale_before:
            return f"成文日期{issued.date}早于{self.stale_before.isoformat()}"
        if first > self.end and not any(k in (issued.kind or "") for k in self.report_kinds):
            return f"成文日期{issued.date}晚于评价期末{self.end.isoformat()}"
        return None

    @staticmethod
    def later(a: DocumentRef | None, b: DocumentRef | None) -> bool:
        """Is `a` dated after `b` (both dated)?"""
        if a is None or b is None or not a.date or not b.date:
            return False
        try:
            return _bounds(a.date)[0] > _bounds(b.date)[1]
        except ValueError:
            return False
