"""The bundle's word lists: the words of a real Pagefind index, which shards hold each, read back
as written, and made again from a shard's own index when a bundle in place has no lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

from generator import search_words
from generator.model import Paper
from generator.search import SHARDS, SearchInput, index_site, update_bundle
from generator.stable_index import MAGIC, decode
from generator.taxonomy import build_archive
from tests.test_search_shards import Moves, files


def paper(pid: str, day: dt.date, abstract: str) -> Paper:
    return Paper(id=pid, title=f"Title {pid}", abstract=abstract, listed=day)


PAPERS = [
    paper("2401.00001", dt.date(2024, 1, 2), "Zebras graze quietly."),
    paper("2401.00002", dt.date(2024, 2, 3), "Quokkas smile."),
    paper("2301.00003", dt.date(2023, 5, 4), "Zebras and quokkas meet."),
]


def test_the_words_of_a_real_index_are_its_stems(tmp_path: Path) -> None:
    bundle = index_site(tmp_path, SearchInput(build_archive(PAPERS[:1]), {}), tmp_path / "b")
    words = search_words.index_words(bundle)
    assert {"zebra", "graze", "quiet", "titl"} <= words  # Pagefind's stems, title (metadata) included
    assert not any(w.startswith("quokka") for w in words)


def test_words_read_by_the_fast_path_and_item_by_item_are_the_index_s_words(tmp_path: Path) -> None:
    """Most words' pages are matched by regex; a word on a page more than 23 times (a long list of
    positions) is walked item by item. Both give the words a full decode of the index gives."""
    many = [
        paper(f"2401.{n:05}", dt.date(2024, 1, 2), f"Word{n % 7} zebra{n % 3}s graze. " * (1 + n % 30))
        for n in range(60)
    ]
    bundle = index_site(tmp_path, SearchInput(build_archive(many), {}), tmp_path / "b")
    decoded = set()
    for chunk in (bundle / "index").glob("*.pf_index"):
        data = gzip.decompress(chunk.read_bytes())
        decoded |= {entry[0] for entry in decode(data, len(MAGIC))[0][0]}
    assert search_words.index_words(bundle) == decoded and {"zebra0", "word6", "graze"} <= decoded


def test_each_word_lists_the_shards_that_hold_it(tmp_path: Path) -> None:
    bundle = index_site(tmp_path, SearchInput(build_archive(PAPERS), {}, whole_below=0), tmp_path / "b")
    names = [s["name"] for s in json.loads((bundle / SHARDS).read_text())["shards"]]
    assert names == ["2024-02", "2024-01", "2023-q2"]
    listed = json.loads((bundle / search_words.FOLDER / "7a.json").read_text())  # "z"
    assert listed["zebra"] == format(0b110, "x")  # the second and third shards
    held = search_words.read(bundle, names)
    assert "quokka" in held["2024-02"] and "quokka" not in held["2024-01"] and "zebra" in held["2023-q2"]


def test_masks_and_files_read_back_as_written(tmp_path: Path) -> None:
    names = [f"s{i}" for i in range(11)]
    held = {name: set() for name in names}
    held["s0"] |= {"ärger", "a1"}
    held["s10"] |= {"a1", "9lives"}
    search_words.write(tmp_path, names, held)
    assert sorted(p.name for p in (tmp_path / search_words.FOLDER).iterdir()) == ["39.json", "61.json", "e4.json"]
    assert json.loads((tmp_path / search_words.FOLDER / "61.json").read_text()) == {"a1": "401"}
    assert search_words.read(tmp_path, names) == held


def test_a_bundle_without_word_lists_gets_them_from_its_shards(tmp_path: Path) -> None:
    source = SearchInput(build_archive(PAPERS), {}, whole_below=0)
    old = index_site(tmp_path, source, tmp_path / "old")
    shutil.rmtree(old / search_words.FOLDER)  # a bundle made before there were lists
    changed = [*PAPERS[1:], dataclasses.replace(PAPERS[0], abstract="Zebras graze loudly.")]
    source = SearchInput(build_archive(changed), {}, whole_below=0)
    update_bundle(old, tmp_path / "new", source, Moves())
    assert files(tmp_path / "new") == files(index_site(tmp_path, source, tmp_path / "cold"))
