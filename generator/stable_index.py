"""Pagefind's filter indexes, rewritten in a stable order so that the same pages give the same bundle.

Pagefind (1.x) writes each filter's values, and the list of filters in its metadata file, in hash-map
order, which changes from run to run (its fragment files are stable since 1.3). Each of those files is
gzip of `pagefind_dcd` + CBOR. Here every filter file gets its values sorted and a name made from its
content; the metadata file lists the filters by name, with the new file names, and is renamed the same
way, its sort keys listed by name; `pagefind-entry.json` points at it. Only those three kinds of file
change. A file this code does not read back to the same bytes is left as it is.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path
from typing import Any

MAGIC = b"pagefind_dcd"


def stabilize(bundle: Path) -> None:
    entry_file = bundle / "pagefind-entry.json"
    entry = json.loads(entry_file.read_text(encoding="utf-8"))
    changed = False
    for language in entry["languages"].values():
        new_hash = _stabilize_language(bundle, language["hash"])
        changed, language["hash"] = changed or new_hash != language["hash"], new_hash
    if changed:
        entry_file.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def read_pages(bundle: Path) -> list[tuple[str, int]]:
    """The bundle's pages in the order they were indexed: each one's id (fragment hash) and word count."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    pages: list[tuple[str, int]] = []
    for language in entry["languages"].values():
        raw = gzip.decompress((bundle / f"pagefind.{language['hash']}.pf_meta").read_bytes())
        meta = decode(raw, len(MAGIC))[0] if raw.startswith(MAGIC) else None  # read only: not re-encoded
        if not (isinstance(meta, list) and len(meta) > 1 and isinstance(meta[1], list)):
            raise ValueError(f"unreadable Pagefind metadata in {bundle}")
        pages += [(page[0], page[1]) for page in meta[1]]
    return pages


def share_wasm(bundle: Path, depth: int) -> None:
    """Point the index of a shard `depth` folders below the bundle at the bundle's own WebAssembly
    (Pagefind fetches `<index folder>wasm.<name>.pagefind`; the URL's dot segments climb back up),
    so a page that opens the shard as an index of its own does not need a copy of it."""
    entry_file = bundle / "pagefind-entry.json"
    entry = json.loads(entry_file.read_text(encoding="utf-8"))
    for language in entry["languages"].values():
        language["wasm"] = "/".join(["x", *[".."] * (depth + 1), f"wasm.{language.get('wasm') or 'unknown'}"])
    entry_file.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _stabilize_language(bundle: Path, meta_hash: str) -> str:
    meta_file = bundle / f"pagefind.{meta_hash}.pf_meta"
    meta = _read(meta_file)
    if meta is None:
        return meta_hash
    prefix = meta_hash.split("_")[0]
    filters = _filters(meta, bundle)
    if filters is None:
        return meta_hash
    renamed = []
    for name, file_hash in filters:
        renamed.append([name, _stabilize_filter(bundle, prefix, file_hash)])
    filters[:] = sorted(renamed, key=lambda pair: pair[0])
    for part in meta:  # the sort keys, each [name, page numbers in order]: listed in hash order too
        if isinstance(part, list) and part and all(_is_sort(pair) for pair in part):
            part.sort(key=lambda pair: pair[0])
    data = MAGIC + encode(meta)
    new_hash = f"{prefix}_{hashlib.sha256(data).hexdigest()[:10]}"
    meta_file.unlink()
    (bundle / f"pagefind.{new_hash}.pf_meta").write_bytes(gzip.compress(data, mtime=0))
    return new_hash


def _filters(meta: Any, bundle: Path) -> list | None:
    """The metadata's list of [filter name, file hash] pairs: found by its shape, and by every
    hash in it naming a filter file."""
    if not isinstance(meta, list):
        return None
    for part in meta:
        if isinstance(part, list) and part and all(_names_filter(pair, bundle) for pair in part):
            return part
    return None


def _is_sort(pair: Any) -> bool:
    return (
        isinstance(pair, list)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and isinstance(pair[1], list)
        and all(isinstance(n, int) for n in pair[1])
    )


def _names_filter(pair: Any, bundle: Path) -> bool:
    return (
        isinstance(pair, list)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and isinstance(pair[1], str)
        and re.fullmatch(r"[A-Za-z0-9-]+_[0-9a-f]+", pair[1]) is not None
        and (bundle / "filter" / f"{pair[1]}.pf_filter").is_file()
    )


def _stabilize_filter(bundle: Path, prefix: str, file_hash: str) -> str:
    path = bundle / "filter" / f"{file_hash}.pf_filter"
    index = _read(path)
    if not (isinstance(index, list) and len(index) == 2 and isinstance(index[1], list)):
        return file_hash
    index[1].sort(key=lambda pair: pair[0])
    data = MAGIC + encode(index)
    new_hash = f"{prefix}_{hashlib.sha256(data).hexdigest()[:7]}"
    path.unlink()
    (bundle / "filter" / f"{new_hash}.pf_filter").write_bytes(gzip.compress(data, mtime=0))
    return new_hash


def _read(path: Path) -> Any:
    """The decoded CBOR of a Pagefind file, or None if it is missing or not read back exactly."""
    if not path.is_file():
        return None
    raw = gzip.decompress(path.read_bytes())
    if not raw.startswith(MAGIC):
        return None
    try:
        value, end = decode(raw, len(MAGIC))
    except ValueError:
        return None
    return value if end == len(raw) and MAGIC + encode(value) == raw else None


# -- the part of CBOR Pagefind writes: integers, text, arrays ----------------------------------------


def decode(data: bytes, at: int) -> tuple[Any, int]:
    major, value, at = head(data, at)
    if major == 0:
        return value, at
    if major == 1:  # negative: word indexes mark weights and meta fields with them
        return -1 - value, at
    if major == 3:
        return data[at : at + value].decode("utf-8"), at + value
    if major == 4:
        items = []
        for _ in range(value):
            item, at = decode(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"CBOR major type {major} at {at}")


def skip(data: bytes, at: int) -> int:
    """Where the item at `at` ends, without building it: one flat loop, as word indexes are
    millions of small page numbers and positions."""
    pending = 1
    while pending:
        first = data[at]
        major, value = first >> 5, first & 0x1F
        at += 1
        if value >= 24:
            size = 1 << (value - 24) if value < 28 else 0
            if not size:
                raise ValueError(f"CBOR length {value} at {at - 1}")
            value = int.from_bytes(data[at : at + size], "big")
            at += size
        pending -= 1
        if major == 4:
            pending += value
        elif major in (2, 3):
            at += value
        elif major > 1:
            raise ValueError(f"CBOR major type {major} at {at}")
    return at


def head(data: bytes, at: int) -> tuple[int, int, int]:
    """An item's major type, its value or length, and where what follows starts."""
    if at >= len(data):
        raise ValueError("truncated")
    first = data[at]
    major, info = first >> 5, first & 0x1F
    if info < 24:
        return major, info, at + 1
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
    if size is None:
        raise ValueError(f"CBOR length {info}")
    return major, int.from_bytes(data[at + 1 : at + 1 + size], "big"), at + 1 + size


def encode(value: Any) -> bytes:
    if isinstance(value, bool) or not isinstance(value, (int, str, list)):
        raise TypeError(f"cannot encode {type(value).__name__}")
    if isinstance(value, int):
        return _encode_head(0, value) if value >= 0 else _encode_head(1, -1 - value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _encode_head(3, len(raw)) + raw
    return _encode_head(4, len(value)) + b"".join(encode(v) for v in value)


def _encode_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError("integer too large")
