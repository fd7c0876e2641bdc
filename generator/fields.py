"""Front matter values -> the typed fields of a Paper, with a Problem (file and line) for each bad one.

Each key is read as its declaration in `model.Paper` says (its kind, limit, whether it is required):
types, http(s) URLs, dates from 1991 to a year after today, and the size limits of `model`
(docs/content-format.md, "Limits").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from generator import frontmatter
from generator.model import (
    FIRST_DAY,
    KEYS,
    MAX_COUNT,
    MAX_ID_LENGTH,
    MAX_NAME,
    SAFE_ID,
    Declared,
    Kind,
    Problem,
    in_calendar,
)
from generator.slugs import slugify
from generator.urls import is_http

SHOWN_CHARS = 60  # of a bad value, in a problem's message


class Fields:
    """Typed access to front matter values that records a Problem for each bad one."""

    def __init__(self, doc: frontmatter.Document, where: str, today: dt.date) -> None:
        self.doc, self.where = doc, where
        self.problems: list[Problem] = []
        self.today = today

    def problem(self, key: str, message: str, severity: str = "error") -> None:
        line = self.doc.key_lines.get(key, 1)
        self.problems.append(Problem(self.where, line, f"{key}: {message}", severity))

    def read(self, key: str, declared: Declared) -> Any:
        """The value of `key`, read and checked as declared; None when it is absent or bad."""
        limit = declared.limit
        match declared.kind:
            case Kind.ID:
                return self.identifier(key)
            case Kind.TEXT:
                return self.text(key, limit, declared.required)
            case Kind.URL:
                return self.url(key, limit)
            case Kind.COUNT:
                return self.count(key)
            case Kind.DAY:
                return self.day(key)
            case Kind.NAMES:
                return self.strings(key, limit)
            case Kind.TAGS:
                return self.tags(key, limit)
            case Kind.IDS:
                return self.aliases(key, limit)
        raise ValueError(f"{key}: a {declared.kind} is not a front matter key")

    def identifier(self, key: str) -> str | None:
        if key in self.doc.meta and self.doc.meta[key] is None:
            # `id:`, `id: ~` or `id: null` (any case) is YAML's null: as written, "null" would pass for
            # an id. A quoted 'null' is text, and stays an id as written.
            self.problem(key, "empty; give an id, or leave the key out to take the file's name")
            return None
        if isinstance(self.doc.meta.get(key), (dict, list, set)):
            # A list or mapping has no scalar as written: it used to pass unseen, and the file's name was taken.
            self.problem(key, "expected one id, not a list or mapping")
            return None
        # The raw scalar: YAML would read an unquoted 2310.10000 as the float 2310.1.
        raw = self.doc.scalars.get(key) if key in self.doc.meta else None
        raw = Path(self.where).stem if raw is None else raw
        if not SAFE_ID.fullmatch(raw):
            self.problem(
                key,
                f"{shown(raw)} is not a usable id (letters, digits, '.', '_', '-'; at most {MAX_ID_LENGTH} characters)",
            )
            return None
        return raw

    def text(self, key: str, limit: int, required: bool = False) -> str | None:
        value = self.doc.meta.get(key)
        if value is None:
            if required:
                self.problem(key, "missing (required)")
            return None
        if isinstance(value, (dict, list, set)) or (isinstance(value, str) and not value.strip()):
            self.problem(key, "expected text")
            return None
        return self.sized(key, str(value).strip(), limit)

    def sized(self, key: str, text: str, limit: int) -> str | None:
        if len(text) > limit:
            self.problem(key, f"{len(text):,} characters; the limit is {limit:,}")
            return None
        return text

    def url(self, key: str, limit: int) -> str | None:
        value = self.text(key, limit)
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
        if not in_calendar(value, self.today):
            self.problem(key, f"{value.isoformat()} is not between {FIRST_DAY.isoformat()} and a year from today")
            return None
        return value

    def strings(self, key: str, limit: int) -> tuple[str, ...] | None:
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

    def tags(self, key: str, limit: int) -> tuple[str, ...] | None:
        names = self.strings(key, limit)
        if names is None:
            return None
        slugs = [slugify(name) for name in names]
        for name, slug in zip(names, slugs, strict=True):
            if not slug:
                self.problem(key, f"tag {shown(name)} has no letters or digits")
        return tuple(dict.fromkeys(s for s in slugs if s))

    def aliases(self, key: str, limit: int) -> tuple[str, ...] | None:
        read = self.doc.meta.get(key)
        number = next((v for v in read if not isinstance(v, str)), None) if isinstance(read, list) else None
        if number is not None:  # YAML reads an unquoted 2310.10010 as 2310.1001: the old URL would be lost
            self.problem(key, f"{number} is unquoted, so YAML read it as a value, not as written: quote each id")
            return None
        names = self.strings(key, limit)
        for name in names or ():
            if not SAFE_ID.fullmatch(name):
                self.problem(key, f"{shown(name)} is not a usable id (letters, digits, '.', '_', '-')")
        return names

    def warn_unknown(self) -> None:
        for key in self.doc.meta:
            if key not in KEYS:
                self.problem(shown(key, quote=False), "unknown key (ignored)", "warning")


def shown(value: Any, quote: bool = True) -> str:
    """A value as a problem's message shows it: short, whatever its size."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    text = repr(value) if quote else str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
