"""ISO weeks and months of the archive: which papers each has, ranked by upvotes, and which are over.

A paper belongs to the ISO week of its archive date (2026-W01 runs from 2025-12-29 to 2026-01-04).
"Over" is judged from the newest day the archive lists, never from the clock, so that the same
content always gives the same site.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator import urls
from generator.taxonomy import Archive


@dataclass(frozen=True, order=True)
class Week:
    year: int  # the ISO year, which differs from the calendar year around New Year
    number: int

    @classmethod
    def of(cls, day: dt.date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def first(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.number, 1)

    @property
    def last(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.number, 7)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-W{self.number:02d}"

    @property
    def span(self) -> str:
        """'29 December 2025 – 4 January 2026'."""
        return f"{long_date(self.first)} – {long_date(self.last)}"

    @property
    def path(self) -> str:
        return urls.week(self.year, self.number)


def long_date(day: dt.date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def weeks(archive: Archive) -> dict[Week, tuple[str, ...]]:
    """Week -> ids of its papers, newest week first, ids in timeline order."""
    grouped: dict[Week, list[str]] = {}
    for day, ids in archive.days.items():  # newest day first
        grouped.setdefault(Week.of(day), []).extend(ids)
    return {week: tuple(ids) for week, ids in grouped.items()}


def ranked(archive: Archive, ids: Sequence[str]) -> list[str]:
    """Most upvoted first; papers without a count after those with one; equal counts in listing order
    (newest day first, then by id), whatever the order of `ids`."""
    papers, rank = archive.papers, archive.rank
    return sorted(ids, key=lambda i: (papers[i].upvotes is None, -(papers[i].upvotes or 0), rank[i]))


def finished_weeks(by_week: Mapping[Week, tuple[str, ...]], newest: dt.date | None) -> list[Week]:
    """Weeks that ended before the newest listed day, newest first."""
    return [week for week in by_week if newest is not None and week.last < newest]


def finished_months(months: Mapping[tuple[int, int], tuple[str, ...]], newest: dt.date | None) -> list[tuple[int, int]]:
    """(year, month) of the months that ended before the newest listed day, newest first."""

    def last(y: int, m: int) -> dt.date:
        return dt.date(y, m, calendar.monthrange(y, m)[1])

    return [(y, m) for y, m in months if newest is not None and last(y, m) < newest]
