"""The weekly and monthly digests of a built site: finished periods only, stable guids, top papers."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import feedparser
from bs4 import BeautifulSoup

from generator.build import build
from generator.digest import monthly_issues, weekly_issues
from generator.model import Paper
from generator.taxonomy import build_archive
from tests.conftest import paper_file, write_content
from tests.recorded import CONFIG, recorded_content, recorded_site


def day_papers(day: dt.date, votes: list[int | None]) -> list[Paper]:
    return [Paper(id=f"{day.isoformat()}-{i}", title=f"P{i}", listed=day, upvotes=v) for i, v in enumerate(votes)]


def test_only_weeks_before_the_newest_listed_day_are_issues():
    papers = day_papers(dt.date(2025, 12, 29), [1, 5, None]) + day_papers(dt.date(2026, 1, 5), [7])
    issues = weekly_issues(build_archive(papers))
    assert [i.path for i in issues] == ["weeks/2026-W01/"]  # 2026-W02 is still going on
    assert issues[0].day == dt.date(2026, 1, 4)
    assert issues[0].papers == ("2025-12-29-1", "2025-12-29-0", "2025-12-29-2")


def test_a_week_gives_its_top_ten_and_a_month_its_top_twenty():
    papers = day_papers(dt.date(2026, 1, 7), list(range(30))) + day_papers(dt.date(2026, 2, 2), [1])
    archive = build_archive(papers)
    (week,) = [i for i in weekly_issues(archive) if i.path == "weeks/2026-W02/"]
    assert [archive.papers[p].upvotes for p in week.papers] == list(range(29, 19, -1))
    (month,) = monthly_issues(archive)
    assert month.path == "top/2026/01/" and len(month.papers) == 20


def test_digest_feeds_of_the_built_site():
    site = recorded_site()
    weekly = feedparser.parse((site / "digest/weekly.xml").read_bytes())
    assert not weekly.bozo and 0 < len(weekly.entries) <= 52
    newest = weekly.entries[0]
    # 2026-08-21 (W34) is the newest listed day: its week is not over, the one of 2025-10-03 is.
    assert newest.id == newest.link == "https://example.org/sub/weeks/2025-W40/"
    body = BeautifulSoup(newest.summary, "html.parser")
    links = [a["href"] for a in body.select("li a")]
    assert 0 < len(links) <= 10 and all(link.startswith("https://example.org/sub/papers/") for link in links)
    assert all(Path(site, link.removeprefix("https://example.org/sub/"), "index.html").is_file() for link in links)
    assert "upvote" in body.li.get_text()
    monthly = feedparser.parse((site / "digest/monthly.xml").read_bytes())
    assert not monthly.bozo and 0 < len(monthly.entries) <= 24
    assert monthly.entries[0].id == "https://example.org/sub/top/2025/10/"
    assert all((site / e.id.removeprefix("https://example.org/sub/") / "index.html").is_file() for e in monthly.entries)


def test_guids_stay_when_a_new_day_is_added(tmp_path: Path):
    content = recorded_content(tmp_path / "content")
    build(content, tmp_path / "a", CONFIG, search=False)
    before = feedparser.parse((tmp_path / "a/digest/weekly.xml").read_bytes())
    write_content(
        content, "2026/2609.00001.md", paper_file("2609.00001", "Next week", "listed: 2026-08-25\nupvotes: 1\n")
    )
    build(content, tmp_path / "b", CONFIG, search=False)
    after = feedparser.parse((tmp_path / "b/digest/weekly.xml").read_bytes())
    # The week of 2026-08-21 is now over: it is the new first item; the others are unchanged (the
    # oldest one drops out when the feed already had 52).
    assert after.entries[0].id == "https://example.org/sub/weeks/2026-W34/"
    kept = len(after.entries) - 1
    assert [(e.id, e.summary) for e in after.entries[1:]] == [(e.id, e.summary) for e in before.entries[:kept]]
    assert len(before.entries) == 52 and len(after.entries) == 52
    shutil.rmtree(tmp_path / "b")
