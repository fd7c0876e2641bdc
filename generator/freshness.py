"""How current the archive is: the newest Daily Papers day it holds a paper for.

Shown as "through <day>" on the home page, the archive page and the site's feed. It is derived from
the content only (never the clock), so a build of unchanged content gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from generator.model import Paper


def newest_listed(papers: Iterable[Paper]) -> dt.date | None:
    return max((p.listed for p in papers if p.listed), default=None)


def day_text(day: dt.date) -> str:
    """'29 October 2025', in English whatever the machine's locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def freshness(day: dt.date | None) -> tuple[str, str] | None:
    """What a page shows: (the day as YYYY-MM-DD for <time datetime>, '29 October 2025')."""
    return (day.isoformat(), day_text(day)) if day else None


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
