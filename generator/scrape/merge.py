"""The merge rules: how a scraped record meets the archive. Pure functions, no I/O.

For a paper already in the archive:
- the fields the service owns (SERVICE_OWNED: counts that keep moving, the thumbnail) take the
  service's latest value, when it gives one;
- every other field is filled only when the file has no value: what is there may be a
  contributor's edit, so it is never overwritten (id, title, tags and a non-empty abstract included);
- `listed` keeps the earliest Daily Papers day seen.
A value the service stops sending never removes one from the file.
"""

from __future__ import annotations

import dataclasses

from generator.model import Paper
from generator.scrape.records import ScrapedPaper

SERVICE_OWNED = ("upvotes", "comments", "github_stars", "thumbnail")
FILLED_IF_MISSING = (
    "abstract",
    "authors",
    "published",
    "github",
    "project_page",
    "keywords",
    "ai_summary",
    "organization",
)


def new_paper(scraped: ScrapedPaper, tags: tuple[str, ...]) -> Paper:
    """The Paper a first sighting becomes: every field the service gave, and rule-matched tags."""
    shared = {f.name: getattr(scraped, f.name) for f in dataclasses.fields(Paper) if hasattr(scraped, f.name)}
    return Paper(**{**shared, "tags": tags, "source_path": ""})


def merged(existing: Paper, scraped: ScrapedPaper) -> Paper:
    """`existing` with the service's news folded in by the rules above."""
    changes = {}
    for name in SERVICE_OWNED:
        value = getattr(scraped, name)
        if value is not None:
            changes[name] = value
    for name in FILLED_IF_MISSING:
        if _empty(getattr(existing, name)) and not _empty(getattr(scraped, name)):
            changes[name] = getattr(scraped, name)
    listed = earliest(existing.listed, scraped.listed)
    if listed is not None:
        changes["listed"] = listed
    return dataclasses.replace(existing, **changes)


def earliest(*days):
    known = [d for d in days if d is not None]
    return min(known) if known else None


def changed_fields(old: Paper, new: Paper) -> tuple[str, ...]:
    """The names of the fields whose values differ (source_path aside)."""
    names = (f.name for f in dataclasses.fields(Paper) if f.name != "source_path")
    return tuple(n for n in names if getattr(old, n) != getattr(new, n))


def _empty(value: object) -> bool:
    return value is None or value == "" or value == ()
