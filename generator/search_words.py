"""Which shards hold which indexed words: what lets the search page ask only the shards one full
index would answer from.

Pagefind matches a search word by every indexed word that starts with it; when none does, by the
longest indexed word the search word starts with. A shard that lacks a word the archive has would
take that second way and list papers one full index never would (a search for "video" in a shard
without it answers for "vid"). So the bundle lists every indexed word (Pagefind's stems, read from
each shard's word index) with the shards that hold it, in `words/<first letter>.json`, and the search
page asks a shard only if it matches each search word the way the whole archive does.

A file maps each word to a hex mask over the shards in `shards.json` order (bit 0: the first).
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from generator.stable_index import MAGIC, decode, head, skip

FOLDER = "words"


def index_words(folder: Path) -> set[str]:
    """The indexed words of one Pagefind index (its word chunks, `index/*.pf_index`)."""
    words: set[str] = set()
    for chunk in sorted((folder / "index").glob("*.pf_index")):
        data = gzip.decompress(chunk.read_bytes())
        if not data.startswith(MAGIC):
            raise ValueError(f"unreadable Pagefind word index: {chunk}")
        words.update(_chunk_words(data, len(MAGIC)))
    return words


def _chunk_words(data: bytes, at: int) -> Iterable[str]:
    """A chunk is [[[word, pages, variants?], ...]]: the words, their pages skipped."""
    count, at = _array(data, at)
    if count < 1:
        return
    entries, at = _array(data, at)
    for _ in range(entries):
        fields, at = _array(data, at)
        word, at = decode(data, at)
        yield word
        if fields > 1:
            end = _pages_end(data, at)  # most words' pages in a few regex matches
            at, fields = (end, fields - 1) if end is not None else (at, fields)
        for _ in range(fields - 1):
            at = skip(data, at)


# A word's pages: [[page, [positions], [meta positions]?], ...], every number a CBOR integer (its
# first byte says how many follow), each list of positions shorter than 24 (a one-byte head).
_INTEGER = rb"(?:[\x00-\x17\x20-\x37]|[\x18\x38].|[\x19\x39]..|[\x1a\x3a]....|[\x1b\x3b].{8})"
_INTEGERS = b"(?:" + b"|".join(bytes([0x80 + n]) + _INTEGER + b"{%d}" % n for n in range(24)) + b")"
_PAGE = b"(?:\x82" + _INTEGER + _INTEGERS + b"|\x83" + _INTEGER + _INTEGERS + _INTEGERS + b")"


def _pages_end(data: bytes, at: int) -> int | None:
    """Where the pages of a word at `at` end if they all have that shape, else None (then `skip`
    walks them): matched in runs of 2^k pages, one compiled pattern each, by the count's bits."""
    major, count, at = head(data, at)
    if major != 4:
        return None
    bit = 0
    while count:
        if count & 1:
            run = _page_run(bit).match(data, at)
            if run is None:
                return None
            at = run.end()
        count, bit = count >> 1, bit + 1
    return at


@functools.cache
def _page_run(bit: int) -> re.Pattern[bytes]:
    return re.compile(_PAGE + b"{%d}" % (1 << bit), re.DOTALL)


def _array(data: bytes, at: int) -> tuple[int, int]:
    major, length, at = head(data, at)
    if major != 4:
        raise ValueError(f"expected a CBOR array at {at}")
    return length, at


def write(bundle: Path, shard_names: Sequence[str], held: Mapping[str, Iterable[str]]) -> None:
    """Write `words/*.json` for the shards (in `shards.json` order), each with the words it holds."""
    masks: dict[str, int] = {}
    for bit, name in enumerate(shard_names):
        for word in held[name]:
            masks[word] = masks.get(word, 0) | 1 << bit
    files: dict[str, dict[str, str]] = {}
    for word in sorted(masks):
        files.setdefault(file_key(word), {})[word] = format(masks[word], "x")
    folder = bundle / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for key, words in sorted(files.items()):
        text = json.dumps(words, ensure_ascii=False, separators=(",", ":"))
        (folder / f"{key}.json").write_text(text, encoding="utf-8")


def read(bundle: Path, shard_names: Sequence[str]) -> dict[str, set[str]]:
    """The words each shard holds, as `write` listed them (shards in the bundle's order); nothing
    for a bundle without word files."""
    held: dict[str, set[str]] = {name: set() for name in shard_names}
    for path in sorted((bundle / FOLDER).glob("*.json")) if (bundle / FOLDER).is_dir() else []:
        for word, mask in json.loads(path.read_text(encoding="utf-8")).items():
            bits = int(mask, 16)
            for bit, name in enumerate(shard_names):
                if bits >> bit & 1:
                    held[name].add(word)
    return held


def file_key(word: str) -> str:
    """The file a word is listed in: its first character's code point, in hex (the page looks it up the same way)."""
    return format(ord(word[0]), "x")
