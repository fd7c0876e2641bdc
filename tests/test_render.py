"""render: the theme (the default one ships with the package; a site overrides single files and inherits
the rest), and listing cards and data file lines made once and reused."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import Markup

from generator import cache, render, urls
from generator.build import build
from generator.config import SiteConfig, load_config
from generator.errors import UserError
from generator.exports import Export, paper_json
from generator.loader import load_content
from generator.render import Renderer
from generator.taxonomy import build_archive
from generator.views import Views
from tests.conftest import REPO, paper_file, write_content
from tests.test_output import CONFIG, EDITS


def test_the_default_theme_comes_with_the_package():
    theme = render.default_theme()
    for name in ("templates/base.html", "templates/index.html", "templates/partials/card.html", "static/style.css"):
        assert (theme / name).is_file(), name

    # The same files as the repository's themes/default, the copy contributors edit (in a checkout the
    # package reads that very folder; a wheel carries a copy of it).
    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    assert files(theme) == files(REPO / "themes" / "default")


def test_a_site_without_themes_uses_the_packaged_default(tmp_path: Path):
    config = SiteConfig(root=tmp_path)
    assert render.theme_dirs(config, "templates") == [render.default_theme() / "templates"]
    assert render.theme_dirs(config, "static") == [render.default_theme() / "static"]


def test_the_sites_theme_comes_first_then_the_packaged_default(tmp_path: Path):
    (tmp_path / "themes/mine/templates").mkdir(parents=True)
    config = SiteConfig(root=tmp_path, theme="mine")
    assert render.theme_dirs(config, "templates") == [
        tmp_path / "themes/mine/templates",
        render.default_theme() / "templates",
    ]
    # A theme with no static folder inherits every static file.
    assert render.theme_dirs(config, "static") == [render.default_theme() / "static"]


def test_a_missing_theme_is_the_users_mistake(tmp_path: Path):
    (tmp_path / "themes/other").mkdir(parents=True)
    with pytest.raises(UserError) as caught:
        render.theme_dirs(SiteConfig(root=tmp_path, theme="mine"), "templates")
    assert caught.value.what == "theme not found"
    assert caught.value.where == str(tmp_path / "themes" / "mine")


def test_overriding_one_template_and_one_static_file(tmp_path: Path, content: Path):
    """No copy of the default theme in the site: base.html, the partials and the other static
    files come from the package; the two files the site has replace the packaged ones."""
    root = tmp_path / "site"
    (root / "themes/mine/templates").mkdir(parents=True)
    (root / "themes/mine/static").mkdir(parents=True)
    (root / "themes/mine/templates/404.html").write_text(
        "{% extends 'base.html' %}{% block content %}<p class='mine'>Lost, {{ site.title }}?</p>{% endblock %}",
        encoding="utf-8",
    )
    (root / "themes/mine/static/style.css").write_text("/* mine */\n", encoding="utf-8")
    (root / "site.yaml").write_text("title: Mine\ntheme: mine\n", encoding="utf-8")
    write_content(content, "2024/a.md", paper_file("2401.00001", "Inherited", "listed: 2024-01-01\n"))

    build(content, tmp_path / "out", load_config(root=root), search=False)

    out = tmp_path / "out"
    page_404 = (out / "404.html").read_text(encoding="utf-8")
    assert "<p class='mine'>Lost, Mine?</p>" in page_404  # the site's template...
    assert 'class="site-header"' in page_404  # ...inside the packaged base.html
    assert (out / "static/style.css").read_text(encoding="utf-8") == "/* mine */\n"
    packaged = render.default_theme() / "static"
    for name in ("search.js", "copy.js"):  # every other static file is inherited
        assert (out / "static" / name).read_bytes() == (packaged / name).read_bytes()
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "Inherited" in home  # the packaged index.html and its partials


def test_broadsheet_builds_in_any_folder_with_the_documented_defaults(tmp_path: Path):
    """No site.yaml and no themes/: the defaults of SiteConfig and the packaged theme."""
    write_content(tmp_path / "content", "2024/a.md", paper_file("2401.00001", "Anywhere", "listed: 2024-01-01\n"))
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--no-search", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    home = (tmp_path / "output/index.html").read_text(encoding="utf-8")
    assert f"<title>{SiteConfig().title}</title>" in home and "Anywhere" in home
    assert (tmp_path / "output/static/style.css").read_bytes() == (
        render.default_theme() / "static/style.css"
    ).read_bytes()


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(REPO / "content", folder)
    return folder


def test_a_card_is_rendered_again_only_when_its_papers_file_changed(seed, tmp_path):
    loaded = load_content(seed)
    archive = build_archive(loaded.papers)
    old, new = archive.order[:2]
    saved = {
        old: cache.Card(loaded.digests[old], Markup("<li>kept from the last build</li>")),
        new: cache.Card(b"the digest of an older file", Markup("<li>stale</li>")),
    }
    renderer = Renderer(Views(archive, {}), CONFIG, urls.Urls(CONFIG.base_url), loaded.digests, saved)
    assert renderer.card(old) == "<li>kept from the last build</li>"
    assert archive.papers[new].title in renderer.card(new)
    assert renderer.made_cards() == {new: (loaded.digests[new], renderer.card(new))}


def test_a_build_saves_its_cards_for_the_next(seed, tmp_path):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    files = cache.CacheFiles.of(cache_dir, seed, out)
    build(seed, out, CONFIG, jobs=2, search=False, cache_dir=cache_dir)
    cold_cards = cache._load(files.cards).rows
    papers = load_content(seed)
    assert len(cold_cards) > len(papers.papers) / 2  # those the parent process made (see render._render_dealt)
    EDITS["upvotes"](seed)
    build(seed, out, CONFIG, jobs=2, search=False, cache_dir=cache_dir)
    edited = next(p.id for p in papers.papers if "filip" in p.source_path)
    base = cache._load(files.cards).rows
    changed = cache._load(files.cards.with_name(files.cards.stem + "-delta.pickle")).changed
    assert changed[edited].digest == load_content(seed).digests[edited] != base[edited].digest


def test_a_listing_line_is_rendered_again_only_when_its_papers_file_changed(seed, tmp_path):
    loaded = load_content(seed)
    archive = build_archive(loaded.papers)
    old, new = archive.order[:2]
    saved = {
        old: cache.Card(loaded.digests[old], "<li>kept from the last build</li>"),
        new: cache.Card(b"the digest of an older file", "<li>stale</li>"),
    }
    site = urls.Urls(CONFIG.base_url)
    renderer = Renderer(Views(archive, {}), CONFIG, site, loaded.digests, saved_lines=saved)
    assert renderer.line(old) == "<li>kept from the last build</li>"
    assert renderer.line(new) == Renderer(Views(archive, {}), CONFIG, site, loaded.digests).line(new)
    assert renderer.made_lines() == {new: (loaded.digests[new], renderer.line(new))}


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_edited_title_renders_the_line_of_that_paper_only_and_the_site_a_cold_build_makes(
    jobs, seed, tmp_path, monkeypatch
):
    """A new title changes every long list holding the paper (week, month, tag pages): the lines of the other
    papers they list come from the last build, the workers' lines included."""
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(seed, out, CONFIG, jobs=jobs, search=False, cache_dir=cache_dir)
    files = cache.CacheFiles.of(cache_dir, seed, out)
    assert len(cache._load(files.lines).rows) == len(load_content(seed).papers)  # every paper is in a long list
    EDITS["title"](seed)
    made: list[str] = []
    made_lines = Renderer.made_lines
    monkeypatch.setattr(Renderer, "made_lines", lambda self: made.extend(made_lines(self)) or made_lines(self))
    build(seed, out, CONFIG, jobs=jobs, search=False, cache_dir=cache_dir)
    edited = next(p.id for p in load_content(seed).papers if "filip" in p.source_path)
    assert made == [edited] or (jobs > 1 and made == [])  # a forked worker's lines are not seen here
    monkeypatch.undo()
    build(seed, tmp_path / "cold", CONFIG, search=False)
    for page in out.rglob("*.html"):
        assert page.read_bytes() == (tmp_path / "cold" / page.relative_to(out)).read_bytes()


def test_a_bib_lists_key_follows_each_of_its_entries_whatever_was_keyed_before(seed):
    """Entries are keyed once per process (`Renderer._plan_repr`): equal lists, equal keys; any entry changed,
    added, dropped or moved, another key."""
    loaded = load_content(seed)
    archive = build_archive(loaded.papers)

    def renderer() -> Renderer:
        return Renderer(Views(archive, {}), CONFIG, urls.Urls(CONFIG.base_url), loaded.digests)

    a, b = archive.order[:2]
    entries = ((a, "a2023", b"\1" * 8), (b, "b2023", b"\2" * 8))
    bib = Export("tags/x/papers.bib", "bib", context=entries, group="tag")
    keyed = renderer()
    key = keyed.key(bib)
    assert renderer().key(dataclasses.replace(bib, context=tuple(tuple(list(e)) for e in entries))) == key
    others = [
        entries[::-1],
        entries[:1],
        (*entries, (a, "a2023a", b"\1" * 8)),
        ((a, "a2023b", b"\1" * 8), entries[1]),
        ((a, "a2023", b"\3" * 8), entries[1]),
        ((f"{a}', 'a2023', b'\\x01')('{b}", "b2023", b"\2" * 8),),  # one entry spelling out two
    ]
    changed = [dataclasses.replace(bib, context=context) for context in others]
    changed += [dataclasses.replace(bib, group="year"), dataclasses.replace(bib, path="tags/y/papers.bib")]
    assert len({key, *(keyed.key(job) for job in changed)}) == len(changed) + 1
    assert [keyed.key(job) for job in changed] == [renderer().key(job) for job in changed]


def test_a_data_file_line_is_made_again_only_when_its_papers_file_changed(seed, tmp_path):
    loaded = load_content(seed)
    archive = build_archive(loaded.papers)
    old, new = archive.order[:2]
    saved = {old: cache.Record(loaded.digests[old], b"kept"), new: cache.Record(b"an older file", b"stale")}
    site = urls.Urls(CONFIG.base_url)
    renderer = Renderer(Views(archive, {}), CONFIG, site, loaded.digests, saved_records=saved)
    assert renderer.record(old, True) == b"kept"
    assert renderer.record(new, True) == paper_json(archive.papers[new], site)
    assert renderer.made_records() == {new: (loaded.digests[new], paper_json(archive.papers[new], site))}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_re_vote_makes_one_data_line_again_and_the_year_file_a_cold_build_makes(jobs, seed, tmp_path, monkeypatch):
    out, cache_dir, voted = (
        tmp_path / "out",
        tmp_path / "cache",
        "filip-fine-grained-interactive-language-image-pre-training",
    )
    build(seed, out, CONFIG, jobs=jobs, search=False, cache_dir=cache_dir)
    EDITS["upvotes"](seed)
    made: list[str] = []
    monkeypatch.setattr(render, "paper_json", lambda paper, *args: made.append(paper.id) or paper_json(paper, *args))
    build(seed, out, CONFIG, jobs=jobs, search=False, cache_dir=cache_dir)
    assert made == [voted] or (jobs > 1 and made == [])  # a forked worker's calls are not seen here
    monkeypatch.undo()
    build(seed, tmp_path / "cold", CONFIG, search=False)
    for year in (out / "data").iterdir():
        assert year.read_bytes() == (tmp_path / "cold/data" / year.name).read_bytes()
    files = cache.CacheFiles.of(cache_dir, seed, out)
    saved = cache.RecordCache(files.records, cache._load(files.build).site_key).load()
    assert saved[voted].digest == load_content(seed).digests[voted]  # the workers' lines are saved too


def test_a_workers_share_comes_back_through_a_file_it_leaves_nowhere(seed, tmp_path):
    """A forked worker spills what it made (keys, sizes, cards, data lines) to a file, which the parent reads
    once the worker has ended (`render._spill`): the site and the cards saved are those of one process."""
    one, two = tmp_path / "one", tmp_path / "two"
    build(seed, one, CONFIG, jobs=1, search=False, cache_dir=tmp_path / "cache-one")
    build(seed, two, CONFIG, jobs=2, search=False, cache_dir=tmp_path / "cache-two")
    files = sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files if f.name != ".broadsheet-output")
    assert not [p for p in tmp_path.rglob(".share-*")]
    cards = [
        cache._load(cache.CacheFiles.of(tmp_path / c, seed, o).cards).rows
        for c, o in (("cache-one", one), ("cache-two", two))
    ]
    assert cards[0] == cards[1]


def test_a_spilled_share_is_read_back_whole_and_its_file_removed(tmp_path):
    share = render.Rendered([b"k0", b"k1"], {1: b"bytes"}, {"p": cache.Card(b"d", "<li>card</li>")}, sizes=[3, -1])
    path = render._spill(share, tmp_path / ".share-0.pickle")
    assert render._unspilled(path) == share and not path.exists()
    assert render._unspilled(share) is share  # the parent's own share was never spilled


def test_an_organization_without_a_slug_is_shown_as_text(tmp_path: Path, content: Path):
    """'🤗' or '!!!' makes no /orgs/<slug>/ page; the paper page still names it, without a link."""
    write_content(content, "2024/a.md", paper_file("2401.00001", "T", "listed: 2024-01-01\norganization: '🤗'\n"))
    write_content(content, "2024/b.md", paper_file("2401.00002", "U", "listed: 2024-01-01\norganization: Lab\n"))
    build(content, tmp_path / "out", SiteConfig(root=REPO), search=False)

    page = (tmp_path / "out/papers/2401.00001/index.html").read_text(encoding="utf-8")
    assert "<dt>Organization</dt><dd>🤗</dd>" in page
    linked = (tmp_path / "out/papers/2401.00002/index.html").read_text(encoding="utf-8")
    assert '<dt>Organization</dt><dd><a href="/orgs/lab/">Lab</a></dd>' in linked
