"""What a parser makes of one paper in one response: a ScrapedPaper, before any merging."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from generator.model import (
    FIRST_DAY,
    MAX_ABSTRACT,
    MAX_AUTHORS,
    MAX_COUNT,
    MAX_KEYWORDS,
    MAX_NAME,
    MAX_TEXT,
    MAX_TITLE,
    MAX_URL,
    SAFE_ID,
)

# Optional one-value fields and the most characters a content file may give them (model.py's limits,
# which `broadsheet check` enforces): a longer value is left out, so one odd upstream paper cannot
# make a file that stops every later build.
_TEXT_LIMITS = {
    "ai_summary": MAX_TEXT,
    "organization": MAX_NAME,
    "github": MAX_URL,
    "project_page": MAX_URL,
    "thumbnail": MAX_URL,
}


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
    if len(paper.title) > MAX_TITLE:
        raise ScrapeError(paper.source, f"paper {paper.id} has a title of {len(paper.title):,} characters")
    return within_limits(paper)


def within_limits(paper: ScrapedPaper) -> ScrapedPaper:
    """`paper` with what a content file may not hold cut or left out, and a note for each."""
    changes: dict[str, Any] = {}
    for name, limit in _TEXT_LIMITS.items():
        value = getattr(paper, name)
        if value is not None and len(value) > limit:
            changes[name] = None
    for name, most in (("authors", MAX_AUTHORS), ("keywords", MAX_KEYWORDS)):
        values: tuple[str, ...] = getattr(paper, name)
        kept = tuple(v for v in values if len(v) <= MAX_NAME)[:most]
        if kept != values:
            changes[name] = kept
    if len(paper.abstract) > MAX_ABSTRACT:
        changes["abstract"] = paper.abstract[:MAX_ABSTRACT].rsplit(" ", 1)[0]
    if not changes:
        return paper
    notes = tuple(
        f"paper {paper.id}: {name} over the content limits, {'cut' if value else 'left out'}"
        for name, value in changes.items()
    )
    return dataclasses.replace(paper, **changes, notes=paper.notes + notes)


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
