"""Feeds: the site's newest papers, one feed per tag and per organisation, and the weekly and
monthly digests (`digest`); each as RSS 2.0 and, beside it, as JSON Feed (`jsonfeed`).

Written as text in the very bytes ElementTree writes (tests/test_feeds.py compares the two):
every text goes through `_leaf`, which escapes it as ElementTree does, never left to a caller.
A paper's item is made once per process and shared by every feed that carries it (about six).
`guid` is the paper URL (stable); `pubDate` is the archive date. Plain-text
elements then carry `&` and `<` as `&#x26;` and `&#x3C;` (the RSS Best Practices Profile), which
readers that take titles for HTML still show as text. No feed is larger than MAX_BYTES: the
oldest items are left out until it fits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from typing import TYPE_CHECKING

from generator import jsonfeed, urls
from generator.config import SiteConfig
from generator.digest import Issue, issue_html, monthly_issues, weekly_issues
from generator.freshness import day_text, newest_listed
from generator.markup import render_abstract
from generator.model import Paper, xml_safe, xml_text
from generator.taxonomy import Archive

if TYPE_CHECKING:
    from generator.views import Views

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"


@dataclass(frozen=True)
class Feed:
    """An RSS file to write: the papers it carries, by id, newest first, already cut to size."""

    path: str
    title: str
    page_path: str  # the HTML page the feed follows
    papers: tuple[str, ...]  # for a digest: the papers of all its issues (they are in its key)
    format: str = "rss"  # or "json"
    issues: tuple[Issue, ...] | None = None  # a digest's items; None: a feed of papers
    through: dt.date | None = None  # the site's feed says how current the archive is


MAX_BYTES = 1_000_000
# The fields of a paper that a feed of papers shows (`_item`, `jsonfeed.paper_item`): such a feed is keyed on them,
# so that a re-vote rewrites none (tests/test_feeds.py checks that no other field changes an item).
FEED_FIELDS = ("id", "title", "aliases", "listed", "published", "abstract", "authors", "tags")
DIGESTS = (
    ("weekly", "weekly digest", urls.weeks_index, weekly_issues),
    ("monthly", "monthly digest", urls.top, monthly_issues),
)


def plan_feeds(archive: Archive, config: SiteConfig, names: Mapping[str, str]) -> list[Feed]:
    """Every RSS feed (the site's, one per tag, one per organisation, the digests), each
    followed by its JSON Feed twin."""
    return [twin for feed in rss_feeds(archive, config, names) for twin in (feed, json_twin(feed))]


def rss_feeds(archive: Archive, config: SiteConfig, names: Mapping[str, str]) -> list[Feed]:
    size = config.feed_size
    through = newest_listed(archive.papers.values())
    feeds = [Feed(urls.feed(), config.title, urls.home(), archive.timeline[:size], through=through)]
    for slug, ids in archive.tags.items():
        feeds.append(Feed(urls.tag_feed(slug), f"{config.title}: {names.get(slug, slug)}", urls.tag(slug), ids[:size]))
    for slug, ids in archive.orgs.items():
        feeds.append(Feed(urls.org_feed(slug), f"{config.title}: {archive.org_name(slug)}", urls.org(slug), ids[:size]))
    for period, label, page, plan in DIGESTS:
        issues = plan(archive)
        feeds.append(
            Feed(
                urls.digest_feed(period),
                f"{config.title}: {label}",
                page(),
                tuple(pid for issue in issues for pid in issue.papers),
                issues=issues,
            )
        )
    return feeds


def json_twin(feed: Feed) -> Feed:
    return Feed(urls.json_feed(feed.path), feed.title, feed.page_path, feed.papers, "json", feed.issues, feed.through)


def feed_bytes(
    feed: Feed, views: Views, config: SiteConfig, site_urls: urls.Urls, items: dict[str, str] | None = None
) -> bytes:
    """The bytes of a planned feed, of either format. `items`: RSS items made so far, by paper id,
    for the next feeds to reuse (the caller keeps one for each `views` and `site_urls`)."""
    papers = views.archive.papers
    if feed.issues is not None:
        bodies = {issue.path: issue_html(issue, papers, site_urls.absolute) for issue in feed.issues}
        make: Callable = digest_json if feed.format == "json" else digest_rss
        return fitted(lambda issues: make(issues, bodies, config, site_urls, feed), feed.issues)
    abstracts = {i: views.abstract_html(i) for i in feed.papers}
    names = views.tag_names
    if feed.format == "json":
        return fitted(
            lambda ids: json_feed([papers[i] for i in ids], config, site_urls, feed, names, abstracts), feed.papers
        )
    return fitted(
        lambda ids: rss_feed([papers[i] for i in ids], config, site_urls, feed, names, abstracts, items), feed.papers
    )


def fitted(make: Callable[[Sequence], bytes], items: Sequence) -> bytes:
    """`make(items)`, leaving out the oldest items until it is under MAX_BYTES."""
    data = make(items)
    while len(data) > MAX_BYTES and len(items) > 1:
        items = items[: len(items) * 3 // 4]
        data = make(items)
    return data


def json_feed(
    papers: Sequence[Paper],
    config: SiteConfig,
    site_urls: urls.Urls,
    feed: Feed,
    tag_names: Mapping[str, str],
    abstracts: Mapping[str, str],
) -> bytes:
    items = [
        jsonfeed.paper_item(
            p, site_urls, tag_names, abstracts[p.id] if p.id in abstracts else render_abstract(p.abstract)
        )
        for p in papers
    ]
    text = description(config, feed.through)
    return jsonfeed.feed_document(config, site_urls, feed.path, feed.title, feed.page_path, items, text)


def digest_json(
    issues: Sequence[Issue], bodies: Mapping[str, str], config: SiteConfig, site_urls: urls.Urls, feed: Feed
) -> bytes:
    items = [jsonfeed.page_item(site_urls.absolute(i.path), i.title, i.day, bodies[i.path]) for i in issues]
    return jsonfeed.feed_document(config, site_urls, feed.path, feed.title, feed.page_path, items)


def digest_rss(
    issues: Sequence[Issue], bodies: Mapping[str, str], config: SiteConfig, site_urls: urls.Urls, feed: Feed
) -> bytes:
    channel = _channel(config, site_urls, feed.path, feed.title, feed.page_path, issues[0].day if issues else None)
    items = []
    for issue in issues:
        link = site_urls.absolute(issue.path)
        guid = _leaf("guid", link, ' isPermaLink="true"', clean=False)
        day = _leaf("pubDate", rfc822(issue.day))
        items.append(
            _item_xml(
                [_leaf("title", issue.title), _leaf("link", link), guid, day, _leaf("description", bodies[issue.path])]
            )
        )
    return _document(channel, items, creators=False)


def rss_feed(
    papers: Sequence[Paper],
    config: SiteConfig,
    site_urls: urls.Urls,
    feed: Feed,
    tag_names: Mapping[str, str],
    abstracts: Mapping[str, str] | None = None,
    items: dict[str, str] | None = None,
) -> bytes:
    """An RSS document of `papers` (already newest first and cut to size). `items`: see `feed_bytes`."""
    newest = next((p.archive_date for p in papers if p.archive_date), None)
    channel = _channel(config, site_urls, feed.path, feed.title, feed.page_path, newest, feed.through)
    made = {} if items is None else items
    for paper in papers:
        if paper.id not in made:
            html = abstracts[paper.id] if abstracts and paper.id in abstracts else render_abstract(paper.abstract)
            made[paper.id] = _item(paper, site_urls, tag_names, html)
    return _document(channel, [made[p.id] for p in papers], creators=any(p.authors for p in papers))


def _channel(
    config: SiteConfig,
    site_urls: urls.Urls,
    feed_path: str,
    title: str,
    page_path: str,
    newest: dt.date | None,
    through: dt.date | None = None,
) -> list[str]:
    """The channel's elements before its items."""
    self_link = _attribute(xml_safe(site_urls.absolute(feed_path)))
    elements = [
        _leaf("title", title),
        _leaf("link", site_urls.absolute(page_path)),
        _leaf("description", description(config, through)),
        _leaf("language", config.language),
        f'<atom:link href="{self_link}" rel="self" type="application/rss+xml" />',
    ]
    if newest:  # derived from content, so that an unchanged archive gives identical bytes
        elements.append(_leaf("lastBuildDate", rfc822(newest)))
    return elements


def description(config: SiteConfig, through: dt.date | None) -> str:
    """The site's description, and for the site's own feed how current the archive is."""
    return f"{config.description} Papers listed through {day_text(through)}." if through else config.description


def _document(channel: list[str], items: list[str], creators: bool) -> bytes:
    """The RSS document as ElementTree's `indent` and `tostring` lay it out: namespaces declared on
    the root, by prefix, when used, then the attributes; two spaces a level."""
    namespaces = f'xmlns:atom="{ATOM}"' + (f' xmlns:dc="{DC}"' if creators else "")
    body = "\n    ".join([*channel, *items])
    xml = f'{_DECLARATION}<rss {namespaces} version="2.0">\n  <channel>\n    {body}\n  </channel>\n</rss>\n'
    return plain_text_refs(xml.encode("utf-8"))


_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"
# Elements whose text is plain text holding an entity, as ElementTree writes them (it escapes & < > as entities).
_PLAIN = re.compile(rb"(<(title|category|dc:creator)>)([^<&]*&[^<]*)(</\2>)")
_HEX_REFS = ((b"&amp;", b"&#x26;"), (b"&lt;", b"&#x3C;"), (b"&gt;", b"&#x3E;"))


def plain_text_refs(xml: bytes) -> bytes:
    """`&amp;`, `&lt;` and `&gt;` in plain-text elements as hexadecimal character references."""

    def hex_refs(match: re.Match[bytes]) -> bytes:
        text = match[3]
        for entity, ref in _HEX_REFS:
            text = text.replace(entity, ref)
        return match[1] + text + match[4]

    return _PLAIN.sub(hex_refs, xml)


def _item(paper: Paper, site_urls: urls.Urls, tag_names: Mapping[str, str], html: str) -> str:
    link = site_urls.absolute(urls.paper(paper.id))
    # A renamed paper keeps the guid it was first published under (its old URL, which redirects).
    guid = site_urls.absolute(urls.paper(paper.aliases[0])) if paper.aliases else link
    fields = [_leaf("title", paper.title), _leaf("link", link), _leaf("guid", guid, ' isPermaLink="true"')]
    if paper.archive_date:
        fields.append(_leaf("pubDate", rfc822(paper.archive_date)))
    fields.append(_leaf("description", html))
    fields += [_leaf("dc:creator", name) for name in paper.authors]
    fields += [_leaf("category", tag_names.get(slug, slug)) for slug in paper.tags]
    return _item_xml(fields)


def _item_xml(fields: list[str]) -> str:
    return "<item>\n      " + "\n      ".join(fields) + "\n    </item>"


def rfc822(day: dt.date) -> str:
    return format_datetime(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))


def _leaf(tag: str, text: str, attributes: str = "", clean: bool = True) -> str:
    """An element holding only text, escaped as ElementTree escapes it (`<tag />` when empty).

    Every text goes through xml_safe (`clean`): the loader removes what XML cannot carry, but a feed
    must stay well-formed whatever it is given (a Paper made by other code, the site's own title)."""
    text = xml_safe(text) if clean else text
    if not text:
        return f"<{tag}{attributes} />"
    return f"<{tag}{attributes}>{xml_text(text)}</{tag}>"


def _attribute(value: str) -> str:
    """An attribute's value, escaped as ElementTree escapes it."""
    for char, ref in _ATTRIBUTE_REFS:
        value = value.replace(char, ref)
    return value


_ATTRIBUTE_REFS = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\r", "&#13;"),
    ("\n", "&#10;"),
    ("\t", "&#09;"),
)
