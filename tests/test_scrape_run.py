"""`broadsheet scrape` and `broadsheet add` end to end, against a real local server serving the
recorded responses: what lands in content/, and what a re-run, an outage or a kill leaves there."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import cli
from generator.errors import UserError
from generator.loader import load_content, load_file
from generator.scrape.arxiv import ID_FORMS
from generator.scrape.commands import scrape_days
from tests.scrape_server import (
    ATOM,
    PAPER_PAGE,
    Reply,
    ScrapeServer,
    cards,
    daily_page,
    fixture_items,
    paper_page_props,
)

REPO = Path(__file__).resolve().parent.parent
MARCH = ("2024-03-12", "2024-03-27")  # ten recorded days and six without papers (weekends...)
FAST = ["--retries", "1", "--backoff", "0", "--timeout", "2", "--no-progress"]


@pytest.fixture
def hf_server():
    with ScrapeServer() as server:
        yield server


def run(
    server: ScrapeServer,
    content: Path,
    *args: str,
    config: str = "",
    tmp: Path | None = None,
    options: tuple[str, ...] = (),
) -> tuple[int, str, str]:
    """`broadsheet <args>` in this process (`options` override the FAST ones); returns (status, stdout, stderr)."""
    site = (tmp or content.parent) / "site.yaml"
    site.write_text(config or "title: Test\n", encoding="utf-8")
    argv = [
        *args,
        "--content",
        str(content),
        "--config",
        str(site),
        "--source-url",
        server.url,
        "--arxiv-url",
        server.url,
        *FAST,
        *options,
    ]
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    return status, out.getvalue(), err.getvalue()


def serve_march(server: ScrapeServer) -> int:
    """The recorded March 2024 days, and an empty list for the days between them. Returns the paper count."""
    recorded = set(server.serve_fixture_days())
    day, last = dt.date.fromisoformat(MARCH[0]), dt.date.fromisoformat(MARCH[1])
    while day <= last:
        if day not in recorded:
            server.serve_day(day, [])
        day += dt.timedelta(days=1)
    return sum(len(fixture_items(d.isoformat())) for d in recorded if d <= last)


def snapshot(content: Path) -> dict[str, bytes]:
    return {str(p.relative_to(content)): p.read_bytes() for p in sorted(content.rglob("*.md"))}


def backfill(server, content, *extra):
    return run(server, content, "scrape", "--since", MARCH[0], "--until", MARCH[1], *extra)


def test_backfill_writes_one_valid_file_per_paper(hf_server, content):
    count = serve_march(hf_server)
    status, out, err = backfill(hf_server, content)
    assert status == 0, err
    assert f"papers: {count} added, 0 updated, 0 unchanged, 0 failed" in out
    result = load_content(content)
    assert result.errors == [] and len(result.papers) == count == 116
    paper = next(p for p in result.papers if p.id == "2403.06634")
    assert Path(paper.source_path) == content / "papers" / "2024" / "03" / "2403.06634.md"
    assert paper.listed == dt.date(2024, 3, 12) and paper.published == dt.date(2024, 3, 11)
    assert paper.upvotes == 63 and paper.comments == 3 and "Florian Tramèr" in paper.authors
    assert "id: '2403.06634'" in Path(paper.source_path).read_text(encoding="utf-8")  # quoted: not a float


def test_every_field_of_the_latest_schema_lands_in_the_file(hf_server, content):
    hf_server.serve_fixture_days()
    status, _, err = run(hf_server, content, "scrape", "--date", "2026-08-21")
    assert status == 0, err
    paper, problems = load_file(content / "papers" / "2026" / "08" / "2608.19880.md")
    assert problems == []
    assert (paper.organization, paper.github, paper.github_stars, paper.project_page) == (
        "Google",
        "https://github.com/google-research/envharness",
        8,
        "https://envharness.com/",
    )
    assert paper.thumbnail.endswith("2608.19880.png") and paper.ai_summary and paper.keywords
    assert paper.listed == dt.date(2026, 8, 21) and paper.comments == 1


def test_rerunning_rewrites_nothing(hf_server, content):
    serve_march(hf_server)
    backfill(hf_server, content)
    before = {p: (content / p).stat().st_mtime_ns for p in snapshot(content)}
    files = snapshot(content)
    status, out, _ = backfill(hf_server, content)
    assert status == 0 and "0 added, 0 updated, 116 unchanged" in out
    assert snapshot(content) == files
    assert {p: (content / p).stat().st_mtime_ns for p in files} == before


def test_service_fields_refresh_and_contributor_edits_survive(hf_server, content):
    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    path = content / "papers" / "2024" / "03" / "2403.06634.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "title: Stealing Part of a Production Language Model", "title: Stealing Part of a Model (edited)"
    )
    text = (
        text.replace("tags:", "my_own_note: my own key\ntags:")
        if "tags:" in text
        else text.replace("---\n", "---\nmy_own_note: my own key\n", 1)
    )
    text = text.rsplit("---\n", 1)[0] + "---\nMy own summary of the paper.\n"
    path.write_text(text, encoding="utf-8")
    items = fixture_items("2024-03-12")
    items[0]["paper"]["upvotes"], items[0]["numComments"] = 99, 7
    items[0]["paper"]["summary"] = "A newer abstract from the service."
    items[0]["paper"]["githubRepo"] = "https://github.com/example/new"
    hf_server.serve_day("2024-03-12", items)
    status, out, _ = run(hf_server, content, "scrape", "--date", "2024-03-12")
    assert status == 0 and "1 updated, 8 unchanged" in out
    paper, problems = load_file(path)
    assert paper.upvotes == 99 and paper.comments == 7  # the service's
    assert paper.github == "https://github.com/example/new"  # was missing: filled in
    assert paper.title == "Stealing Part of a Model (edited)" and paper.abstract == "My own summary of the paper."
    assert "my_own_note: my own key" in path.read_text(encoding="utf-8")  # an unknown key is kept
    assert [p.message for p in problems] == ["my_own_note: unknown key (ignored)"]


def scrape_with_the_first_revoted(hf_server, content) -> tuple[int, str]:
    """Scrape 2024-03-12 again once the service gives its first paper 99 upvotes: an update of one value."""
    items = fixture_items("2024-03-12")
    items[0]["paper"]["upvotes"] = 99
    hf_server.serve_day("2024-03-12", items)
    status, out, _ = run(hf_server, content, "scrape", "--date", "2024-03-12")
    return status, out


def test_a_paper_a_contributor_gave_another_id_is_found_by_its_alias(hf_server, content):
    """Its arXiv id kept under `aliases` (so its old URL stays), and its title edited: the scraper wrote the paper
    again under that id, and every build after failed with "duplicate id '2403.06634'"."""
    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    path = content / "papers" / "2024" / "03" / "2403.06634.md"
    text = path.read_text(encoding="utf-8").replace("id: '2403.06634'", "id: stealing\naliases:\n- '2403.06634'")
    text = text.replace("Production Language Model", "Model (edited)")  # nor found by its title
    path.unlink()
    path = path.with_name("stealing.md")
    path.write_text(text, encoding="utf-8")
    status, out = scrape_with_the_first_revoted(hf_server, content)
    assert status == 0 and "0 added, 1 updated, 8 unchanged" in out
    assert sorted(p.name for p in path.parent.iterdir() if "06634" in p.name or "stealing" in p.name) == [path.name]
    assert load_file(path)[0].upvotes == 99
    assert load_content(content).errors == []


@pytest.mark.parametrize(
    ("where", "broken", "line"),
    [
        ("2024/03/2403.06634.md", ("upvotes: 63", "upvotes: -63"), 20),  # its own place: the error's line is named
        ("2024/mine.md", ("upvotes: 63", "upvotes: -63"), 20),  # renamed, and an error in its values
        (
            "2023/stealing.md",
            ("comments: 3", "comments: [3"),
            22,
        ),  # moved, and YAML that does not parse (found at the fence)
    ],
)
def test_a_file_with_errors_claiming_the_papers_id_is_left_alone_and_named_at_its_line(
    hf_server, content, where, broken, line
):
    """The scraper wrote the paper again at its usual place beside a renamed file with an error, without a word:
    two files with one id once the contributor fixed theirs, and their edits no longer the paper's."""
    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    usual = content / "papers" / "2024" / "03" / "2403.06634.md"
    text = usual.read_text(encoding="utf-8").replace("Production Language Model", "Model (edited)").replace(*broken)
    usual.unlink()
    mine = content / "papers" / where
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text(text, encoding="utf-8")
    for command in (("scrape", "--date", "2024-03-12"), ("add", "2403.06634")):
        hf_server.route("/api/papers/2403.06634", Reply.json(fixture_items("2024-03-12")[0]["paper"]))
        status, out, err = run(hf_server, content, *command)
        assert status == 1 and "1 failed" in out
        assert "failed: " in err and f"2403.06634: {mine}:{line}: " in err and "not updated until it is fixed" in err
        assert sorted(p.name for p in content.rglob("*.md") if "06634" in p.name or p.stem in ("mine", "stealing")) == [
            mine.name
        ]
        assert mine.read_text(encoding="utf-8") == text
    assert len(load_content(content).papers) == 8  # the other papers were written


def test_a_symlinked_paper_file_is_updated_through_its_link(hf_server, content, tmp_path):
    """The update was renamed over the link: the link became a copy, and the file it named was never updated again."""
    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    link = content / "papers" / "2024" / "03" / "2403.06634.md"
    shared = tmp_path / "shared" / "stealing.md"
    shared.parent.mkdir()
    shared.write_bytes(link.read_bytes())
    link.unlink()
    link.symlink_to(shared)
    status, out = scrape_with_the_first_revoted(hf_server, content)
    assert status == 0 and "1 updated, 8 unchanged" in out
    assert link.is_symlink() and link.readlink() == shared
    assert load_file(shared)[0].upvotes == 99
    assert [p.name for p in shared.parent.iterdir()] == ["stealing.md"]  # no temporary file left beside it


@pytest.mark.parametrize(
    "written",
    [
        pytest.param(lambda raw: raw.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda raw: b"\xef\xbb\xbf" + raw, id="bom"),
        pytest.param(lambda raw: raw.rstrip(b"\n"), id="no-last-line-break"),
        pytest.param(lambda raw: b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n").rstrip(b"\r\n"), id="all-three"),
    ],
)
def test_an_update_keeps_the_files_line_breaks_and_byte_order_mark(hf_server, content, written):
    """Saved by an editor on Windows: the update wrote every line again with "\n", and dropped a byte order mark,
    so the one value the scraper set came with a change to every line of the contributor's abstract."""
    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    path = content / "papers" / "2024" / "03" / "2403.06634.md"
    edited = path.read_bytes().replace(b"\n---\nWe introduce", b"\n---\nWe, the contributors,\n\nintroduce")
    path.write_bytes(written(edited))
    status, out = scrape_with_the_first_revoted(hf_server, content)
    assert status == 0 and "1 updated, 8 unchanged" in out
    assert path.read_bytes() == written(edited.replace(b"upvotes: 63", b"upvotes: 99"))


CONTRIBUTORS_FILE = """---
# Checked against the PDF by hand.
title: >-
  Stealing Part of a
  Production Language Model
id: 2403.06634
authors: [Nicholas Carlini, et al.]
published: 2024-03-11
listed: 2024-03-12
tags: [security, "LLM"]   # ours
upvotes: 63  # at the time of writing
comments: 3
reviewed: yes
seen: 0x1F

# more to come
---

My own summary.\t
"""


def test_an_update_writes_only_the_lines_of_the_values_it_sets(hf_server, content):
    """Comments, the contributor's order of keys, their quoting and line folding, their own keys as written (`yes`,
    `0x1F`) and the blank lines around the abstract were all written again in the scraper's own style."""
    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    path = content / "papers" / "2024" / "03" / "2403.06634.md"
    path.write_text(CONTRIBUTORS_FILE, encoding="utf-8")
    items = fixture_items("2024-03-12")
    items[0]["paper"]["upvotes"], items[0]["paper"]["githubRepo"] = 99, "https://github.com/example/new"
    hf_server.serve_day("2024-03-12", items)
    status, out, _ = run(hf_server, content, "scrape", "--date", "2024-03-12")
    assert status == 0 and "1 updated, 8 unchanged" in out
    expected = CONTRIBUTORS_FILE.replace("upvotes: 63  # at the time of writing", "upvotes: 99").replace(
        "# ours\n", "# ours\ngithub: https://github.com/example/new\n"
    )
    assert path.read_text(encoding="utf-8") == expected  # github where the usual order puts it: after tags


def test_front_matter_in_one_flow_mapping_is_written_again_whole(hf_server, content):
    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    path = content / "papers" / "2024" / "03" / "2403.06634.md"
    path.write_text(
        "---\n{id: '2403.06634', title: Mine, upvotes: 63, listed: 2024-03-12}\n---\nMine.\n", encoding="utf-8"
    )
    assert scrape_with_the_first_revoted(hf_server, content)[0] == 0
    paper, problems = load_file(path)
    assert problems == [] and (paper.title, paper.upvotes, paper.abstract) == ("Mine", 99, "Mine.")
    assert paper.authors[0] == "Nicholas Carlini"  # filled in


def test_an_edit_made_while_the_scrape_fetches_is_kept(hf_server, content, monkeypatch):
    """The merge used the file as it was when the scrape began: authors and an abstract a contributor wrote while it
    fetched (minutes, on a backfill) were taken for missing and filled over with the service's."""
    from generator.scrape import sources

    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    path = content / "papers" / "2024" / "03" / "2403.06634.md"
    text = path.read_text(encoding="utf-8")
    bare = text[: text.index("authors:")] + text[text.index("published:") : text.rindex("---\n") + 4]
    path.write_text(bare, encoding="utf-8")  # no authors, no abstract: the scraper would fill both
    fetch_day = sources.fetch_day

    def fetch_while_a_contributor_edits(*args, **kwargs):
        fetched = fetch_day(*args, **kwargs)
        edited = bare.replace("published:", "authors:\n- Their Own Name\npublished:") + "Their own abstract.\n"
        path.write_text(edited, encoding="utf-8")
        return fetched

    monkeypatch.setattr(sources, "fetch_day", fetch_while_a_contributor_edits)
    status, out = scrape_with_the_first_revoted(hf_server, content)
    assert status == 0 and "1 updated, 8 unchanged" in out
    paper, _ = load_file(path)
    assert paper.authors == ("Their Own Name",) and paper.abstract == "Their own abstract." and paper.upvotes == 99


@pytest.mark.parametrize("other", ["2403.06634v2", "stealing"])
def test_a_file_holding_another_id_where_the_paper_goes_is_named_for_what_it_is(hf_server, content, other):
    """It was reported as a file with errors, to be seen with `broadsheet check`, which found none."""
    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    path = content / "papers" / "2024" / "03" / "2403.06634.md"
    text = path.read_text(encoding="utf-8").replace("'2403.06634'", f"'{other}'").replace("Production ", "")
    path.write_text(text, encoding="utf-8")
    status, out, err = run(hf_server, content, "scrape", "--date", "2024-03-12")
    assert status == 1 and "0 added, 0 updated, 8 unchanged, 1 failed" in out
    assert err == (
        f"failed: 2024-03-12: 2403.06634: {path} holds the paper '{other}', not '2403.06634'; not overwritten "
        "(if it is this paper, list '2403.06634' under its `aliases:`)\n"
    )
    assert path.read_text(encoding="utf-8") == text


def test_an_imported_seed_paper_is_enriched_in_place(hf_server, content):
    seed = content / "papers" / "2024" / "stealing-part-of-a-production-language-model.md"
    seed.parent.mkdir(parents=True)
    seed.write_text(
        "---\nid: stealing-part-of-a-production-language-model\ntitle: Stealing part of a production language-model\n"
        "author_count: 13\npublished: 2024-03-11\nupvotes: 12\ntags:\n- llm-alignment\n---\nThe seed's abstract.\n",
        encoding="utf-8",
    )
    hf_server.serve_fixture_days()
    status, out, _ = run(hf_server, content, "scrape", "--date", "2024-03-12")
    assert status == 0 and "8 added, 1 updated" in out
    assert not (content / "papers" / "2024" / "03" / "2403.06634.md").exists()  # never duplicated
    paper, _ = load_file(seed)
    assert paper.id == "stealing-part-of-a-production-language-model"  # its URL keeps working
    assert paper.title == "Stealing part of a production language-model" and paper.tags == ("llm-alignment",)
    assert paper.abstract == "The seed's abstract." and paper.author_count == 13
    assert paper.upvotes == 63 and paper.listed == dt.date(2024, 3, 12) and paper.authors[0] == "Nicholas Carlini"
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    assert len(load_content(content).papers) == 9


def test_an_empty_or_shorter_day_deletes_and_shrinks_nothing(hf_server, content):
    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    files = snapshot(content)
    hf_server.serve_day("2024-03-12", [])
    assert run(hf_server, content, "scrape", "--date", "2024-03-12")[0] == 0
    shorter = fixture_items("2024-03-12")[:3]
    for item in shorter:  # a partial day whose items lack fields the first fetch had
        item["paper"]["authors"] = item["paper"]["authors"][:1]
        del item["numComments"]
    hf_server.serve_day("2024-03-12", shorter)
    status, out, _ = run(hf_server, content, "scrape", "--date", "2024-03-12")
    assert status == 0 and "3 unchanged" in out
    assert snapshot(content) == files


def test_a_paper_on_two_days_keeps_the_first(hf_server, content):
    hf_server.serve_fixture_days()
    items = fixture_items("2024-03-12")
    hf_server.serve_day("2024-03-14", [items[0]])  # seen again two days later
    status, _, _ = run(hf_server, content, "scrape", "--since", "2024-03-12", "--until", "2024-03-14")
    assert status == 0
    paper, _ = load_file(content / "papers" / "2024" / "03" / "2403.06634.md")
    assert paper.listed == dt.date(2024, 3, 12)
    # The later day scraped first, the earlier one after: still the earliest, in the same file.
    other = content.parent / "other"
    run(hf_server, other, "scrape", "--date", "2024-03-14")
    run(hf_server, other, "scrape", "--date", "2024-03-12")
    paper, _ = load_file(other / "papers" / "2024" / "03" / "2403.06634.md")
    assert paper.listed == dt.date(2024, 3, 12)


def test_a_failing_day_is_reported_and_the_others_kept(hf_server, content):
    hf_server.serve_fixture_days()
    hf_server.route("/api/daily_papers?date=2024-03-13", Reply(500, b"down"))
    hf_server.route("/papers/date/2024-03-13", Reply(503, b"down"))
    status, out, err = run(hf_server, content, "scrape", "--since", "2024-03-12", "--until", "2024-03-13")
    assert status == 1
    assert f"failed: 2024-03-13: {hf_server.url}/api/daily_papers?date=2024-03-13: server answered 500" in err
    assert "HTTP 500" in err and f"{hf_server.url}/papers/date/2024-03-13" in err and "HTTP 503" in err
    assert "9 added" in out and "1 failed" in out
    assert len(load_content(content).papers) == 9


def test_quiet_prints_only_the_failures(hf_server, content):
    """-q: errors only, as for every command; the day that failed is still named with its URL and status."""
    hf_server.serve_fixture_days()
    items = fixture_items("2024-03-12")
    items[0]["paper"]["upvotes"] = 10**100  # a warning, which -q leaves out
    hf_server.serve_day("2024-03-12", json.dumps(items).encode())
    hf_server.route("/api/daily_papers?date=2024-03-13", Reply(500, b"down"))
    hf_server.route("/papers/date/2024-03-13", Reply(503, b"down"))
    argv = ("scrape", "--since", "2024-03-12", "--until", "2024-03-13")
    status, out, err = run(hf_server, content, *argv, options=("-q",))
    assert (status, out) == (1, "")
    assert err.startswith("failed: 2024-03-13: ") and all(line.startswith("failed: ") for line in err.splitlines())
    assert len(load_content(content).papers) == 9


def test_invalid_json_names_the_url_and_writes_nothing(hf_server, content):
    hf_server.serve_day("2024-03-12", (REPO / "tests/fixtures/scrape/daily_papers/2024-03-12.json").read_bytes()[:5000])
    status, _, err = run(hf_server, content, "scrape", "--date", "2024-03-12")
    assert status == 1 and "invalid JSON" in err and f"{hf_server.url}/api/daily_papers?date=2024-03-12" in err
    assert snapshot(content) == {}


def test_a_paper_without_an_id_spoils_its_whole_response(hf_server, content):
    items = fixture_items("2024-03-12")
    del items[4]["paper"]["id"]
    hf_server.serve_day("2024-03-12", items)
    status, _, err = run(hf_server, content, "scrape", "--date", "2024-03-12")
    assert status == 1 and "a paper without a usable id" in err and "date=2024-03-12" in err
    assert snapshot(content) == {}


def test_the_html_list_page_stands_in_for_a_failing_api(hf_server, content):
    hf_server.route("/api/daily_papers?date=2026-08-21", Reply(500))
    hf_server.route("/papers/date/2026-08-21", Reply.html(daily_page(fixture_items("2026-08-21"), "2026-08-21")))
    status, out, err = run(hf_server, content, "scrape", "--date", "2026-08-21")
    assert status == 0 and "17 added" in out and "used the HTML page instead" in err
    paper, _ = load_file(content / "papers" / "2026" / "08" / "2608.19880.md")
    assert paper.organization == "Google" and paper.upvotes == 163


def test_cards_and_paper_pages_when_the_island_is_gone_too(hf_server, content):
    items = [i for i in fixture_items("2025-10-03")][:2]
    items[0]["paper"]["id"] = "2509.24002"  # the paper whose real page we have
    hf_server.route("/api/daily_papers?date=2025-10-03", Reply(502))
    hf_server.route("/papers/date/2025-10-03", Reply.html(f"<html><body><main>{cards(items)}</main></body></html>"))
    hf_server.route("/papers/2509.24002", Reply.html(PAPER_PAGE.read_text(encoding="utf-8")))
    status, out, err = run(hf_server, content, "scrape", "--date", "2025-10-03")
    assert status == 0 and "2 added" in out
    assert f"{hf_server.url}/papers/{items[1]['paper']['id']}" in err  # its page is missing: noted
    full, _ = load_file(content / "papers" / "2025" / "10" / "2509.24002.md")
    assert full.abstract.startswith("MCP standardizes") and len(full.authors) == 15
    assert full.listed == dt.date(2025, 10, 3)  # the day whose list showed the card...
    assert full.upvotes == items[0]["paper"]["upvotes"]  # ...and the card's count


def test_changed_html_everywhere_fails_the_day(hf_server, content):
    hf_server.route("/api/daily_papers?date=2024-03-12", Reply(500))
    hf_server.route("/papers/date/2024-03-12", Reply.html("<html><body><main><p>New design!</p></main></body></html>"))
    status, _, err = run(hf_server, content, "scrape", "--date", "2024-03-12")
    assert status == 1 and "structure not recognised" in err and "/papers/date/2024-03-12" in err
    assert snapshot(content) == {}


def test_add_from_hugging_face(hf_server, content):
    hf_server.route("/api/papers/2509.24002", Reply.json(paper_page_props()["paper"]))
    hf_server.route("/papers/2509.24002", Reply.html(PAPER_PAGE.read_text(encoding="utf-8")))
    status, out, _ = run(hf_server, content, "add", "arXiv:2509.24002v1")
    assert status == 0 and "1 added" in out
    paper, problems = load_file(content / "papers" / "2025" / "10" / "2509.24002.md")
    assert problems == [] and paper.comments == 2 and paper.github_stars == 182  # comments: from the page
    assert paper.listed == dt.date(2025, 10, 1)


def test_add_falls_back_to_arxiv_and_reports_what_nobody_knows(hf_server, content):
    hf_server.route("/api/query?id_list=1501.05039%2C2501.99999&max_results=2", Reply(200, ATOM.read_bytes()))
    status, out, err = run(hf_server, content, "add", "1501.05039", "2501.99999")
    assert status == 1 and "1 added" in out
    assert (
        f"failed: 2501.99999: Hugging Face: {hf_server.url}/api/papers/2501.99999: server refused (HTTP 404);"
        f" then arXiv: {hf_server.url}/api/query?id_list=1501.05039%2C2501.99999&max_results=2: not found\n"
    ) in err
    paper, _ = load_file(content / "papers" / "2015" / "01" / "1501.05039.md")
    assert paper.title == "Defining Data Science" and paper.listed is None and paper.published == dt.date(2015, 1, 21)


def test_add_names_both_failures_when_arxiv_fails_too(hf_server, content):
    """The fallback's failure alone hid why Hugging Face did not do: the line gives both, the id once."""
    hf_server.route("/api/query?id_list=2501.99999&max_results=1", Reply(503), Reply(503))
    status, out, err = run(hf_server, content, "add", "2501.99999")
    assert status == 1 and "0 added" in out
    assert err == (
        f"failed: 2501.99999: Hugging Face: {hf_server.url}/api/papers/2501.99999: server refused (HTTP 404);"
        f" then arXiv: {hf_server.url}/api/query?id_list=2501.99999&max_results=1: server answered 503,"
        " after 2 attempts (HTTP 503)\n"
    )
    assert snapshot(content) == {}


def test_add_rejects_what_is_not_an_arxiv_id(hf_server, content):
    status, _, err = run(hf_server, content, "add", "../../etc/passwd")
    assert status == 1 and "not an arXiv id" in err and hf_server.log.targets == []


@pytest.mark.parametrize("given", ["", "hep-th/9901001"])
def test_add_refuses_in_one_line_naming_the_forms(hf_server, content, given):
    status, out, err = run(hf_server, content, "add", given)
    assert status == 1 and out == "" and hf_server.log.targets == [] and snapshot(content) == {}
    assert err.count("\n") == 1 and f"not an arXiv id: {given!r}" in err and "huggingface.co/papers URL" in err


def test_add_refuses_an_id_as_every_user_error_is_refused(hf_server, content):
    status, out, err = run(hf_server, content, "add", "2509.24002,x", "y")
    assert (status, out) == (1, "") and hf_server.log.targets == []
    assert err == f"broadsheet: error: not an arXiv id: 'x', 'y'; give {ID_FORMS} (add)\n"


def test_add_takes_a_pasted_hugging_face_url_and_a_comma_list(hf_server, content):
    hf_server.route("/api/papers/2509.24002", Reply.json(paper_page_props()["paper"]))
    hf_server.route("/papers/2509.24002", Reply.html(PAPER_PAGE.read_text(encoding="utf-8")))
    status, out, _ = run(hf_server, content, "add", "https://huggingface.co/papers/2509.24002,arXiv:2509.24002v1")
    assert status == 0 and "1 added" in out
    assert (content / "papers" / "2025" / "10" / "2509.24002.md").exists()


@pytest.mark.parametrize("query", ["", "  "])
def test_an_empty_query_is_one_line_and_asks_nothing(hf_server, content, query):
    status, out, err = run(hf_server, content, "scrape", "--query", query)
    assert status == 1 and out == "" and hf_server.log.targets == [] and snapshot(content) == {}
    assert err == "broadsheet: error: an empty search: give the words to search for (--query)\n"


def test_query_uses_the_search_api(hf_server, content):
    hf_server.route("/api/papers/search?q=consistency+models", Reply.json(fixture_items("2024-03-12")[:2]))
    status, out, _ = run(hf_server, content, "scrape", "--query", "consistency models")
    assert status == 0 and "2 added" in out
    paper = load_content(content).papers[0]
    assert paper.listed is None and paper.published  # a search result has no Daily Papers day
    assert hf_server.log.targets == ["/api/papers/search?q=consistency+models"]


def test_a_failed_long_query_is_named_once_and_short(hf_server, content):
    words = "speech recognition " * 20
    hf_server.route(f"/api/papers/search?q={words.strip().replace(' ', '+')}+", Reply(500, b"down"))
    status, out, err = run(hf_server, content, "scrape", "--query", words)
    assert status == 1 and len(hf_server.log.targets) >= 1
    line = next(line for line in err.splitlines() if "failed:" in line)
    shown = f"'{words[:59]}…'"
    assert f"failed: search {shown}: {hf_server.url}/api/papers/search: " in line
    assert line.count("speech") == 3 and "?q=" not in line and len(line) < 200


def test_topic_filter_and_tag_rules_from_the_config(hf_server, content):
    hf_server.serve_fixture_days()
    config = (
        "tag_rules:\n  diffusion: [diffusion]\ntopic:\n  include: [diffusion, language model]\n  exclude: [video]\n"
    )
    status, out, _ = run(hf_server, content, "scrape", "--date", "2024-03-12", config=config)
    assert status == 0
    kept = load_content(content).papers
    assert kept and "outside the topic" in out and len(kept) < 9
    for paper in kept:
        text = f"{paper.title} {paper.abstract}".lower()
        assert ("diffusion" in text or "language model" in text) and "video" not in text
        assert ("diffusion" in paper.tags) == ("diffusion" in text)


def test_the_source_url_comes_from_the_environment(hf_server, content, monkeypatch):
    hf_server.serve_fixture_days()
    monkeypatch.setenv("BROADSHEET_SOURCE_URL", hf_server.url)
    site = content.parent / "site.yaml"
    site.write_text("source_url: http://127.0.0.1:9\n", encoding="utf-8")
    status = cli.main(["scrape", "--date", "2024-03-12", "--content", str(content), "--config", str(site), *FAST])
    assert status == 0 and len(load_content(content).papers) == 9


def test_which_days_a_scrape_asks_for():
    today = dt.date(2026, 8, 21)

    def args(**kw):
        return argparse.Namespace(
            **{"since": None, "until": None, "date": None, "query": None, "refresh_days": None, **kw}
        )

    def days(*a, **kw):
        return list(scrape_days(*a, **kw).days)

    assert days(args(), today, today) == [today - dt.timedelta(days=n) for n in range(13, -1, -1)]  # refresh_days: 14
    assert days(args(refresh_days=1), today, today) == [dt.date(2026, 8, 20), today]
    assert days(args(date=dt.date(2026, 1, 1)), today) == [dt.date(2026, 1, 1)]
    assert days(args(since=dt.date(2026, 8, 19)), today) == [dt.date(2026, 8, 19), dt.date(2026, 8, 20), today]
    assert len(days(args(date=today, refresh_days=14), today)) == 14
    assert days(args(query="x"), today) == []
    with pytest.raises(UserError):
        scrape_days(args(until=today), today)
    with pytest.raises(UserError):
        scrape_days(args(since=today, until=dt.date(2026, 8, 1)), today)


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["--date", "2099-01-01"], "2099-01-01 is after today, 2026-08-21 (UTC) (--date)"),
        (["--since", "2026-09-01"], "2026-09-01 is after today, 2026-08-21 (UTC) (--since)"),
    ],
)
def test_a_day_in_the_future_is_one_line_and_asks_nothing(hf_server, content, monkeypatch, given, said):
    monkeypatch.setenv("BROADSHEET_TODAY", "2026-08-21")
    status, out, err = run(hf_server, content, "scrape", *given)
    assert (status, out, err) == (1, "", f"broadsheet: error: {said}\n")
    assert hf_server.log.targets == [] and snapshot(content) == {}


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["--retries", "-1"], "'-1' is not a whole number >= 0 (--retries)"),
        (["--backoff", "-1"], "'-1' is not a number of seconds >= 0 (--backoff)"),
    ],
)
def test_a_negative_retry_option_is_one_line_and_asks_nothing(hf_server, content, given, said):
    status, out, err = run(hf_server, content, "scrape", "--date", "2024-03-12", options=tuple(given))
    assert (status, out, err) == (1, "", f"broadsheet: error: {said}\n")
    assert hf_server.log.targets == []


@pytest.mark.parametrize(
    ("given", "fetched"),
    [
        (["--date", "today"], {"date=2024-03-13"}),
        (["--date", "yesterday"], {"date=2024-03-12"}),
        (["--since", "yesterday", "--until", "today"], {"date=2024-03-12", "date=2024-03-13"}),
    ],
)
def test_today_and_yesterday_are_utc_days_by_the_scrapes_clock(hf_server, content, monkeypatch, given, fetched):
    monkeypatch.setenv("BROADSHEET_TODAY", "2024-03-13")
    serve_march(hf_server)
    status, _, err = run(hf_server, content, "scrape", *given)
    assert (status, err) == (0, "")
    assert {t.split("?")[1] for t in hf_server.log.targets} == fetched


def test_until_a_later_day_fetches_through_today(hf_server, content, monkeypatch):
    monkeypatch.setenv("BROADSHEET_TODAY", "2024-03-13")
    serve_march(hf_server)
    status, _, err = run(hf_server, content, "scrape", "--since", "2024-03-12", "--until", "2099-01-01")
    assert (status, err) == (0, "")
    assert {t.split("?")[1] for t in hf_server.log.targets} == {"date=2024-03-12", "date=2024-03-13"}


def test_a_write_interrupted_midway_leaves_every_file_old_or_new(hf_server, content, tmp_path, monkeypatch):
    serve_march(hf_server)
    backfill(hf_server, content)
    old = snapshot(content)
    for day in ("2024-03-12", "2024-03-13"):
        items = fixture_items(day)
        for item in items:
            item["paper"]["upvotes"] += 1000
        hf_server.serve_day(day, items)
    expected_dir = tmp_path / "expected"
    (expected_dir).mkdir()
    import shutil

    shutil.copytree(content, expected_dir / "content")
    backfill(hf_server, expected_dir / "content")
    new = snapshot(expected_dir / "content")
    from generator import fsutil

    calls, real_replace = [], os.replace

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 5:  # the fifth file: written to its temporary file, then the process "dies"
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(fsutil.os, "replace", failing_replace)
    assert backfill(hf_server, content)[0] == 130  # the command ends as after Ctrl+C
    after = snapshot(content)
    assert set(after) == set(old) and len(calls) == 5
    changed = [p for p in after if after[p] != old[p]]
    assert len(changed) == 4 and all(after[p] == new[p] for p in changed)
    assert load_content(content).errors == []
    assert not [p for p in content.rglob("*") if p.is_file() and p.suffix != ".md"]  # no temporary file left


def test_a_killed_scrape_leaves_every_file_whole(tmp_path):
    """SIGKILL while the scrape is busy: every file there is a complete file a full run writes."""
    with ScrapeServer() as server:
        serve_march(server)
        full = tmp_path / "full"
        assert run(server, full, "scrape", "--since", MARCH[0], "--until", MARCH[1], tmp=tmp_path)[0] == 0
        expected = snapshot(full)
        server.route("/api/daily_papers?date=2024-03-25", Reply(stall=True))  # the scrape hangs here
        killed = tmp_path / "killed"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "generator",
                "scrape",
                "--since",
                MARCH[0],
                "--until",
                MARCH[1],
                "--content",
                str(killed),
                "--config",
                str(tmp_path / "site.yaml"),
                "--source-url",
                server.url,
                "--concurrency",
                "1",
                "--timeout",
                "60",
                "--no-progress",
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert server.stalled.wait(60)
            # The fetching runs ahead of the writing: on a busy machine no file may be written yet.
            waited = time.monotonic()
            while not list(killed.rglob("*.md")) and time.monotonic() - waited < 60:
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(60)
    left = snapshot(killed)
    assert left and len(left) < len(expected)
    assert all(left[p] == expected[p] for p in left)
    assert load_content(killed).errors == []


def test_the_deadline_writes_what_was_fetched_and_names_the_rest(hf_server, content):
    hf_server.serve_fixture_days()
    hf_server.serve_day("2024-03-14", [])
    hf_server.route("/api/daily_papers?date=2024-03-13", Reply(stall=True))
    started = time.monotonic()
    status, out, err = run(
        hf_server,
        content,
        "scrape",
        "--since",
        "2024-03-12",
        "--until",
        "2024-03-15",
        options=("--timeout", "30", "--deadline", "1.5"),
    )
    assert time.monotonic() - started < 15  # without the deadline: 30 s per read
    assert status == 1 and "failed: 2024-03-13: " in err and "deadline" in err
    assert "failed: 2024-03-12" not in err and "failed: 2024-03-15" not in err
    listed = {p.listed.isoformat() for p in load_content(content).papers}
    assert listed == {"2024-03-12", "2024-03-15"} and "23 added" in out  # 9 + 14 papers


def test_a_stalled_scrape_ends_at_its_deadline(tmp_path):
    """The process itself ends: requests still in flight do not keep it alive."""
    with ScrapeServer() as server:
        server.route("/api/daily_papers?date=2024-03-12", Reply(stall=True))
        (tmp_path / "site.yaml").write_text("title: Test\n", encoding="utf-8")
        started = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "generator",
                "scrape",
                "--date",
                "2024-03-12",
                "--content",
                str(tmp_path / "c"),
                "--config",
                str(tmp_path / "site.yaml"),
                "--source-url",
                server.url,
                "--timeout",
                "60",
                "--deadline",
                "1",
                "--no-progress",
            ],
            check=False,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=100,
        )
        elapsed = time.monotonic() - started
    assert (
        proc.returncode == 1 and elapsed < 30
    )  # without the deadline: 60 s before the first read times out (slack for a busy machine)
    assert "failed: 2024-03-12: not fetched by the run's deadline (1 s)" in proc.stderr
    assert "Traceback" not in proc.stderr and "0 added" in proc.stdout


def test_the_deadline_must_be_a_positive_number(hf_server, content, capsys):
    for bad in ("0", "-5", "soon", "nan", "inf"):
        assert cli.main(["scrape", "--deadline", bad, "--content", str(content)]) == 1
        err = capsys.readouterr().err
        assert err == f"broadsheet: error: {bad!r} is not a number of seconds > 0 (--deadline)\n"
    assert hf_server.log.targets == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 50_000 + b"]" * 50_000, "invalid JSON (nested too deeply)"),
        (
            b'[{"paper": {"id": "2403.00001", "title": "T", "upvotes": ' + b"9" * 5000 + b"}}]",
            "integer string conversion",
        ),
        (b'{"paper": []}', "expected a JSON list of papers, got dict"),
        (b'[{"paper": "2403.00001"}]', "an item without a 'paper' object"),
        (b'[{"paper": {"id": 2403.00001, "title": ["T"]}}]', "without a usable id"),
    ],
)
def test_one_days_unreadable_data_fails_that_day_only(hf_server, content, body, reason):
    hf_server.serve_fixture_days()
    hf_server.serve_day("2024-03-14", [])
    hf_server.serve_day("2024-03-13", body)
    status, out, err = run(hf_server, content, "scrape", "--since", "2024-03-12", "--until", "2024-03-15")
    assert status == 1 and "1 failed" in out
    assert f"failed: 2024-03-13: {hf_server.url}/api/daily_papers?date=2024-03-13: " in err and reason in err
    assert "Traceback" not in err
    listed = {p.listed.isoformat() for p in load_content(content).papers}
    assert listed == {"2024-03-12", "2024-03-15"}  # the days before and after it


def test_values_that_cannot_be_used_are_left_out_with_a_warning(hf_server, content):
    items = fixture_items("2024-03-12")
    items[0]["paper"]["publishedAt"] = "0001-01-01T00:00:00+05:00"  # overflows on the way to UTC
    items[1]["paper"]["upvotes"] = 10**100
    items[2]["title"] = "Odd \uffff characters\u0000 \ud800here"
    items[2]["paper"]["summary"] = "An abstract\ufffe with\x0b junk."
    hf_server.serve_day("2024-03-12", json.dumps(items).encode())  # "\ud800" as JSON writes it: escaped
    status, out, err = run(hf_server, content, "scrape", "--date", "2024-03-12")
    assert status == 0 and "9 added" in out
    url = f"{hf_server.url}/api/daily_papers?date=2024-03-12"
    assert (
        f"warning: 2024-03-12: {url}: paper {items[0]['paper']['id']}: publishedAt '0001-01-01T00:00:00+05:00' left out"
        in err
    )
    assert f"paper {items[1]['paper']['id']}: upvotes 1000" in err
    result = load_content(content)
    assert result.errors == []
    papers = {p.id: p for p in result.papers}
    assert papers[items[0]["paper"]["id"]].published is None and papers[items[1]["paper"]["id"]].upvotes is None
    odd = papers[items[2]["paper"]["id"]]
    assert (odd.title, odd.abstract) == ("Odd characters here", "An abstract with junk.")


def test_a_gzip_bomb_fails_its_day_and_the_others_are_written(hf_server, content):
    hf_server.serve_fixture_days()
    hf_server.route("/api/daily_papers?date=2024-03-13", Reply.gzip_bomb(24))  # past the 20 MB limit
    status, out, err = run(hf_server, content, "scrape", "--since", "2024-03-12", "--until", "2024-03-13")
    assert status == 1 and "9 added" in out
    assert (
        f"failed: 2024-03-13: {hf_server.url}/api/daily_papers?date=2024-03-13: response larger than the limit" in err
    )
    assert hf_server.hits("/api/daily_papers?date=2024-03-13") == 1  # not retried


def test_a_broken_paper_page_fails_that_paper_only(hf_server, content):
    items = fixture_items("2025-10-03")[:2]
    hf_server.route("/api/daily_papers?date=2025-10-03", Reply(502))
    hf_server.route("/papers/date/2025-10-03", Reply.html(f"<html><body><main>{cards(items)}</main></body></html>"))
    for item in items:
        nested = '<div data-target="PaperContent" data-props="' + "[" * 100_000 + '"></div>'
        hf_server.route(f"/papers/{item['paper']['id']}", Reply.html(nested))
    status, out, err = run(hf_server, content, "scrape", "--date", "2025-10-03")
    assert status == 0 and "2 added" in out  # with what the cards gave
    assert err.count("invalid JSON in the PaperContent data (nested too deeply); kept what the list page gave") == 2


def test_add_refuses_an_answer_about_another_paper(hf_server, content):
    other = {**paper_page_props()["paper"], "id": "2502.99999"}
    hf_server.route("/api/papers/2502.00001", Reply.json(other))
    page = PAPER_PAGE.read_text(encoding="utf-8").replace("2509.24002", "2502.99999")
    hf_server.route("/papers/2502.00001", Reply.html(page))
    status, out, err = run(hf_server, content, "add", "2502.00001")
    assert status == 1 and "0 added" in out
    assert (
        f"failed: 2502.00001: {hf_server.url}/api/papers/2502.00001: asked for paper 2502.00001, the answer is paper 2502.99999"
        in err
    )
    assert snapshot(content) == {}


def test_add_takes_nothing_from_arxiv_but_the_paper_asked_for(hf_server, content):
    hf_server.route("/api/query?id_list=2502.00001&max_results=1", Reply(200, ATOM.read_bytes()))
    status, _, err = run(hf_server, content, "add", "2502.00001")
    assert status == 1 and "failed: 2502.00001: Hugging Face: " in err and "; then arXiv: " in err
    assert err.endswith("/api/query?id_list=2502.00001&max_results=1: not found\n")
    assert snapshot(content) == {}


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664)])
def test_written_files_get_the_umasks_mode(hf_server, content, mask, expected):
    hf_server.serve_fixture_days()
    old = os.umask(mask)
    try:
        status, _, _ = run(hf_server, content, "scrape", "--date", "2024-03-12")
    finally:
        os.umask(old)
    files = list(content.rglob("*.md"))
    assert status == 0 and len(files) == 9
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {expected}


@pytest.mark.parametrize("mode", [0o444, 0o600, 0o664], ids=oct)
def test_an_updated_file_keeps_its_mode(hf_server, content, mode):
    """The update was a new file renamed over the old: a file made read-only became writable, a private one
    readable by all, whatever its owner had set."""
    hf_server.serve_fixture_days()
    run(hf_server, content, "scrape", "--date", "2024-03-12")
    path = content / "papers" / "2024" / "03" / "2403.06634.md"
    path.chmod(mode)
    status, out = scrape_with_the_first_revoted(hf_server, content)
    assert status == 0 and "1 updated, 8 unchanged" in out
    assert stat.S_IMODE(path.stat().st_mode) == mode and load_file(path)[0].upvotes == 99
