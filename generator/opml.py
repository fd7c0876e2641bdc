"""An OPML 2.0 file listing every RSS feed of the site, so a reader can subscribe to all of them at once.

Built with ElementTree so tag names are escaped by the XML writer. No dateCreated: the same
archive must give the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.config import SiteConfig
from generator.feeds import rss_feeds
from generator.model import xml_safe as _xml_safe
from generator.taxonomy import Archive
from generator.urls import Urls


@dataclass(frozen=True)
class FeedRef:
    title: str
    feed_path: str  # site path of the RSS file
    page_path: str  # site path of the HTML page the feed follows


def site_opml(archive: Archive, config: SiteConfig, site_urls: Urls, tag_names: Mapping[str, str]) -> bytes:
    """Every RSS feed the build writes: the site's, one per tag, one per organisation, the digests."""
    feeds = [FeedRef(f.title, f.path, f.page_path) for f in rss_feeds(archive, config, tag_names)]
    return opml_document(f"{config.title}: every feed", feeds, site_urls)


def opml_document(title: str, feeds: Sequence[FeedRef], site_urls: Urls) -> bytes:
    opml = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = _xml_safe(title)
    body = ET.SubElement(opml, "body")
    for feed in feeds:
        ET.SubElement(
            body,
            "outline",
            {
                "type": "rss",
                "text": _xml_safe(feed.title),
                "title": _xml_safe(feed.title),
                "xmlUrl": _xml_safe(site_urls.absolute(feed.feed_path)),
                "htmlUrl": _xml_safe(site_urls.absolute(feed.page_path)),
            },
        )
    ET.indent(opml)
    return bytes(ET.tostring(opml, encoding="utf-8", xml_declaration=True)) + b"\n"
