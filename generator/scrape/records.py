"""What a parser makes of one paper in one response: a ScrapedPaper, before any merging."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from generator import limits
from generator.model import FIELDS, MAX_COUNT, MAX_TITLE, SAFE_ID, Paper, empty, in_calendar


class ScrapeError(Exception):
    """A response the scraper cannot use. `url` says where it came from; nothing is written from it."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}" + (f" (HTTP {status})" if status else ""))
        self.url, self.message, self.status = url, message, status


@dataclass(frozen=True)
class ScrapedPaper(Paper):
    """One paper as a service describes it: the fields of a Paper (model.py declares them), of which a
    parser sets those the service gives (None / () means the service did not say), and where it came from."""

    source: str = field(kw_only=True)  # the URL it was read from, for messages
    notes: tuple[str, ...] = field(default=(), kw_only=True)  # values the service sent that were left out

    @property
    def incomplete(self) -> bool:
        """True when a list-page card gave only the title: the paper page has the rest."""
        return not self.abstract or not self.authors


def checked(paper: ScrapedPaper) -> ScrapedPaper:
    """`paper` if it can become a content file; a ScrapeError naming its source otherwise."""
    if not paper.id or not SAFE_ID.fullmatch(paper.id):
        raise ScrapeError(paper.source, f"a paper without a usable id ({paper.id!r})")
    if not paper.title:
        raise ScrapeError(paper.source, f"paper {paper.id} has no title")
    if len(paper.title) > MAX_TITLE:
        raise ScrapeError(paper.source, f"paper {paper.id} has a title of {len(paper.title):,} characters")
    return within_limits(paper)


def within_limits(paper: ScrapedPaper) -> ScrapedPaper:
    """`paper` with what a content file may not hold cut or left out (`limits.within_limits`), and a note
    for each. The title is required, so `checked` refuses a paper with a long one."""
    kept, changed = limits.within_limits(paper, dt.date.today())
    if not changed:
        return paper
    notes = tuple(
        f"paper {paper.id}: {name} over the content limits, {'cut' if getattr(kept, name) else 'left out'}"
        for name in changed
    )
    return dataclasses.replace(kept, notes=paper.notes + notes)


def usable_day(day: dt.date | None) -> dt.date | None:
    """`day` if a paper can have it (from 1991 to a year from now), else None."""
    return day if day is not None and in_calendar(day, dt.date.today()) else None


def usable_count(value: object) -> int | None:
    """A whole number from 0 to MAX_COUNT (not a bool, which is an int to Python), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT else None


def fill_missing(paper: ScrapedPaper, other: ScrapedPaper) -> ScrapedPaper:
    """`paper`, with each field it lacks taken from `other` (a second source for the same paper)."""
    changes: dict[str, Any] = {"notes": paper.notes + other.notes} if other.notes else {}
    for name in FIELDS:
        mine, theirs = getattr(paper, name), getattr(other, name)
        if empty(mine) and not empty(theirs):
            changes[name] = theirs
    return dataclasses.replace(paper, **changes)
