"""Full-text search: a Pagefind bundle made from the papers' records, in date shards, beside the site.

Pagefind indexes one record per paper (`search_records`), never the HTML, so a search lists papers
and costs neither the pages' parsing nor their memory. The papers are split into shards by date
(`search_records.shards`); each shard is one Pagefind index, made by its own Pagefind process, so
the largest shard, not the archive, bounds the memory. Shards are made by forked processes, one per
core (at most `MAX_WORKERS`), while the pages render: in a cold build of fewer than `BESIDE_BELOW`
papers (`indexing_beside`) and in every incremental one (`changed_beside`). The search page
(`search-shards.js`) asks every shard and merges their answers as one full index would answer: it sums
the filter counts, takes answers only from the shards that match each search word as the whole archive
does, and scores best matches again with the archive's statistics. The orders "newest" and "most
upvoted" are not Pagefind's: `order.json` lists every page newest first and by upvotes, and the page
sorts by it.

Layout of the bundle (`pagefind/`): Pagefind's scripts and the newest shard at the top, every
other shard's index in `shards/<name>/` (its `pagefind-entry.json` pointing at the top's
WebAssembly), `shards.json` (the shards, each with the digest of its records, its page and word
counts and its bytes), `order.json`, and `words/*.json` (which shards hold each indexed word: `search_words`).
An incremental build makes again only the shards whose digest changed and moves the others over
from the bundle it replaces: a re-vote changes no shard, only `order.json`; a day's new papers
change the newest shard. The same papers give the same bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol, TypeGuard, TypeVar

from generator import search_words, urls
from generator.errors import UserError
from generator.fsutil import tree_bytes
from generator.model import Paper
from generator.pagefind_service import ServiceError, write_bundle
from generator.parallel import Forked, can_fork, forked_pool, frozen
from generator.search_records import WHOLE_BELOW, digest, record, shards
from generator.stable_index import read_pages, share_wasm, stabilize
from generator.taxonomy import Archive

T = TypeVar("T")
SHARDS = "shards.json"
ORDER = "order.json"
SHARD_FOLDER = "shards"
INDEX_FILES = ("pagefind-entry.json", "index", "filter", "fragment")  # and the .pf_meta file
OWN_FILES = (SHARDS, ORDER, SHARD_FOLDER, search_words.FOLDER)
MAX_WORKERS = 2  # Pagefind processes at once (each up to ~200-350 MiB for a quarter), beside the render: bounded memory
# From this many papers a cold build indexes after its render, not beside it: the index process and its
# makers come to hold their own copy of every paper, and a cold publish of 100,000 papers peaked at
# 4.77 GiB of tree PSS beside the render (1.33 GiB at 20,000), over the 4 GiB a large archive is held to.
BESIDE_BELOW = 50_000


class SearchIndexError(UserError):
    """Pagefind failed; its own message follows ours."""


class Renames(Protocol):
    def renamed(self, old: Path, new: Path) -> None: ...


@dataclass(frozen=True)
class SearchInput:
    """What the index is made of: the papers, the tags' display names, the site's language."""

    archive: Archive
    tag_names: Mapping[str, str]
    language: str = "en"
    whole_below: int = WHOLE_BELOW  # fewer papers than this: one shard
    workers: int | None = None  # processes that make shards at once; default: one per core, at most MAX_WORKERS
    beside_below: int = BESIDE_BELOW  # fewer papers than this: a cold build indexes while it renders
    record_digests: Mapping[str, bytes] = field(default_factory=dict)  # paper id -> `record_digest`, where known


@dataclass(frozen=True)
class Shard:
    name: str
    digest: str
    papers: tuple[Paper, ...]
    where: str  # its folder inside the bundle: "" for the first (newest) shard

    def folder(self, bundle: Path) -> Path:
        return bundle / self.where if self.where else bundle


def index_site(site: Path, source: SearchInput, bundle: Path | None = None) -> Path:
    """Write the whole bundle into `bundle` (default: `site`/pagefind/) and return that folder."""
    bundle = bundle or site / urls.search_bundle().rstrip("/")
    update_bundle(None, bundle, source)
    return bundle


@contextmanager
def indexing_beside(site: Path, source: SearchInput | None) -> Iterator[None]:
    """Make the bundle (`index_site`) in a forked process while the body runs (a cold build's render):
    the records come from the papers, not the pages, so the index need not wait for them. A failure
    of either ends both; Pagefind's is raised when the body is done. On one process (`workers` 1)
    the index is made after the body, and so it is for an archive of `beside_below` papers or more."""
    if not (_can_fork(source) and len(source.archive.papers) < source.beside_below):
        yield
        if source is not None:
            index_site(site, source)
        return
    with _beside(_index_in_child, site, source):
        yield


@contextmanager
def changed_beside(old: Path | None, new: Path, source: SearchInput) -> Iterator[Callable[[Renames], None]]:
    """A daily build's bundle: the shards whose records changed since `old` (the bundle in place) are made
    into `new` in a forked process while the body runs (the render); the function yielded, called after
    the body, moves the other shards over from `old`, each move logged, and writes the bundle's lists.
    Pagefind's failure is raised when the body is done, before anything in `old` was touched."""
    changes = plan_changes(old, source)
    if not (_can_fork(source) and changes.to_make()):
        yield lambda undo: finish_bundle(changes, make_changed(changes, source, new), old, new, source, undo)
        return
    with _beside(_make_in_child, changes, source, new) as made:
        yield lambda undo: finish_bundle(changes, made(), old, new, source, undo)


@contextmanager
def _beside(function: Callable[..., T | _Failed], *args: object) -> Iterator[Callable[[], T]]:
    """`function(*args)` in a forked process while the body runs, ended if the body fails; the function
    yielded gives its answer once the body is done, raising Pagefind's failure (sent as (what, where))."""
    forked = Forked(function, *args)
    answer: list[T] = []
    try:
        yield lambda: answer[0]
    except BaseException:
        forked.cancel()
        raise
    got = forked.result()
    if isinstance(got, _Failed):
        raise SearchIndexError(got.what, got.where)
    answer.append(got)


class _Failed(NamedTuple):
    """Pagefind's failure, sent back from a forked process (`_beside`)."""

    what: str
    where: str


def _can_fork(source: SearchInput | None) -> TypeGuard[SearchInput]:
    return source is not None and source.workers != 1 and can_fork()


def _index_in_child(site: Path, source: SearchInput) -> _Failed | None:
    try:
        index_site(site, source)
    except SearchIndexError as exc:
        return _Failed(exc.what, exc.where)
    return None


def _make_in_child(changes: Changes, source: SearchInput, new: Path) -> dict[str, Made] | _Failed:
    try:
        return make_changed(changes, source, new)
    except SearchIndexError as exc:
        return _Failed(exc.what, exc.where)


def update_bundle(old: Path | None, new: Path, source: SearchInput, undo: Renames | None = None) -> None:
    """Make the bundle in `new`; shards unchanged since `old` (the bundle in place) are moved over,
    each move logged in `undo`, the others made by Pagefind."""
    changes = plan_changes(old if undo is not None else None, source)
    finish_bundle(changes, make_changed(changes, source, new), old, new, source, undo)


@dataclass(frozen=True)
class Changes:
    """The shards as planned now, and how the bundle in place lists its own (nothing without one)."""

    plan: list[Shard]
    known: dict[str, Listed]

    def to_make(self) -> list[Shard]:
        """The shards the bundle in place does not hold as planned: to be made by Pagefind."""
        return [s for s in self.plan if not (s.name in self.known and self.known[s.name].holds(s))]


def plan_changes(old: Path | None, source: SearchInput) -> Changes:
    return Changes(plan_shards(source), _known(old) if old else {})


def make_changed(changes: Changes, source: SearchInput, new: Path) -> dict[str, Made]:
    """Make the shards that changed into `new`, without touching the bundle in place."""
    new.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".runs-", dir=new.parent) as runs:
        return _make_shards(changes.to_make(), source, Path(runs), new)


def finish_bundle(
    changes: Changes, made: Mapping[str, Made], old: Path | None, new: Path, source: SearchInput, undo: Renames | None
) -> None:
    """Complete `new`, which holds the shards just `made`: move the others over from `old` (logged in
    `undo`), then write which shards hold each word, `shards.json` and `order.json`."""
    done = dict(made)
    kept = _kept_words(old, changes.known) if old else {}
    for shard in changes.plan:
        if shard.name not in done:
            assert old is not None and undo is not None, "a shard neither made nor in the bundle in place"
            _move_shard(shard, old, new, undo)
            done[shard.name] = _moved(shard, new, kept.get(shard.name), changes.known[shard.name].bytes)
    search_words.write(new, [s.name for s in changes.plan], {name: m.words for name, m in done.items()})
    pages = {name: m.pages for name, m in done.items()}
    _write_json(new / SHARDS, {"shards": [_listing(shard, done[shard.name]) for shard in changes.plan]})
    _write_json(new / ORDER, order(source.archive, changes.plan, pages, new))


class Made(NamedTuple):
    """A shard in the bundle: its indexed words, its pages (`read_pages`) and the bytes of its files."""

    words: set[str]
    pages: list[tuple[str, int]]
    bytes: int


def _moved(shard: Shard, bundle: Path, words: set[str] | None, size: int | None) -> Made:
    """A shard moved over from the bundle in place, its words and size as that bundle listed them
    (read from the shard when it did not)."""
    folder = shard.folder(bundle)
    words = words if words is not None else search_words.index_words(folder)
    return Made(words, read_pages(folder), size if size is not None else _shard_bytes(shard, bundle))


def _listing(shard: Shard, made: Made) -> dict[str, object]:
    """A shard in `shards.json`: with its page and word counts, the statistics the page ranks by
    (one full index's: Pagefind's scores use the number of pages and their average length), and
    its bytes, so that the site's size is known without walking a file per paper (`bundle_bytes`)."""
    words = sum(count for _, count in made.pages)
    listing = {"name": shard.name, "digest": shard.digest, "path": shard.where, "pages": len(made.pages)}
    return listing | {"words": words, "bytes": made.bytes}


def bundle_bytes(bundle: Path) -> int:
    """The bytes of all the bundle's files: its shards' as `shards.json` lists them, and its own files."""
    try:
        listed = json.loads((bundle / SHARDS).read_text(encoding="utf-8"))["shards"]
        sizes = [_count(s.get("bytes")) for s in listed]
    except FileNotFoundError:
        return 0
    except (ValueError, KeyError, TypeError, AttributeError):  # not a bundle of ours
        return tree_bytes(bundle)
    if None in sizes:  # one from before sizes were listed
        return tree_bytes(bundle)
    own = sum(tree_bytes(bundle / name) for name in OWN_FILES if name != SHARD_FOLDER)
    return own + sum(size for size in sizes if size is not None)


def _shard_bytes(shard: Shard, bundle: Path) -> int:
    """The bytes of a shard's files (the newest's, at the bundle's top, include Pagefind's scripts)."""
    folder = shard.folder(bundle)
    if shard.where:
        return tree_bytes(folder)
    return sum(tree_bytes(folder / name) for name in os.listdir(folder) if name not in OWN_FILES)


def plan_shards(source: SearchInput) -> list[Shard]:
    split = shards(source.archive, source.whole_below)
    return [
        Shard(
            name,
            digest(papers, source.tag_names, source.record_digests),
            tuple(papers),
            f"{SHARD_FOLDER}/{name}/" if i else "",
        )
        for i, (name, papers) in enumerate(sorted(split.items(), key=_newest_first))
    ]


def _newest_first(item: tuple[str, list[Paper]]) -> tuple:
    day = item[1][0].archive_date
    return (day is None, -(day.toordinal() if day else 0), item[0])


class Listed(NamedTuple):
    """A shard as the bundle in place lists it in `shards.json`."""

    digest: str
    path: str  # its folder in the bundle (`Shard.where`)
    bytes: int | None  # None in a bundle from before sizes were listed

    def holds(self, shard: Shard) -> bool:
        """Whether the listed shard is `shard` as planned now: the same records, in the same folder."""
        return (self.digest, self.path) == (shard.digest, shard.where)


def _known(old: Path) -> dict[str, Listed]:
    """Shard name -> its listing in the bundle in place, in its order; nothing if it is not one of ours."""
    try:
        listed = json.loads((old / SHARDS).read_text(encoding="utf-8"))["shards"]
        return {s["name"]: Listed(s["digest"], s["path"], _count(s.get("bytes"))) for s in listed}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _kept_words(old: Path, known: Mapping[str, Listed]) -> dict[str, set[str]]:
    """The words of each shard in place, from its word lists (reading a shard's word index costs
    about 0.4 ms of CPU a paper); nothing for a bundle without them or with unreadable ones."""
    try:
        return search_words.read(old, list(known)) if (old / search_words.FOLDER).is_dir() else {}
    except (OSError, ValueError, AttributeError):
        return {}


_WORK: tuple[Sequence[Shard], SearchInput, Path, Path] | None = None  # what forked makers inherit


def _make_shards(shards: Sequence[Shard], source: SearchInput, runs: Path, bundle: Path) -> dict[str, Made]:
    """Make the shards, each with its own Pagefind process, on every core (up to `MAX_WORKERS`):
    forked processes, each making one shard at a time, the largest first."""
    global _WORK
    largest_first = sorted(shards, key=lambda shard: -len(shard.papers))
    workers = min(source.workers or os.cpu_count() or 1, MAX_WORKERS, len(largest_first))
    if workers < 2 or not can_fork():
        answers = [_made(shard, source, runs, bundle) for shard in largest_first]
    else:
        _WORK = (largest_first, source, runs, bundle)
        try:
            with frozen(), forked_pool(workers) as pool:
                answers = list(pool.imap_unordered(_make_nth, range(len(largest_first))))
        finally:
            _WORK = None
    made: dict[str, Made] = {}
    for answer in answers:
        if isinstance(answer, str):
            raise SearchIndexError(answer, bundle)
        made[answer[0]] = answer[1]
    return made


def _make_nth(n: int) -> tuple[str, Made] | str:
    assert _WORK is not None
    shards, source, runs, bundle = _WORK
    return _made(shards[n], source, runs, bundle)


def _made(shard: Shard, source: SearchInput, runs: Path, bundle: Path) -> tuple[str, Made] | str:
    """Make a shard in place; its name, words and pages, or what Pagefind said when it failed."""
    try:
        _make_shard(shard, source, runs / shard.name, bundle)
    except ServiceError as exc:
        return f"search index failed: {exc}"
    folder = shard.folder(bundle)
    return shard.name, Made(search_words.index_words(folder), read_pages(folder), _shard_bytes(shard, bundle))


def _make_shard(shard: Shard, source: SearchInput, run: Path, bundle: Path) -> None:
    write_bundle((record(paper, source.tag_names) for paper in shard.papers), source.language, run)
    stabilize(run)  # the same records give the same bundle, filters included
    if shard.where:
        share_wasm(run, shard.where.count("/"))
    target = shard.folder(bundle)
    target.mkdir(parents=True, exist_ok=True)
    for item in sorted(run.iterdir()):
        if shard.where == "" or _is_index_file(item.name):  # Pagefind's scripts once, at the top
            item.rename(target / item.name)


def _move_shard(shard: Shard, old: Path, new: Path, undo: Renames) -> None:
    source, target = shard.folder(old), shard.folder(new)
    names = [p.name for p in source.iterdir() if p.name not in OWN_FILES] if not shard.where else [""]
    target.parent.mkdir(parents=True, exist_ok=True)
    for name in sorted(names):
        src, dst = (source / name, target / name) if name else (source, target)
        src.rename(dst)
        undo.renamed(src, dst)


def _is_index_file(name: str) -> bool:
    return name in INDEX_FILES or name.endswith(".pf_meta")


def order(
    archive: Archive, plan: Sequence[Shard], pages: Mapping[str, Sequence[tuple[str, int]]], bundle: Path
) -> dict[str, list]:
    """Every page's Pagefind id, newest first ("date"), and the positions in that list of the most
    upvoted first ("upvotes"; ties newest first): the two orders the search page offers."""
    page_of: dict[str, str] = {}
    for shard in plan:
        ids = [page_id for page_id, _ in pages[shard.name]]
        if len(ids) != len(shard.papers):  # Pagefind left a record out: its ids would not line up
            raise SearchIndexError(f"search index failed: {len(ids)} pages for {len(shard.papers)} papers", bundle)
        page_of.update(zip((p.id for p in shard.papers), ids, strict=True))
    dated = [pid for pid in archive.timeline if pid in page_of]
    votes = sorted(range(len(dated)), key=lambda i: (-(archive.papers[dated[i]].upvotes or 0), i))
    return {"date": [page_of[pid] for pid in dated], "upvotes": votes}


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
