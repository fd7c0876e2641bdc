"""Hugging Face's HTML pages, for when the JSON API fails or lacks a field.

Both pages embed their data as JSON in `data-props` of `div[data-target=...]` (the "island");
that is read first. The visible markup (cards, headings) is the fallback. A page with neither is
a page whose structure changed: a ScrapeError, so that nothing is written from it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bs4 import BeautifulSoup, Tag

from generator.scrape.hf_api import decode_json, org_name, parse_items, parse_paper
from generator.scrape.records import ScrapedPaper, ScrapeError, checked, usable_count
from generator.scrape.text import clean_url, one_line

PAPER_HREF = re.compile(r"^(?:https?://[^/]+)?/papers/(?P<id>\d{4}\.\d{4,5})(?:v\d+)?(?:[#?].*)?$")


def parse_daily_page(html: str, url: str, day: dt.date) -> list[ScrapedPaper]:
    """The papers of `/papers/date/<day>`; [] when the page shows another day (a day without papers)."""
    soup = BeautifulSoup(html, "html.parser")
    props = island(soup, "DailyPapers", url)
    if props is not None:
        if not _same_day(props.get("dateString"), day):
            return []
        return parse_items(props.get("dailyPapers"), url, day)
    cards = _cards(soup, url, day)
    if cards is None:
        raise ScrapeError(url, "page structure not recognised: no DailyPapers data and no paper cards")
    return cards


def parse_paper_page(html: str, url: str) -> ScrapedPaper:
    """The paper of `/papers/<id>`: its PaperContent island, else its headings and paragraphs."""
    soup = BeautifulSoup(html, "html.parser")
    thumbnail = _meta(soup, "og:image")
    props = island(soup, "PaperContent", url)
    if props is not None:
        return _from_island(props, url, thumbnail)
    return _from_markup(soup, url, thumbnail)


def island(soup: BeautifulSoup, target: str, url: str) -> dict[str, Any] | None:
    """The JSON of `div[data-target=target]`'s data-props (BeautifulSoup has undone &quot;)."""
    div = soup.find("div", attrs={"data-target": target})
    text = _attr(div, "data-props")
    if not text:
        return None
    props = decode_json(text, url, f"JSON in the {target} data")
    if not isinstance(props, dict):
        raise ScrapeError(url, f"the {target} data is not an object")
    return props


def _same_day(value: Any, day: dt.date) -> bool:
    # On a day without papers the site shows the latest day that has some: those are not this day's.
    return not isinstance(value, str) or value[:10] == day.isoformat()


def _cards(soup: BeautifulSoup, url: str, day: dt.date) -> list[ScrapedPaper] | None:
    """Title-and-upvotes cards (`article` > `h3` > `a`); None when the page has none at all."""
    articles = soup.find_all("article")
    papers: dict[str, ScrapedPaper] = {}
    for article in articles:
        match = next((m for a in article.find_all("a", href=True) if (m := PAPER_HREF.match(_attr(a, "href")))), None)
        heading = article.find("h3")
        if match is None or heading is None:
            continue
        paper_id = match["id"]
        upvotes = _number(article.select_one("div.leading-none"))
        papers.setdefault(
            paper_id,
            checked(
                ScrapedPaper(
                    id=paper_id,
                    title=one_line(heading.get_text(" ")),
                    source=url,
                    listed=day,
                    upvotes=upvotes,
                )
            ),
        )
    return list(papers.values()) or None


def _from_island(props: dict[str, Any], url: str, thumbnail: str | None) -> ScrapedPaper:
    """The island's paper, plus what the page adds: its comments, thumbnail and organization."""
    comments = props.get("comments")
    outer = {
        "comments": len(comments) if isinstance(comments, list) else None,
        "thumbnail": thumbnail,
        "organization": org_name(props.get("submitterOrganization")),
    }
    return parse_paper(props.get("paper"), url, None, outer)


def _from_markup(soup: BeautifulSoup, url: str, thumbnail: str | None) -> ScrapedPaper:
    """What the visible page shows; the whitespace in it is layout, so every text becomes one line."""
    heading = soup.find("h1")
    canonical = _attr(soup.find("link", rel="canonical"), "href")
    match = PAPER_HREF.match(canonical or url)
    abstract = _abstract(soup)
    if heading is None or match is None or abstract is None:
        raise ScrapeError(url, "page structure not recognised: no PaperContent data, title or abstract")
    authors = tuple(one_line(s.get_text(" ")).rstrip(" ,") for s in soup.select("span.author"))
    return checked(
        ScrapedPaper(
            id=match["id"],
            title=one_line(heading.get_text(" ")),
            source=url,
            abstract=abstract,
            authors=tuple(a for a in authors if a),
            upvotes=_number(soup.select_one("div.font-semibold.text-orange-500")),
            thumbnail=thumbnail,
        )
    )


def _abstract(soup: BeautifulSoup) -> str | None:
    """The paragraph after the "Abstract" heading that is not the AI summary box (that one is blue)."""
    heading = next((h for h in soup.find_all("h2") if h.get_text(strip=True) == "Abstract"), None)
    if heading is None or heading.parent is None:
        return None
    paragraph = heading.parent.select_one("p.text-gray-600")
    return one_line(paragraph.get_text(" ")) if paragraph else None


def _number(tag: Tag | None) -> int | None:
    text = tag.get_text(strip=True).replace(",", "") if tag else ""
    # isdigit() alone also takes "²" and other digits int() refuses, and any length
    return usable_count(int(text)) if text.isascii() and text.isdigit() and len(text) <= 15 else None


def _meta(soup: BeautifulSoup, prop: str) -> str | None:
    return clean_url(_attr(soup.find("meta", attrs={"property": prop}), "content"))


def _attr(tag: object, name: str) -> str:
    """An attribute's text; "" for a missing tag or attribute (and for a multi-valued one)."""
    value = tag.get(name) if isinstance(tag, Tag) else None
    return value if isinstance(value, str) else ""
