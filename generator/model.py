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
# What an id may contain: it is a file name and a URL path segment (papers/<id>/, <id>.md), so it
# is ASCII and short enough that every name made from it fits a file system's 255 bytes a name.
MAX_ID_LENGTH = 200
SAFE_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_ID_LENGTH - 1}}}")

# What one paper may hold (docs/content-format.md, "Limits"). Output grows with these: a paper's
# tags are listed on each of its tag pages, so tags cost the square of their number.
MAX_TAGS = 50
MAX_AUTHORS = 5_000
MAX_KEYWORDS = 100
MAX_TITLE = 1_000  # characters, like every limit on text below
MAX_NAME = 500  # an author, keyword, tag, organization
MAX_TEXT = 5_000  # ai_summary
MAX_URL = 2_000
MAX_ABSTRACT = 20_000
MAX_COUNT = 10**9  # upvotes, comments, stars, author_count
MAX_FILE_BYTES = 2**20
FIRST_DAY = date(1991, 1, 1)  # before arXiv; a later date than a year from today is a typo

# Characters XML 1.0 cannot carry (C0 controls but tab, newline and CR; surrogates; U+FFFE/U+FFFF)
# and the C1 controls HTML rejects: never meaningful in a paper, and one breaks a feed.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


# The bytes that start one of NOT_XML's characters in UTF-8: C0 controls and DEL as such, C1 controls
# after 0xC2, U+FFFE/U+FFFF after 0xEF. Looking for these (memchr and translate, ~2 µs for a paper's
# file) rules most files out far faster than the regex (~18 µs).
_NOT_XML_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def may_hold_not_xml(data: bytes) -> bool:
    """False if the UTF-8 `data` holds none of NOT_XML's characters; True if it might (0xED starts
    a surrogate, which only "surrogatepass" encodes)."""
    return (
        b"\xc2" in data or b"\xef" in data or b"\xed" in data or len(data.translate(None, _NOT_XML_BYTES)) != len(data)
    )


def xml_safe(text: str) -> str:
    """`text` without the characters a page or feed cannot carry."""
    if len(text) > 64 and not may_hold_not_xml(text.encode("utf-8", "surrogatepass")):
        return text
    return NOT_XML.sub("", text) if NOT_XML.search(text) else text


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
