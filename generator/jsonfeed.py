"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written beside every RSS file.

The same items as the RSS file: `id` is the paper's (or period's) page URL, a string; dates are
the archive date at midnight UTC, so an unchanged archive gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

from generator import urls
from generator.config import SiteConfig
from generator.model import Paper

VERSION = "https://jsonfeed.org/version/1.1"
MIME = "application/feed+json"


def feed_document(
    config: SiteConfig,
    site_urls: urls.Urls,
    feed_path: str,
    title: str,
    page_path: str,
    items: Sequence[dict],
    description: str | None = None,
) -> bytes:
    doc = {
        "version": VERSION,
        "title": title,
        "home_page_url": site_urls.absolute(page_path),
        "feed_url": site_urls.absolute(feed_path),
        "description": description or config.description,
        "language": config.language,
        "items": list(items),
    }
    # Without indentation: a feed is read by programs, and spaces were an eighth of its bytes.
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def paper_item(paper: Paper, site_urls: urls.Urls, tag_names: Mapping[str, str], content_html: str) -> dict:
    url = site_urls.absolute(urls.paper(paper.id))
    # A renamed paper keeps the id it was first published under (its old URL, which redirects).
    guid = site_urls.absolute(urls.paper(paper.aliases[0])) if paper.aliases else url
    item: dict = {"id": guid, "url": url, "title": paper.title, "content_html": content_html}
    if paper.archive_date:
        item["date_published"] = rfc3339(paper.archive_date)
    if paper.authors:
        item["authors"] = [{"name": name} for name in paper.authors]
    if paper.tags:
        item["tags"] = [tag_names.get(slug, slug) for slug in paper.tags]
    return item


def page_item(url: str, title: str, day: dt.date, content_html: str) -> dict:
    return {"id": url, "url": url, "title": title, "content_html": content_html, "date_published": rfc3339(day)}


def rfc3339(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"
