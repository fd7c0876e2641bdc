"""The records everything else passes around: a Paper and a Problem.

Both are frozen: once the loader has made a Paper, nothing downstream changes it. Paper is also the one
declaration of a paper's fields: each says its kind (how it is read and checked), who owns it, its limit and
what it means, and the loader, the file writer, the scraper's record and its merge rules derive from these.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

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
MAX_ALIASES = 100
MAX_TITLE = 1_000  # characters, like every limit on text below
MAX_NAME = 500  # an author, keyword, tag, organization
MAX_TEXT = 5_000  # ai_summary
MAX_URL = 2_000
MAX_ABSTRACT = 20_000
MAX_COUNT = 10**9  # upvotes, comments, stars, author_count
MAX_FILE_BYTES = 2**20
FIRST_DAY = date(1991, 1, 1)  # before arXiv; a later date than a year from today is a typo


def last_day(today: date) -> date:
    """The latest date a paper may carry: a later one than a year from today is a typo."""
    return today + timedelta(days=365)


def in_calendar(day: date, today: date) -> bool:
    """True if a paper may carry `day`: from FIRST_DAY to `last_day(today)`."""
    return FIRST_DAY <= day <= last_day(today)


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


def xml_text(text: str) -> str:
    """`text` escaped for an XML element's content, as ElementTree escapes it (& < >)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


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


class Owner(enum.Enum):
    """Who sets a field once its file exists (docs/content-format.md, "How the scraper merges")."""

    SERVICE = "service"  # the service's latest value replaces the file's: numbers that keep moving
    EARLIEST = "service, earliest"  # the earliest value the service gave
    FILLED = "filled once"  # taken from the service only while the file has none
    CONTRIBUTOR = "contributor"  # the scraper never changes it once the file exists


class Kind(enum.Enum):
    """How a value is read and checked (fields.Fields.read); the value is the type's name in the docs."""

    ID = "id"
    TEXT = "text"
    URL = "http(s) URL"
    COUNT = "whole number"
    DAY = "date `YYYY-MM-DD`"
    NAMES = "list of text"
    TAGS = "list of tags"
    IDS = "list of ids"
    BODY = "Markdown"  # the abstract: the file's body, not a front matter key

    @property
    def is_list(self) -> bool:
        return self in (Kind.NAMES, Kind.TAGS, Kind.IDS)


@dataclass(frozen=True)
class Declared:
    """One field of a paper, declared once: everything else about it derives from this."""

    kind: Kind
    owner: Owner
    doc: str  # one line: its meaning in docs/content-format.md's table of keys
    limit: int = 0  # characters of a text, URL or body; items of a list (each at most MAX_NAME characters)
    required: bool = False


_DECLARED = "broadsheet"


def declare(kind: Kind, owner: Owner, doc: str, limit: int = 0, required: bool = False) -> dict[str, Declared]:
    """A dataclass field's metadata that declares it a paper's field."""
    return {_DECLARED: Declared(kind, owner, doc, limit, required)}


@dataclass(frozen=True)
class Paper:
    """One paper of the archive, as read from its Markdown file. The fields are in the order of the keys
    in a file Broadsheet writes: what a contributor looks for first comes first."""

    id: str = field(
        metadata=declare(
            Kind.ID,
            Owner.CONTRIBUTOR,
            "the arXiv id (`2310.00653`) when known, otherwise a slug made from the title; the file name when"
            " left out. Unique across the archive; letters, digits, `.`, `_`, `-`. Quote arXiv ids"
            " (`'2310.10000'`): unquoted, YAML reads them as numbers (Broadsheet still recovers the digits as"
            " written). It is the page's URL: `/papers/<id>/`.",
        )
    )
    title: str = field(metadata=declare(Kind.TEXT, Owner.CONTRIBUTOR, "the paper's title", MAX_TITLE, required=True))
    abstract: str = field(  # Markdown source, untrusted
        default="", metadata=declare(Kind.BODY, Owner.FILLED, "the abstract, in Markdown", MAX_ABSTRACT)
    )
    source_path: str = ""  # where it was read from (not a field of the paper: no declaration)
    authors: tuple[str, ...] = field(
        default=(), metadata=declare(Kind.NAMES, Owner.FILLED, "author names, in order", MAX_AUTHORS)
    )
    author_count: int | None = field(
        default=None,
        metadata=declare(Kind.COUNT, Owner.CONTRIBUTOR, "the number of authors, when only the count is known"),
    )
    published: date | None = field(
        default=None, metadata=declare(Kind.DAY, Owner.FILLED, "the paper's own date (arXiv)")
    )
    listed: date | None = field(
        default=None, metadata=declare(Kind.DAY, Owner.EARLIEST, "the day it appeared on Daily Papers")
    )
    upvotes: int | None = field(default=None, metadata=declare(Kind.COUNT, Owner.SERVICE, "Daily Papers upvotes"))
    comments: int | None = field(
        default=None, metadata=declare(Kind.COUNT, Owner.SERVICE, "Daily Papers comment count")
    )
    tags: tuple[str, ...] = field(
        default=(),
        metadata=declare(
            Kind.TAGS,
            Owner.CONTRIBUTOR,
            "tags; each becomes a lowercase ASCII slug (`Vision-Language` -> `vision-language`)",
            MAX_TAGS,
        ),
    )
    github: str | None = field(default=None, metadata=declare(Kind.URL, Owner.FILLED, "code repository", MAX_URL))
    github_stars: int | None = field(
        default=None, metadata=declare(Kind.COUNT, Owner.SERVICE, "stars of that repository")
    )
    project_page: str | None = field(default=None, metadata=declare(Kind.URL, Owner.FILLED, "project page", MAX_URL))
    keywords: tuple[str, ...] = field(
        default=(),
        metadata=declare(Kind.NAMES, Owner.FILLED, "keywords (Hugging Face's AI keywords)", MAX_KEYWORDS),
    )
    ai_summary: str | None = field(
        default=None,
        metadata=declare(Kind.TEXT, Owner.FILLED, "Hugging Face's AI-generated one-line summary", MAX_TEXT),
    )
    organization: str | None = field(
        default=None,
        metadata=declare(
            Kind.TEXT,
            Owner.FILLED,
            "the organization the paper is listed under (its display name); it has a page at `/orgs/<slug>/`"
            " (see [following.md](following.md))",
            MAX_NAME,
        ),
    )
    thumbnail: str | None = field(
        default=None, metadata=declare(Kind.URL, Owner.SERVICE, "Hugging Face's thumbnail image", MAX_URL)
    )
    aliases: tuple[str, ...] = field(
        default=(),
        metadata=declare(
            Kind.IDS,
            Owner.CONTRIBUTOR,
            "ids the paper had before (a title slug, until `broadsheet resolve` found its arXiv id). Each"
            " `/papers/<alias>/` is a small page that sends readers on to `/papers/<id>/` (canonical link,"
            " `noindex`, left out of the sitemap), and the feed keeps the first one's URL as the item's guid."
            " No other paper may use an alias as its id, and the scraper finds the paper by its aliases too: a"
            " paper given a new id keeps its arXiv id here. Quote arXiv ids (`- '2310.10010'`): unquoted, YAML"
            " reads them as numbers, and the file is refused.",
            MAX_ALIASES,
        ),
    )

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


# The declarations, in the order of the dataclass: every field of a paper, and the front matter keys
# (every field but the body), in the order a file written by Broadsheet has them.
FIELDS: Mapping[str, Declared] = {f.name: f.metadata[_DECLARED] for f in fields(Paper) if _DECLARED in f.metadata}
KEYS: Mapping[str, Declared] = {name: d for name, d in FIELDS.items() if d.kind is not Kind.BODY}


def owned_by(owner: Owner) -> tuple[str, ...]:
    """The names of the fields `owner` owns, in declaration order."""
    return tuple(name for name, declared in FIELDS.items() if declared.owner is owner)


def shown(paper: Paper, names: Sequence[str]) -> bytes:
    """A digest of the named fields of `paper` (properties too): what a file or record that shows only those
    fields is keyed on."""
    return hashlib.blake2b(repr([getattr(paper, name) for name in names]).encode(), digest_size=8).digest()


def empty(value: Any) -> bool:
    """True for a field's value that says nothing: None, "" or ()."""
    return value is None or value == "" or value == ()


def newest_first_key(paper: Paper) -> tuple:
    """Sort key: archive date (undated last), then upvotes, then id for stability."""
    day = paper.archive_date
    return (day is None, -(day.toordinal() if day else 0), -(paper.upvotes or 0), paper.id)


def timeline(papers: Iterable[Paper]) -> list[Paper]:
    """Newest first by archive date, then by id, highest first (for arXiv ids: latest submitted
    first). Unlike listing order this ignores upvotes, so re-voting a paper moves nothing."""
    by_id = sorted(papers, key=lambda p: p.id, reverse=True)
    return sorted(by_id, key=lambda p: (p.archive_date is None, -(p.archive_date.toordinal() if p.archive_date else 0)))
