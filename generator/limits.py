"""A paper brought within the content limits before it is written to a file.

The loader refuses a file that holds a value past a limit (`fields.Fields`, `broadsheet check`), and one
such file stops every build. What comes from outside (the scraper's services, a copied listing page) is
therefore cut or left out here, by the same declarations in `model.Paper` the loader checks against, so a
limit declared there reaches every writer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, TypeVar

from generator.model import FIELDS, MAX_COUNT, MAX_NAME, Declared, Kind, Paper, in_calendar

P = TypeVar("P", bound=Paper)


def within_limits(paper: P, today: dt.date) -> tuple[P, tuple[str, ...]]:
    """`paper` with each value past its declared limit cut or left out, and the names of the fields that
    changed. A required field (the title) is left as it is: without it there is no paper, so the caller
    decides (the scraper refuses the paper, the listing importer leaves the card out)."""
    changes: dict[str, Any] = {}
    for name, declared in FIELDS.items():
        value = getattr(paper, name)
        kept = value if declared.required else within(declared, value, today)
        if kept != value:
            changes[name] = kept
    return (dataclasses.replace(paper, **changes) if changes else paper), tuple(changes)


def within(declared: Declared, value: Any, today: dt.date) -> Any:
    """A list without items over MAX_NAME characters, cut to its limit; a body cut at a space before its
    limit; a text or URL over its limit, a date outside the calendar's range or a count over MAX_COUNT
    left out (None)."""
    kind = declared.kind
    if kind.is_list:
        return tuple(v for v in value if len(v) <= MAX_NAME)[: declared.limit]
    if value is None:
        return None
    if kind is Kind.BODY:
        return value if len(value) <= declared.limit else value[: declared.limit].rsplit(" ", 1)[0]
    if kind in (Kind.TEXT, Kind.URL):
        return value if len(value) <= declared.limit else None
    if kind is Kind.DAY:
        return value if in_calendar(value, today) else None
    if kind is Kind.COUNT:
        return value if 0 <= value <= MAX_COUNT else None
    return value
