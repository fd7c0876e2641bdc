"""Front matter values -> the typed fields of a Paper, with a Problem (file and line) for each bad one.

Every value is checked against what the build can use: types, http(s) URLs, dates from 1991 to a
year after today, and the size limits of `model` (docs/content-format.md, "Limits").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from generator import frontmatter
from generator.model import (
    FIRST_DAY,
    MAX_AUTHORS,
    MAX_COUNT,
    MAX_ID_LENGTH,
    MAX_KEYWORDS,
    MAX_NAME,
    MAX_TAGS,
    MAX_TEXT,
    MAX_TITLE,
    MAX_URL,
    SAFE_ID,
    Problem,
)
from generator.slugs import slugify
from generator.urls import is_http

SHOWN_CHARS = 60  # of a bad value, in a problem's message


class Fields:
    """Typed access to front matter values that records a Problem for each bad one."""

    def __init__(self, doc: frontmatter.Document, where: str, today: dt.date) -> None:
        self.doc, self.where = doc, where
        self.problems: list[Problem] = []
        self.last_day = today + dt.timedelta(days=365)

    def problem(self, key: str, message: str, severity: str = "error") -> None:
        line = self.doc.key_lines.get(key, 1)
        self.problems.append(Problem(self.where, line, f"{key}: {message}", severity))

    def identifier(self, stem: str) -> str | None:
        # The raw scalar: YAML would read an unquoted 2310.10000 as the float 2310.1.
        raw = self.doc.scalars.get("id", stem) if "id" in self.doc.meta else stem
        if not SAFE_ID.fullmatch(raw):
            self.problem(
                "id",
                f"{shown(raw)} is not a usable id (letters, digits, '.', '_', '-'; at most {MAX_ID_LENGTH} characters)",
            )
            return None
        return raw

    def text(self, key: str, required: bool = False, limit: int = MAX_NAME) -> str | None:
        value = self.doc.meta.get(key)
        if value is None:
            if required:
                self.problem(key, "missing (required)")
            return None
        if isinstance(value, (dict, list, set)) or (isinstance(value, str) and not value.strip()):
            self.problem(key, "expected text")
            return None
        return self.sized(key, str(value).strip(), limit)

    def title(self, key: str) -> str | None:
        return self.text(key, required=True, limit=MAX_TITLE)

    def summary(self, key: str) -> str | None:
        return self.text(key, limit=MAX_TEXT)

    def sized(self, key: str, text: str, limit: int) -> str | None:
        if len(text) > limit:
            self.problem(key, f"{len(text):,} characters; the limit is {limit:,}")
            return None
        return text

    def url(self, key: str) -> str | None:
        value = self.text(key, limit=MAX_URL)
        if value is not None and not is_http(value):
            self.problem(key, f"expected an http(s) URL, got {shown(value)}")
            return None
        return value

    def count(self, key: str) -> int | None:
        value = self.doc.meta.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(key, f"expected a whole number >= 0, got {shown(value)}")
            return None
        if value > MAX_COUNT:
            self.problem(key, f"{shown(value)} is over the limit of {MAX_COUNT:,}")
            return None
        return value

    def day(self, key: str) -> dt.date | None:
        value = self.doc.meta.get(key)
        if isinstance(value, dt.datetime):
            value = value.date()
        if value is None:
            return None
        if not isinstance(value, dt.date):
            self.problem(key, f"expected a date YYYY-MM-DD, got {shown(value)}")
            return None
        if not FIRST_DAY <= value <= self.last_day:
            self.problem(key, f"{value.isoformat()} is not between {FIRST_DAY.isoformat()} and a year from today")
            return None
        return value

    def strings(self, key: str, limit: int = MAX_KEYWORDS) -> tuple[str, ...] | None:
        value = self.doc.meta.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            self.problem(key, "expected a list of text items")
            return None
        if len(value) > limit:
            self.problem(key, f"{len(value):,} items; the limit is {limit:,}")
            return None
        items = tuple(text for text in (str(v).strip() for v in value) if text)
        longest = max(map(len, items), default=0)
        if longest > MAX_NAME:
            self.problem(key, f"an item of {longest:,} characters; the limit is {MAX_NAME:,}")
            return None
        return items

    def authors(self, key: str) -> tuple[str, ...] | None:
        return self.strings(key, MAX_AUTHORS)

    def tags(self, key: str) -> tuple[str, ...] | None:
        names = self.strings(key, MAX_TAGS)
        if names is None:
            return None
        slugs = [slugify(name) for name in names]
        for name, slug in zip(names, slugs, strict=True):
            if not slug:
                self.problem(key, f"tag {shown(name)} has no letters or digits")
        return tuple(dict.fromkeys(s for s in slugs if s))

    def aliases(self, key: str) -> tuple[str, ...] | None:
        names = self.strings(key)
        for name in names or ():
            if not SAFE_ID.fullmatch(name):
                self.problem(key, f"{shown(name)} is not a usable id (letters, digits, '.', '_', '-')")
        return names

    def warn_unknown(self) -> None:
        for key in self.doc.meta:
            if key not in KNOWN_KEYS:
                self.problem(shown(key, quote=False), "unknown key (ignored)", "warning")


def shown(value: Any, quote: bool = True) -> str:
    """A value as a problem's message shows it: short, whatever its size."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    text = repr(value) if quote else str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


READERS: dict[str, Callable[[Fields, str], Any]] = {
    "authors": Fields.authors,
    "author_count": Fields.count,
    "published": Fields.day,
    "listed": Fields.day,
    "upvotes": Fields.count,
    "comments": Fields.count,
    "tags": Fields.tags,
    "github": Fields.url,
    "github_stars": Fields.count,
    "project_page": Fields.url,
    "keywords": Fields.strings,
    "ai_summary": Fields.summary,
    "organization": Fields.text,
    "thumbnail": Fields.url,
    "aliases": Fields.aliases,
}
KNOWN_KEYS = frozenset({"id", "title", *READERS})
