"""Hugging Face's JSON: one Daily Papers item (or a bare `paper` object) -> a ScrapedPaper.

One reader covers every schema era in tests/fixtures/FORMATS.md: optional keys are simply absent in older days
(no thumbnail before 2024-06, no submittedOnDailyAt before 2025-03, no organization before 2025-10),
`submitterOrganization` is the 2025-09 name of `organization`. A value of the wrong type (or out
of range: a date before 1991, a count past 10^12) is treated as absent rather than trusted, and
noted. What cannot be read at all (not JSON, nested too deep, an item without a paper) is an error
for the whole response.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urljoin

from generator.scrape.records import (
    ScrapedPaper,
    ScrapeError,
    checked,
    usable_count,
)
from generator.scrape.text import clean_url, iso_day, one_line, paragraphs

# The keys whose values are checked: a value given but not usable is noted.
_CHECKED_KEYS = ("publishedAt", "submittedOnDailyAt", "upvotes", "githubStars", "githubRepo", "projectPage")


def decode_json(body: bytes | str, url: str, what: str = "JSON") -> Any:
    """Parsed JSON, or a ScrapeError naming the URL (invalid, truncated, not UTF-8, a number of
    thousands of digits, nesting deeper than the parser's recursion limit)."""
    try:
        return json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, "Exceeds the limit (4300 digits)"
        raise ScrapeError(url, f"invalid {what} ({str(exc)[:200]})") from None
    except RecursionError:
        raise ScrapeError(url, f"invalid {what} (nested too deeply)") from None


def parse_items(data: Any, url: str, day: dt.date | None) -> list[ScrapedPaper]:
    """A list of Daily Papers items (the daily API, the search API, a list page's island)."""
    if not isinstance(data, list):
        raise ScrapeError(url, f"expected a JSON list of papers, got {type(data).__name__}")
    return [parse_item(item, url, day) for item in data]


def parse_item(item: Any, url: str, day: dt.date | None) -> ScrapedPaper:
    """One item: `paper` holds the paper, the top level adds title, thumbnail and comments."""
    if not isinstance(item, dict) or not isinstance(item.get("paper"), dict):
        raise ScrapeError(url, "an item without a 'paper' object")
    outer = {
        "title": _str(item, "title"),
        "comments": _int(item, "numComments"),
        "thumbnail": _url(item, "thumbnail", url),
        "organization": org_name(item.get("organization")) or org_name(item.get("submitterOrganization")),
    }
    return parse_paper(item["paper"], url, day, outer)


def parse_paper(paper: Any, url: str, day: dt.date | None, outer: dict[str, Any] | None = None) -> ScrapedPaper:
    """A `paper` object (daily item, /api/papers/<id>, a paper page's island); `outer` holds what
    the wrapping item adds (its values are used where `paper` has none; its title wins).

    The listed day is `submittedOnDailyAt`, else the day asked for: the top-level `publishedAt`
    stopped meaning the Daily Papers day in 2025.
    """
    if not isinstance(paper, dict):
        raise ScrapeError(url, "'paper' is not an object")
    outer = {k: v for k, v in (outer or {}).items() if v is not None}
    # The top-level title is usually the un-wrapped one; paper.title keeps arXiv's line breaks.
    title = outer.pop("title", None) or _str(paper, "title") or ""
    fields: dict[str, Any] = {
        "abstract": paragraphs(_str(paper, "summary") or ""),
        "authors": _authors(paper.get("authors")),
        "published": _day(paper, "publishedAt"),
        "listed": _day(paper, "submittedOnDailyAt") or day,
        "upvotes": _int(paper, "upvotes"),
        "github": _url(paper, "githubRepo", url),
        "github_stars": _int(paper, "githubStars"),
        "project_page": _url(paper, "projectPage", url),
        "keywords": _keywords(paper.get("ai_keywords")),
        "ai_summary": one_line(_str(paper, "ai_summary") or "") or None,
        "organization": org_name(paper.get("organization")),
    }
    for key, value in outer.items():
        fields[key] = fields.get(key) or value
    paper_id = _str(paper, "id") or ""
    notes = tuple(
        f"{url}: paper {paper_id}: {key} {_shown(paper[key])} left out (not a usable value)"
        for key in _unused(paper, url)
    )
    return checked(ScrapedPaper(id=paper_id, title=one_line(title), source=url, notes=notes, **fields))


def _unused(paper: dict, url: str) -> list[str]:
    """The checked keys that hold a value which was not used."""
    readers = {
        "publishedAt": _day,
        "submittedOnDailyAt": _day,
        "upvotes": _int,
        "githubStars": _int,
        "githubRepo": lambda o, k: _url(o, k, url),
        "projectPage": lambda o, k: _url(o, k, url),
    }
    return [key for key in _CHECKED_KEYS if paper.get(key) not in (None, "") and readers[key](paper, key) is None]


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, int, float, bool)) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _str(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _int(obj: dict, key: str) -> int | None:
    return usable_count(obj.get(key))


def _day(obj: dict, key: str) -> dt.date | None:
    return iso_day(_str(obj, key))


def _url(obj: dict, key: str, base: str) -> str | None:
    """An absolute http(s) URL (relative ones are resolved against the page), else None."""
    value = _str(obj, key)
    try:
        return clean_url(urljoin(base, value.strip())) if value else None
    except ValueError:  # urljoin on a malformed URL ("http://[x")
        return None


def _authors(value: Any) -> tuple[str, ...]:
    """Names in the service's order, hidden authors included (they are still the paper's authors)."""
    if not isinstance(value, list):
        return ()
    names = (one_line(a["name"]) for a in value if isinstance(a, dict) and isinstance(a.get("name"), str))
    return tuple(n for n in names if n)


def _keywords(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    words = (one_line(w) for w in value if isinstance(w, str))
    return tuple(dict.fromkeys(w for w in words if w))


def org_name(value: Any) -> str | None:
    """The organization's display name (`Google`), falling back to its handle (`google`)."""
    if not isinstance(value, dict):
        return None
    return one_line(_str(value, "fullname") or _str(value, "name") or "") or None
