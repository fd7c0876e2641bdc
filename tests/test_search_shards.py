"""The search index in date shards: which paper goes where, what a rebuild makes again, the same
bytes as a cold build, and in Chromium the same answers as one full index (result sets, filter
counts, best match, orders over the whole archive) and a paper added by an incremental build found.

Bundles are made by the real Pagefind; the browser tests serve real built sites."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urljoin

import pytest
from playwright.sync_api import Browser, Page, expect

from generator import search_records, search_words
from generator.build import build, tag_display_names
from generator.config import SiteConfig
from generator.loader import load_content
from generator.model import Paper
from generator.search import ORDER, SHARDS, SearchInput, bundle_bytes, index_site, update_bundle
from generator.search_records import UNDATED, WHOLE, record, shards
from generator.taxonomy import build_archive
from tests.conftest import paper_file, write_content
from tests.recorded import CONFIG, recorded_content
from tests.test_browser import launched_chromium, tab
from tests.themesite import BASE_URL, serve_folder


def paper(pid: str, day: dt.date | None, upvotes: int = 0, **fields) -> Paper:
    return Paper(id=pid, title=f"Paper {pid}", abstract=f"About {pid}.", listed=day, upvotes=upvotes, **fields)


def test_small_archives_are_one_shard_and_large_ones_split_by_quarter_and_newest_months() -> None:
    papers = [
        paper("a", dt.date(2023, 5, 1)),
        paper("b", dt.date(2024, 1, 9)),
        paper("c", dt.date(2024, 3, 2)),
        paper("d", dt.date(2024, 3, 1)),
        paper("e", None),
    ]
    archive = build_archive(papers)
    assert shards(archive) == {WHOLE: [archive.papers[i] for i in archive.timeline]}
    split = shards(archive, whole_below=0)
    assert {name: [p.id for p in ps] for name, ps in split.items()} == {
        "2024-03": ["c", "d"],
        "2024-01": ["b"],
        "2023-q2": ["a"],
        UNDATED: ["e"],
    }


def test_a_record_holds_what_is_searched_and_filtered_but_no_upvotes() -> None:
    p = paper(
        "2401.00001",
        dt.date(2024, 1, 2),
        upvotes=7,
        authors=("Ada Lovelace", "Alan Turing"),
        tags=("vision", "rl"),
        organization="KAIST AI",
        github="https://github.com/x/y",
        ai_summary="A summary.",
        keywords=("k1", "k2"),
    )
    p = dataclasses.replace(p, abstract="Some *emphasis* and <b>markup</b> as text.")
    got = record(p, {"rl": "Reinforcement Learning"})
    assert got["url"] == "/papers/2401.00001/"
    assert got["content"] == "Some emphasis and <b>markup</b> as text."  # what readers see, as text
    assert got["meta"] == {
        "title": "Paper 2401.00001",
        "authors": "Ada Lovelace, Alan Turing",
        "tags": "vision, Reinforcement Learning",
        "summary": "A summary.",
        "keywords": "k1, k2",
    }
    assert got["filters"] == {"tag": ["vision", "rl"], "year": ["2024"], "organization": ["kaist-ai"], "code": ["yes"]}
    assert "7" not in json.dumps(got)  # a re-vote changes no record


class Moves:
    def __init__(self) -> None:
        self.log: list[tuple[Path, Path]] = []

    def renamed(self, old: Path, new: Path) -> None:
        self.log.append((old, new))


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_organization_without_a_slug_is_no_filter_value() -> None:
    """'🤗' has no page (no letter or digit for its address); its filter value was '', which no menu lists."""
    for name, expected in (("🤗", None), ("!!!", None), ("KAIST AI", ["kaist-ai"])):
        p = paper("2401.00001", dt.date(2024, 1, 2), organization=name)
        assert record(p, {})["filters"].get("organization") == expected


def test_a_rebuild_makes_only_changed_shards_and_gives_a_cold_builds_bytes(tmp_path: Path) -> None:
    papers = [
        paper(f"2{m:02}0.0000{d}", dt.date(2020 + m // 13, (m - 1) % 12 + 1, d), d) for m in (3, 14, 15) for d in (1, 2)
    ]
    source = SearchInput(build_archive(papers), {}, whole_below=0)
    old = index_site(tmp_path, source, tmp_path / "old")
    names = [s["name"] for s in json.loads((old / SHARDS).read_text())["shards"]]
    assert names == ["2021-03", "2021-02", "2020-q1"]
    # A re-vote of the oldest paper and a new paper in the newest month.
    changed = [*papers[1:], dataclasses.replace(papers[0], upvotes=99), paper("2150.00009", dt.date(2021, 3, 9))]
    source = SearchInput(build_archive(changed), {}, whole_below=0)
    moves = Moves()
    update_bundle(old, tmp_path / "new", source, moves)
    assert {(o.relative_to(old).as_posix(), n.relative_to(tmp_path / "new").as_posix()) for o, n in moves.log} == {
        ("shards/2021-02", "shards/2021-02"),
        ("shards/2020-q1", "shards/2020-q1"),
    }  # the unchanged shards moved over, the newest one made again
    cold = index_site(tmp_path, source, tmp_path / "cold")
    assert files(tmp_path / "new") == files(cold)
    assert bundle_bytes(tmp_path / "new") == sum(len(data) for data in files(cold).values())
    order = json.loads((cold / ORDER).read_text())
    assert order["date"][order["upvotes"][0]] == order["date"][-1]  # the re-voted oldest paper leads by upvotes


def test_shards_made_at_once_by_forked_processes_give_one_process_bytes(tmp_path: Path) -> None:
    papers = [
        paper(f"2{y % 100}0{q}.0000{d}", dt.date(y, 3 * q, d)) for y in (2022, 2023) for q in (1, 2, 4) for d in (1, 2)
    ]
    one = index_site(tmp_path, SearchInput(build_archive(papers), {}, whole_below=0, workers=1), tmp_path / "one")
    two = index_site(tmp_path, SearchInput(build_archive(papers), {}, whole_below=0, workers=2), tmp_path / "two")
    assert len(json.loads((one / SHARDS).read_text())["shards"]) == 6
    assert files(two) == files(one)


def test_a_bundle_of_an_older_shard_layout_is_replaced_cleanly(tmp_path: Path, monkeypatch) -> None:
    papers = [
        paper(f"2{m:02}0.0000{d}", dt.date(2020 + m // 13, (m - 1) % 12 + 1, d)) for m in (3, 7, 14) for d in (1, 2)
    ]
    source = SearchInput(build_archive(papers), {}, whole_below=0)
    with monkeypatch.context() as patched:  # shards of whole years, as bundles were made before quarters
        patched.setattr(search_records, "shard_name", lambda p, newest: f"{p.archive_date.year}")
        old = index_site(tmp_path, source, tmp_path / "old")
    assert sorted(p.name for p in (old / "shards").iterdir()) == ["2020"]
    moves = Moves()
    update_bundle(old, tmp_path / "new", source, moves)
    assert moves.log == []  # no shard of the old layout is kept: each one is made anew
    assert files(tmp_path / "new") == files(index_site(tmp_path, source, tmp_path / "cold"))
    assert sorted(p.name for p in (tmp_path / "new" / "shards").iterdir()) == ["2020-q1", "2020-q3"]


def test_a_bundles_size_is_its_shards_listed_bytes_and_its_own_files(tmp_path: Path) -> None:
    papers = [
        paper(f"2{y % 100}0{q}.0000{d}", dt.date(y, 3 * q, d)) for y in (2022, 2023) for q in (1, 4) for d in (1, 2)
    ]
    bundle = index_site(tmp_path, SearchInput(build_archive(papers), {}, whole_below=0), tmp_path / "b")
    walked = sum(len(data) for data in files(bundle).values())
    assert bundle_bytes(bundle) == walked and bundle_bytes(tmp_path / "none") == 0
    listing = json.loads((bundle / SHARDS).read_text())
    assert sum(s["bytes"] for s in listing["shards"]) < walked  # the shards.json, order.json and words/ files besides
    for s in listing["shards"]:  # a bundle from before sizes were listed is walked
        del s["bytes"]
    (bundle / SHARDS).write_text(json.dumps(listing))
    assert bundle_bytes(bundle) == sum(len(data) for data in files(bundle).values())


def test_every_shard_loads_the_bundles_one_webassembly(tmp_path: Path) -> None:
    papers = [paper(f"2{y % 100}01.0000{y % 10}", dt.date(y, 1, 1)) for y in (2023, 2024)]
    bundle = index_site(tmp_path, SearchInput(build_archive(papers), {}, whole_below=0), tmp_path / "b")
    for listed in json.loads((bundle / SHARDS).read_text())["shards"][1:]:
        entry = json.loads((bundle / listed["path"] / "pagefind-entry.json").read_text())
        wasm = entry["languages"]["en"]["wasm"]  # Pagefind fetches <index folder>wasm.<this>.pagefind
        fetched = urljoin(f"https://example.org/pagefind/{listed['path']}", f"wasm.{wasm}.pagefind")
        assert fetched == "https://example.org/pagefind/wasm.en.pagefind" and (bundle / "wasm.en.pagefind").is_file()
        assert not (bundle / listed["path"] / "wasm.en.pagefind").exists()


def test_a_paper_without_an_abstract_is_indexed_by_its_title(tmp_path: Path) -> None:
    papers = [dataclasses.replace(paper("2401.00001", dt.date(2024, 1, 1)), abstract=""), paper("2401.00002", None)]
    bundle = index_site(tmp_path, SearchInput(build_archive(papers), {}), tmp_path / "b")
    order = json.loads((bundle / ORDER).read_text())
    assert len(order["date"]) == 2 and sorted(order["upvotes"]) == [0, 1]


def test_an_archive_without_papers_has_an_empty_bundle(tmp_path: Path) -> None:
    bundle = index_site(tmp_path, SearchInput(build_archive([]), {}), tmp_path / "b")
    assert json.loads((bundle / SHARDS).read_text()) == {"shards": []}
    assert json.loads((bundle / ORDER).read_text()) == {"date": [], "upvotes": []}


# -- in Chromium ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[Paper]]:
    """The recorded site with one full index, and the same site with its index in date shards."""
    tmp = tmp_path_factory.mktemp("shards")
    content = recorded_content(tmp / "content")
    whole = tmp / "whole"
    config = dataclasses.replace(CONFIG, base_url=BASE_URL)
    build(content, whole, config)
    sharded = tmp / "sharded"
    shutil.copytree(whole, sharded)
    shutil.rmtree(sharded / "pagefind")
    papers = load_content(content).papers
    index_site(sharded, SearchInput(build_archive(papers), tag_display_names(config), config.language, whole_below=0))
    assert len(json.loads((sharded / "pagefind" / SHARDS).read_text())["shards"]) > 3
    return whole, sharded, papers


def answer(page: Page, base: str, params: dict[str, str]) -> tuple[str, list[str], dict[str, list[str]]]:
    """The status line, the ids listed, and every filter's options (with counts) for a search URL."""
    page.goto(f"{base}search/?{urlencode(params)}")
    expect(page.locator("#search-status")).not_to_be_empty()
    page.wait_for_timeout(200)
    hrefs = page.locator("#search-results li h2 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    options = {
        key: page.locator(f"#search-{key} option").all_text_contents()
        for key in ("tag", "organization", "year", "code")
    }
    ids = [re.fullmatch(r".*/papers/([^/]+)/", href)[1] for href in hrefs]
    return page.locator("#search-status").text_content() or "", ids, options


# Words every shard has, by best match and in the two orders over the whole archive, and filters
# without words (see the next test for words that some shards lack).
QUERIES = [
    {"q": "model"},
    {"q": "language models"},
    {"q": "benchmark"},
    {"q": "image generation"},
    {"q": "alignment"},
    {"q": "learning", "sort": "upvotes"},
    {"q": "model", "sort": "date"},
    {"sort": "upvotes"},
    {"sort": "date"},
    {"year": "2024", "sort": "upvotes"},
    {"tag": "recorded", "code": "yes", "sort": "date"},
    {"tag": "recorded", "code": "yes"},
]


def test_shards_answer_as_one_full_index(browser: Browser, two_sites) -> None:
    whole, sharded, papers = two_sites
    with serve_folder(whole) as whole_base, serve_folder(sharded) as sharded_base, tab(browser) as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        for params in QUERIES:
            # The same count, filter counts, and first 20 papers in the same order: best match
            # scored with the archive's statistics, the other orders over the whole archive.
            assert answer(page, sharded_base, params) == answer(page, whole_base, params), params
        assert errors == []
    by_id = {p.id: p for p in papers}
    _, ids, _ = answer_once(browser, sharded, {"sort": "upvotes"})
    votes = [by_id[i].upvotes or 0 for i in ids]
    assert votes == sorted(votes, reverse=True) and len(ids) == 20


# Words some shards hold and others lack (checked below against the bundle's word lists), their
# prefixes, a word no indexed word starts with (one full index answers for its longest indexed prefix),
# a word the archive lacks altogether (ignored), two-word queries, and filters with their counts.
PARTIAL = ["video", "diffusion", "robot"]
LACKING = [
    *({"q": word} for word in PARTIAL),
    {"q": "vid"},
    {"q": "vide"},
    {"q": "videoz"},
    {"q": "robotics"},
    {"q": "video diffusion"},
    {"q": "language video"},
    {"q": "video zzqxjw"},
    {"q": "zzqxjw"},
    {"q": "video", "year": "2026"},
    {"q": "diffusion", "code": "yes"},
    {"q": "vid", "tag": "recorded"},
]


def test_a_word_some_shards_lack_gives_one_full_indexs_answer(browser: Browser, two_sites) -> None:
    """Pagefind answers a word no indexed word starts with by its longest indexed prefix: a shard
    without the word would answer for a shorter one. The page takes answers only from the shards
    that match each word as the archive does, so every answer is one full index's: the count, the
    filter counts, the papers by best match (all of them in the order "newest" when more than 20)."""
    whole, sharded, _ = two_sites
    shard_names = [s["name"] for s in json.loads((sharded / "pagefind" / SHARDS).read_text())["shards"]]
    held = search_words.read(sharded / "pagefind", shard_names)
    for word in PARTIAL:  # the queries test what they claim: some shards hold words starting so, others none
        holding = [name for name in shard_names if any(w.startswith(word[:6]) for w in held[name])]
        assert 0 < len(holding) < len(shard_names), word
    with serve_folder(whole) as whole_base, serve_folder(sharded) as sharded_base, tab(browser) as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        for params in LACKING:
            whole_answer = answer(page, whole_base, params)
            assert answer(page, sharded_base, params) == whole_answer, params
            if "showing" in whole_answer[0]:  # more than 20: all the papers, in the order "newest"
                ordered = {**params, "sort": "date"}
                assert answer(page, sharded_base, ordered) == answer(page, whole_base, ordered), ordered
        assert errors == []


def answer_once(browser: Browser, site: Path, params: dict[str, str]):
    with serve_folder(site) as base, tab(browser) as page:
        return answer(page, base, params)


def test_the_search_page_finds_a_paper_added_by_an_incremental_build(browser: Browser, tmp_path: Path) -> None:
    content, out, cache = tmp_path / "content", tmp_path / "out", tmp_path / "cache"
    for i in range(1, 4):
        write_content(content, f"{i}.md", paper_file(f"2401.0000{i}", f"Paper {i}", f"listed: 2024-01-0{i}\n"))
    config = SiteConfig(base_url=BASE_URL, root=tmp_path)
    build(content, out, config, cache_dir=cache)
    write_content(
        content, "4.md", paper_file("2401.00004", "Quixotic Zebras", "listed: 2024-01-04\n", "Zebras are quixotic.")
    )
    report = build(content, out, config, cache_dir=cache)
    assert 0 < report.written < report.files  # incremental
    status, ids, _ = answer_once(browser, out, {"q": "quixotic"})
    assert ids == ["2401.00004"] and status.startswith("1 paper found")
