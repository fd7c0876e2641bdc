"""ISO weeks: boundaries, ranking, finished periods; and the week pages of a built site."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.model import Paper
from generator.taxonomy import build_archive
from generator.weeks import Week, finished_months, finished_weeks, ranked, weeks
from tests.recorded import DAYS, recorded_site


def test_iso_weeks_cross_new_year():
    assert Week.of(dt.date(2025, 12, 29)) == Week(2026, 1)
    assert Week(2026, 1).first == dt.date(2025, 12, 29) and Week(2026, 1).last == dt.date(2026, 1, 4)
    assert Week.of(dt.date(2025, 12, 28)) == Week(2025, 52)
    assert Week.of(dt.date(2021, 1, 3)) == Week(2020, 53)
    assert Week(2026, 1).label == "2026-W01" and Week(2026, 1).path == "weeks/2026-W01/"
    assert Week(2026, 1).span == "29 December 2025 – 4 January 2026"


def test_a_week_ranks_by_upvotes_and_puts_papers_without_a_count_last():
    papers = [
        Paper(id="a", title="A", listed=dt.date(2026, 1, 1), upvotes=None),
        Paper(id="b", title="B", listed=dt.date(2025, 12, 29), upvotes=3),
        Paper(id="c", title="C", listed=dt.date(2026, 1, 4), upvotes=10),
        Paper(id="d", title="D", listed=dt.date(2026, 1, 5), upvotes=99),
        Paper(id="e", title="E", listed=dt.date(2026, 1, 2), upvotes=0),
    ]
    archive = build_archive(papers)
    by_week = weeks(archive)
    assert list(by_week) == [Week(2026, 2), Week(2026, 1)]
    assert ranked(archive, by_week[Week(2026, 1)]) == ["c", "b", "e", "a"]


def test_finished_periods_follow_the_newest_listed_day_not_the_clock():
    by_week = {Week(2026, 2): (), Week(2026, 1): (), Week(2025, 52): ()}
    assert finished_weeks(by_week, dt.date(2026, 1, 5)) == [Week(2026, 1), Week(2025, 52)]
    assert finished_weeks(by_week, dt.date(2026, 1, 4)) == [Week(2025, 52)]
    assert finished_weeks(by_week, None) == []
    months = {(2026, 2): (), (2026, 1): ()}
    assert finished_months(months, dt.date(2026, 2, 1)) == [(2026, 1)]
    assert finished_months(months, dt.date(2026, 1, 31)) == []


@pytest.fixture
def site() -> Path:
    return recorded_site()


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def test_week_page_lists_every_paper_of_the_week_most_upvoted_first(site: Path):
    page = soup(site, "weeks/2026-W34")  # 2026-08-21 is a Friday of ISO week 34
    titles = [a.get_text(strip=True) for a in page.select("ol.lines > li > a")]
    recorded = json.loads((DAYS / "2026-08-21.reserialized.json").read_text(encoding="utf-8"))
    assert len(titles) == len(recorded) > 1  # the recorded day's items; the seed has none that week
    # Lines show no upvote count (docs/following.md): the order is checked against the recorded counts.
    upvotes = {item["paper"]["id"]: item["paper"]["upvotes"] for item in recorded}
    ids = [a["href"].rstrip("/").rsplit("/", 1)[-1] for a in page.select("ol.lines > li > a")]
    votes = [upvotes[pid] for pid in ids]
    assert votes == sorted(votes, reverse=True) and sorted(ids) == sorted(upvotes) and len(set(votes)) > 1
    assert page.select_one("p.span").get_text().startswith("17 August 2026 – 23 August 2026")
    older = page.select_one('nav.pagination a[rel="prev"]')
    assert older["href"] == "/sub/weeks/2025-W40/" and not page.select_one('nav.pagination a[rel="next"]')


def test_weeks_index_is_newest_first_and_day_pages_link_their_week(site: Path):
    links = [a["href"] for a in soup(site, "weeks").select("ul.weeks a")]
    assert links[0] == "/sub/weeks/2026-W34/" and "/sub/weeks/2024-W11/" in links
    assert links == sorted(links, reverse=True)
    assert all((site / href.removeprefix("/sub/") / "index.html").is_file() for href in links)
    day = soup(site, "2024/03/12")
    assert day.select_one("p.week-link a")["href"] == "/sub/weeks/2024-W11/"
    assert len(soup(site, "weeks/2024-W11").select("ol.lines > li")) == len(
        soup(site, "2024/03/12").select("li.paper-card")
    ) + len(soup(site, "2024/03/13").select("li.paper-card"))


def test_week_and_organization_pages_offer_one_bib_per_list(site: Path):
    import pybtex.database

    week = soup(site, "weeks/2026-W34")
    assert not week.select("span.Z3988")  # one line a paper: the COinS are on the day pages (test_citation)
    bib_link = week.select_one("p.list-bib a")["href"]
    assert bib_link == "/sub/weeks/2026-W34/papers.bib"
    entries = pybtex.database.parse_string((site / "weeks/2026-W34/papers.bib").read_text(encoding="utf-8"), "bibtex")
    assert len(entries.entries) == len(week.select("ol.lines > li"))
    org = min(p.name for p in (site / "orgs").iterdir() if p.is_dir())
    page = soup(site, f"orgs/{org}")
    assert page.select("ol.lines > li") and page.select_one("p.list-bib a")["href"] == f"/sub/orgs/{org}/papers.bib"
    assert (site / "orgs" / org / "papers.bib").is_file()


def test_ranked_gives_the_same_order_whatever_the_order_it_is_given():
    archive = build_archive(
        [
            Paper(id=pid, title=pid, listed=dt.date(2024, 1, d), upvotes=votes)
            for pid, d, votes in (("a", 5, 3), ("b", 5, 3), ("c", 6, 3), ("d", 6, None), ("e", 4, 9))
        ]
    )
    ids = list(archive.papers)
    assert ranked(archive, ids) == ranked(archive, ids[::-1]) == ["e", "c", "a", "b", "d"]
