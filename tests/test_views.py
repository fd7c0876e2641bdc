"""views: related papers against the plain definition, and what a paper page shows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model import Paper, shown
from generator.taxonomy import build_archive
from generator.views import LINE_FIELDS, PaperLink, Related, Summaries, Views, line, paper_link
from tests.test_exports import FULL, OTHER


def related_by_definition(archive, pid, limit, window):
    """Count, for every paper within `window` of `pid` in each of its tags' lists on the timeline, the
    windows it is in; most windows first, then nearest on the timeline, then id."""
    position = {p: i for i, p in enumerate(archive.timeline)}
    shared = Counter()
    for slug in archive.papers[pid].tags:
        ids = [p for p in archive.timeline if slug in archive.papers[p].tags]
        at = ids.index(pid)
        shared.update(ids[max(0, at - window) : at + window + 1])
    shared.pop(pid, None)
    ranked = sorted(shared, key=lambda o: (-shared[o], abs(position[o] - position[pid]), o))
    return tuple(ranked[:limit])


ARCHIVES = st.lists(
    st.tuples(st.integers(0, 40), st.lists(st.sampled_from("abcdef"), max_size=4, unique=True), st.integers(0, 9)),
    max_size=80,
)


def archive_of(rows):
    return build_archive(
        [
            Paper(
                id=f"p{i:02d}",
                title="t",
                listed=dt.date(2024, 1, 1) + dt.timedelta(days=day),
                tags=tuple(tags),
                upvotes=votes,
            )
            for i, (day, tags, votes) in enumerate(rows)
        ]
    )


@settings(max_examples=300, deadline=None)
@given(ARCHIVES, st.integers(1, 6), st.integers(1, 8))
def test_related_matches_its_definition(rows, limit, window):
    archive = archive_of(rows)
    related = Related(archive, limit, window)
    for pid in archive.papers:
        assert related.of(pid) == related_by_definition(archive, pid, limit, window)


@settings(max_examples=300, deadline=None)
@given(ARCHIVES, st.integers(1, 3), st.integers(1, 3), st.data())
def test_re_voting_changes_no_paper_pages_links(rows, limit, window, data):
    """A re-vote reorders listings, but no paper page's newer, older or related links: those
    follow the timeline, so a day of re-votes does not re-render the pages around each paper."""
    revoted = [(day, tags, data.draw(st.integers(0, 9))) for day, tags, _ in rows]
    before, after = archive_of(rows), archive_of(revoted)
    related_before, related_after = Related(before, limit, window), Related(after, limit, window)
    for pid in before.papers:
        assert before.neighbours(pid) == after.neighbours(pid)
        assert related_before.of(pid) == related_after.of(pid)


def test_views_are_made_once_and_shared():
    archive = build_archive([Paper(id="a", title="A", tags=("x",)), Paper(id="b", title="B", tags=("x",))])
    views = Views(archive, {"x": "Ex"})
    assert views.summary("a") is views.summary("a")
    assert views.paper_view("a").related == (PaperLink("b", "B", "papers/b/", None),)
    assert views.linked("a") is views.linked("a")
    assert views.summary("a").tags[0].name == "Ex"


def test_a_listings_summaries_are_made_when_a_template_reads_them():
    archive = build_archive([Paper(id=i, title=i.upper()) for i in "abc"])
    views = Views(archive, {})
    summaries = Summaries(views, ("c", "a"))
    assert not views._summaries  # nothing made yet
    assert len(summaries) == 2 and [s.title for s in summaries] == ["C", "A"]
    assert summaries[1] is views.summary("a") and [s.id for s in summaries[:1]] == ["c"]


def test_card_excerpts_are_the_rendered_abstract_as_plain_text_cut_at_a_word():
    from generator.views import EXCERPT_CHARS, abstract_text, summary

    assert (
        abstract_text("We study **alignment** of `code`, <EOS> & [links](https://x.org).")
        == "We study alignment of code, <EOS> & links."
    )
    long = "word " * 200
    cut = abstract_text(long)
    assert cut.endswith(" …") and len(cut) <= EXCERPT_CHARS + 2 and cut.removesuffix(" …").split() == ["word"] * 60
    assert abstract_text("a" * 400).endswith("…")  # one endless word is still cut
    paper = Paper(
        id="a",
        title="A",
        abstract="Two\n\nparagraphs *here*",
        ai_summary="One line.",
        github="https://github.com/a/b",
        github_stars=12,
    )
    card = summary(paper, {})
    assert card.excerpt == "Two paragraphs here" and card.ai_summary == "One line." and card.github_stars == 12
    assert summary(Paper(id="b", title="B", github_stars=3), {}).github_stars is None  # stars without code: not shown


def test_cards_of_the_built_site_show_plain_excerpts_ai_summaries_and_stars():
    from bs4 import BeautifulSoup

    from tests.recorded import recorded_site

    page = BeautifulSoup((recorded_site() / "2026/08/21/index.html").read_text(encoding="utf-8"), "html.parser")
    cards = page.select("li.paper-card")
    assert cards and all("**" not in c.select_one(".excerpt").get_text() for c in cards)
    labelled = [c.select_one(".ai-line") for c in cards if c.select_one(".ai-line")]
    assert labelled and all(line.get_text().startswith("AI-written summary:") for line in labelled)
    stars = [c.select_one(".stars").get_text() for c in cards if c.select_one(".stars")]
    assert stars and all(re.fullmatch(r"\d+ GitHub stars?", s) for s in stars)


@pytest.mark.parametrize("name", sorted(OTHER))
def test_a_field_changes_a_line_or_a_link_only_if_their_key_covers_it(name):
    """Listings of lines and the pages that link to a paper are keyed on `LINE_FIELDS` (`render.Renderer`)."""
    changed = dataclasses.replace(FULL, **{name: OTHER[name]})
    same = line(changed) == line(FULL) and paper_link(changed) == paper_link(FULL)
    assert same or name in LINE_FIELDS
    assert (shown(changed, LINE_FIELDS) == shown(FULL, LINE_FIELDS)) == (name not in LINE_FIELDS)
