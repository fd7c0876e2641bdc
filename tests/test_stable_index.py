"""Pagefind's filter and sort indexes rewritten in a stable order: two bundles that differ only in
hash-map order become byte-identical, and what they say is unchanged."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from generator.stable_index import MAGIC, decode, encode, stabilize


@pytest.mark.parametrize("value", [0, 23, 24, 255, 256, 65536, 2**32, "", "tag", "é" * 30, [], [1, ["a", [2, 3]]]])
def test_cbor_round_trip(value):
    data = encode(value)
    assert decode(data, 0) == (value, len(data))


def write_bundle(folder: Path, tag_values: list, sorts: list, filters: list) -> None:
    (folder / "filter").mkdir(parents=True)
    for name, file_hash in filters:
        values = tag_values if name == "tag" else [["2024", [0, 1]]]
        (folder / "filter" / f"{file_hash}.pf_filter").write_bytes(gzip.compress(MAGIC + encode([name, values])))
    meta = ["1.5.2", [["en_f1", 3], ["en_f0", 2]], filters, sorts]
    (folder / "pagefind.en_0123456789.pf_meta").write_bytes(gzip.compress(MAGIC + encode(meta)))
    entry = {"version": "1.5.2", "languages": {"en": {"hash": "en_0123456789", "wasm": "en", "page_count": 2}}}
    (folder / "pagefind-entry.json").write_text(json.dumps(entry))


def read_meta(folder: Path):
    entry = json.loads((folder / "pagefind-entry.json").read_text())
    raw = gzip.decompress((folder / f"pagefind.{entry['languages']['en']['hash']}.pf_meta").read_bytes())
    return decode(raw, len(MAGIC))[0]


def test_two_orders_of_the_same_index_become_the_same_bytes(tmp_path: Path):
    tags = [["b", [1]], ["a", [0, 1]]]
    sorts = [["upvotes", [1, 0]], ["date", [0, 1]]]
    write_bundle(tmp_path / "one", tags, sorts, [["tag", "en_aaa1111"], ["year", "en_bbb2222"]])
    write_bundle(tmp_path / "two", tags[::-1], sorts[::-1], [["year", "en_ccc3333"], ["tag", "en_ddd4444"]])
    for name in ("one", "two"):
        stabilize(tmp_path / name)
    one, two = (
        sorted((p.relative_to(tmp_path / n), p.read_bytes()) for p in (tmp_path / n).rglob("*") if p.is_file())
        for n in ("one", "two")
    )
    assert one == two
    meta = read_meta(tmp_path / "one")
    assert meta[1] == [["en_f1", 3], ["en_f0", 2]]  # the fragment list keeps its order
    assert [name for name, _ in meta[2]] == ["tag", "year"]
    assert meta[3] == [["date", [0, 1]], ["upvotes", [1, 0]]]  # page orders unchanged, keys sorted
    tag_file = tmp_path / "one" / "filter" / f"{meta[2][0][1]}.pf_filter"
    assert decode(gzip.decompress(tag_file.read_bytes()), len(MAGIC))[0] == ["tag", [["a", [0, 1]], ["b", [1]]]]


def test_a_file_it_cannot_read_back_exactly_is_left_alone(tmp_path: Path):
    write_bundle(tmp_path, [["a", [0]]], [], [["tag", "en_aaa1111"]])
    meta = tmp_path / "pagefind.en_0123456789.pf_meta"
    meta.write_bytes(gzip.compress(MAGIC + b"\xa1\x01\x02"))  # a CBOR map: not what Pagefind writes
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    stabilize(tmp_path)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
