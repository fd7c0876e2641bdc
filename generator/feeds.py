"""RSS 2.0 feeds: the site's newest papers, and one feed per tag.

Built with ElementTree so that every title and abstract is escaped by the XML writer,
never by hand. `guid` is the paper URL (stable); `pubDate` is the archive date.
"""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import format_datetime

from generator import urls
from generator.config import SiteConfig
from generator.freshness import day_text, newest_listed
from generator.markup import render_abstract
from generator.model import Paper
from generator.taxonomy import Archive

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
ET.register_namespace("atom", ATOM)
ET.register_namespace("dc", DC)


@dataclass(frozen=True)
class Feed:
    """An RSS file to write: the papers it carries, by id, newest first, already cut to size."""

    path: str
    title: str
    page_path: str  # the HTML page the feed follows
    papers: tuple[str, ...]
    through: dt.date | None = None  # the site's feed says how current the archive is


def plan_feeds(archive: Archive, config: SiteConfig, names: Mapping[str, str]) -> list[Feed]:
    """The site's feed, then one per tag."""
    through = newest_listed(archive.papers.values())
    feeds = [Feed(urls.feed(), config.title, urls.home(), archive.order[: config.feed_size], through)]
    for slug, ids in archive.tags.items():
        title = f"{config.title}: {names.get(slug, slug)}"
        feeds.append(Feed(urls.tag_feed(slug), title, urls.tag(slug), ids[: config.feed_size]))
    return feeds


def rss_feed(
    papers: Sequence[Paper], config: SiteConfig, site_urls: urls.Urls, feed_path: str, title: str, page_path: str,
    tag_names: Mapping[str, str], abstracts: Mapping[str, str] | None = None, through: dt.date | None = None,
) -> bytes:
    """An RSS document of `papers` (already newest first and cut to size)."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", site_urls.absolute(page_path))
    _text(channel, "description", f"{config.description} Papers listed through {day_text(through)}." if through
          else config.description)
    _text(channel, "language", config.language)
    ET.SubElement(channel, f"{{{ATOM}}}link", {"href": site_urls.absolute(feed_path), "rel": "self",
                                               "type": "application/rss+xml"})
    newest = next((p.archive_date for p in papers if p.archive_date), None)
    if newest:  # derived from content, so that an unchanged archive gives identical bytes
        _text(channel, "lastBuildDate", rfc822(newest))
    for paper in papers:
        html = abstracts[paper.id] if abstracts and paper.id in abstracts else render_abstract(paper.abstract)
        _item(channel, paper, site_urls, tag_names, html)
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def _item(channel: ET.Element, paper: Paper, site_urls: urls.Urls, tag_names: Mapping[str, str], html: str) -> None:
    item = ET.SubElement(channel, "item")
    link = site_urls.absolute(urls.paper(paper.id))
    _text(item, "title", paper.title)
    _text(item, "link", link)
    # A renamed paper keeps the guid it was first published under (its old URL, which redirects).
    guid = site_urls.absolute(urls.paper(paper.aliases[0])) if paper.aliases else link
    ET.SubElement(item, "guid", {"isPermaLink": "true"}).text = guid
    if paper.archive_date:
        _text(item, "pubDate", rfc822(paper.archive_date))
    _text(item, "description", html)
    for name in paper.authors:
        _text(item, f"{{{DC}}}creator", name)
    for slug in paper.tags:
        _text(item, "category", tag_names.get(slug, slug))


def rfc822(day: dt.date) -> str:
    return format_datetime(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = xml_safe(text)


# XML 1.0 forbids most control characters; the web sometimes sends them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)
