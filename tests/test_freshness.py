"""The site says how current the archive is ("through <newest listed day>") on the home page, the
archive page and the site's feed, from the content alone: the same content gives the same bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.build import build
from generator.config import SiteConfig
from generator.freshness import day_text, newest_listed
from generator.model import Paper
from tests.conftest import paper_file, write_content

LINE = 'Papers listed through <time datetime="2024-03-13">13 March 2024</time>.'


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def make(content: Path, site_root: Path, out: Path, cache: Path | None = None) -> dict[str, bytes]:
    build(content, out, SiteConfig(root=site_root), jobs=1, search=False, cache_dir=cache)
    return files(out)


def archive(content: Path) -> None:
    write_content(content, "2024/03/2403.00001.md", paper_file("2403.00001", "One", "listed: 2024-03-12\n"))
    write_content(content, "2024/03/2403.00002.md", paper_file("2403.00002", "Two", "listed: 2024-03-13\n"))
    write_content(content, "2024/04/2404.00003.md", paper_file("2404.00003", "Later", "published: 2024-04-02\n"))


def test_the_newest_listed_day_and_its_words():
    papers = [Paper("a", "A", listed=dt.date(2024, 3, 12)), Paper("b", "B", published=dt.date(2024, 5, 1))]
    assert newest_listed(papers) == dt.date(2024, 3, 12)  # published is not listed
    assert newest_listed([]) is None
    assert day_text(dt.date(2025, 10, 9)) == "9 October 2025"


def test_home_archive_and_feed_say_through_the_newest_listed_day(content, site_root, tmp_path):
    archive(content)
    site = make(content, site_root, tmp_path / "out")
    assert LINE in site["index.html"].decode()
    assert LINE in site["archive/index.html"].decode()
    assert "Papers listed through 13 March 2024.</description>" in site["feed.xml"].decode()
    assert "Papers listed through" not in site["papers/2403.00001/index.html"].decode()  # unchanged by a new day
    assert make(content, site_root, tmp_path / "again") == site  # same content, same bytes


def test_a_new_day_changes_the_line_and_leaves_paper_pages_alone(content, site_root, tmp_path):
    archive(content)
    out, cache = tmp_path / "out", tmp_path / "cache"
    before = make(content, site_root, out, cache)
    write_content(content, "2024/03/2403.00004.md", paper_file("2403.00004", "Four", "listed: 2024-03-20\n"))
    after = make(content, site_root, out, cache)
    assert '<time datetime="2024-03-20">20 March 2024</time>' in after["index.html"].decode()
    assert "Papers listed through 20 March 2024." in after["feed.xml"].decode()
    assert after["papers/2403.00001/index.html"] == before["papers/2403.00001/index.html"]
    assert make(content, site_root, tmp_path / "cold") == after  # incremental = cold


def test_an_archive_without_listed_days_says_nothing(content, site_root, tmp_path):
    write_content(content, "2024/04/2404.00003.md", paper_file("2404.00003", "Later", "published: 2024-04-02\n"))
    site = make(content, site_root, tmp_path / "out")
    assert "Papers listed through" not in site["index.html"].decode() + site["feed.xml"].decode()
