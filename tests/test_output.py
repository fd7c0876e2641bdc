"""output: incremental builds put only what changed in place, and the result is byte-identical to a cold build."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import time
from pathlib import Path

import feedparser
import pytest

from generator import cache, keys, outdir, output
from generator.build import BuildError, build
from generator.config import load_config
from generator.model import FIELDS, Paper
from generator.store import paper_text
from tests.conftest import REPO, paper_file, write_content
from tests.sitecheck import tree_snapshot

CONFIG = dataclasses.replace(load_config(root=REPO), base_url="https://example.org/sub/")


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(REPO / "content", folder)
    return folder


def build_twice(content: Path, output: Path, cache_dir: Path, edit, config=CONFIG, jobs=2):
    """A cold build with a cache, `edit`, then a second build: its report."""
    first = build(content, output, config, jobs=jobs, search=False, cache_dir=cache_dir)
    assert first.written == first.files
    edit(content)
    return build(content, output, config, jobs=jobs, search=False, cache_dir=cache_dir)


def cold(content: Path, folder: Path, config=CONFIG) -> dict[str, bytes]:
    build(content, folder, config, search=False)
    return tree_snapshot(folder)


def edit_file(content: Path, name: str, pattern: str, replacement: str) -> None:
    path = next((content / "papers").rglob(name))
    text = path.read_text(encoding="utf-8")
    changed = re.sub(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert changed != text
    path.write_text(changed, encoding="utf-8")


def a_new_day(content: Path) -> None:
    for i in range(3):
        extra = f"listed: 2025-11-0{i + 1}\nupvotes: {i}\ntags:\n- vision-language\n- brand-new-tag\n"
        write_content(content, f"2025/2511.0000{i}.md", paper_file(f"2511.0000{i}", f"New paper {i}", extra))


EDITS = {
    "upvotes": lambda c: edit_file(
        c, "filip-fine-grained-interactive-language-image-pre-training.md", r"^upvotes: \d+", "upvotes: 977"
    ),
    "title": lambda c: edit_file(
        c, "filip-fine-grained-interactive-language-image-pre-training.md", r"^title: .*", "title: An edited title"
    ),
    "abstract": lambda c: edit_file(
        c, "filip-fine-grained-interactive-language-image-pre-training.md", r"\Z", "A sentence a contributor added.\n"
    ),
    "tags": lambda c: edit_file(
        c, "filip-fine-grained-interactive-language-image-pre-training.md", r"^tags:\n", "tags:\n- a-tag-of-its-own\n"
    ),
    "new day": a_new_day,
    "deleted": lambda c: next(
        (c / "papers").rglob("filip-fine-grained-interactive-language-image-pre-training.md")
    ).unlink(),
}


@pytest.mark.parametrize("change", EDITS)
def test_incremental_build_is_byte_identical_to_a_cold_build(change, seed, tmp_path):
    report = build_twice(seed, tmp_path / "out", tmp_path / "cache", EDITS[change])
    assert tree_snapshot(tmp_path / "out") == cold(seed, tmp_path / "cold")
    assert 0 < report.written + report.deleted < report.files / 2  # it really was incremental


def test_incremental_build_on_one_core_too(seed, tmp_path):
    build_twice(seed, tmp_path / "out", tmp_path / "cache", EDITS["new day"], jobs=1)
    assert tree_snapshot(tmp_path / "out") == cold(seed, tmp_path / "cold")


def test_a_deleted_tag_loses_its_pages(seed, tmp_path):
    build_twice(seed, tmp_path / "out", tmp_path / "cache", EDITS["tags"])
    assert (tmp_path / "out/tags/a-tag-of-its-own/index.html").is_file()
    edit_file(seed, "filip-fine-grained-interactive-language-image-pre-training.md", r"^- a-tag-of-its-own\n", "")
    report = build(seed, tmp_path / "out", CONFIG, search=False, cache_dir=tmp_path / "cache")
    assert report.deleted == 4 and not (tmp_path / "out/tags/a-tag-of-its-own").exists()  # page, 2 feeds, .bib
    assert tree_snapshot(tmp_path / "out") == cold(seed, tmp_path / "cold")


def test_nothing_changed_writes_nothing(seed, tmp_path):
    out = tmp_path / "out"
    report = build_twice(seed, out, tmp_path / "cache", lambda c: None)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    again = build(seed, out, CONFIG, search=False, cache_dir=tmp_path / "cache")
    assert report.written == again.written == 0 and again.files == report.files
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_a_config_or_theme_change_rebuilds_everything(seed, tmp_path, site_root):
    renamed = dataclasses.replace(CONFIG, title="Another Title")
    build(seed, tmp_path / "out", CONFIG, search=False, cache_dir=tmp_path / "cache")
    report = build(seed, tmp_path / "out", renamed, search=False, cache_dir=tmp_path / "cache")
    assert report.written == report.files
    assert tree_snapshot(tmp_path / "out") == cold(seed, tmp_path / "cold", renamed)
    # A template overridden in the site's own theme folder: every page shows it.
    theme = site_root / "themes"
    theme.unlink()
    shutil.copytree(REPO / "themes", theme)
    config = dataclasses.replace(CONFIG, root=site_root)
    build(seed, tmp_path / "out2", config, search=False, cache_dir=tmp_path / "cache")
    base = theme / "default/templates/base.html"
    base.write_text(
        base.read_text(encoding="utf-8").replace("</footer>", "<p>a new footer line</p></footer>"), encoding="utf-8"
    )
    report = build(seed, tmp_path / "out2", config, search=False, cache_dir=tmp_path / "cache")
    assert report.written == report.files
    assert "a new footer line" in (tmp_path / "out2/index.html").read_text(encoding="utf-8")


def test_a_failed_incremental_build_leaves_output_and_cache_as_they_were(seed, tmp_path):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    before = tree_snapshot(out)
    saved = cache.CacheFiles.of(cache_dir, seed, out)
    state = saved.build.read_bytes(), saved.content.read_bytes()
    edit_file(seed, "filip-fine-grained-interactive-language-image-pre-training.md", r"^title: .*", "title: [unclosed")
    with pytest.raises(BuildError):
        build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    assert tree_snapshot(out) == before
    assert (saved.build.read_bytes(), saved.content.read_bytes()) == state


@pytest.mark.parametrize("damage", ["delete the cache", "corrupt the cache", "replace the output"])
def test_a_lost_or_damaged_cache_or_output_means_a_cold_build(damage, seed, tmp_path):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    if damage == "delete the cache":
        shutil.rmtree(cache_dir)
    elif damage == "corrupt the cache":
        saved = cache.CacheFiles.of(cache_dir, seed, out)
        saved.build.write_bytes(b"\x80\x05 not a pickle")
        saved.content.write_bytes(saved.content.read_bytes()[:1000])
    else:
        marker = (out / outdir.MARKER).read_bytes()
        shutil.rmtree(out)
        out.mkdir()
        (out / "stray.html").write_text("left by someone", encoding="utf-8")
        (out / outdir.MARKER).write_bytes(marker)  # a build's output, but not this one
    report = build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    assert report.written == report.files
    assert tree_snapshot(out) == cold(seed, tmp_path / "cold")


def test_an_incremental_build_reindexes_search(seed, tmp_path):
    def page_count(out: Path) -> int:
        entry = json.loads((out / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
        return entry["languages"]["en"]["page_count"]

    out = tmp_path / "out"
    build(seed, out, CONFIG, cache_dir=tmp_path / "cache")
    before = page_count(out)
    a_new_day(seed)
    report = build(seed, out, CONFIG, cache_dir=tmp_path / "cache")
    assert report.written < report.files and page_count(out) == before + 3
    assert not list(tmp_path.glob(".out.*"))  # no scratch folder left beside the output


@pytest.mark.parametrize("hold", [0, 20_000])
def test_pages_held_in_memory_or_written_aside_give_the_same_site(hold, seed, tmp_path, monkeypatch):
    monkeypatch.setattr("generator.build.HOLD_BYTES", hold)  # none, or some of the changed pages
    build_twice(seed, tmp_path / "out", tmp_path / "cache", EDITS["new day"])
    assert tree_snapshot(tmp_path / "out") == cold(seed, tmp_path / "cold")


def test_a_rebuild_writes_over_the_files_it_replaced(seed, tmp_path):
    """Making a file costs ten times writing one on the build machine: replaced pages are kept
    as spares, and every page a later build changes is written over one of them."""

    def inodes(out: Path) -> dict[str, int]:
        return {str(p.relative_to(out)): p.stat().st_ino for p in out.rglob("*") if p.is_file()}

    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    upvotes = "filip-fine-grained-interactive-language-image-pre-training.md"
    build_twice(seed, out, cache_dir, lambda c: edit_file(c, upvotes, r"^upvotes: \d+", "upvotes: 977"))
    before = inodes(out)
    spares = {p.stat().st_ino for p in cache.CacheFiles.of(cache_dir, seed, out).spares.iterdir()}
    edit_file(seed, upvotes, r"^upvotes: \d+", "upvotes: 978")
    report = build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    after = inodes(out)
    changed = {file for file in after if after[file] != before[file]}
    assert len(changed) == report.written > 1
    assert {after[file] for file in changed} <= set(before.values()) | spares  # written over, none made
    assert tree_snapshot(out) == cold(seed, tmp_path / "cold")


# --- builds that survive a checkout: the cache and the output restored as a CI cache does -----------


def fresh_checkout(content: Path, tmp_path: Path) -> None:
    """`content` as a new checkout leaves it: the same files, each with a new time."""
    shutil.move(content, tmp_path / "checked-in")
    shutil.copytree(tmp_path / "checked-in", content, copy_function=shutil.copyfile)
    shutil.rmtree(tmp_path / "checked-in")
    later = time.time_ns() - 60 * 10**9  # new, yet old enough for the next build to trust
    for path in content.rglob("*.md"):
        os.utime(path, ns=(later, later))


def restore(folder: Path, saved: Path | None = None) -> None:
    """`folder` restored from a copy (`saved`, else itself as it is): every inode and time new."""
    kept = folder.with_name(folder.name + ".saved")
    shutil.move(saved or folder, kept)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(kept, folder, copy_function=shutil.copyfile)
    shutil.rmtree(kept)


@pytest.mark.parametrize("hashed", ["here", "in a forked process"])
def test_a_fresh_checkout_with_cache_and_output_restored_builds_only_what_changed(hashed, seed, tmp_path, monkeypatch):
    """The files' bytes are hashed in this process, or beside it (as they are from 1,000 files with new times)."""
    if hashed != "here":
        monkeypatch.setattr("generator.build.HASHED_BESIDE_FROM", 1)
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    a_new_day(seed)  # the day's new papers and a re-vote, committed by the scrape
    EDITS["upvotes"](seed)
    fresh_checkout(seed, tmp_path)  # then checked out by the build
    restore(out), restore(cache_dir)
    parsed = cache.ContentCache(cache.CacheFiles.of(cache_dir, seed, out).content, b"").file
    base = parsed.path.read_bytes()
    report = build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    assert 0 < report.written < report.files / 2  # an incremental build, not a cold one
    delta = cache._load(parsed.delta_path)  # new file times alone change nothing in the parsed content:
    assert isinstance(delta, cache.Delta) and len(delta.changed) == 4  # the day's 3 papers and the re-vote
    assert parsed.path.read_bytes() == base
    assert tree_snapshot(out) == cold(seed, tmp_path / "cold")
    again = build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    assert again.written == 0 and again.timings[-1][0] == "read the cache and scan the content"  # up to date


def test_feeds_show_the_abstracts_the_last_build_rendered(seed, tmp_path, monkeypatch):
    """A day's new papers change the feeds: the abstracts of the papers already in them come from the cache
    (`cache.AbstractCache`), rendered by the last build; only the new papers' are rendered."""
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(seed, out, CONFIG, jobs=1, search=False, cache_dir=cache_dir)
    a_new_day(seed)
    monkeypatch.setattr("generator.views.render_abstract", lambda text: "<p>rendered again</p>")
    build(seed, out, CONFIG, jobs=1, search=False, cache_dir=cache_dir)
    entries = feedparser.parse((out / "feed.xml").read_bytes()).entries
    again = [entry.link for entry in entries if "rendered again" in entry.summary]
    assert sorted(again) == [f"https://example.org/sub/papers/2511.0000{i}/" for i in range(3)]
    assert len(entries) > len(again)


def test_after_a_checkout_a_changed_config_makes_the_build_cold(seed, tmp_path):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    fresh_checkout(seed, tmp_path)
    restore(out), restore(cache_dir)
    renamed = dataclasses.replace(CONFIG, title="Another Title")
    report = build(seed, out, renamed, search=False, cache_dir=cache_dir)
    assert report.written == report.files
    assert tree_snapshot(out) == cold(seed, tmp_path / "cold", renamed)


def test_the_theme_key_holds_its_files_not_where_the_theme_lies(tmp_path):
    from generator import keys

    for name in ("here", "there"):  # two checkouts of one theme
        (tmp_path / name / "templates").mkdir(parents=True)
        (tmp_path / name / "templates/base.html").write_text("<p>one</p>")
    here, there = ([tmp_path / name / "templates"] for name in ("here", "there"))
    assert keys.site_key(b"code", here, "config") == keys.site_key(b"code", there, "config")
    (tmp_path / "there/templates/base.html").write_text("<p>two</p>")
    assert keys.site_key(b"code", here, "config") != keys.site_key(b"code", there, "config")


@pytest.mark.parametrize("restored", ["an older build's output", "a page missing", "a file added"])
def test_a_restored_output_that_is_not_the_recorded_site_is_rebuilt(restored, seed, tmp_path):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    older = tmp_path / "older"
    shutil.copytree(out, older)
    EDITS["abstract"](seed)  # the same files, other bytes: the cache now records another site
    build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    if restored == "an older build's output":
        restore(out, older)  # its marker names the site before the edit
    elif restored == "a page missing":
        restore(out)
        next(out.glob("papers/*/index.html")).unlink()
    else:
        restore(out)
        (out / "papers/notes.txt").write_text("left by someone", encoding="utf-8")
    report = build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    assert report.written == report.files
    assert tree_snapshot(out) == cold(seed, tmp_path / "cold")


@pytest.mark.parametrize("change", ["upvotes", "new day"])
def test_a_build_rewrites_only_the_files_whose_bytes_change(change, seed, tmp_path):
    """A re-vote changes the paper's page, its card and the lists ranked by upvotes, not the lists of
    lines that hold it (tag, month, year pages...) nor its feeds: those are not even rewritten."""
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    before, inodes = tree_snapshot(out), {p: p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    EDITS[change](seed)
    report = build(seed, out, CONFIG, search=False, cache_dir=cache_dir)
    after = tree_snapshot(out)
    rewritten = {str(p.relative_to(out)) for p, ino in inodes.items() if p.exists() and p.stat().st_ino != ino}
    changed = {file for file in before.keys() & after.keys() if before[file] != after[file]}
    assert rewritten == changed and 0 < report.written - len(after.keys() - before.keys()) == len(changed)
    if change == "upvotes":  # the day's card, the paper page, top pages, digests, data; no list of lines
        assert not [file for file in changed if b'<ol class="papers lines">' in before[file]]


def test_a_bib_list_is_made_from_the_entries_an_earlier_build_saved(seed, tmp_path):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(seed, out, CONFIG, jobs=1, search=False, cache_dir=cache_dir)
    saved = cache.EntryCache(cache.CacheFiles.of(cache_dir, seed, out).entries, keys.code_key())
    rows = saved.file.load()
    assert len(rows) == len(list(seed.rglob("*.md")))  # one process made them all
    pid = "filip-fine-grained-interactive-language-image-pre-training"
    saved.file.save({**rows, pid: rows[pid]._replace(text="@misc{as the last build saved it}")})
    a_new_day(seed)  # a new paper in the vision-language tag, and so in its .bib list with FILIP
    build(seed, out, CONFIG, jobs=1, search=False, cache_dir=cache_dir)
    assert b"@misc{as the last build saved it}" in (out / "tags/vision-language/papers.bib").read_bytes()


def every_field_papers() -> list[Paper]:
    """Three papers with every declared field set, on three days, sharing their tags: each page links the others."""
    from tests.test_exports import FULL  # which imports this module

    return [
        dataclasses.replace(
            FULL, id=f"2403.0663{i}", title=f"Paper {i}", aliases=(f"old-slug-{i}",), listed=dt.date(2024, 2, 1 + i)
        )
        for i in range(3)
    ]


@pytest.mark.parametrize("name", [name for name in FIELDS if name != "id"])
def test_an_edit_of_any_one_field_builds_incrementally_what_a_cold_build_makes(name, tmp_path):
    """Driven by the declarations: a field added to model.Paper is edited here too, so that a page or file that
    shows it but is keyed on a list of fields without it (kept stale by an incremental build) fails."""
    from tests.test_exports import OTHER  # a value of each field, the new ones' from their declarations

    content, papers = tmp_path / "content", every_field_papers()
    for paper in papers:
        write_content(content, f"2024/{paper.id}.md", paper_text(paper))
    edited = paper_text(dataclasses.replace(papers[1], **{name: OTHER[name]}))
    assert edited != paper_text(papers[1])
    build_twice(
        content,
        tmp_path / "out",
        tmp_path / "cache",
        lambda c: write_content(c, f"2024/{papers[1].id}.md", edited),
        jobs=1,
    )
    assert tree_snapshot(tmp_path / "out") == cold(content, tmp_path / "cold"), f"stale after an edit of {name}"


@pytest.mark.parametrize("build_failed", [False, True], ids=["swapped in", "failed"])
def test_ctrl_c_or_sigterm_while_the_staging_folder_is_removed_leaves_nothing_beside_the_output(
    build_failed, tmp_path, monkeypatch
):
    """SIGTERM as a cold build removed the old site it had just swapped out (or its own, failed) cut the removal
    short, and most of it was left beside the output."""
    out = tmp_path / "out"
    (out / "old").mkdir(parents=True)
    rmtree = shutil.rmtree
    interrupts = [KeyboardInterrupt()]

    def interrupted(folder, **kwargs):
        if interrupts:
            raise interrupts.pop()  # before anything is removed, as a signal may come
        rmtree(folder, **kwargs)

    monkeypatch.setattr(output.shutil, "rmtree", interrupted)
    with pytest.raises(KeyboardInterrupt), output.staging(out) as stage:
        (stage / "new").mkdir()
        if build_failed:
            raise ValueError("the build failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert [p.name for p in out.iterdir()] == (["old"] if build_failed else ["new"])
