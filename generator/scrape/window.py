"""Which days the daily scrape fetches when it is given no day: it heals itself.

From the newest `listed` day the archive holds through today (so that days missed by an outage are
fetched), at most `catch_up_days` back, plus the last `refresh_days` (upvotes, comments and GitHub
stars settle over one to two weeks). Days missed before the catch-up window are not fetched; they
are named with the backfill command that fills them. Pure functions, but for `today()`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from generator.errors import UserError
from generator.model import FIRST_DAY

TODAY_ENV = "BROADSHEET_TODAY"


def today() -> dt.date:
    """The UTC date, or $BROADSHEET_TODAY (YYYY-MM-DD, from FIRST_DAY on) to pretend another day (tests, reruns)."""
    text = os.environ.get(TODAY_ENV, "").strip()
    if not text:
        return dt.datetime.now(dt.UTC).date()
    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 else _bad(text)
    except ValueError:
        return _bad(text)
    return day if day >= FIRST_DAY else _bad(text, f"a day from {FIRST_DAY} on")


def _bad(text: str, expected: str = "a day YYYY-MM-DD") -> dt.date:
    raise UserError(f"{text!r} is not {expected}", f"${TODAY_ENV}")


@dataclass(frozen=True)
class Window:
    days: tuple[dt.date, ...]  # oldest first
    gap: tuple[dt.date, dt.date] | None = None  # missed days older than the catch-up window

    def gap_note(self) -> str | None:
        if self.gap is None:
            return None
        first, last = (d.isoformat() for d in self.gap)
        span = first if first == last else f"{first} to {last}"
        return (
            f"{span} not fetched: older than the catch-up window; "
            f"fill with `broadsheet scrape --since {first} --until {last}`"
        )


def daily_window(now: dt.date, newest: dt.date | None, catch_up_days: int, refresh_days: int) -> Window:
    """The days a scrape without day options fetches. `newest`: the newest listed day in the archive
    (None for an empty one, which gets the whole catch-up window). Today and yesterday always."""
    earliest = now - dt.timedelta(days=catch_up_days)
    start = earliest if newest is None else min(max(newest, earliest), now)
    days = set(span(start, now))
    days |= set(span(now - dt.timedelta(days=max(refresh_days, 2) - 1), now))
    gap = None
    if newest is not None and newest + dt.timedelta(days=1) < earliest:
        gap = (newest + dt.timedelta(days=1), earliest - dt.timedelta(days=1))
    return Window(tuple(sorted(days)), gap)


def span(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from `first` to `last`, inclusive."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
