"""What a parser makes of one paper in one response: a ScrapedPaper, before any merging."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from generator.model import SAFE_ID

FIRST_DAY = dt.date(1991, 1, 1)  # arXiv's first year: no paper is older
MAX_COUNT = 10**12  # no paper has this many upvotes, comments or stars: a larger "count" is junk


class ScrapeError(Exception):
    """A response the scraper cannot use. `url` says where it came from; nothing is written from it."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}" + (f" (HTTP {status})" if status else ""))
        self.url, self.message, self.status = url, message, status


@dataclass(frozen=True)
class ScrapedPaper:
    """One paper as a service describes it. None / () means the service did not say."""

    id: str  # the arXiv id
    title: str
    source: str  # the URL it was read from, for messages
    abstract: str = ""
    authors: tuple[str, ...] = ()
    published: dt.date | None = None
    listed: dt.date | None = None  # the Daily Papers day
    upvotes: int | None = None
    comments: int | None = None
    github: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    keywords: tuple[str, ...] = ()
    ai_summary: str | None = None
    organization: str | None = None
    thumbnail: str | None = None
    notes: tuple[str, ...] = ()  # values the service sent that could not be used, and were left out

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
    return paper


def usable_day(day: dt.date | None) -> dt.date | None:
    """`day` if a paper can have it (from 1991 to a year from now), else None."""
    return day if day is not None and FIRST_DAY <= day <= dt.date.today() + dt.timedelta(days=366) else None


def usable_count(value: object) -> int | None:
    """A whole number from 0 to MAX_COUNT (not a bool, which is an int to Python), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT else None


def fill_missing(paper: ScrapedPaper, other: ScrapedPaper) -> ScrapedPaper:
    """`paper`, with each field it lacks taken from `other` (a second source for the same paper)."""
    changes: dict[str, Any] = {"notes": paper.notes + other.notes} if other.notes else {}
    for field in dataclasses.fields(ScrapedPaper):
        if field.name == "notes":
            continue
        mine, theirs = getattr(paper, field.name), getattr(other, field.name)
        if mine in (None, "", ()) and theirs not in (None, "", ()):
            changes[field.name] = theirs
    return dataclasses.replace(paper, **changes)
