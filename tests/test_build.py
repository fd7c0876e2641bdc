"""End-to-end builds of the shipped content and of hand-made content."""

from __future__ import annotations

import dataclasses
import gc
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from generator import build as building
from generator import cache
from generator.build import BuildError, build
from generator.config import SiteConfig, load_config
from generator.errors import UserError
from generator.parallel import Forked
from tests.conftest import REPO, paper_file, write_content
from tests.sitecheck import html_files, missing_targets, tree_snapshot

SUBPATH = "https://example.org/archive/"


def repo_config(**changes):
    return dataclasses.replace(load_config(root=REPO), **changes)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("site") / "output"
    build(REPO / "content", output, repo_config(base_url="https://example.org/"))
    return output


@pytest.fixture(scope="module")
def shipped_subpath(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("sub") / "output"
    build(REPO / "content", output, repo_config(base_url=SUBPATH))
    return output


def test_every_kind_of_page_exists(shipped):
    for path in [
        "index.html",
        "page/2/index.html",
        "tags/index.html",
        "tags/vision-language/index.html",
        "tags/vision-language/feed.xml",
        "archive/index.html",
        "2023/index.html",
        "2023/10/index.html",
        "2023/10/01/index.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        "static/style.css",
    ]:
        assert (shipped / path).is_file(), path
    assert len(list((shipped / "papers").glob("*/index.html"))) == 89


def test_paper_page_shows_what_a_reader_needs(shipped):
    html = next((shipped / "papers").glob("reformulating-*/index.html")).read_text(encoding="utf-8")
    assert "Reformulating Vision-Language Foundation Models" in html
    assert 'href="https://github.com/thunlp/muffin"' in html
    assert "@misc{" in html and "13</dd>" in html
    assert 'href="/tags/vision-language/"' in html
    assert 'rel="next"' in html or 'rel="prev"' in html


def test_arxiv_papers_link_to_arxiv_and_hugging_face(tmp_path, content):
    write_content(content, "2024/2403.01234.md", paper_file("2403.01234", "P", "published: 2024-03-10\n"))
    build(content, tmp_path / "out", repo_config())
    html = (tmp_path / "out/papers/2403.01234/index.html").read_text(encoding="utf-8")
    for url in [
        "https://arxiv.org/abs/2403.01234",
        "https://arxiv.org/pdf/2403.01234",
        "https://huggingface.co/papers/2403.01234",
    ]:
        assert f'href="{url}"' in html


def test_home_is_newest_first_then_by_upvotes(tmp_path, content):
    write_content(content, "2024/old.md", paper_file("old", "Old", "published: 2024-01-01\nupvotes: 99\n"))
    write_content(content, "2024/new-low.md", paper_file("new-low", "New low", "listed: 2024-02-01\nupvotes: 1\n"))
    write_content(content, "2024/new-high.md", paper_file("new-high", "New high", "listed: 2024-02-01\nupvotes: 9\n"))
    write_content(content, "undated/undated.md", paper_file("undated", "Undated"))
    build(content, tmp_path / "out", repo_config())
    html = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    positions = [html.index(t) for t in ("New high", "New low", "Old", "Undated")]
    assert positions == sorted(positions)


@pytest.mark.parametrize("site", ["shipped", "shipped_subpath"])
def test_every_internal_link_resolves(site, request):
    output = request.getfixturevalue(site)
    base = "https://example.org/" if site == "shipped" else SUBPATH
    assert missing_targets(output, base) == {}


def test_subpath_build_prefixes_every_link(shipped_subpath):
    index = (shipped_subpath / "index.html").read_text(encoding="utf-8")
    assert 'href="/archive/static/style.css"' in index
    assert 'href="/archive/feed.xml"' in index
    feed = feedparser.parse((shipped_subpath / "feed.xml").read_bytes())
    assert all(e.link.startswith(SUBPATH + "papers/") for e in feed.entries)


def test_feeds_parse_without_errors(shipped):
    feeds = [shipped / "feed.xml", *sorted((shipped / "tags").glob("*/feed.xml"))]
    assert len(feeds) > 10
    for path in feeds:
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, (path, feed.get("bozo_exception"))
        assert feed.version == "rss20"
        assert feed.entries


def test_site_feed_is_newest_50_with_stable_guids(shipped):
    feed = feedparser.parse((shipped / "feed.xml").read_bytes())
    assert len(feed.entries) == 50
    assert all(e.id == e.link for e in feed.entries)
    dates = [e.published_parsed for e in feed.entries if "published_parsed" in e]
    assert dates == sorted(dates, reverse=True)
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == ["https://example.org/feed.xml"]
    assert feed.entries[0].summary.startswith("<p>")


def test_every_page_advertises_the_feed(shipped):
    for page in html_files(shipped):
        assert 'type="application/rss+xml"' in page.read_text(encoding="utf-8"), page


def test_sitemap_and_robots(shipped):
    sitemap = (shipped / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/papers/" in sitemap and "404.html" not in sitemap
    assert "Sitemap: https://example.org/sitemap.xml" in (shipped / "robots.txt").read_text()


def test_content_errors_leave_the_previous_output_untouched(tmp_path, content):
    write_content(content, "2024/good.md", paper_file("good", "Good", "published: 2024-01-01\n"))
    output = tmp_path / "out"
    build(content, output, repo_config())
    before = tree_snapshot(output)
    write_content(content, "2024/bad.md", "---\ntitle: Bad\npublished: not-a-date\n---\n")
    write_content(content, "2024/worse.md", "---\ntitle: [\n---\n")
    with pytest.raises(BuildError) as err:
        build(content, output, repo_config())
    assert {Path(p.path).name for p in err.value.problems} == {"bad.md", "worse.md"}
    assert tree_snapshot(output) == before
    assert [p.name for p in output.parent.iterdir() if p.name.startswith(".out")] == []


@pytest.mark.parametrize(
    ("name", "make", "why"),
    [
        ("x.css", lambda path: path.symlink_to(path.parent / "gone.css"), "a broken link"),
        ("style.css", lambda path: path.mkdir(), "a folder where the default theme has a file"),
    ],
)
def test_a_static_file_of_the_theme_that_cannot_be_copied_is_named(tmp_path, content, name, make, why):
    """It was a Python list of (source, staging copy, '[Errno 2] ...') tuples, naming the build's scratch folder."""
    write_content(content, "2024/good.md", paper_file("good", "Good", "published: 2024-01-01\n"))
    output, static = tmp_path / "out", tmp_path / "themes/mine/static"
    static.mkdir(parents=True)
    build(content, output, SiteConfig(root=tmp_path, theme="mine"), search=False)
    before = tree_snapshot(output)
    make(static / name)
    with pytest.raises(UserError) as caught:
        build(content, output, SiteConfig(root=tmp_path, theme="mine"), search=False)
    assert caught.value.line() == f"cannot copy the theme's static file: {why} ({static / name})"
    assert tree_snapshot(output) == before


def test_file_and_folder_names_that_are_not_utf8_build(tmp_path, content):
    """A name from a Latin-1 system (caf\\xe9.md) is the bytes it is: it was an unexpected UnicodeEncodeError."""
    write_content(content, "2024/caf\udce9.md", paper_file("cafe", "Cafe", "published: 2024-01-01\n"))
    output, cache_dir = tmp_path / "out\udce9", tmp_path / "cache"
    first = build(content, output, repo_config(), jobs=1, search=False, cache_dir=cache_dir)
    again = build(content, output, repo_config(), jobs=1, search=False, cache_dir=cache_dir)
    assert (first.papers, again.written) == (1, 0)
    assert (output / "papers" / "cafe" / "index.html").is_file()


def test_output_folder_is_readable_by_a_web_server(shipped):
    assert shipped.stat().st_mode & 0o755 == 0o755


def test_rebuilding_the_same_content_gives_identical_bytes(shipped, tmp_path):
    again = tmp_path / "again"
    build(REPO / "content", again, repo_config(base_url="https://example.org/"))
    assert tree_snapshot(again) == tree_snapshot(shipped)


def test_the_collector_is_off_while_planning_on_while_rendering_and_as_it_was_after(tmp_path, monkeypatch):
    seen = {}

    def watched(name, function):
        def call(*args, **kwargs):
            seen[name] = gc.isenabled(), gc.get_freeze_count() > 0
            return function(*args, **kwargs)

        monkeypatch.setattr(building, name, call)

    watched("plan_pages", building.plan_pages)
    watched("render_jobs", building.render_jobs)
    build(REPO / "content", tmp_path / "out", repo_config(), jobs=1, search=False, cache_dir=tmp_path / "cache")
    assert seen == {"plan_pages": (False, False), "render_jobs": (True, True)}  # what planning made is frozen
    assert gc.isenabled() and gc.get_freeze_count() == 0
    write_content(tmp_path / "broken", "2024/x.md", "---\ntitle: [unclosed\n---\n")
    with pytest.raises(BuildError):
        build(tmp_path / "broken", tmp_path / "out2", repo_config(), search=False)
    assert gc.isenabled() and gc.get_freeze_count() == 0


def a_day_later(tmp_path: Path, cache_dir: Path) -> Path:
    """A copy of the shipped content, built once into tmp_path/out, then a paper re-voted: the next build of it
    into the same folder is an incremental one."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    build(content, tmp_path / "out", repo_config(), search=False, cache_dir=cache_dir)
    (paper,) = content.rglob("filip-fine-grained-interactive-language-image-pre-training.md")
    voted = re.sub(r"(?m)^upvotes: \d+", "upvotes: 977", paper.read_text(encoding="utf-8"))
    assert voted != paper.read_text(encoding="utf-8")
    paper.write_text(voted, encoding="utf-8")
    return content


@pytest.mark.parametrize("saved", ["here", "in a forked process"])
def test_a_cache_that_cannot_be_saved_is_one_error_naming_it(saved, tmp_path, monkeypatch):
    """An incremental build saves what it made of the papers beside the moving of files into the output (from 1,000
    papers): a forked process's failure comes back as this process's OSError, as a failure here would be."""
    if saved != "here":
        monkeypatch.setattr(building, "SAVED_BESIDE_FROM", 1)
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    content = a_day_later(tmp_path, cache_dir)
    blocked = cache.CacheFiles.of(cache_dir, content, out).records
    blocked.unlink()
    blocked.mkdir()  # a folder where the data lines' file goes
    with pytest.raises(OSError) as raised:
        build(content, out, repo_config(), search=False, cache_dir=cache_dir)
    assert Path(raised.value.filename).parent == cache_dir and raised.value.strerror
    blocked.rmdir()
    # The site was complete and recorded before the error: the next build finds nothing to do.
    assert build(content, out, repo_config(), search=False, cache_dir=cache_dir).written == 0


@pytest.mark.parametrize("build_kind", ["cold", "incremental"])
def test_the_caches_are_saved_beside_only_by_an_incremental_build_and_keep_what_was_planned_frozen(
    build_kind, tmp_path, monkeypatch
):
    cache_dir = tmp_path / "cache"
    content = a_day_later(tmp_path, cache_dir) if build_kind == "incremental" else REPO / "content"
    monkeypatch.setattr(building, "SAVED_BESIDE_FROM", 1)
    forked, frozen = [], []
    monkeypatch.setattr(building, "Forked", lambda *args: forked.append(args[0]) or Forked(*args))
    monkeypatch.setattr(building, "_remember", lambda *args: frozen.append(gc.get_freeze_count()))
    build(content, tmp_path / "out", repo_config(), jobs=1, search=False, cache_dir=cache_dir)
    assert [f.__name__ for f in forked if f.__name__ == "save"] == (["save"] if build_kind == "incremental" else [])
    assert frozen[-1] > 10_000  # still frozen after the fork: a full collection would visit every paper again
    assert gc.get_freeze_count() == 0


def test_a_base_url_outside_ascii_gives_ascii_urls_and_working_links(tmp_path, content):
    """A sitemap and a feed carry only ASCII URLs: an IDNA host and a path outside ASCII went out as written."""
    write_content(content, "2024/a.md", paper_file("2401.00001", "A", "published: 2024-01-01\n"))
    (tmp_path / "site.yaml").write_text("base_url: https://bücher.example/bücher/\n", encoding="utf-8")
    output = tmp_path / "out"
    build(content, output, load_config(root=tmp_path), search=False)
    base = "https://xn--bcher-kva.example/b%C3%BCcher/"
    sitemap, feed = (output / "sitemap.xml").read_text(), (output / "feed.xml").read_text()
    assert sitemap.isascii() and f"<loc>{base}papers/2401.00001/</loc>" in sitemap
    assert feedparser.parse(feed).entries[0].link == f"{base}papers/2401.00001/"
    assert missing_targets(output, base) == {}


# `broadsheet build`, sent SIGTERM at a point of its work (argv[1]): to itself alone, as `kill PID` and `docker stop`
# do, or to its whole process group (argv[2]), as `kill -- -PGID`, systemd and some CI runners do.
SIGTERM_AT = """
import os, signal, sys, time
from generator import cli, output, pagefind_service, render

POINT, WHOM = sys.argv[1], sys.argv[2]
MAIN = os.getpid()
calls = []

def terminate():
    if WHOM == "group":
        os.killpg(os.getpgid(0), signal.SIGTERM)
    else:
        os.kill(MAIN, signal.SIGTERM)
    time.sleep(2)  # a process that ignores it goes on, to be ended by its parent

def at(module, name, point, when):
    original = getattr(module, name)
    def hooked(*args, **kwargs):
        calls.append(name)
        if POINT == point and when():
            terminate()
        return original(*args, **kwargs)
    hooked.__module__, hooked.__qualname__ = module.__name__, name  # pickled by name, as the original is
    setattr(module, name, hooked)

at(render, "_render_dealt", "render", lambda: os.getpid() == MAIN)  # while the workers render too
at(pagefind_service, "_receive", "search", lambda: True)  # while Pagefind indexes, in a forked process
at(output, "_put", "move", lambda: calls.count("_put") == 3)  # an incremental build, three files in place
sys.argv = ["broadsheet", *sys.argv[3:]]
cli.run()
"""


@pytest.fixture(scope="module")
def papers(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("papers") / "content"
    subprocess.run([sys.executable, str(REPO / "bench/corpus.py"), "300", str(folder)], check=True)
    return folder


def broadsheet_build(site: Path, *extra: str) -> list[str]:
    folders = ["--content", str(site / "content"), "--output", str(site / "out" / "site"), "--cache", str(site / "c")]
    return ["build", *folders, "--base-url", "https://example.org/", "--jobs", "2", *extra]


@pytest.mark.parametrize("whom", ["process", "group"])
@pytest.mark.parametrize(
    ("point", "kind", "search"),
    [
        ("render", "cold", True),
        ("search", "cold", True),
        ("search", "incremental", True),
        ("move", "incremental", False),
    ],
)
def test_sigterm_ends_a_build_as_ctrl_c_does(papers, tmp_path, point, kind, search, whom):
    """It ended the build at once, leaving its workers running (printing tracebacks), Pagefind, and the cold build's
    folder beside the output. Unwound as on Ctrl+C, the handler inherited by the workers once made a build wait
    forever: they ended by themselves, SIGTERM to the whole group, holding the lock their pool needed to end."""
    site = tmp_path
    shutil.copytree(papers, site / "content")
    flags = () if search else ("--no-search",)
    if kind == "incremental":
        subprocess.run([sys.executable, "-m", "generator", *broadsheet_build(site, *flags)], cwd=REPO, check=True)
        subprocess.run([sys.executable, str(REPO / "bench/corpus.py"), "300", str(site / "content"), "--daily"])
    before = tree_snapshot(site / "out" / "site") if kind == "incremental" else {}
    command = [sys.executable, "-c", SIGTERM_AT, point, whom, *broadsheet_build(site, *flags)]
    with subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True, start_new_session=True) as run:
        try:
            _, stderr = run.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
    assert (run.returncode, stderr) == (143, "")
    assert _group_is_gone(run.pid), "a worker or Pagefind was left running"
    assert sorted(p.name for p in (site / "out").iterdir()) == (["site"] if before else [])
    assert tree_snapshot(site / "out" / "site") == before
    again = subprocess.run(
        [sys.executable, "-m", "generator", *broadsheet_build(site, *flags)], cwd=REPO, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr


def _group_is_gone(group: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
