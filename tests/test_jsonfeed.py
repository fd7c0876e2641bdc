"""JSON Feed 1.1 beside every RSS file of a built site: the fields, the same items, the links to it."""

from __future__ import annotations

import json

import feedparser
from bs4 import BeautifulSoup

from generator.jsonfeed import VERSION
from tests.recorded import recorded_site

BASE = "https://example.org/sub/"


def test_every_rss_file_has_a_json_twin_with_the_same_items():
    site = recorded_site()
    rss_files = sorted(p for p in site.rglob("*.xml") if p.name != "sitemap.xml")
    assert len(rss_files) > 10
    for rss in rss_files:
        doc = json.loads(rss.with_suffix(".json").read_text(encoding="utf-8"))
        parsed = feedparser.parse(rss.read_bytes())
        assert doc["version"] == VERSION
        assert doc["feed_url"] == BASE + str(rss.with_suffix(".json").relative_to(site))
        assert doc["title"] == parsed.feed.title and doc["home_page_url"] == parsed.feed.link
        assert [i["id"] for i in doc["items"]] == [e.id for e in parsed.entries]
        for item in doc["items"]:
            assert isinstance(item["id"], str) and item["url"] == item["id"] and item["title"]
            assert isinstance(item["content_html"], str)
            assert item.get("date_published", "T00:00:00Z").endswith("T00:00:00Z")  # absent when undated
        dates = [item["date_published"] for item in doc["items"] if "date_published" in item]
        assert dates == sorted(dates, reverse=True) and (dates or not doc["items"])


def test_paper_items_carry_authors_in_the_1_1_form_and_tag_names():
    doc = json.loads((recorded_site() / "feed.json").read_text(encoding="utf-8"))
    item = doc["items"][0]
    assert item["id"] == item["url"] and item["url"].startswith(BASE + "papers/")
    assert item["authors"] and all(set(a) == {"name"} and a["name"] for a in item["authors"])
    assert "author" not in item and isinstance(item.get("tags", []), list)
    assert doc["language"] and doc["home_page_url"] == BASE


def test_pages_link_their_json_feed():
    site = recorded_site()
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.find("link", rel="alternate", type="application/feed+json")["href"] == "/sub/feed.json"
    org = next(p for p in sorted((site / "orgs").iterdir()) if p.is_dir())
    page = BeautifulSoup((org / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = [link["href"] for link in page.find_all("link", rel="alternate", type="application/feed+json")]
    assert f"/sub/orgs/{org.name}/feed.json" in links and (org / "feed.json").is_file()


def test_top_and_weeks_pages_link_the_digests():
    site = recorded_site()
    for page, period in (("top/index.html", "monthly"), ("weeks/index.html", "weekly")):
        soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
        links = {
            link["type"]: link["href"] for link in soup.find_all("link", rel="alternate") if "digest" in link["href"]
        }
        assert links == {
            "application/rss+xml": f"/sub/digest/{period}.xml",
            "application/feed+json": f"/sub/digest/{period}.json",
        }
