"""Citation metadata, COinS, list .bib files and open data, on a site built from recorded API days."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import build
from generator.citation import COINS_CHARACTERS, coins, highwire
from generator.config import SiteConfig
from generator.model import Paper
from generator.scrape.hf_api import parse_items
from generator.store import write_paper
from tests.bibcheck import parse_bib, unescape
from tests.conftest import FIXTURES, REPO
from tests.sitecheck import tree_snapshot

BASE_URL = "https://example.org/sub/path/"
DAYS = ["2024-03-12", "2024-03-13", "2024-03-15"]
HOSTILE = Paper(
    id="2403.99999",
    title="Q&A at 50% of $\\alpha$-nets_v2 #1 {x} \\y $",
    authors=("Zoë {Brace", "Tom and Jerry", "Ann_Lee & Co"),
    published=dt.date(2024, 3, 1),
    listed=dt.date(2024, 3, 15),
    upvotes=1,
    tags=("recorded",),
    abstract='Costs $5 & more <b>bold</b> "quoted".',
)
NOT_ARXIV = Paper(
    id="a-paper-without-arxiv",
    title="A Paper Without arXiv",
    authors=("Kim Lee",),
    listed=dt.date(2024, 3, 13),
    tags=("recorded",),
    project_page="https://example.com/p",
    abstract="No arXiv id.",
)

PAPER_FIELDS = [f.name for f in dataclasses.fields(Paper) if f.name != "tags"]


def recorded_papers() -> list[Paper]:
    papers = []
    for day in DAYS:
        data = json.loads((FIXTURES / "scrape" / "daily_papers" / f"{day}.json").read_text())
        for scraped in parse_items(data, day, dt.date.fromisoformat(day)):
            values = {name: getattr(scraped, name) for name in PAPER_FIELDS if hasattr(scraped, name)}
            papers.append(Paper(**values, tags=("recorded",)))
    return papers


class Head(HTMLParser):
    """The meta tags, links and COinS spans of a page, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.links: dict[str, str] = {}
        self.coins: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and "content" in a and ("name" in a or "property" in a):
            self.meta.append((a.get("name") or a["property"], a["content"]))
        elif tag == "link":
            self.links.setdefault(a["rel"], a["href"])
        elif tag == "span" and a.get("class") == "Z3988":
            self.coins.append(a["title"])
        elif tag == "a" and "href" in a:
            self.hrefs.append(a["href"])


def read(output: Path, path: str) -> Head:
    head = Head()
    head.feed((output / path).read_text(encoding="utf-8"))
    return head


def tags(head: Head, name: str) -> list[str]:
    return [content for n, content in head.meta if n == name]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, list[Paper]]:
    root = tmp_path_factory.mktemp("cite")
    content = root / "content"
    papers = [*recorded_papers(), HOSTILE, NOT_ARXIV]
    for paper in papers:
        write_paper(content, paper)
    config = SiteConfig(base_url=BASE_URL, per_page=3, root=REPO)
    build(content, root / "out", config, search=False)
    return root / "out", papers


def test_paper_pages_carry_the_highwire_tags_in_order(site):
    output, papers = site
    for paper in papers[:-2]:
        head = read(output, f"papers/{paper.id}/index.html")
        assert tags(head, "citation_title") == [paper.title]
        assert tags(head, "citation_author") == list(paper.authors) and len(paper.authors) > 0
        assert tags(head, "citation_publication_date") == [paper.published.strftime("%Y/%m/%d")]
        assert tags(head, "citation_online_date") == [paper.published.strftime("%Y/%m/%d")]
        assert tags(head, "citation_arxiv_id") == [paper.id]
        assert tags(head, "citation_pdf_url") == [f"https://arxiv.org/pdf/{paper.id}"]
        assert tags(head, "citation_abstract_html_url") == [f"https://arxiv.org/abs/{paper.id}"]
        assert tags(head, "citation_doi") == [f"10.48550/arXiv.{paper.id}"]
        assert tags(head, "citation_abstract") == [" ".join(paper.abstract.split())]
        assert head.coins == []  # it would win over the richer tags


def test_a_recorded_day_keeps_its_real_authors_and_dates(site):
    output, _ = site
    head = read(output, "papers/2403.06634/index.html")
    assert tags(head, "citation_author")[:3] == ["Nicholas Carlini", "Daniel Paleka", "Krishnamurthy Dj Dvijotham"]
    assert tags(head, "citation_publication_date") == ["2024/03/11"]


def test_canonical_and_open_graph_use_the_base_urls_sub_path(site):
    output, papers = site
    paper = papers[0]
    head = read(output, f"papers/{paper.id}/index.html")
    url = f"{BASE_URL}papers/{paper.id}/"
    assert head.links["canonical"] == url
    assert tags(head, "og:url") == [url] and tags(head, "og:type") == ["article"]
    assert tags(head, "og:title") == [paper.title] and tags(head, "og:site_name") == ["Broadsheet"]
    assert tags(head, "og:description")[0].split()[:5] == paper.abstract.split()[:5]
    assert tags(head, "og:image") == ([paper.thumbnail] if paper.thumbnail else [])
    assert tags(head, "twitter:card") == ["summary_large_image" if paper.thumbnail else "summary"]


def test_a_paper_without_an_arxiv_id_gets_no_invented_one(site):
    output, _ = site
    head = read(output, f"papers/{NOT_ARXIV.id}/index.html")
    names = {n for n, _ in head.meta}
    assert (
        not {
            "citation_arxiv_id",
            "citation_pdf_url",
            "citation_doi",
            "citation_abstract_html_url",
            "citation_publication_date",
        }
        & names
    )
    assert tags(head, "citation_author") == ["Kim Lee"]
    bib = (output / f"papers/{NOT_ARXIV.id}/index.html").read_text()
    assert "eprint" not in bib and "arXiv." not in bib


def test_hostile_text_stays_text_in_the_tags(site):
    output, _ = site
    head = read(output, f"papers/{HOSTILE.id}/index.html")
    assert tags(head, "citation_title") == [HOSTILE.title]
    assert tags(head, "citation_author") == list(HOSTILE.authors)
    assert tags(head, "citation_abstract") == [HOSTILE.abstract]


def list_pages(output: Path) -> list[Path]:
    found = [p for p in output.glob("[12][0-9][0-9][0-9]/**/index.html")]
    found += [
        *output.glob("tags/*/index.html"),
        *output.glob("tags/*/page/*/index.html"),
        *output.glob("top/**/index.html"),
    ]
    return found


def test_list_pages_have_one_coins_span_per_paper_shown(site):
    output, papers = site
    by_title = {p.title: p for p in papers}
    pages = list_pages(output)
    assert len(pages) > 10
    with_cards = 0
    for page in pages:
        head = read(output, str(page.relative_to(output)))
        shown = (output / page.relative_to(output)).read_text().count('class="paper-card"')
        assert len(head.coins) == shown, page  # one line a paper (long lists) has none
        with_cards += shown > 0
    assert with_cards >= 3  # the day and top pages
    head = read(output, "2024/03/12/index.html")
    fields = parse_qs(head.coins[0])
    paper = by_title[fields["rft.atitle"][0]]
    assert fields["rft.au"] == list(paper.authors) and fields["rft.date"] == [paper.published.isoformat()]
    assert f"info:doi/10.48550/arXiv.{paper.id}" in fields["rft_id"]


def test_every_list_links_one_bib_of_all_its_papers(site):
    output, papers = site
    for first, n in (("tags/recorded/", len(papers)), ("2024/03/", len(papers)), ("2024/03/12/", 9)):
        head = read(output, first + "index.html")
        later = read(output, first + "page/2/index.html")
        bib_href = f"/sub/path/{first}papers.bib"
        assert bib_href in head.hrefs and bib_href in later.hrefs
        text = (output / first / "papers.bib").read_text(encoding="utf-8")
        assert f"BibTeX for these {n} papers" in (output / first / "index.html").read_text()
        assert len(parse_bib(text).entries) == n
    assert parse_bib((output / "top/papers.bib").read_text()).entries


def test_every_bib_parses_and_a_paper_has_one_key_everywhere(site):
    output, papers = site
    key_of: dict[str, str] = {}
    files = sorted(output.rglob("*.bib"))
    assert len(files) > 5
    for file in files:
        for key, entry in parse_bib(file.read_text(encoding="utf-8")).entries.items():
            title = unescape(entry.fields["title"][1:-1])
            assert key_of.setdefault(title, key) == key, (file, title)
    assert len(set(key_of.values())) == len(key_of) == len(papers)
    assert HOSTILE.title.replace("  ", " ") in key_of  # round-trips through escaping and the parser
    for paper in papers:  # the paper page shows the same entry under the same key
        page = (output / f"papers/{paper.id}/index.html").read_text()
        assert f"@misc{{{key_of[' '.join(paper.title.split())]}," in page


def test_open_data_files_are_complete(site):
    output, papers = site
    index = json.loads((output / "data/index.json").read_text())
    assert index["papers"] == len(papers) and index["updated"] == "2024-03-15"
    assert index["files"] == [{"year": 2024, "papers": len(papers), "url": f"{BASE_URL}data/2024.json"}]
    year = json.loads((output / "data/2024.json").read_text())["papers"]
    assert sorted(r["id"] for r in year) == sorted(p.id for p in papers)
    record = next(r for r in year if r["id"] == HOSTILE.id)
    assert record["title"] == HOSTILE.title and record["authors"] == list(HOSTILE.authors)
    assert record["abstract"] == HOSTILE.abstract and record["url"] == f"{BASE_URL}papers/{HOSTILE.id}/"
    assert record["published"] == "2024-03-01" and record["listed"] == "2024-03-15" and record["tags"] == ["recorded"]
    assert set(record) == {f.name for f in dataclasses.fields(Paper)} - {"source_path"} | {"url"}


def test_each_paper_has_a_markdown_copy(site):
    output, papers = site
    for paper in papers:
        text = (output / f"papers/{paper.id}/index.md").read_text(encoding="utf-8")
        assert text.startswith(f"# {' '.join(paper.title.split())}\n")
        assert f"- Page: {BASE_URL}papers/{paper.id}/" in text
        assert paper.abstract.strip()[:40] in text
        assert read(output, f"papers/{paper.id}/index.html").links["alternate"] != ""
    text = (output / f"papers/{HOSTILE.id}/index.md").read_text(encoding="utf-8")
    assert "- Authors: Zoë {Brace, Tom and Jerry, Ann_Lee & Co" in text
    assert "- arXiv abstract: https://arxiv.org/abs/2403.99999" in text


def test_a_backfilled_clash_moves_keys_the_same_in_incremental_and_cold_builds(tmp_path):
    content, config = tmp_path / "content", SiteConfig(base_url=BASE_URL, per_page=3, root=REPO)
    newer = Paper(
        id="2403.00002",
        title="Inverse problems",
        authors=("Wei Zhan",),
        published=dt.date(2024, 3, 1),
        listed=dt.date(2024, 3, 5),
        tags=("inverse",),
        abstract="Newer.",
    )
    write_paper(content, newer)
    build(content, tmp_path / "out", config, search=False, cache_dir=tmp_path / "cache")
    assert "@misc{zhan2024inverse," in (tmp_path / "out/tags/inverse/papers.bib").read_text()
    older = dataclasses.replace(newer, id="2403.00001", listed=dt.date(2024, 3, 2), abstract="Older.")
    write_paper(content, older)  # a backfill: received before the newer paper, so it takes the plain key
    build(content, tmp_path / "out", config, search=False, cache_dir=tmp_path / "cache")
    build(content, tmp_path / "cold", config, search=False)
    assert tree_snapshot(tmp_path / "out") == tree_snapshot(tmp_path / "cold")
    page = (tmp_path / "out/papers/2403.00002/index.html").read_text()
    assert "@misc{zhan2024inversea," in page
    keys = list(parse_bib((tmp_path / "out/tags/inverse/papers.bib").read_text()).entries)
    assert keys == ["zhan2024inversea", "zhan2024inverse"]


def test_coins_hold_only_url_characters_even_from_hostile_text_and_decode_to_it():
    hostile = dataclasses.replace(HOSTILE, authors=('A "&amp;" <b>', "B&rft.au=C"), published=dt.date(2024, 1, 2))
    text = coins(hostile)
    assert set(text) <= COINS_CHARACTERS  # what card.html writes unescaped into the title attribute
    fields = parse_qs(text)
    assert fields["rft.atitle"] == [hostile.title] and fields["rft.au"] == list(hostile.authors)


@pytest.mark.parametrize("day", [dt.date(2024, 3, 1), dt.date(1991, 12, 31), dt.date(999, 1, 2), dt.date(5, 10, 9)])
def test_highwire_dates_are_what_strftime_writes(day):
    paper = dataclasses.replace(HOSTILE, published=day)
    dates = {m.content for m in highwire(paper) if m.name.endswith("_date")}
    assert dates == {day.strftime("%Y/%m/%d")}


@settings(max_examples=2000, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_coins_values_are_quoted_as_urlencode_quotes_them(text):
    paper = dataclasses.replace(HOSTILE, title=text, authors=(text, "Ann Lee"))
    pairs = [("ctx_ver", "Z39.88-2004"), ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"), ("rft.genre", "preprint")]
    pairs += [("rft.atitle", text)] + [("rft.au", a) for a in (text, "Ann Lee") if a.strip()]
    assert coins(paper).startswith(urlencode(pairs, safe=":/") + "&rft.date=2024-03-01&")
