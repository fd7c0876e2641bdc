"""cache: what one build saves for the next, and when it is not trusted."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from generator import cache, keys
from generator.loader import FileEntry, Stamp, load_content
from tests.conftest import REPO, paper_file, write_content


def test_parsed_content_round_trips_under_the_same_code_only(content, tmp_path):
    write_content(content, "2024/a.md", paper_file("2403.00001", "A", "listed: 2024-03-01\ntags: [x]\nnope: 1\n"))
    write_content(content, "2024/b.md", "---\ntitle: [unclosed\n---\n")
    entries = load_content(content).files
    path = tmp_path / "content.pickle"
    saved = cache.ContentCache(path, b"code-1")
    saved.save(entries)
    assert reload(path, b"code-1", entries, saved.version) == entries  # papers, problems (with lines), stamps, digests
    assert cache.ContentCache(path, b"code-2").load(stamps(entries), saved.version) == {}


def test_file_times_are_trusted_only_with_the_version_of_the_content_they_were_recorded_with(content, tmp_path):
    write_content(content, "2024/a.md", paper_file("2403.00001", "A", "listed: 2024-03-01\n"))
    old = 10**18  # a time long past, which a stamp may hold (see loader.RACY_NS)
    entries = {path: dataclasses.replace(e, mtime_ns=old) for path, e in load_content(content).files.items()}
    saved = cache.ContentCache(tmp_path / "content.pickle", b"k")
    saved.save(entries)
    assert [e.mtime_ns for e in reload(saved.file.path, b"k", entries, saved.version).values()] == [old]
    # Saved with another version than the state's stamps (a build cut short in between): each file is hashed.
    assert [e.mtime_ns for e in reload(saved.file.path, b"k", entries, b"an older version").values()] == [-1]


def stamps(entries: Mapping[str, FileEntry]) -> dict[str, Stamp]:
    return {path: (e.size, e.mtime_ns) for path, e in entries.items()}


def reload(path: Path, key: bytes, entries: Mapping[str, FileEntry], version: bytes) -> dict[str, FileEntry]:
    """What a later build loads from `path`, with the stamps of `entries` recorded with `version`."""
    return cache.ContentCache(path, key).load(stamps(entries), version)


def test_a_few_changes_go_to_a_delta_and_many_rewrite_the_base(content, tmp_path):
    for i in range(150):
        write_content(content, f"2024/{i}.md", paper_file(f"p{i}", f"Paper {i}", "listed: 2024-03-01\n"))
    path = tmp_path / "content.pickle"
    cache.ContentCache(path, b"k").save(load_content(content).files)
    base = path.read_bytes()

    def edit(count: int, title: str):
        for i in range(count):
            write_content(content, f"2024/{i}.md", paper_file(f"p{i}", title, "listed: 2024-03-01\n"))

    for count, title in ((3, "Edited once"), (5, "Edited twice")):  # the delta holds every change since the base
        edit(count, title)
        (content / "papers/2024/149.md").unlink(missing_ok=True)
        saved = cache.ContentCache(path, b"k")
        saved.load({}, b"")
        files = load_content(content).files  # one reading: a file read within RACY_NS has no time, and later has one
        saved.save(files)
        assert path.read_bytes() == base
        assert reload(path, b"k", files, saved.version) == files
    edit(150, "Edited by all")  # more than a tenth of the files (and more than 100): a new base
    saved = cache.ContentCache(path, b"k")
    saved.load({}, b"")
    files = load_content(content).files
    saved.save(files)
    assert path.read_bytes() != base and not saved.file.delta_path.exists()
    assert reload(path, b"k", files, saved.version) == files


def test_unreadable_or_foreign_cache_files_read_as_empty(tmp_path):
    path = tmp_path / "build.pickle"
    assert cache.load_state(path) == cache.BuildState()
    for junk in (b"", b"\x80\x05garbage", b"not a pickle at all"):
        path.write_bytes(junk)
        assert cache.load_state(path) == cache.BuildState()
        assert cache.ContentCache(path, b"k").load({}, b"") == {}


def test_a_cache_file_whose_damaged_lengths_ask_for_terabytes_reads_as_empty(tmp_path):
    path = tmp_path / "build.pickle"
    for size in (2**40, 2**63 + 5):  # more memory than there is; more than a size can hold
        path.write_bytes(b"\x80\x05\x8e" + size.to_bytes(8, "little"))  # BINBYTES8 of that many bytes
        assert cache.load_state(path) == cache.BuildState()
        assert cache.ContentCache(path, b"k").load({}, b"") == {}


def test_code_key_follows_the_generator_source(tmp_path, monkeypatch):
    copy = tmp_path / "generator"
    copy.mkdir()
    for source in (REPO / "generator").glob("*.py"):
        (copy / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(keys, "GENERATOR_DIR", copy)
    before = keys.code_key()
    assert keys.code_key() == before
    (copy / "render.py").write_text((copy / "render.py").read_text() + "\n# a change\n")
    assert keys.code_key() != before


def test_site_key_follows_theme_files_and_settings(tmp_path):
    theme = tmp_path / "templates"
    theme.mkdir()
    (theme / "base.html").write_text("<p>one</p>")
    first = keys.site_key(b"code", [theme], ("config", True))
    assert keys.site_key(b"code", [theme], ("config", False)) != first
    (theme / "base.html").write_text("<p>two</p>")
    assert keys.site_key(b"code", [theme], ("config", True)) != first


def test_saved_cards_round_trip_without_the_papers_gone(tmp_path):
    path = tmp_path / "cards.pickle"
    first = cache.CardCache(path, b"site")
    assert first.load() == {}
    first.save({"a", "b"}, {"a": cache.Card(b"1", "<li>a</li>"), "b": cache.Card(b"2", "<li>b</li>")})
    second = cache.CardCache(path, b"site")
    assert second.load() == {"a": (b"1", "<li>a</li>"), "b": (b"2", "<li>b</li>")}
    second.save({"a", "c"}, {"c": cache.Card(b"3", "<li>c</li>")})  # b is gone, c is new
    assert cache.CardCache(path, b"site").load() == {"a": (b"1", "<li>a</li>"), "c": (b"3", "<li>c</li>")}
    assert cache.CardCache(path, b"another theme").load() == {}


def test_saved_bibtex_entries_are_reused_only_under_the_same_key_and_fields(tmp_path):
    path, cited = tmp_path / "entries.pickle", {"a": ("smith2024a", b"fields a"), "b": ("jones2024b", b"fields b")}
    made = {("a", "smith2024a"): "@misc{smith2024a, ...}", ("b", "jones2024b"): "@misc{jones2024b, ...}"}
    cache.EntryCache(path, b"code").save(cited, made)
    assert cache.EntryCache(path, b"code").load(cited) == made
    renamed, edited = {**cited, "a": ("smith2024aa", b"fields a")}, {**cited, "b": ("jones2024b", b"new title")}
    assert cache.EntryCache(path, b"code").load(renamed) == {("b", "jones2024b"): made["b", "jones2024b"]}
    assert cache.EntryCache(path, b"code").load(edited) == {("a", "smith2024a"): made["a", "smith2024a"]}
    assert cache.EntryCache(path, b"other code").load(cited) == {}


def test_opening_the_caches_removes_what_a_build_killed_while_saving_left_of_them_only(tmp_path):
    """The output's lock is held: no build can be writing these; another output's are left to its own builds."""
    files = cache.CacheFiles.of(tmp_path / "cache", tmp_path / "content", tmp_path / "out")
    other = cache.CacheFiles.of(tmp_path / "cache", tmp_path / "content", tmp_path / "elsewhere")
    (tmp_path / "cache").mkdir()
    ours = [p.with_name(f".{p.name}.0123456789ab.tmp") for p in (files.build, files.cards, files.abstracts)]
    kept = [other.cards.with_name(f".{other.cards.name}.0123456789ab.tmp"), files.cards.with_name("notes.tmp")]
    kept.append(files.cards.with_name(f".{files.cards.name}.mine.tmp"))
    for path in ours + kept:
        path.write_bytes(b"half a pickle")
    cache.Caches.open(files, b"code", b"site")
    assert [path for path in ours if path.exists()] == []
    assert all(path.exists() for path in kept)
