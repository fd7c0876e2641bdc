"""sitemap.xml and robots.txt."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from generator.urls import Urls

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap(paths: Iterable[str], site_urls: Urls) -> bytes:
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for path in paths:
        ET.SubElement(ET.SubElement(urlset, "url"), "loc").text = site_urls.absolute(path)
    ET.indent(urlset)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


def robots(site_urls: Urls) -> str:
    return f"User-agent: *\nAllow: /\nSitemap: {site_urls.absolute('sitemap.xml')}\n"
