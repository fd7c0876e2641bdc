"""Indexes over the loaded papers, keyed by id (never by object): tags and dates.

Every index is built in one pass over the papers on the timeline (newest day first, then by id),
so each list of ids below is in timeline order too: a re-vote moves no paper in any of them. Pages
that show the ranking (a day's cards, the front page's, weeks, top lists) rank their papers themselves
(`ranked_by_day`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from generator.model import Paper, newest_first_key, timeline
from generator.slugs import slugify


@dataclass(frozen=True)
class Archive:
    """The papers and their indexes: everything a page needs to know."""

    papers: Mapping[str, Paper]  # id -> paper
    order: tuple[str, ...]  # all ids, newest first (listing order: upvotes within a day)
    timeline: tuple[str, ...]  # all ids, newest first by date then id: "newer" and "older" follow it
    # The indexes below list their ids in timeline order.
    tags: Mapping[str, tuple[str, ...]]  # tag slug -> ids
    days: Mapping[dt.date, tuple[str, ...]]  # archive day -> ids
    months: Mapping[tuple[int, int], tuple[str, ...]]  # (year, month) -> ids
    years: Mapping[int, tuple[str, ...]]  # year -> ids
    orgs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # organization slug -> ids

    def neighbours(self, paper_id: str) -> tuple[str | None, str | None]:
        """(newer, older) ids next to `paper_id` on the timeline."""
        index = self.position[paper_id]
        newer = self.timeline[index - 1] if index > 0 else None
        older = self.timeline[index + 1] if index + 1 < len(self.timeline) else None
        return newer, older

    def org_name(self, slug: str) -> str:
        """An organisation as its newest paper names it."""
        return self.papers[self.orgs[slug][0]].organization or slug

    @cached_property  # writes the instance's __dict__ directly, so a frozen dataclass can cache it
    def rank(self) -> dict[str, int]:
        """Paper id -> its index in listing order (`order`): sorting by it ranks a day by upvotes."""
        return {pid: i for i, pid in enumerate(self.order)}

    @cached_property
    def position(self) -> dict[str, int]:
        """Paper id -> its index on the timeline."""
        return {pid: i for i, pid in enumerate(self.timeline)}


def build_archive(papers: Iterable[Paper]) -> Archive:
    ordered = sorted(papers, key=newest_first_key)
    line = timeline(ordered)
    tags: dict[str, list[str]] = defaultdict(list)
    days: dict[dt.date, list[str]] = defaultdict(list)
    orgs: dict[str, list[str]] = defaultdict(list)
    for paper in line:
        if paper.organization and org_slug(paper.organization):
            orgs[org_slug(paper.organization)].append(paper.id)
        for slug in paper.tags:
            tags[slug].append(paper.id)
        if paper.archive_date:
            days[paper.archive_date].append(paper.id)
    months = _group(days, lambda d: (d.year, d.month))
    years = _group(days, lambda d: d.year)
    return Archive(
        papers={p.id: p for p in ordered},
        order=tuple(p.id for p in ordered),
        timeline=tuple(p.id for p in line),
        tags={slug: tuple(ids) for slug, ids in sorted(tags.items())},
        days={d: tuple(ids) for d, ids in sorted(days.items(), reverse=True)},
        months=months,
        years=years,
        orgs={slug: tuple(ids) for slug, ids in sorted(orgs.items())},
    )


def ranked_by_day(archive: Archive, ids: Iterable[str]) -> tuple[str, ...]:
    """`ids` in listing order: newest day first, most upvoted first within a day (then by id)."""
    return tuple(sorted(ids, key=archive.rank.__getitem__))


def org_slug(name: str) -> str:
    """'KAIST AI' -> 'kaist-ai': the organisation's page and its search filter value."""
    return slugify(name)


def _group(days: Mapping[dt.date, list[str]], key: Callable[[dt.date], Any]) -> dict:
    """Merge day lists into coarser periods, newest period first, ids still in timeline order."""
    grouped: dict = defaultdict(list)
    for day in sorted(days, reverse=True):
        grouped[key(day)].extend(days[day])
    return {k: tuple(v) for k, v in grouped.items()}
