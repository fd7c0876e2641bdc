"""The merge rules: how a scraped record meets the archive. Pure functions, no I/O.

Each field's owner (model.Paper declares it) says what happens to a paper already in the archive:
- Owner.SERVICE (numbers that keep moving): the service's latest value, when it gives one;
- Owner.EARLIEST (the Daily Papers day): the earliest value seen;
- Owner.FILLED: filled only when the file has no value: what is there may be a contributor's edit,
  so it is never overwritten (a non-empty abstract included);
- Owner.CONTRIBUTOR (id, title, tags: what people edit): never changed.
A value the service stops sending never removes one from the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from generator.model import FIELDS, Owner, Paper, empty, owned_by
from generator.scrape.records import ScrapedPaper

SERVICE_OWNED = owned_by(Owner.SERVICE)
EARLIEST_SEEN = owned_by(Owner.EARLIEST)
FILLED_IF_MISSING = owned_by(Owner.FILLED)


def new_paper(scraped: ScrapedPaper, tags: tuple[str, ...]) -> Paper:
    """The Paper a first sighting becomes: every field the service gave, and rule-matched tags."""
    return Paper(**{**{name: getattr(scraped, name) for name in FIELDS}, "tags": tags})


def merged(existing: Paper, scraped: ScrapedPaper) -> Paper:
    """`existing` with the service's news folded in by the rules above."""
    changes: dict[str, Any] = {}
    for name in SERVICE_OWNED:
        value = getattr(scraped, name)
        if value is not None:
            changes[name] = value
    for name in EARLIEST_SEEN:
        first = earliest(getattr(existing, name), getattr(scraped, name))
        if first is not None:
            changes[name] = first
    for name in FILLED_IF_MISSING:
        if empty(getattr(existing, name)) and not empty(getattr(scraped, name)):
            changes[name] = getattr(scraped, name)
    return dataclasses.replace(existing, **changes)


def earliest(*days: dt.date | None) -> dt.date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def changed_fields(old: Paper, new: Paper) -> tuple[str, ...]:
    """The names of the fields whose values differ (source_path aside)."""
    names = (f.name for f in dataclasses.fields(Paper) if f.name != "source_path")
    return tuple(n for n in names if getattr(old, n) != getattr(new, n))
