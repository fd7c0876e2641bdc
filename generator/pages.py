"""The list of HTML pages to write: a path, a template and the values it shows.

Pure: from an Archive and the config to a list of Page records. Rendering happens elsewhere.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator import urls
from generator.config import SiteConfig
from generator.taxonomy import Archive
from generator.views import Summary, paper_view, summary, tag_ref


@dataclass(frozen=True)
class Page:
    path: str  # site path, e.g. "papers/2310.00653/"
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pagination:
    page: int
    pages: int
    newer: str | None  # path of the previous (newer) page
    older: str | None


def plan_pages(archive: Archive, config: SiteConfig, tag_names: Mapping[str, str]) -> list[Page]:
    """Every HTML page of the site, in a stable order."""
    summaries = {pid: summary(p, tag_names) for pid, p in archive.papers.items()}
    listing = _Listing(summaries, config.per_page)
    pages = list(listing.pages(archive.order, urls.home, "index.html", {"title": None}))
    pages += paper_pages(archive, tag_names, summaries)
    pages += tag_pages(archive, tag_names, listing)
    pages += date_pages(archive, listing)
    pages.append(Page("404.html", "404.html", {"title": "Page not found"}))
    return pages


def paper_pages(archive: Archive, tag_names: Mapping[str, str], summaries: Mapping[str, Summary]) -> Iterator[Page]:
    for pid, paper in archive.papers.items():
        newer, older = archive.neighbours(pid)
        view = paper_view(paper, tag_names, summaries.get(newer), summaries.get(older))
        yield Page(urls.paper(pid), "paper.html", {"title": paper.title, "view": view})


def tag_pages(archive: Archive, tag_names: Mapping[str, str], listing: "_Listing") -> Iterator[Page]:
    refs = [(tag_ref(slug, tag_names), len(ids)) for slug, ids in archive.tags.items()]
    refs.sort(key=lambda item: item[0].name.lower())
    yield Page(urls.tags_index(), "tags.html", {"title": "Tags", "tags": refs})
    for ref, _ in refs:
        extra = {"title": f"Tag: {ref.name}", "tag": ref, "feed_path": urls.tag_feed(ref.slug)}
        yield from listing.pages(archive.tags[ref.slug], lambda n, s=ref.slug: urls.tag(s, n), "tag.html", extra)


def date_pages(archive: Archive, listing: "_Listing") -> Iterator[Page]:
    months_of, days_of = _period_links(archive)
    years = [(y, len(ids), months_of[y]) for y, ids in archive.years.items()]
    yield Page(urls.archive(), "archive.html", {"title": "Archive", "years": years})
    for y, ids in archive.years.items():
        extra = {"title": str(y), "periods": months_of[y], "crumbs": ()}
        yield from listing.pages(ids, lambda n, y=y: urls.year(y, n), "period.html", extra)
    for (y, m), ids in archive.months.items():
        extra = {"title": f"{calendar.month_name[m]} {y}", "periods": days_of[(y, m)],
                 "crumbs": ((str(y), urls.year(y)),)}
        yield from listing.pages(ids, lambda n, y=y, m=m: urls.month(y, m, n), "period.html", extra)
    for d, ids in archive.days.items():
        crumbs = ((str(d.year), urls.year(d.year)), (calendar.month_name[d.month], urls.month(d.year, d.month)))
        extra = {"title": f"{d.day} {calendar.month_name[d.month]} {d.year}", "periods": (), "crumbs": crumbs}
        yield from listing.pages(ids, lambda n, d=d: urls.day(d, n), "period.html", extra)


def _period_links(archive: Archive) -> tuple[dict, dict]:
    """(label, path, count) links: the months of each year and the days of each month, newest first."""
    months_of: dict[int, list] = defaultdict(list)
    days_of: dict[tuple[int, int], list] = defaultdict(list)
    for (y, m), ids in archive.months.items():
        months_of[y].append((calendar.month_name[m], urls.month(y, m), len(ids)))
    for d, ids in archive.days.items():
        days_of[(d.year, d.month)].append((f"{d.day} {calendar.month_name[d.month]}", urls.day(d), len(ids)))
    return months_of, days_of


class _Listing:
    """Paginated lists of paper summaries."""

    def __init__(self, summaries: Mapping[str, Summary], per_page: int) -> None:
        self.summaries, self.per_page = summaries, per_page

    def pages(self, ids: Sequence[str], path_of: Callable[[int], str], template: str, extra: Mapping) -> Iterator[Page]:
        chunks = [ids[i : i + self.per_page] for i in range(0, len(ids), self.per_page)] or [()]
        for number, chunk in enumerate(chunks, start=1):
            nav = Pagination(
                page=number,
                pages=len(chunks),
                newer=path_of(number - 1) if number > 1 else None,
                older=path_of(number + 1) if number < len(chunks) else None,
            )
            context = {**extra, "papers": [self.summaries[i] for i in chunk], "pagination": nav}
            yield Page(path_of(number), template, context)
