"""The records everything else passes around: a Paper and a Problem.

Both are frozen: once the loader has made a Paper, nothing downstream changes it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# New-style arXiv ids (0704.0001 onwards), optionally versioned.
ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}(v\d+)?")
# What an id may contain: it is a file name and a URL path segment.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    path: str
    line: int
    message: str
    severity: str = "error"  # "error" fails a build; "warning" is only reported

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        prefix = "" if self.is_error else "warning: "
        return f"{self.path}:{self.line}: {prefix}{self.message}"


@dataclass(frozen=True)
class Paper:
    """One paper of the archive, as read from its Markdown file."""

    id: str
    title: str
    abstract: str = ""  # Markdown source, untrusted
    source_path: str = ""
    authors: tuple[str, ...] = ()
    author_count: int | None = None
    published: date | None = None  # the paper's own date
    listed: date | None = None  # the day it appeared on Daily Papers
    upvotes: int | None = None
    comments: int | None = None
    tags: tuple[str, ...] = ()  # tag slugs
    github: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    keywords: tuple[str, ...] = ()
    ai_summary: str | None = None
    organization: str | None = None
    thumbnail: str | None = None
    aliases: tuple[str, ...] = ()  # ids the paper had before (a title slug before its arXiv id was found)

    @property
    def archive_date(self) -> date | None:
        """The date the archive files the paper under."""
        return self.listed or self.published

    @property
    def is_arxiv(self) -> bool:
        return ARXIV_ID.fullmatch(self.id) is not None

    @property
    def total_authors(self) -> int:
        """The number of authors, even when only the count is known."""
        return max(len(self.authors), self.author_count or 0)


def newest_first_key(paper: Paper) -> tuple:
    """Sort key: archive date (undated last), then upvotes, then id for stability."""
    day = paper.archive_date
    return (day is None, -(day.toordinal() if day else 0), -(paper.upvotes or 0), paper.id)


def timeline(papers: Iterable[Paper]) -> list[Paper]:
    """Newest first by archive date, then by id, highest first (for arXiv ids: latest submitted
    first). Unlike listing order this ignores upvotes, so re-voting a paper moves nothing."""
    by_id = sorted(papers, key=lambda p: p.id, reverse=True)
    return sorted(by_id, key=lambda p: (p.archive_date is None, -(p.archive_date.toordinal() if p.archive_date else 0)))
