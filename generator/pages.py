"""The list of HTML pages to write: a path, a template, the values it shows, and the papers it shows.

Pure and cheap: from an Archive and the config to a list of Page records. A page names its
papers by id; what it shows of them (summaries, a paper's full view) is made where the page is
rendered (`views.Views`), on whichever core renders it, and only if the page has changed.
"""

from __future__ import annotations

import calendar
import dataclasses
import functools
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator import urls
from generator.bibtex import base_key, citation_keys
from generator.charts import Bar, bar_chart
from generator.citation import Citation
from generator.config import BIB_LISTS, SiteConfig
from generator.freshness import freshness, newest_listed
from generator.model import Paper
from generator.taxonomy import Archive, ranked_by_day
from generator.views import TagRef, tag_ref
from generator.weeks import Week, ranked, weeks

LARGEST_TAGS = 15  # bars in the /stats/ tag chart
SAVED = "saved/"  # the reading list (static/saved.js)


@dataclass(frozen=True)
class Page:
    path: str  # site path, e.g. "papers/2310.00653/"
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    papers: tuple[str, ...] = ()  # ids of the papers the page lists, in order (its `papers` value)
    paper: str | None = None  # the id of the paper a paper page shows (its `view` value)


@dataclass(frozen=True)
class ListBib:
    """The one .bib file of a whole list (all its pages), as its pages link to it."""

    path: str
    count: int | None  # None on a numbered page, which must not change as the list grows
    kind: str  # which kind of list (config.BIB_LISTS): site.yaml's `exports.bib` may leave it out
    # The list's papers, for `exports`: out of the pages' values (repr), where `count` stands for them.
    ids: tuple[str, ...] = field(default=(), repr=False, compare=False)


def list_bib(first_page: str, ids: Sequence[str], kind: str) -> ListBib:
    return ListBib(first_page + "papers.bib", len(ids), kind, tuple(ids))


@dataclass(frozen=True)
class Pagination:
    page: int  # 0: the list's front page (its newest papers); N: page/N/, counted from the oldest
    newer: str | None  # path of the newer page
    older: str | None


def plan_pages(
    archive: Archive, config: SiteConfig, tag_names: Mapping[str, str], base_of: Callable[[Paper], str] = base_key
) -> list[Page]:
    """Every HTML page of the site, in a stable order. `base_of`: see `bibtex.citation_keys`."""
    listing = Listing(config.per_page)
    through = freshness(newest_listed(archive.papers.values()))
    home = {"title": None, "through": through}
    pages = list(listing.pages(archive.timeline, urls.home, "index.html", home, cards=FRONT))
    pages[0] = dataclasses.replace(pages[0], papers=ranked_by_day(archive, pages[0].papers))  # its cards: ranked
    pages += paper_pages(archive, config, base_of)
    pages += tag_pages(archive, tag_names, listing)
    pages += date_pages(archive, listing, through)
    pages += top_pages(archive, config.per_page)
    pages += week_pages(archive)
    pages += org_pages(archive, listing)
    pages.append(stats_page(archive, tag_names))
    pages.append(search_page(archive, tag_names))
    pages.append(Page(SAVED, "saved.html", {"title": "Saved papers"}))
    pages.append(Page("404.html", "404.html", {"title": "Page not found"}))
    return without_bibs(pages, config.exports.bib)


def without_bibs(pages: list[Page], kinds: Sequence[str]) -> list[Page]:
    """The pages, those of the lists whose `.bib` site.yaml switched off (`exports.bib`) with no `.bib` to
    link to (and so none to write: `exports.plan_exports`)."""
    if set(kinds) == set(BIB_LISTS):
        return pages
    return [
        dataclasses.replace(page, context={k: v for k, v in page.context.items() if k != "bib"})
        if "bib" in page.context and page.context["bib"].kind not in kinds
        else page
        for page in pages
    ]


def paper_pages(archive: Archive, config: SiteConfig, base_of: Callable[[Paper], str] = base_key) -> Iterator[Page]:
    # A paper's citation key depends on the papers that share its base key: it sits in the page's
    # values, so a change of key (see `bibtex.citation_keys`) changes the page's key too.
    keys = citation_keys(archive.papers, base_of)
    for pid, paper in archive.papers.items():
        citation = Citation(keys[pid], config.base_url, config.title, config.exports.citation_abstract)
        yield Page(urls.paper(pid), "paper.html", {"title": paper.title, "citation": citation}, paper=pid)
        yield from redirect_pages(pid, paper.title, paper.aliases, config)


REDIRECT = "redirect.html"


def redirect_pages(pid: str, title: str, aliases: Sequence[str], config: SiteConfig) -> Iterator[Page]:
    """The old addresses of a paper that was renamed (`aliases:`): each sends the reader on to the
    paper's page, and tells search engines where it is (canonical link) and not to index it."""
    canonical = urls.Urls(config.base_url).absolute(urls.paper(pid))
    for alias in aliases:
        if alias != pid:
            yield Page(urls.paper(alias), REDIRECT, {"title": title, "target": urls.paper(pid), "canonical": canonical})


def tag_pages(archive: Archive, tag_names: Mapping[str, str], listing: Listing) -> Iterator[Page]:
    refs = [(tag_ref(slug, tag_names), len(ids)) for slug, ids in archive.tags.items()]
    refs.sort(key=lambda item: item[0].name.lower())
    yield Page(urls.tags_index(), "tags.html", {"title": "Tags", "tags": refs})
    for ref, _ in refs:
        path_of = functools.partial(urls.tag, ref.slug)
        yield from group_pages(listing, archive.tags[ref.slug], ("tag", "Tag", ref), urls.tag_feed(ref.slug), path_of)


def date_pages(archive: Archive, listing: Listing, through: tuple[str, str] | None = None) -> Iterator[Page]:
    months_of, days_of = _period_links(archive)
    years = [(y, len(ids), months_of[y]) for y, ids in archive.years.items()]
    yield Page(urls.archive(), "archive.html", {"title": "Archive", "years": years, "through": through})
    for y, ids in archive.years.items():
        extra = {"title": str(y), "periods": months_of[y], "crumbs": (), "bib": list_bib(urls.year(y), ids, "year")}
        yield from listing.pages(ids, functools.partial(urls.year, y), "period.html", extra)
    for (y, m), ids in archive.months.items():
        extra = {
            "title": f"{calendar.month_name[m]} {y}",
            "periods": days_of[(y, m)],
            "crumbs": ((str(y), urls.year(y)),),
            "bib": list_bib(urls.month(y, m), ids, "month"),
        }
        yield from listing.pages(ids, functools.partial(urls.month, y, m), "period.html", extra)
    for d, ids in archive.days.items():
        crumbs = ((str(d.year), urls.year(d.year)), (calendar.month_name[d.month], urls.month(d.year, d.month)))
        week = Week.of(d)
        extra = {
            "title": f"{d.day} {calendar.month_name[d.month]} {d.year}",
            "periods": (),
            "crumbs": crumbs,
            "bib": list_bib(urls.day(d), ids, "day"),
            "week": (f"Week {week.label}", week.path),
        }
        ranked_ids = ranked_by_day(archive, ids)  # cards, ranked; its .bib in timeline order, as every .bib
        yield from listing.pages(ranked_ids, functools.partial(urls.day, d), "period.html", extra, cards=ALL)


def top_pages(archive: Archive, size: int) -> Iterator[Page]:
    """The most upvoted papers of all time (/top/) and of each month (/top/YYYY/MM/).

    Papers without an upvote count are left out: they were never ranked, not ranked last.
    """
    months = []
    for (y, m), ids in archive.months.items():
        ranked = most_upvoted(archive, ids, size)
        if ranked:
            label = f"{calendar.month_name[m]} {y}"
            months.append((label, urls.top_month(y, m), tuple(ranked)))
    best = tuple(most_upvoted(archive, archive.order, size))
    links = [(label, path) for label, path, _ in months]
    yield Page(
        urls.top(),
        "top.html",
        {
            "title": "Top papers",
            "heading": "Top papers of all time",
            "months": links,
            "crumbs": (),
            "bib": list_bib(urls.top(), best, "top"),
        },
        papers=best,
    )
    for label, path, month_best in months:
        yield Page(
            path,
            "top.html",
            {
                "title": f"Top papers of {label}",
                "heading": f"Top papers of {label}",
                "months": (),
                "crumbs": (("Top papers", urls.top()),),
                "bib": list_bib(path, month_best, "top"),
            },
            papers=month_best,
        )


def week_pages(archive: Archive) -> Iterator[Page]:
    """/weeks/ (newest first) and one page per ISO week: all its papers, most upvoted first."""
    by_week = weeks(archive)
    order = list(by_week)
    rows = [(week.label, week.span, week.path, len(by_week[week])) for week in order]
    yield Page(urls.weeks_index(), "weeks.html", {"title": "Weeks", "weeks": rows})
    for n, week in enumerate(order):
        ids = tuple(ranked(archive, by_week[week]))  # its .bib: in timeline order, so a re-vote leaves it
        newer, older = (order[n - 1] if n > 0 else None), (order[n + 1] if n + 1 < len(order) else None)
        nav = {"newer": newer and (newer.label, newer.path), "older": older and (older.label, older.path)}
        yield Page(
            week.path,
            "week.html",
            {
                "title": f"Week {week.label}",
                "span": week.span,
                **nav,
                "bib": list_bib(week.path, by_week[week], "week"),
                "pagination": Pagination(0, None, None),
                "compact": True,
            },
            papers=ids,
        )


def org_pages(archive: Archive, listing: Listing) -> Iterator[Page]:
    """/orgs/ (by name, with counts) and each organisation's papers, paginated like a tag's."""
    refs = [(org_ref(archive, slug), len(ids)) for slug, ids in archive.orgs.items()]
    refs.sort(key=lambda item: (item[0].name.lower(), item[0].slug))
    yield Page(urls.orgs_index(), "orgs.html", {"title": "Organizations", "orgs": refs})
    for ref, _ in refs:
        path_of = functools.partial(urls.org, ref.slug)
        yield from group_pages(
            listing, archive.orgs[ref.slug], ("org", "Organization", ref), urls.org_feed(ref.slug), path_of
        )


def group_pages(
    listing: Listing, ids: Sequence[str], group: tuple[str, str, Any], feed_path: str, path_of: Callable[[int], str]
) -> Iterator[Page]:
    """The listing pages of one tag or organization (`group`: its kind, its label, its ref), with its feeds
    and its `.bib`; the template is named for the kind."""
    kind, label, ref = group
    extra = {
        "title": f"{label}: {ref.name}",
        kind: ref,
        "feed_path": feed_path,
        "json_feed_path": urls.json_feed(feed_path),
        "bib": list_bib(path_of(0), ids, label.lower()),
    }
    yield from listing.pages(ids, path_of, f"{kind}.html", extra)


def org_ref(archive: Archive, slug: str) -> TagRef:
    """An organisation as links show it: named as its newest paper names it."""
    return TagRef(slug=slug, name=archive.org_name(slug), path=urls.org(slug))


def search_page(archive: Archive, tag_names: Mapping[str, str]) -> Page:
    """The search page, offering every filter value of the archive (slugs as values, as in page URLs)."""
    tags = sorted(((slug, tag_names.get(slug, slug)) for slug in archive.tags), key=lambda t: (t[1].lower(), t[0]))
    orgs = sorted(((slug, archive.org_name(slug)) for slug in archive.orgs), key=lambda o: (o[1].lower(), o[0]))
    facets = (
        ("tag", "Tag", tuple(tags)),
        ("organization", "Organization", tuple(orgs)),
        ("year", "Year", tuple((str(y), str(y)) for y in archive.years)),
        ("code", "Code", (("yes", "Has code"),)),
    )
    return Page(urls.search(), "search.html", {"title": "Search", "facets": facets})


def most_upvoted(archive: Archive, ids: Sequence[str], size: int) -> list[str]:
    """The `size` most upvoted of `ids` (equal upvotes: newest first, then by id), whatever their order."""
    return [i for i in ranked(archive, ids) if archive.papers[i].upvotes is not None][:size]


def stats_page(archive: Archive, tag_names: Mapping[str, str]) -> Page:
    per_month = [
        Bar(
            f"{calendar.month_abbr[m]} {y}",
            len(archive.months.get((y, m), ())),
            urls.month(y, m) if (y, m) in archive.months else None,
        )
        for y, m in _every_month(archive)
    ]
    largest = sorted(archive.tags.items(), key=lambda item: (-len(item[1]), item[0]))[:LARGEST_TAGS]
    tags = [Bar(tag_names.get(slug, slug), len(ids), urls.tag(slug)) for slug, ids in largest]
    charts = (
        bar_chart("per-month", "Papers per month, newest first", "Month", per_month),
        bar_chart("largest-tags", f"The {len(tags)} largest tags by papers" if len(tags) > 1 else "Tags", "Tag", tags),
    )
    totals = (("Papers", len(archive.papers)), ("Tags", len(archive.tags)), ("Days with papers", len(archive.days)))
    return Page(urls.stats(), "stats.html", {"title": "Statistics", "charts": charts, "totals": totals})


def _every_month(archive: Archive) -> list[tuple[int, int]]:
    """Every month from the newest to the oldest with papers, empty months included: a gap is data."""
    if not archive.months:
        return []
    (y, m), oldest = next(iter(archive.months)), min(archive.months)
    months = []
    while (y, m) >= oldest:
        months.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return months


def _period_links(archive: Archive) -> tuple[dict, dict]:
    """(label, path, count) links: the months of each year and the days of each month, newest first."""
    months_of: dict[int, list] = defaultdict(list)
    days_of: dict[tuple[int, int], list] = defaultdict(list)
    for (y, m), ids in archive.months.items():
        months_of[y].append((calendar.month_name[m], urls.month(y, m), len(ids)))
    for d, ids in archive.days.items():
        days_of[(d.year, d.month)].append((f"{d.day} {calendar.month_name[d.month]}", urls.day(d), len(ids)))
    return months_of, days_of


ALL, FRONT, NONE = "all", "front", "none"  # which pages of a list show full cards; the others, one line a paper


class Listing:
    """Paginated lists of papers, numbered from the oldest end so that a full page never changes.

    A list of more than `per_page` papers has numbered pages page/1/ (its oldest `per_page` papers)
    to page/K/ (its newest, 1 to `per_page` of them), and a front page with everything page/K-2/ does
    not reach: the two newest numbered pages, so between `per_page` + 1 and twice `per_page` papers.
    New papers change the front page and page/K/ only (and add page/K+1/ when page/K/ is full);
    page/K-1/ and page/K/ keep their URLs for links made when they were older pages.
    """

    def __init__(self, per_page: int) -> None:
        self.per_page = per_page

    def pages(
        self, ids: Sequence[str], path_of: Callable[[int], str], template: str, extra: Mapping, cards: str = NONE
    ) -> Iterator[Page]:
        size, total = self.per_page, len(ids)
        count = -(-total // size)  # numbered pages
        if count <= 1:
            yield self._page(path_of(0), template, extra, Pagination(0, None, None), ids, cards != NONE)
            return
        front = Pagination(0, None, path_of(count - 2) if count > 2 else None)  # page/K-2/: the newest not shown
        yield self._page(path_of(0), template, extra, front, ids[: total - (count - 2) * size], cards != NONE)
        for k in range(count, 0, -1):  # newest first, so that the numbered pages add up to the list
            nav = Pagination(k, path_of(k + 1) if k < count else path_of(0), path_of(k - 1) if k > 1 else None)
            chunk = ids[max(0, total - k * size) : total - (k - 1) * size]
            yield self._page(path_of(k), template, numbered(extra), nav, chunk, cards == ALL)

    @staticmethod
    def _page(path: str, template: str, extra: Mapping, nav: Pagination, ids: Sequence[str], cards: bool) -> Page:
        return Page(path, template, {**extra, "pagination": nav, "compact": not cards}, papers=tuple(ids))


def numbered(extra: Mapping) -> dict:
    """What a numbered page shows besides its papers: nothing that grows with the list (its count, the
    counts of its periods, the archive's newest day), so that a full page never changes."""
    values = {key: value for key, value in extra.items() if key != "through"}
    if values.get("periods"):
        values["periods"] = ()
    if values.get("bib") is not None:
        values["bib"] = dataclasses.replace(values["bib"], count=None)
    return values
