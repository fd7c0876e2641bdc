"""Parsers, on the recorded responses of every schema era: API items, HTML pages, arXiv Atom."""

from __future__ import annotations

import copy
import datetime as dt
import html
import json

import pytest

from generator.loader import load_content
from generator.model import FIRST_DAY, MAX_ABSTRACT, MAX_AUTHORS, MAX_KEYWORDS, last_day
from generator.scrape.arxiv import normalise_id, parse_feed, split_ids
from generator.scrape.hf_api import decode_json, parse_items
from generator.scrape.hf_html import parse_daily_page, parse_paper_page
from generator.scrape.merge import new_paper
from generator.scrape.records import ScrapedPaper, ScrapeError, usable_day
from generator.scrape.shelf import write_new
from generator.scrape.sources import read
from generator.scrape.text import one_line, paragraphs
from tests.scrape_server import (
    ATOM,
    DAILY,
    PAPER_PAGE,
    cards,
    daily_page,
    fixture_items,
)

URL = "http://127.0.0.1:1/api/daily_papers?date=D"


def day_records(name: str):
    path = next(DAILY.glob(f"{name}*.json"))
    day = dt.date.fromisoformat(name)
    return {p.id: p for p in parse_items(decode_json(path.read_bytes(), URL), URL, day)}


# The schema eras (tests/fixtures/FORMATS.md §1.2)


def test_era_a_2024_raw_body():
    papers = day_records("2024-03-12")
    assert len(papers) == 9
    p = papers["2403.06634"]
    assert p.listed == dt.date(2024, 3, 12)  # no submittedOnDailyAt yet: the day asked for
    assert p.published == dt.date(2024, 3, 11)  # paper.publishedAt, not the top-level one
    assert p.upvotes == 63 and p.comments == 3
    assert "Florian Tramèr" in p.authors  # non-ASCII intact
    # Not in that era: thumbnail, organization, keywords, AI summary, GitHub.
    assert (p.thumbnail, p.organization, p.keywords, p.ai_summary, p.github) == (None, None, (), None, None)


def test_era_2025_03_first_submitted_on_daily_at():
    papers = day_records("2025-03-17")
    p = papers["2503.07677"]
    # The top-level publishedAt says 2025-03-10 in this era: it must not decide the listed day.
    assert p.listed == dt.date(2025, 3, 17)
    assert p.published == dt.date(2025, 3, 10)
    assert p.thumbnail == "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2503.07677.png"
    assert p.keywords and p.ai_summary is None and p.organization is None
    assert all(q.listed == dt.date(2025, 3, 17) for q in papers.values())


def test_era_2025_10_organization_and_stars():
    p = day_records("2025-10-03")["2510.02283"]
    assert p.organization == "ByteDance Seed"  # the display name, not the handle
    assert p.github_stars == 1 and p.ai_summary and p.keywords
    assert p.listed == dt.date(2025, 10, 3)


def test_latest_schema_2026_08():
    p = day_records("2026-08-21")["2608.19880"]
    assert p.title == "EnvHarness: Awakening Static Worlds for Agent Learning"
    assert p.organization == "Google"
    assert p.github == "https://github.com/google-research/envharness"
    assert p.project_page == "https://envharness.com/"
    assert p.github_stars == 8 and p.upvotes == 163 and p.comments == 1
    assert p.published == dt.date(2026, 8, 20) and p.listed == dt.date(2026, 8, 21)
    assert p.keywords[:2] == ("LLM agents", "Environment Harness")


@pytest.mark.parametrize("path", sorted(DAILY.glob("*.json")), ids=lambda p: p.name[:10])
def test_every_recorded_day_parses_completely(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    papers = parse_items(raw, URL, dt.date.fromisoformat(path.name[:10]))
    assert [p.id for p in papers] == [i["paper"]["id"] for i in raw]
    for paper, item in zip(papers, raw, strict=True):
        assert paper.title and "\n" not in paper.title and "  " not in paper.title
        assert paper.authors == tuple(a["name"] for a in item["paper"]["authors"])  # order, hidden ones too
        assert paper.abstract and paper.upvotes == item["paper"]["upvotes"]
        assert paper.listed and paper.published


# Text


def test_hard_line_breaks_go_and_paragraphs_stay():
    p = day_records("2024-03-12")["2403.06807"]
    first, second = p.abstract.split("\n\n")[:2]
    assert first.endswith("generate samples in a single step.")
    assert "many steps to generate" in first  # the wrap inside a sentence became a space
    assert second.startswith("In this paper we propose Multistep Consistency Models")


def test_wrapped_title_is_unwrapped_and_latex_stays():
    p = day_records("2024-03-13")["2403.07750"]
    assert p.title == "Synth$^2$: Boosting Visual-Language Models with Synthetic Captions and Image Embeddings"


def test_hidden_authors_keep_their_place():
    p = day_records("2024-03-19")["2403.10615"]
    assert p.authors[0] == "Peter Kocsis" and len(p.authors) == 5


def test_text_oddities_survive():
    item = {
        "paper": {
            "id": "2410.04717",
            "title": "τ-bench:\n  <EOS> & Q&A",
            "summary": "We use \\textsc{AIEV-Instruct}, 85.1\\% and\n<EOS> tokens; $textbf{a}$ \x07bell.\n  Next para.",
            "authors": [{"name": "Hè"}],
            "upvotes": 1,
        }
    }
    p = parse_items([item], URL, dt.date(2024, 10, 1))[0]
    assert p.title == "τ-bench: <EOS> & Q&A"
    assert p.abstract == "We use \\textsc{AIEV-Instruct}, 85.1\\% and <EOS> tokens; $textbf{a}$ bell.\n\nNext para."


def test_an_unwrapped_abstract_keeps_its_line_breaks_as_paragraphs():
    long = "word " * 40
    assert paragraphs(f"{long}\n{long}") == f"{long.strip()}\n\n{long.strip()}"
    assert one_line(" a\n  b\tc ") == "a b c"


def test_submitted_on_daily_at_wins_over_the_day_asked():
    item = {
        "paper": {
            "id": "2604.07429",
            "title": "T",
            "summary": "S",
            "authors": [],
            "submittedOnDailyAt": "2026-04-10T00:00:00.000Z",
        }
    }
    assert parse_items([item], URL, dt.date(2026, 4, 16))[0].listed == dt.date(2026, 4, 10)


def test_values_of_the_wrong_type_count_as_absent():
    item = {
        "paper": {
            "id": "2501.00001",
            "title": "T",
            "summary": "S",
            "authors": "nobody",
            "upvotes": "12",
            "githubRepo": "javascript:alert(1)",
            "ai_keywords": "x",
            "organization": "Google",
        },
        "numComments": True,
        "thumbnail": "/social-thumbnails/papers/2501.00001.png",
    }
    p = parse_items([item], URL, None)[0]
    assert (p.authors, p.upvotes, p.github, p.keywords, p.organization, p.comments) == ((), None, None, (), None, None)
    assert p.thumbnail == "http://127.0.0.1:1/social-thumbnails/papers/2501.00001.png"  # resolved, absolute


def test_values_out_of_range_are_left_out_and_noted():
    item = {
        "paper": {
            "id": "2501.00001",
            "title": "T",
            "summary": "S",
            "authors": [{"name": "A"}],
            "publishedAt": "0001-01-01T00:00:00+05:00",  # overflows on the way to UTC
            "submittedOnDailyAt": "1970-01-01T00:00:00.000Z",
            "upvotes": 10**40,
            "githubStars": -1,
            "githubRepo": "https://github.com/a b",
            "projectPage": "https://x.org/\u0000",
        }
    }
    p = parse_items([item], URL, dt.date(2025, 1, 2))[0]
    assert (p.published, p.upvotes, p.github_stars, p.github, p.project_page) == (None, None, None, None, None)
    assert p.listed == dt.date(2025, 1, 2)  # the day asked for stands in
    assert len(p.notes) == 6 and all(n.startswith(f"{URL}: paper 2501.00001: ") for n in p.notes)
    assert "publishedAt '0001-01-01T00:00:00+05:00' left out" in p.notes[0] and "upvotes 1000000000" in p.notes[2]
    assert (
        parse_items([{"paper": {**item["paper"], "publishedAt": "2999-01-01T00:00:00Z"}}], URL, None)[0].published
        is None
    )


BAD_VALUES = [
    None,
    True,
    -1,
    1.5,
    float("nan"),
    10**30,
    "",
    "x" * 500,
    "\ud800",
    "\uffff",
    [],
    [None],
    {},
    {"a": [1]},
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+05:00",
    "http://[x",
]


def _paths(value, path=()):
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value[:2]) if isinstance(value, list) else ()
    for key, child in children:
        yield from _paths(child, (*path, key))


def _replaced(data, path, value):
    if not path:
        return value
    data = copy.deepcopy(data)
    holder = data
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return data


@pytest.mark.parametrize("day", ["2024-03-12", "2026-08-21"])
def test_a_wrong_value_anywhere_gives_papers_or_an_error_naming_the_url(day):
    """Every key of a real item (and the item, and the list), set to each odd value in turn."""
    items = fixture_items(day)[:1]
    outcomes = {"papers": 0, "errors": 0}
    for path in _paths(items):
        for value in BAD_VALUES:
            try:
                papers = parse_items(_replaced(items, path, value), URL, dt.date.fromisoformat(day))
            except ScrapeError as exc:
                assert str(exc).startswith(URL)
                outcomes["errors"] += 1
                continue
            outcomes["papers"] += 1
            for p in papers:  # what is kept is clean
                texts = [p.title, p.abstract, *p.authors, *p.keywords, p.ai_summary or "", p.organization or ""]
                assert not any(c in t for t in texts for c in ("\ud800", "\uffff", "\x00"))
                assert p.upvotes is None or 0 <= p.upvotes <= 10**12
    assert outcomes["papers"] > 100 and outcomes["errors"] > 10


def test_data_no_check_foresaw_fails_its_response_by_url():
    assert read(URL, lambda: [1]) == [1]
    with pytest.raises(
        ScrapeError, match=r"^http://127.0.0.1:1/api/daily_papers\?date=D: unreadable data \(KeyError: 'x'\)"
    ):
        read(URL, lambda: {}["x"])
    with pytest.raises(ZeroDivisionError):  # a bug, not the data's fault: it is not hidden
        read(URL, lambda: 1 / 0)


def test_text_loses_the_characters_xml_cannot_hold():
    item = {
        "paper": {
            "id": "2501.00001",
            "title": "A\uffff \ud800Title\x0b",
            "summary": "Line\ufffe one.\x00\n\nTwo\x1b.",
            "authors": [{"name": "B\udfffob"}],
            "ai_keywords": ["k\uffff"],
        }
    }
    p = parse_items([item], URL, None)[0]
    assert (p.title, p.abstract, p.authors, p.keywords) == ("A Title", "Line one.\n\nTwo.", ("Bob",), ("k",))


def test_submitter_organization_of_2025_09_counts_as_organization():
    item = {
        "paper": {"id": "2509.00001", "title": "T", "summary": "S", "authors": []},
        "submitterOrganization": {"name": "nvidia", "fullname": "NVIDIA"},
    }
    assert parse_items([item], URL, None)[0].organization == "NVIDIA"


# Bad input: a clear error naming the URL


@pytest.mark.parametrize(
    "body",
    [
        b'[{"paper": {"id": "2403.0',
        b"<html>",
        b"\xff\xfe",
        b"",
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the parser's recursion limit
        b'[{"paper": {"upvotes": ' + b"7" * 5000 + b"}}]",  # past Python's 4,300-digit limit
    ],
)
def test_invalid_or_truncated_json(body):
    with pytest.raises(ScrapeError) as caught:
        decode_json(body, URL)
    assert URL in str(caught.value) and "invalid JSON" in str(caught.value)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"status": "ok", "data": []}, "expected a JSON list"),
        ([{"title": "no paper"}], "without a 'paper' object"),
        ([{"paper": {"title": "No id", "summary": "x"}}], "without a usable id"),
        ([{"paper": {"id": "../../etc/passwd", "title": "Bad id"}}], "without a usable id"),
        ([{"paper": {"id": "2403.00001"}}], "has no title"),
    ],
)
def test_unusable_items_name_the_url(data, message):
    with pytest.raises(ScrapeError) as caught:
        parse_items(data, URL, None)
    assert message in str(caught.value) and str(caught.value).startswith(URL)


# HTML: the paper page


def test_paper_page_island_as_recorded():
    p = parse_paper_page(PAPER_PAGE.read_text(encoding="utf-8"), "http://h/papers/2509.24002")
    assert p.id == "2509.24002" and p.upvotes == 118 and p.comments == 2
    assert p.title == "MCPMark: A Benchmark for Stress-Testing Realistic and Comprehensive MCP Use"
    assert p.listed == dt.date(2025, 10, 1) and p.published == dt.date(2025, 9, 28)
    assert len(p.authors) == 15 and p.authors[0] == "Zijian Wu"
    assert p.organization == "National University of Singapore"  # from submitterOrganization
    assert p.thumbnail.endswith("/papers/2509.24002/gradient.png")
    assert p.abstract.startswith("MCP standardizes how LLMs interact") and "52.56\\%" in p.abstract


def test_paper_page_island_with_entity_quoting_as_served():
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(PAPER_PAGE.read_text(encoding="utf-8"), "html.parser")
    div = soup.find("div", attrs={"data-target": "PaperContent"})
    served = f'<html><body><div data-target="PaperContent" data-props="{html.escape(div["data-props"])}"></div></body></html>'
    assert "&quot;" in served
    assert parse_paper_page(served, "http://h/papers/2509.24002").upvotes == 118


def test_paper_page_without_island_falls_back_to_the_markup():
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(PAPER_PAGE.read_text(encoding="utf-8"), "html.parser")
    for div in soup.find_all("div", attrs={"data-target": True}):
        del div["data-props"]
    p = parse_paper_page(str(soup), "http://h/papers/2509.24002")
    assert p.id == "2509.24002" and p.upvotes == 118 and len(p.authors) == 15
    assert p.title == "MCPMark: A Benchmark for Stress-Testing Realistic and Comprehensive MCP Use"
    assert p.abstract.startswith("MCP standardizes how LLMs interact with external systems")
    assert "AI-generated summary" not in p.abstract


def test_a_changed_paper_page_is_an_error_naming_the_url():
    page = "<html><body><div class='new-layout'><h2>Summary</h2><p>text</p></div></body></html>"
    with pytest.raises(ScrapeError) as caught:
        parse_paper_page(page, "http://h/papers/2509.24002")
    assert "http://h/papers/2509.24002" in str(caught.value) and "structure" in str(caught.value)


# HTML: the daily list page


def test_daily_page_island():
    items = fixture_items("2026-08-21")
    papers = parse_daily_page(daily_page(items, "2026-08-21"), "http://h/papers/date/2026-08-21", dt.date(2026, 8, 21))
    assert [p.id for p in papers] == [i["paper"]["id"] for i in items]
    assert papers[0].organization == "Google" and papers[0].abstract


def test_daily_page_showing_another_day_means_no_papers_that_day():
    items = fixture_items("2026-08-21")
    page = daily_page(items, "2026-08-22", date_string="2026-08-21")
    assert parse_daily_page(page, "http://h/papers/date/2026-08-22", dt.date(2026, 8, 22)) == []


def test_daily_page_cards_when_the_island_is_gone():
    items = fixture_items("2024-03-12")
    page = f"<html><body><main>{cards(items)}</main></body></html>"
    papers = parse_daily_page(page, "http://h/papers/date/2024-03-12", dt.date(2024, 3, 12))
    assert [p.id for p in papers] == [i["paper"]["id"] for i in items]
    assert papers[0].upvotes == 63 and papers[0].incomplete and papers[0].listed == dt.date(2024, 3, 12)


def test_a_changed_daily_page_is_an_error():
    page = "<html><body><main><section class='papers'><div>Nothing we know</div></section></main></body></html>"
    with pytest.raises(ScrapeError, match="structure not recognised"):
        parse_daily_page(page, "http://h/papers/date/2024-03-12", dt.date(2024, 3, 12))


def test_a_paper_page_about_another_paper_or_with_odd_data():
    page = PAPER_PAGE.read_text(encoding="utf-8")
    assert parse_paper_page(page, "http://h/papers/2509.24002").id == "2509.24002"
    nested = '<div data-target="PaperContent" data-props="' + "[" * 100_000 + '">x</div>'
    with pytest.raises(ScrapeError, match="invalid JSON in the PaperContent data"):
        parse_paper_page(nested, "http://h/papers/2509.24002")
    upvotes = '<h1>T</h1><div><h2>Abstract</h2><p class="text-gray-600">A.</p></div><div class="font-semibold text-orange-500">{}</div>'
    for odd in ("²", "9" * 5000, "-"):
        assert parse_paper_page(upvotes.format(odd), "http://h/papers/2509.24002").upvotes is None


def test_an_island_with_broken_json_is_an_error():
    page = '<div data-target="DailyPapers" data-props="{&quot;dailyPapers&quot;: [">x</div>'
    with pytest.raises(ScrapeError, match="invalid JSON in the DailyPapers data"):
        parse_daily_page(page, "http://h/papers/date/2024-03-12", dt.date(2024, 3, 12))


# arXiv


def test_arxiv_atom_feed():
    papers = list(parse_feed(ATOM.read_bytes(), "http://a/api/query").values())
    assert len(papers) == 10 and all(isinstance(p, ScrapedPaper) for p in papers)
    p = papers[0]
    assert (p.id, p.title, p.published) == ("1501.05039", "Defining Data Science", dt.date(2015, 1, 21))
    assert p.authors == ("Yangyong Zhu", "Yun Xiong")
    assert p.abstract.startswith("Data science is gaining more and more and widespread attention, but no consensus")
    assert "\n" not in papers[1].title and "Benétreau-Dupin" in papers[1].authors[1]
    assert papers[2].id == "quant-ph-0210005"  # an old-style id, made a usable file name


def test_one_unusable_arxiv_entry_fails_that_paper_only():
    feed = ATOM.read_bytes().replace(b"<title>Defining Data Science</title>", b"<title> </title>", 1)
    entries = parse_feed(feed, "http://a/api/query")
    assert isinstance(entries["1501.05039"], ScrapeError) and "has no title" in str(entries["1501.05039"])
    assert sum(isinstance(e, ScrapedPaper) for e in entries.values()) == 9


def test_arxiv_error_entry_and_bad_xml():
    error = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#incorrect_id_format'
        b"</id><title>Error</title><summary>incorrect id format for 1234</summary></entry></feed>"
    )
    with pytest.raises(ScrapeError, match="incorrect id format"):
        parse_feed(error, "http://a/api/query")
    with pytest.raises(ScrapeError, match="invalid Atom XML"):
        parse_feed(b"<feed", "http://a/api/query")


def test_arxiv_ids_as_people_write_them():
    assert normalise_id("arXiv:2509.24002v2") == "2509.24002"
    assert normalise_id("https://arxiv.org/abs/2509.24002") == "2509.24002"
    assert normalise_id("2403.06634") == "2403.06634"
    assert normalise_id("../etc") is None and normalise_id("2509") is None


@pytest.mark.parametrize(
    "text",
    [
        "https://arxiv.org/abs/2310.00653v2",
        "http://arxiv.org/pdf/2310.00653.pdf",
        "https://arxiv.org/pdf/2310.00653v1",
        "https://huggingface.co/papers/2310.00653",
        "arxiv.org/abs/2310.00653",
        " 2310.00653 ",
        "10.48550/arXiv.2310.00653",
        "https://doi.org/10.48550/arXiv.2310.00653",
        "ARXIV:2310.00653",
    ],
)
def test_the_forms_people_paste_give_the_id(text):
    assert normalise_id(text) == "2310.00653"


def test_ids_split_by_commas_come_once_and_the_rest_is_named():
    assert split_ids(["2310.00653,2310.00654", "2310.00653v2", "2501.01234"]) == (
        ["2310.00653", "2310.00654", "2501.01234"],
        [],
    )
    assert split_ids(["", "hep-th/9901001", "x, 2310.00653"]) == (["2310.00653"], ["", "hep-th/9901001", "x"])


def test_values_past_the_content_limits_are_cut_so_the_file_passes_check(tmp_path):
    words = " ".join(["word"] * 8_000)  # 39,999 characters
    item = {
        "paper": {
            "id": "2501.00002",
            "title": "T",
            "summary": words,
            "upvotes": 5 * 10**9,
            "authors": [{"name": f"Author {i}"} for i in range(MAX_AUTHORS + 10)] + [{"name": "x" * 600}],
            "ai_keywords": [f"k{i}" for i in range(MAX_KEYWORDS + 5)],
            "ai_summary": "s" * 6_000,
            "organization": {"name": "o" * 600},
        }
    }
    p = parse_items([item], URL, dt.date(2025, 1, 2))[0]
    assert len(p.abstract) <= MAX_ABSTRACT and p.abstract.endswith("word")
    assert (len(p.authors), len(p.keywords), p.ai_summary, p.organization, p.upvotes) == (
        MAX_AUTHORS,
        MAX_KEYWORDS,
        None,
        None,
        None,
    )
    assert sum("over the content limits" in note for note in p.notes) == 5
    write_new(tmp_path / "content", new_paper(p, ()))
    loaded = load_content(tmp_path / "content")
    assert loaded.errors == [] and [paper.id for paper in loaded.papers] == ["2501.00002"]


def test_a_title_past_the_limit_fails_that_paper():
    item = {"paper": {"id": "2501.00003", "title": "t" * 1_001, "summary": "S"}}
    with pytest.raises(ScrapeError, match="title of 1,001 characters"):
        parse_items([item], URL, dt.date(2025, 1, 2))


def test_a_services_date_is_kept_up_to_the_last_day_the_loader_accepts():
    today = dt.date.today()
    assert usable_day(last_day(today)) == last_day(today)
    assert usable_day(last_day(today) + dt.timedelta(days=1)) is None  # `check` would refuse the file
    assert usable_day(FIRST_DAY) == FIRST_DAY and usable_day(FIRST_DAY - dt.timedelta(days=1)) is None
