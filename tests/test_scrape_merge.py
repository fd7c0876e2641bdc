"""The merge rules and the topic filter, as pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.config import TopicFilter
from generator.model import FIELDS, Kind, Owner, Paper, owned_by
from generator.scrape.filters import compile_topic, keeps
from generator.scrape.merge import changed_fields, merged, new_paper
from generator.scrape.records import ScrapedPaper, fill_missing
from generator.slugs import title_key
from tests.test_fields import SAMPLE

D = dt.date


def scraped(**fields) -> ScrapedPaper:
    base = {
        "id": "2403.06634",
        "title": "Stealing Part of a Production Language Model",
        "source": "http://h/x",
        "abstract": "Fresh abstract.",
        "authors": ("A", "B"),
        "published": D(2024, 3, 11),
        "listed": D(2024, 3, 12),
        "upvotes": 63,
        "comments": 3,
        "github": "https://github.com/x/y",
        "github_stars": 5,
        "project_page": "https://p.example/",
        "keywords": ("k1",),
        "ai_summary": "AI says.",
        "organization": "Google",
        "thumbnail": "https://t.example/1.png",
    }
    return ScrapedPaper(**{**base, **fields})


def test_a_new_paper_takes_every_field_and_the_given_tags():
    paper = new_paper(scraped(), ("llm-alignment",))
    assert paper.id == "2403.06634" and paper.abstract == "Fresh abstract." and paper.tags == ("llm-alignment",)
    assert paper.organization == "Google" and paper.listed == D(2024, 3, 12) and paper.author_count is None


def test_service_owned_fields_are_refreshed():
    old = Paper(id="2403.06634", title="T", upvotes=10, comments=0, github_stars=1, thumbnail="https://old/")
    new = merged(old, scraped())
    assert (new.upvotes, new.comments, new.github_stars, new.thumbnail) == (63, 3, 5, "https://t.example/1.png")


def test_a_value_the_service_stops_sending_is_kept():
    old = Paper(id="2403.06634", title="T", upvotes=10, github_stars=4, thumbnail="https://old/")
    new = merged(old, scraped(upvotes=None, github_stars=None, thumbnail=None))
    assert (new.upvotes, new.github_stars, new.thumbnail) == (10, 4, "https://old/")


def test_contributor_fields_are_never_overwritten():
    old = Paper(
        id="2403.06634",
        title="My Title",
        abstract="Edited abstract.",
        authors=("Me",),
        published=D(2024, 1, 1),
        github="https://github.com/mine/repo",
        project_page="https://mine/",
        keywords=("mine",),
        ai_summary="Mine.",
        organization="Mine",
        tags=("my-tag",),
    )
    new = merged(old, scraped())
    for name in (
        "id",
        "title",
        "abstract",
        "authors",
        "published",
        "github",
        "project_page",
        "keywords",
        "ai_summary",
        "organization",
        "tags",
    ):
        assert getattr(new, name) == getattr(old, name), name


def test_missing_fields_are_filled():
    old = Paper(
        id="selfie-a-slug",
        title="Stealing part of a production language model",
        author_count=13,
        published=D(2024, 3, 11),
        tags=("x",),
    )
    new = merged(old, scraped())
    assert new.id == "selfie-a-slug" and new.title == old.title and new.author_count == 13
    assert new.abstract == "Fresh abstract." and new.authors == ("A", "B") and new.github == "https://github.com/x/y"
    assert new.keywords == ("k1",) and new.ai_summary == "AI says." and new.tags == ("x",)


def test_listed_keeps_the_earliest_day():
    old = Paper(id="2604.07429", title="T", listed=D(2026, 4, 10))
    assert merged(old, scraped(listed=D(2026, 4, 16))).listed == D(2026, 4, 10)
    assert merged(old, scraped(listed=D(2026, 4, 2))).listed == D(2026, 4, 2)
    assert merged(old, scraped(listed=None)).listed == D(2026, 4, 10)
    assert merged(Paper(id="x", title="T"), scraped(listed=D(2026, 4, 16))).listed == D(2026, 4, 16)


def test_a_second_identical_merge_changes_nothing():
    once = merged(Paper(id="2403.06634", title="T"), scraped())
    assert changed_fields(once, merged(once, scraped())) == ()
    assert set(changed_fields(Paper(id="a", title="T"), once)) >= {"upvotes", "abstract", "listed"}


# Another usable value of each kind than SAMPLE's; its day is the earlier one.
OTHER = {
    Kind.ID: "2401.00002",
    Kind.TEXT: "Other text",
    Kind.URL: "https://example.org/y",
    Kind.COUNT: 9,
    Kind.DAY: D(2023, 12, 31),
    Kind.NAMES: ("Cy Dee",),
    Kind.TAGS: ("nlp",),
    Kind.IDS: ("another-slug",),
    Kind.BODY: "Another abstract.",
}


def every_field(values: dict) -> dict:
    return {name: values[declared.kind] for name, declared in FIELDS.items()}


@pytest.mark.parametrize("owner", list(Owner))
def test_merging_into_a_full_file_follows_each_fields_declared_owner(owner: Owner):
    names = owned_by(owner)
    assert names
    for mine, theirs in ((every_field(SAMPLE), every_field(OTHER)), (every_field(OTHER), every_field(SAMPLE))):
        new = merged(Paper(**mine), ScrapedPaper(**theirs, source="s"))
        expected = {
            Owner.SERVICE: theirs,
            Owner.EARLIEST: {name: min(mine[name], theirs[name]) for name in names},
            Owner.FILLED: mine,
            Owner.CONTRIBUTOR: mine,
        }[owner]
        assert {name: getattr(new, name) for name in names} == {name: expected[name] for name in names}


def test_merging_into_an_empty_file_fills_all_but_what_contributors_own():
    news = every_field(OTHER)
    new = merged(Paper(id="x", title="T"), ScrapedPaper(**news, source="s"))
    for name in FIELDS:
        owned = FIELDS[name].owner is Owner.CONTRIBUTOR
        assert getattr(new, name) == (getattr(Paper(id="x", title="T"), name) if owned else news[name]), name


def test_titles_match_without_case_punctuation_or_spacing():
    assert title_key("Stealing Part of a  Production\nLanguage Model!") == title_key(
        "stealing part of a production language-model"
    )
    assert title_key("Selfie") != title_key("Selfies")


def test_fill_missing_takes_only_what_is_missing():
    card = ScrapedPaper(id="2403.06634", title="Card title", source="list", upvotes=70)
    page = scraped(title="Page title", upvotes=63)
    both = fill_missing(card, page)
    assert (
        both.title == "Card title"
        and both.upvotes == 70
        and both.abstract == "Fresh abstract."
        and both.source == "list"
    )


# The topic filter


def test_an_empty_topic_keeps_everything():
    assert keeps(compile_topic(TopicFilter()), (), "Anything at all")


def test_include_by_phrase_or_by_tag():
    topic = compile_topic(TopicFilter(include=("alignment", "pre-training", "llm-alignment")))
    assert keeps(topic, (), "Scaling Pre-training", "")
    assert keeps(topic, (), "Title", "We study pre training of models.")  # '-' matches a space
    assert keeps(topic, ("llm-alignment",), "RLHF for everyone")  # by its tag
    assert keeps(topic, (), "T", "", "alignment")  # by a keyword
    assert not keeps(topic, ("video",), "Video diffusion", "Frames.")
    assert not keeps(topic, (), "Misalignments everywhere")  # whole words only


def test_exclusion_wins():
    topic = compile_topic(TopicFilter(include=("alignment",), exclude=("medical-imaging", "robot")))
    assert not keeps(topic, (), "Alignment of robot policies")
    assert not keeps(topic, ("medical-imaging",), "Alignment for radiology")
    assert keeps(topic, (), "Alignment of language models")
    assert not keeps(compile_topic(TopicFilter(exclude=("CLIP",))), (), "CLIP models")
    assert keeps(compile_topic(TopicFilter(exclude=("CLIP",))), (), "A video clip")  # capitals match exactly
