"""The output folder is the build's alone: what a build refuses to replace, its marker, its lock, its leftovers."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import cache, keys, outdir
from generator.build import build
from generator.config import SiteConfig
from generator.errors import UserError
from tests.conftest import REPO, paper_file, write_content
from tests.sitecheck import tree_snapshot


@pytest.fixture
def site(tmp_path: Path) -> SiteConfig:
    """A site folder with a real copy of the themes (a test that fails must not write into the repository's)."""
    root = tmp_path / "site"
    shutil.copytree(REPO / "themes", root / "themes")
    return SiteConfig(root=root)


@pytest.fixture
def papers(content: Path) -> Path:
    for i in range(1, 4):
        write_content(
            content, f"{i}.md", paper_file(f"2401.0000{i}", f"Paper {i}", f"tags: [t{i}]\nlisted: 2024-01-0{i}\n")
        )
    return content


def listing(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, hidden ones too, with its bytes: what a refused build must not touch."""
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
        if not p.is_symlink()
    }


def refused(tmp_path: Path, papers: Path, site: SiteConfig, output: Path, why: str) -> None:
    before = listing(tmp_path)
    with pytest.raises(UserError, match=why) as caught:
        build(papers, output, site, search=False, cache_dir=tmp_path / "cache")
    assert caught.value.where == str(output.resolve())
    assert listing(tmp_path) == before


def test_a_folder_holding_a_foreign_file_is_refused_and_kept(tmp_path, papers, site):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    refused(tmp_path, papers, site, out, "refusing to replace a folder that no build made")
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"


def test_the_content_folder_is_refused(tmp_path, papers, site):
    refused(tmp_path, papers, site, papers, "refusing to build into the content folder")


def test_a_folder_inside_the_content_folder_is_refused(tmp_path, papers, site):
    refused(tmp_path, papers, site, papers / "papers" / "site", "refusing to build inside the content folder")


def test_a_folder_above_the_content_folder_is_refused(tmp_path, papers, site):
    refused(tmp_path, papers, site, papers.parent, "or a folder that holds it")


@pytest.mark.parametrize("where", ["cwd", "parent of cwd"])
def test_the_current_folder_or_one_above_it_is_refused(where, tmp_path, papers, site, monkeypatch):
    work = tmp_path / "work" / "here"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    output = Path(".") if where == "cwd" else Path("..")
    before = listing(tmp_path)
    with pytest.raises(UserError, match="refusing to build into the current folder"):
        build(papers, output, site, search=False)
    assert listing(tmp_path) == before


@pytest.mark.parametrize("where", ["themes", "inside themes", "site root"])
def test_the_themes_and_the_config_folder_are_refused(where, tmp_path, papers, site):
    output = {
        "themes": site.root / "themes",
        "inside themes": site.root / "themes/default/out",
        "site root": site.root,
    }[where]
    refused(tmp_path, papers, site, output, "themes folder|config's folder")


def test_the_cache_folder_or_one_above_it_is_refused(tmp_path, papers, site):
    before = listing(tmp_path)
    with pytest.raises(UserError, match="refusing to build into the cache folder"):
        build(papers, tmp_path / "cache", site, search=False, cache_dir=tmp_path / "cache/broadsheet")
    assert listing(tmp_path) == before


@pytest.mark.parametrize("where", ["content", "inside content", "themes", "a theme"])
def test_a_cache_folder_among_the_sources_is_refused(where, tmp_path, papers, site):
    cache_dir = {
        "content": papers,
        "inside content": papers / "cache",
        "themes": site.root / "themes",
        "a theme": site.root / "themes" / "default",
    }[where]
    before = listing(tmp_path)
    with pytest.raises(UserError, match="refusing to keep the cache in the (content|themes) folder"):
        build(papers, tmp_path / "out", site, search=False, cache_dir=cache_dir)
    assert listing(tmp_path) == before


@pytest.mark.parametrize("where", ["a file", "inside a file"])
def test_a_cache_folder_that_is_a_file_is_refused_before_the_output_changes(where, tmp_path, papers, site):
    build(papers, tmp_path / "out", site, search=False)
    write_content(papers, "4.md", paper_file("2401.00004", "Paper 4", "listed: 2024-01-04\n"))
    (tmp_path / "cache").write_text("a file", encoding="utf-8")
    cache_dir = tmp_path / "cache" / ("broadsheet" if where == "inside a file" else "")
    before = listing(tmp_path)
    with pytest.raises(UserError, match="the cache (is not a folder|is inside a file)") as caught:
        build(papers, tmp_path / "out", site, search=False, cache_dir=cache_dir)
    assert caught.value.where == str(tmp_path / "cache")
    assert listing(tmp_path) == before


def test_a_symlink_to_the_content_folder_is_refused(tmp_path, papers, site):
    (tmp_path / "link").symlink_to(papers)
    refused(tmp_path, papers, site, tmp_path / "link", "refusing to build into the content folder")


def test_a_file_is_refused(tmp_path, papers, site):
    (tmp_path / "out").write_text("a file", encoding="utf-8")
    refused(tmp_path, papers, site, tmp_path / "out", "not a folder")


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_a_missing_or_empty_folder_is_built_into(state, tmp_path, papers, site):
    out = tmp_path / "deep/out" if state == "missing" else tmp_path / "out"
    if state == "empty":
        out.mkdir()
    build(papers, out, site, search=False)
    assert (out / "index.html").is_file()
    assert (out / outdir.MARKER).read_bytes().startswith(outdir.MARKER_TEXT)


def test_the_marker_makes_a_folder_a_builds_whatever_else_it_holds(tmp_path, papers, site):
    out = tmp_path / "out"
    build(papers, out, site, search=False)
    (out / "stale.html").write_text("from an older build", encoding="utf-8")
    build(papers, out, site, search=False)
    assert not (out / "stale.html").exists() and (out / "index.html").is_file()


def test_a_folder_built_before_markers_is_known_by_the_cache(tmp_path, papers, site):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(papers, out, site, search=False, cache_dir=cache_dir)
    stat = os.stat(out)
    (out / outdir.MARKER).unlink()
    os.utime(out, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as an older version left it: recorded, no marker
    write_content(papers, "4.md", paper_file("2401.00004", "Paper 4", "listed: 2024-01-04\n"))
    build(papers, out, site, search=False, cache_dir=cache_dir)
    assert (out / "papers/2401.00004/index.html").is_file() and (out / outdir.MARKER).is_file()
    shutil.rmtree(cache_dir)  # without the record, the same folder is anyone's
    (out / outdir.MARKER).unlink()
    refused(tmp_path, papers, site, out, "no build made")


def test_empty_content_over_a_previous_site_builds_an_empty_site(tmp_path, papers, site):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(papers, out, site, search=False, cache_dir=cache_dir)
    for file in (papers / "papers").iterdir():
        file.unlink()
    report = build(papers, out, site, search=False, cache_dir=cache_dir)
    assert report.papers == 0 and not (out / "papers/2401.00001").exists() and (out / outdir.MARKER).is_file()


def test_leftovers_of_killed_builds_are_removed_and_nothing_else(tmp_path, papers, site):
    out = tmp_path / "out"
    build(papers, out, site, search=False)
    ours = [tmp_path / ".out.build-k1ll3d", tmp_path / ".out.old-4242"]
    theirs = [tmp_path / ".other.build-abc", tmp_path / ".out.notes", tmp_path / "out.build-x"]
    for folder in ours + theirs:
        (folder / "papers").mkdir(parents=True)
        (folder / "papers/index.html").write_text("half a site", encoding="utf-8")
    build(papers, out, site, search=False)
    assert [f.exists() for f in ours + theirs] == [False, False, True, True, True]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == [".out.notes"]


def cli_build(content: Path, out: Path, site: SiteConfig, *extra: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--content",
        str(content),
        "--output",
        str(out),
        "--no-search",
        *extra,
    ]
    return subprocess.Popen(command, cwd=site.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_second_build_waits_for_the_lock(tmp_path, papers, site):
    out = tmp_path / "out"
    lock = os.open(tmp_path / ".out.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)  # as a build in progress holds it
    try:
        waiting = cli_build(papers, out, site, "--cache", str(tmp_path / "cache"))
        assert waiting.stderr is not None
        assert waiting.stderr.readline() == f"waiting for another build into {out}/\n"
        assert waiting.poll() is None and not out.exists()
    finally:
        (tmp_path / ".out.lock").unlink()  # as the build holding it does, before letting go
        os.close(lock)
    assert waiting.wait(timeout=120) == 0, waiting.stderr.read()
    assert (out / "index.html").is_file() and not (tmp_path / ".out.lock").exists()


def cold_tree(content: Path, folder: Path, site: SiteConfig) -> dict[str, bytes]:
    build(content, folder, site, search=False)
    return tree_snapshot(folder)


def test_two_builds_at_once_never_record_one_site_as_the_other(tmp_path, papers, site):
    other = tmp_path / "other"
    for i in range(5, 9):
        write_content(
            other, f"{i}.md", paper_file(f"2402.0000{i}", f"Other {i}", f"tags: [o{i}]\nlisted: 2024-02-0{i}\n")
        )
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    expected = {c: cold_tree(c, tmp_path / f"cold-{c.name}", site) for c in (papers, other)}
    for _ in range(3):
        both = [cli_build(c, out, site, "--cache", str(cache_dir)) for c in (papers, other)]
        assert [b.wait(timeout=120) for b in both] == [0, 0], [b.communicate() for b in both]
        for content in (papers, other):  # each next build must see the other's site, and rebuild its own
            build(content, out, site, search=False, cache_dir=cache_dir)
            assert tree_snapshot(out) == expected[content]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


def test_the_cache_record_is_of_the_folder_a_build_made(tmp_path, papers, site):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(papers, out, site, search=False, cache_dir=cache_dir)
    state = cache.load_state(cache.CacheFiles.of(cache_dir, papers, out).build)
    assert state.output_id == keys.folder_id(out) and outdir.MARKER in state.manifest


@pytest.mark.parametrize("where", ["inside the cache", "inside another output", "cache inside another output"])
def test_a_folder_that_clearing_the_cache_or_another_build_would_delete_is_refused(where, tmp_path, papers, site):
    """Such a site (or cache) was accepted, then deleted by the next build into the outer folder or a cache cleared."""
    build(papers, tmp_path / "built", site, search=False, cache_dir=tmp_path / "cache")
    output, cache_dir, why = {
        "inside the cache": (tmp_path / "cache" / "out", tmp_path / "cache", "build inside the cache folder"),
        "inside another output": (tmp_path / "built" / "out", tmp_path / "cache", "build inside another build's"),
        "cache inside another output": (tmp_path / "out", tmp_path / "built" / "c", "keep the cache inside another"),
    }[where]
    before = listing(tmp_path)
    with pytest.raises(UserError, match=f"refusing to {why}") as caught:
        build(papers, output, site, search=False, cache_dir=cache_dir)
    assert caught.value.where == str(output.resolve() if cache_dir == tmp_path / "cache" else cache_dir)
    assert listing(tmp_path) == before
