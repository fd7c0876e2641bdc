"""`broadsheet resolve` against the local server: a seed paper (id = title slug) found by its exact
title is renamed to its arXiv id with its old address kept; anything else is left alone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from generator.build import build
from generator.config import SiteConfig
from generator.loader import load_content, load_file
from tests.scrape_server import Reply, ScrapeServer, fixture_items
from tests.test_scrape_run import run, snapshot

SLUG = "stealing-part-of-a-production-language-model"
TITLE = "Stealing part of a production language-model"  # the seed's spelling: case and a hyphen differ
EMPTY_FEED = b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>\n'


def target(path: str, params: dict[str, str]) -> str:
    """The request target the client sends for `path` with `params` (its own query encoding)."""
    return httpx.URL(path, params=params).raw_path.decode()


def hf_search(title: str) -> str:
    return target("/api/papers/search", {"q": title})


def arxiv_search(title: str) -> str:
    words = " ".join("".join(c if c.isalnum() else " " for c in title).split())
    return target("/api/query", {"search_query": f'ti:"{words}"', "max_results": "10"})


def seed(content: Path, slug: str = SLUG, title: str = TITLE) -> Path:
    path = content / "papers" / "2024" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\nid: {slug}\ntitle: {title}\nauthor_count: 13\nlisted: 2024-03-12\nupvotes: 12\n"
        "tags:\n- llm-alignment\nnote: a contributor's own key\n---\nThe seed's abstract.\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def server():
    with ScrapeServer() as s:
        yield s


def stealing_item() -> dict:
    return next(i for i in fixture_items("2024-03-12") if i["paper"]["id"] == "2403.06634")


def test_an_exact_title_match_renames_the_paper_and_keeps_what_it_had(server, content):
    old = seed(content)
    server.route(hf_search(TITLE), Reply.json([stealing_item()]))
    status, out, err = run(server, content, "resolve")
    assert status == 0, err
    new = content / "papers" / "2024" / "03" / "2403.06634.md"
    assert f"resolved: {SLUG} -> 2403.06634 ({new})" in out and "papers: 1 resolved" in out
    assert not old.exists()
    paper, problems = load_file(new)
    assert [p for p in problems if p.is_error] == []
    assert paper.id == "2403.06634" and paper.aliases == (SLUG,)
    assert paper.title == TITLE and paper.tags == ("llm-alignment",) and paper.abstract == "The seed's abstract."
    assert paper.authors[0] == "Nicholas Carlini" and paper.upvotes == 63 and paper.published == dt.date(2024, 3, 11)
    assert "note: a contributor's own key" in new.read_text(encoding="utf-8")
    assert server.hits(arxiv_search(TITLE)) == 0  # Hugging Face had it
    again = run(server, content, "resolve")
    assert again[0] == 0 and "papers: 0 resolved, 0 without an exact match, 0 failed" in again[1]


def test_a_renamed_file_keeps_its_line_breaks(server, content):
    old = seed(content)
    old.write_bytes(old.read_bytes().replace(b"\n", b"\r\n"))
    server.route(hf_search(TITLE), Reply.json([stealing_item()]))
    assert run(server, content, "resolve")[0] == 0
    raw = (content / "papers" / "2024" / "03" / "2403.06634.md").read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") > 20 and raw.endswith(b"---\r\nThe seed's abstract.\r\n")


def test_a_renamed_file_keeps_its_comments_and_order(server, content):
    old = seed(content)
    old.write_text(
        f"---\n# from the seed listing\ntitle: {TITLE}  # as printed\nid: {SLUG}\ntags: [llm-alignment]\n---\nMine.\n",
        encoding="utf-8",
    )
    server.route(hf_search(TITLE), Reply.json([stealing_item()]))
    assert run(server, content, "resolve")[0] == 0
    text = (content / "papers" / "2024" / "03" / "2403.06634.md").read_text(encoding="utf-8")
    assert text.startswith(
        f"---\n# from the seed listing\ntitle: {TITLE}  # as printed\nauthors:\n- Nicholas Carlini\n"
    )
    assert "\nid: '2403.06634'\ntags: [llm-alignment]\n" in text and text.endswith(f"aliases:\n- {SLUG}\n---\nMine.\n")


def test_an_edit_made_while_resolve_looks_up_is_kept(server, content, monkeypatch):
    from generator.scrape import resolve

    old = seed(content)
    look_up = resolve.look_up

    def look_up_while_a_contributor_edits(*args):
        found = look_up(*args)
        old.write_text(old.read_text(encoding="utf-8").replace("upvotes:", "authors: [Their Own Name]\nupvotes:"))
        return found

    monkeypatch.setattr(resolve, "look_up", look_up_while_a_contributor_edits)
    server.route(hf_search(TITLE), Reply.json([stealing_item()]))
    assert run(server, content, "resolve")[0] == 0
    paper, _ = load_file(content / "papers" / "2024" / "03" / "2403.06634.md")
    assert paper.authors == ("Their Own Name",) and paper.aliases == (SLUG,)


def test_a_file_with_errors_claiming_the_arxiv_id_stops_the_rename(server, content):
    """A renamed file of the paper with an error in it: resolve wrote a second file with its id beside it."""
    old = seed(content)
    mine = content / "papers" / "2023" / "mine.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\nid: '2403.06634'\ntitle: Stealing (mine)\nupvotes: -1\n---\nMine.\n", encoding="utf-8")
    server.route(hf_search(TITLE), Reply.json([stealing_item()]))
    files = snapshot(content)
    status, out, err = run(server, content, "resolve")
    assert status == 1 and "papers: 0 resolved, 0 without an exact match, 1 failed" in out
    assert f"{SLUG}: {mine}:4: upvotes: " in err and "not updated until it is fixed" in err
    assert snapshot(content) == files and old.exists()


def test_arxiv_is_asked_when_hugging_face_has_no_exact_match(server, content):
    seed(content, "a-paper-about-science", "Paper About Science")
    server.route(hf_search("Paper About Science"), Reply.json([]))
    atom = (Path(__file__).parent / "fixtures" / "scrape" / "query-all-science-2019-08-10.atom.xml").read_bytes()
    title = "Paper About Science"
    server.route(arxiv_search(title), Reply(200, atom, (("Content-Type", "application/atom+xml"),)))
    status, out, err = run(server, content, "resolve")
    assert status == 0, err
    assert "left alone: a-paper-about-science: no paper with exactly this title" in out  # ten near-misses
    assert (content / "papers" / "2024" / "a-paper-about-science.md").exists()


def test_an_exact_match_on_arxiv_resolves_when_hugging_face_has_none(server, content):
    title = "defining data science"
    seed(content, "defining-data-science", title)
    server.route(hf_search(title), Reply.json([]))
    atom = (Path(__file__).parent / "fixtures" / "scrape" / "query-all-science-2019-08-10.atom.xml").read_bytes()
    server.route(arxiv_search(title), Reply(200, atom, (("Content-Type", "application/atom+xml"),)))
    status, out, err = run(server, content, "resolve")
    assert status == 0, err
    paper, _ = load_file(content / "papers" / "2024" / "03" / "1501.05039.md")
    assert paper.title == title and paper.aliases == ("defining-data-science",) and paper.authors


def test_a_near_miss_is_refused_and_nothing_changes(server, content):
    sequel = "Stealing Part of a Production Language Model 2"
    seed(content, "stealing-2", sequel)
    server.route(hf_search(sequel), Reply.json([stealing_item()]))
    server.route(arxiv_search(sequel), Reply(200, EMPTY_FEED))
    before = snapshot(content)
    status, out, err = run(server, content, "resolve")
    assert status == 0, err
    assert (
        "left alone: stealing-2: no paper with exactly this title; nearest: "
        "2403.06634 'Stealing Part of a Production Language Model'"
    ) in out
    assert snapshot(content) == before


def test_several_candidates_are_refused(server, content):
    seed(content)
    twin = stealing_item()
    twin = {**twin, "paper": {**twin["paper"], "id": "2403.99999"}}
    server.route(hf_search(TITLE), Reply.json([stealing_item(), twin]))
    before = snapshot(content)
    status, out, _ = run(server, content, "resolve")
    assert status == 0 and "several papers have this title: 2403.06634, 2403.99999" in out
    assert snapshot(content) == before


def test_no_match_anywhere_exits_0(server, content):
    seed(content)
    server.route(hf_search(TITLE), Reply.json([]))
    server.route(arxiv_search(TITLE), Reply(200, EMPTY_FEED))
    before = snapshot(content)
    status, out, _ = run(server, content, "resolve")
    assert status == 0 and "papers: 0 resolved, 1 without an exact match, 0 failed" in out
    assert snapshot(content) == before


def test_a_content_folder_not_there_is_one_line(server, tmp_path):
    missing = tmp_path / "typo"
    status, out, err = run(server, missing, "resolve", tmp=tmp_path)
    assert (status, out, err) == (1, "", f"broadsheet: error: content folder not found ({missing})\n")
    assert server.log.targets == [] and not missing.exists()


def test_a_server_error_is_reported_and_nothing_is_written(server, content):
    seed(content)
    server.route(hf_search(TITLE), Reply(500))
    server.route(arxiv_search(TITLE), Reply(503))
    before = snapshot(content)
    status, out, err = run(server, content, "resolve")
    assert status == 1
    assert f"failed: {SLUG}: {server.url}/api/papers/search" in err and "HTTP 500" in err and "HTTP 503" in err
    assert snapshot(content) == before


def test_limit_looks_up_only_that_many(server, content):
    for n in range(3):
        seed(content, f"paper-{n}", f"Paper {n}")
    status, out, err = run(server, content, "resolve", "--limit", "2")
    assert status == 1 and err.count("failed: paper-") == 2  # nothing routed: 404s
    assert sum(server.hits(hf_search(f"Paper {n}")) for n in range(3)) == 2


def test_the_old_address_answers_after_a_rebuild(server, content, site_root, tmp_path):
    seed(content)
    server.route(hf_search(TITLE), Reply.json([stealing_item()]))
    assert run(server, content, "resolve")[0] == 0
    config = SiteConfig(root=site_root, base_url="https://example.org/archive/")
    output, cache = tmp_path / "out", tmp_path / "cache"
    for _ in range(2):  # a cold build, then an incremental one
        build(content, output, config, jobs=1, search=False, cache_dir=cache)
        page = (output / "papers" / SLUG / "index.html").read_text(encoding="utf-8")
        assert '<link rel="canonical" href="https://example.org/archive/papers/2403.06634/">' in page
        assert '<meta name="robots" content="noindex">' in page
        assert 'url=/archive/papers/2403.06634/"' in page and 'href="/archive/papers/2403.06634/"' in page
        assert (output / "papers" / "2403.06634" / "index.html").exists()
        feed = (output / "feed.xml").read_text(encoding="utf-8")
        assert f'<guid isPermaLink="true">https://example.org/archive/papers/{SLUG}/</guid>' in feed
        assert "<link>https://example.org/archive/papers/2403.06634/</link>" in feed
        (item,) = [
            i for i in json.loads((output / "feed.json").read_text(encoding="utf-8"))["items"] if SLUG in i["id"]
        ]
        assert item["id"] == f"https://example.org/archive/papers/{SLUG}/"  # the JSON Feed twin keeps it too
        assert item["url"] == "https://example.org/archive/papers/2403.06634/"
        assert f"papers/{SLUG}/" not in (output / "sitemap.xml").read_text(encoding="utf-8")
    assert load_content(content).errors == []


def test_aliases_are_checked_like_ids(content):
    from tests.conftest import paper_file, write_content

    bad = "aliases: [old-a, 'no spaces please']\n"
    write_content(content, "2024/03/2403.00001.md", paper_file("2403.00001", "A", bad))
    write_content(content, "2024/03/2403.00002.md", paper_file("2403.00002", "B", "aliases: [old-a]\n"))
    messages = [p.message for p in load_content(content).errors]
    assert "aliases: 'no spaces please' is not a usable id (letters, digits, '.', '_', '-')" in messages
    write_content(content, "2024/03/2403.00001.md", paper_file("2403.00001", "A", "aliases: [old-a]\n"))
    assert [p.message for p in load_content(content).errors] == [
        f"duplicate id 'old-a': its alias here, the alias in {content / 'papers/2024/03/2403.00001.md'}"
    ]


def test_the_redirect_page_is_valid_html(server, content, site_root, tmp_path):
    from tests.test_html_valid import run_vnu

    seed(content)
    server.route(hf_search(TITLE), Reply.json([stealing_item()]))
    assert run(server, content, "resolve")[0] == 0
    build(content, tmp_path / "out", SiteConfig(root=site_root), jobs=1, search=False, cache_dir=None)
    messages = run_vnu([tmp_path / "out" / "papers" / SLUG / "index.html"])
    assert [m for m in messages if m["type"] in ("error", "non-document-error")] == []


def test_an_incremental_build_after_a_rename_equals_a_cold_one(server, content, site_root, tmp_path):
    seed(content)
    config = SiteConfig(root=site_root)
    output, cache = tmp_path / "out", tmp_path / "cache"
    build(content, output, config, jobs=1, search=False, cache_dir=cache)
    assert "citation_title" in (output / "papers" / SLUG / "index.html").read_text(encoding="utf-8")
    server.route(hf_search(TITLE), Reply.json([stealing_item()]))
    assert run(server, content, "resolve")[0] == 0
    build(content, output, config, jobs=1, search=False, cache_dir=cache)
    build(content, tmp_path / "cold", config, jobs=1, search=False, cache_dir=None)

    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    assert files(output) == files(tmp_path / "cold")
    old_page = (output / "papers" / SLUG / "index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in old_page
