import dataclasses
import datetime as dt

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import SiteConfig
from generator.feeds import FEED_FIELDS, Feed, rss_feed
from generator.jsonfeed import paper_item
from generator.markup import render_abstract
from generator.model import Paper, shown
from generator.urls import Urls
from tests.test_exports import FULL, OTHER


def feed_of(papers, base="https://example.org/sub/"):
    config = SiteConfig(base_url=base)
    data = rss_feed(papers, config, Urls(base), Feed("tags/x/feed.xml", "Site: X", "tags/x/", ()), {"x": "Ex"})
    return data, feedparser.parse(data)


def test_items_carry_link_guid_date_authors_and_categories():
    paper = Paper(
        id="2403.01234", title="T", abstract="A *b*", authors=("Ann", "Bo"), listed=dt.date(2024, 3, 12), tags=("x",)
    )
    _, feed = feed_of([paper])
    assert not feed.bozo
    (entry,) = feed.entries
    assert entry.link == entry.id == "https://example.org/sub/papers/2403.01234/"
    assert entry.published == "Tue, 12 Mar 2024 00:00:00 +0000"
    assert entry.summary == "<p>A <em>b</em></p>"
    assert [t.term for t in entry.tags] == ["Ex"]
    assert feed.feed.link == "https://example.org/sub/tags/x/"
    assert [link.href for link in feed.feed.links if link.rel == "self"] == ["https://example.org/sub/tags/x/feed.xml"]


def test_control_characters_do_not_break_the_xml():
    _, feed = feed_of([Paper(id="a", title="bell\x07 and \x1b escape", abstract="x\x00y")])
    assert not feed.bozo
    assert feed.entries[0].title == "bell and  escape"


def test_same_papers_give_the_same_bytes():
    papers = [Paper(id="a", title="A", published=dt.date(2024, 1, 1)), Paper(id="b", title="B")]
    assert feed_of(papers)[0] == feed_of(papers)[0]
    assert b"<lastBuildDate>Mon, 01 Jan 2024" in feed_of(papers)[0]


def test_characters_xml_cannot_carry_never_reach_a_feed():
    # The loader removes them; the feed writer must stay well-formed whatever it is given.
    bad = "\ufffe\uffff\ud800\x00\x1b\x85"
    paper = Paper(id="a", title=f"T{bad}itle", abstract=f"Ab{bad}stract", authors=(f"A{bad}nn",), tags=("x",))
    data, feed = feed_of([paper])
    assert not feed.bozo, feed.bozo_exception
    assert feed.entries[0].title == "Title" and feed.entries[0].author == "Ann"
    assert "Abstract" in feed.entries[0].summary
    data.decode("utf-8")  # a lone surrogate would not even encode


def test_plain_text_elements_use_hex_references_and_readers_show_the_text():
    paper = Paper(
        id="2403.01234",
        title="Q&A with <EOS> > all",
        abstract="A <b> & c",
        authors=("Ann & <Bo>",),
        listed=dt.date(2024, 3, 12),
        tags=("x",),
    )
    data, feed = feed_of([paper], base="https://example.org/")
    assert b"<title>Q&#x26;A with &#x3C;EOS&#x3E; &#x3E; all</title>" in data
    assert b"<dc:creator>Ann &#x26; &#x3C;Bo&#x3E;</dc:creator>" in data
    assert b"&amp;lt;b&amp;gt;" in data  # the description stays entity-encoded HTML
    assert not feed.bozo and feed.entries[0].title == "Q&A with <EOS> > all"


def test_a_feed_over_the_size_limit_leaves_out_its_oldest_items():
    from generator.feeds import MAX_BYTES, fitted

    items = list(range(100))
    data = fitted(lambda xs: b"x" * (20_000 * len(xs)), items)
    assert len(data) <= MAX_BYTES and len(data) // 20_000 >= 40


def test_every_feed_of_the_recorded_site_is_under_one_megabyte_and_orgs_have_feeds():
    from tests.recorded import recorded_site

    site = recorded_site()
    feeds = [p for p in site.rglob("*") if p.suffix in (".xml", ".json") and p.parent.name != "data"]
    assert len(feeds) > 20 and all(p.stat().st_size < 1_000_000 for p in feeds)
    org_feeds = sorted(site.glob("orgs/*/feed.xml"))
    assert org_feeds
    for path in org_feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo and parsed.entries
        assert parsed.feed.link == f"https://example.org/sub/orgs/{path.parent.name}/"


@pytest.mark.parametrize("name", sorted(OTHER))
def test_a_field_changes_a_feed_item_only_if_its_key_covers_it(name):
    changed = dataclasses.replace(FULL, **{name: OTHER[name]})
    site, names = Urls("https://example.org/"), {"security": "Security"}

    def json_item(paper: Paper) -> dict:
        return paper_item(paper, site, names, render_abstract(paper.abstract))

    rss_same = feed_of([changed])[0] == feed_of([FULL])[0]
    json_same = json_item(changed) == json_item(FULL)
    assert (rss_same and json_same) or name in FEED_FIELDS
    assert (shown(changed, FEED_FIELDS) == shown(FULL, FEED_FIELDS)) == (name not in FEED_FIELDS)


# The RSS writer as it was, through ElementTree: the text writer must give its very bytes.
def reference_rss(papers, config, site_urls, feed, tag_names) -> bytes:
    import xml.etree.ElementTree as ET

    from generator.feeds import ATOM, DC, description, plain_text_refs, rfc822
    from generator.model import xml_safe
    from generator.urls import paper as paper_path

    ET.register_namespace("atom", ATOM)
    ET.register_namespace("dc", DC)

    def text(parent, tag, value):
        element = ET.SubElement(parent, tag)
        element.text = xml_safe(value)
        return element

    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    text(channel, "title", feed.title)
    text(channel, "link", site_urls.absolute(feed.page_path))
    text(channel, "description", description(config, feed.through))
    text(channel, "language", config.language)
    self_link = {"href": xml_safe(site_urls.absolute(feed.path)), "rel": "self", "type": "application/rss+xml"}
    ET.SubElement(channel, f"{{{ATOM}}}link", self_link)
    newest = next((p.archive_date for p in papers if p.archive_date), None)
    if newest:
        text(channel, "lastBuildDate", rfc822(newest))
    for paper in papers:
        item = ET.SubElement(channel, "item")
        link = site_urls.absolute(paper_path(paper.id))
        text(item, "title", paper.title)
        text(item, "link", link)
        guid = site_urls.absolute(paper_path(paper.aliases[0])) if paper.aliases else link
        text(item, "guid", guid).set("isPermaLink", "true")
        if paper.archive_date:
            text(item, "pubDate", rfc822(paper.archive_date))
        text(item, "description", render_abstract(paper.abstract))
        for name in paper.authors:
            text(item, f"{{{DC}}}creator", name)
        for slug in paper.tags:
            text(item, "category", tag_names.get(slug, slug))
    ET.indent(rss)
    return plain_text_refs(
        ("<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(rss, encoding="unicode") + "\n").encode()
    )


TEXTS = st.one_of(st.text(max_size=12), st.sampled_from(["", "a & b", "<x>", "]]>", '"q"', "\r\n\t", "\x00\ufffe"]))
PAPERS = st.builds(
    Paper,
    id=st.from_regex(r"[0-9a-z.]{1,10}", fullmatch=True),
    title=TEXTS,
    abstract=TEXTS,
    authors=st.lists(TEXTS, max_size=3).map(tuple),
    tags=st.lists(st.sampled_from(["x", "y", "a&b"]), max_size=2).map(tuple),
    aliases=st.lists(st.from_regex(r"[0-9a-z]{1,6}", fullmatch=True), max_size=1).map(tuple),
    listed=st.none() | st.dates(),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(PAPERS, max_size=4, unique_by=lambda p: p.id),
    TEXTS,
    st.sampled_from(["https://example.org/", 'https://e.org/a&b"<c>/']),
)
def test_the_text_writer_writes_what_elementtree_wrote(papers, title, base):
    config = SiteConfig(base_url=base, title=title or "T", description=title)
    feed = Feed("tags/x/feed.xml", f"Site: {title}", "tags/x/", (), through=papers[0].listed if papers else None)
    names = {"x": "Ex & <b>", "a&b": ""}
    shared: dict[str, str] = {}  # items made by one feed, reused by the next
    for _ in range(2):
        data = rss_feed(papers, config, Urls(base), feed, names, None, shared)
        assert data == reference_rss(papers, config, Urls(base), feed, names)


def test_a_re_vote_reorders_no_feed_but_the_digests():
    from generator.feeds import rss_feeds
    from generator.taxonomy import build_archive

    day = [
        Paper(id=f"p{i:02d}", title=f"P{i}", listed=dt.date(2024, 3, 5), upvotes=50 - i, tags=("x",), organization="O")
        for i in range(30)
    ]
    config = SiteConfig(feed_size=10)
    before = rss_feeds(build_archive(day), config, {})
    after = rss_feeds(
        build_archive([dataclasses.replace(p, upvotes=900) if p.id == "p00" else p for p in day]), config, {}
    )
    assert [f.papers for f in before if f.issues is None] == [f.papers for f in after if f.issues is None]
    assert before[0].papers == tuple(f"p{i:02d}" for i in range(29, 19, -1))  # the newest ten, by id
