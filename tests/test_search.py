"""Pagefind runs as part of the build, indexes paper pages only, and can be skipped."""

from __future__ import annotations

import errno
import json
import multiprocessing
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator import build as build_module
from generator import pagefind_service
from generator.build import build
from generator.cli import main
from generator.config import SiteConfig
from generator.errors import UserError
from generator.model import Paper
from generator.search import SearchInput, indexing_beside
from generator.taxonomy import build_archive
from tests.conftest import paper_file, write_content
from tests.sitecheck import tree_snapshot


def three_papers(content: Path) -> None:
    for i in range(1, 4):
        write_content(
            content, f"{i}.md", paper_file(f"2401.0000{i}", f"Paper {i}", f"tags: [t{i}]\nlisted: 2024-01-0{i}\n")
        )


def test_build_writes_a_search_index_of_the_paper_pages(content: Path, site_root: Path, tmp_path: Path) -> None:
    three_papers(content)
    build(content, tmp_path / "out", SiteConfig(base_url="https://example.org/sub/", root=site_root))
    bundle = tmp_path / "out/pagefind"
    assert (bundle / "pagefind.js").is_file()
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    # Only the three paper pages: listings, tags and dates repeat excerpts and would crowd the results.
    assert sum(lang["page_count"] for lang in entry["languages"].values()) == 3


def test_search_page_points_at_the_bundle_under_the_sub_path(content: Path, site_root: Path, tmp_path: Path) -> None:
    three_papers(content)
    build(content, tmp_path / "out", SiteConfig(base_url="https://example.org/sub/", root=site_root), search=False)
    soup = BeautifulSoup((tmp_path / "out/search/index.html").read_text(encoding="utf-8"), "html.parser")
    root = soup.find(id="search")
    assert root["data-bundle"] == "/sub/pagefind/" and root["data-base"] == "/sub/"
    assert soup.find("script", src="/sub/static/search.js")
    # Without JavaScript the page says so and offers the other ways in.
    assert "needs JavaScript" in soup.find(id="search-nojs").text
    assert soup.find(id="search-nojs").find("a", href="/sub/tags/")


def test_no_search_skips_pagefind(content: Path, site_root: Path, tmp_path: Path, monkeypatch) -> None:
    three_papers(content)
    monkeypatch.chdir(site_root)
    assert (
        main(
            [
                "build",
                "--content",
                str(content),
                "--output",
                str(tmp_path / "out"),
                "--no-search",
                "--cache",
                str(tmp_path / "cache"),
            ]
        )
        == 0
    )
    assert (tmp_path / "out/index.html").is_file()
    assert not (tmp_path / "out/pagefind").exists()


def failing_pagefind(folder: Path) -> str:
    """An executable that fails the way a broken Pagefind does: a message on stderr, exit 3."""
    script = folder / "failing-pagefind"
    script.write_text("#!/bin/sh\necho 'Error: pagefind could not read the site' >&2\nexit 3\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("cache", [False, True], ids=["cold", "incremental"])
def test_a_failed_index_leaves_the_previous_output(
    cache, content: Path, site_root: Path, tmp_path: Path, monkeypatch
) -> None:
    three_papers(content)
    out, cache_dir = tmp_path / "out", (tmp_path / "cache" if cache else None)
    build(content, out, SiteConfig(root=site_root), cache_dir=cache_dir)
    before = tree_snapshot(out)
    write_content(content, "4.md", paper_file("2401.00004", "Paper 4", "listed: 2024-01-04\n"))
    monkeypatch.setattr(pagefind_service, "executable", lambda: failing_pagefind(tmp_path))
    with pytest.raises(UserError, match="search index failed: Error: pagefind could not read the site"):
        build(content, out, SiteConfig(root=site_root), cache_dir=cache_dir)
    assert tree_snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["content", "site", "out", "failing-pagefind"] + (["cache"] if cache else [])
    )


def test_a_failed_render_ends_the_index_made_beside_it(
    content: Path, site_root: Path, tmp_path: Path, monkeypatch
) -> None:
    """A cold build indexes while it renders (`search.indexing_beside`): when the render fails, the
    index process is ended and waited for, and nothing of either is left."""
    three_papers(content)
    out = tmp_path / "out"
    build(content, out, SiteConfig(root=site_root))
    before = tree_snapshot(out)

    def full_disk(*args, **kwargs):
        time.sleep(0.5)  # the index process is at work by now
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(build_module, "render_jobs", full_disk)
    with pytest.raises(UserError, match="cannot write the site: No space left on device"):
        build(content, out, SiteConfig(root=site_root))
    assert multiprocessing.active_children() == []
    assert tree_snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "out", "site"]


@pytest.mark.parametrize("beside_below, beside", [(4, True), (3, False)])
def test_an_archive_of_beside_below_papers_or_more_is_indexed_after_the_render(
    tmp_path: Path, beside_below: int, beside: bool
) -> None:
    """Beside the render the index process holds its own copy of the papers: from `beside_below`
    papers the index is made after the body, in the build's own process."""
    papers = [Paper(id=f"2403.0000{i}", title=f"Paper {i}", abstract="Words to index.") for i in range(3)]
    source = SearchInput(build_archive(papers), {}, beside_below=beside_below)
    with indexing_beside(tmp_path, source):
        assert bool(multiprocessing.active_children()) == beside
    assert multiprocessing.active_children() == []
    assert json.loads((tmp_path / "pagefind" / "shards.json").read_text())


def test_a_daily_build_makes_the_changed_shards_while_it_renders(
    content: Path, site_root: Path, tmp_path: Path, monkeypatch
) -> None:
    """An incremental build makes the shards whose papers changed in a forked process beside its render
    (`search.changed_beside`), and the bundle it swaps in is the one a cold build makes."""
    three_papers(content)
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(content, out, SiteConfig(root=site_root), cache_dir=cache_dir)
    write_content(content, "4.md", paper_file("2401.00004", "Paper 4", "listed: 2024-01-04\n"))
    render_jobs, beside = build_module.render_jobs, []

    def watched(*args, **kwargs):
        beside.append(len(multiprocessing.active_children()))
        return render_jobs(*args, **kwargs)

    monkeypatch.setattr(build_module, "render_jobs", watched)
    assert build(content, out, SiteConfig(root=site_root), cache_dir=cache_dir).written > 0
    assert beside == [1] and multiprocessing.active_children() == []
    cold = tmp_path / "cold"
    build(content, cold, SiteConfig(root=site_root))
    assert tree_snapshot(out / "pagefind") == tree_snapshot(cold / "pagefind")


def test_a_failed_render_ends_the_shards_made_beside_it(
    content: Path, site_root: Path, tmp_path: Path, monkeypatch
) -> None:
    three_papers(content)
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(content, out, SiteConfig(root=site_root), cache_dir=cache_dir)
    before = tree_snapshot(out)
    write_content(content, "4.md", paper_file("2401.00004", "Paper 4", "listed: 2024-01-04\n"))

    def full_disk(*args, **kwargs):
        time.sleep(0.5)  # the shards are being made by now
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(build_module, "render_jobs", full_disk)
    with pytest.raises(UserError, match="cannot write the site: No space left on device"):
        build(content, out, SiteConfig(root=site_root), cache_dir=cache_dir)
    assert multiprocessing.active_children() == []
    assert tree_snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "content", "out", "site"]


def test_an_interrupted_index_ends_pagefind_at_once(tmp_path: Path, monkeypatch) -> None:
    """Interrupted (Ctrl+C, SIGTERM) while Pagefind indexed, the build went on sending it every remaining record,
    and waited for them all before it could end (most of a second at 20,000 papers)."""

    def interrupted(stdout, bundle):
        time.sleep(0.2)  # Pagefind at work
        raise KeyboardInterrupt

    monkeypatch.setattr(pagefind_service, "_receive", interrupted)
    sent = []
    records = ({"url": f"/{n}/", "content": f"paper {n} " * 100, "meta": {"title": f"{n}"}} for n in range(100_000))
    with pytest.raises(KeyboardInterrupt):
        pagefind_service.write_bundle((sent.append(n) or r for n, r in enumerate(records)), "en", tmp_path / "b")
    assert len(sent) < 100_000
