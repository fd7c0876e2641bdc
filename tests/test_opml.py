"""The OPML file listing every RSS feed: the site's, tags, organisations, digests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from bs4 import BeautifulSoup

from generator.build import build
from generator.config import SiteConfig
from tests.conftest import paper_file, write_content
from tests.recorded import recorded_site


def build_small(content: Path, site_root: Path, output: Path) -> None:
    write_content(content, "a.md", paper_file("2401.00001", "A", "tags: [vision, 'R&D <x>']\nlisted: 2024-01-01\n"))
    write_content(content, "b.md", paper_file("2401.00002", "B", "tags: [vision]\nlisted: 2024-01-02\n"))
    build(
        content,
        output,
        SiteConfig(title="Sheet & Co", base_url="https://example.org/sub/", root=site_root),
        search=False,
    )


def test_opml_lists_every_feed_that_exists(content: Path, site_root: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    build_small(content, site_root, output)
    opml = ET.parse(output / "feeds.opml").getroot()
    assert opml.get("version") == "2.0"
    assert opml.find("head/title").text == "Sheet & Co: every feed"
    outlines = opml.findall("body/outline")
    assert [o.get("type") for o in outlines] == ["rss"] * 5
    prefix = "https://example.org/sub/"
    for outline in outlines:
        assert outline.get("xmlUrl").startswith(prefix) and outline.get("htmlUrl").startswith(prefix)
        feed = output / outline.get("xmlUrl")[len(prefix) :]
        assert feed.is_file(), feed  # every listed feed was written
    assert {o.get("text") for o in outlines} == {
        "Sheet & Co",
        "Sheet & Co: vision",
        "Sheet & Co: r-d-x",
        "Sheet & Co: weekly digest",
        "Sheet & Co: monthly digest",
    }


def test_opml_lists_organisations_and_digests_of_the_recorded_site() -> None:
    site = recorded_site()
    outlines = ET.parse(site / "feeds.opml").getroot().findall("body/outline")
    feeds = {o.get("xmlUrl").removeprefix("https://example.org/sub/") for o in outlines}
    written = {str(p.relative_to(site)) for p in site.rglob("*.xml")} - {"sitemap.xml"}
    assert feeds == written  # every RSS file, nothing else
    orgs = {p.name for p in (site / "orgs").iterdir() if p.is_dir()}
    assert len(orgs) > 5 and {f"orgs/{slug}/feed.xml" for slug in orgs} <= feeds
    assert {"digest/weekly.xml", "digest/monthly.xml", "feed.xml"} <= feeds


def test_the_tags_page_links_to_the_opml(content: Path, site_root: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    build_small(content, site_root, output)
    soup = BeautifulSoup((output / "tags/index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.find("a", href="/sub/feeds.opml")


def test_opml_bytes_are_deterministic(content: Path, site_root: Path, tmp_path: Path) -> None:
    build_small(content, site_root, tmp_path / "one")
    build_small(content, site_root, tmp_path / "two")
    assert (tmp_path / "one/feeds.opml").read_bytes() == (tmp_path / "two/feeds.opml").read_bytes()
