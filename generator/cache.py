"""What one build leaves for the next: parsed content files, cards and what was written where.

For each (content folder, output folder) pair, under the cache folder (default
`.cache/broadsheet/`), all safe to delete at any time (the next build is then a cold one):

- `build-*.pickle`, small: the code and site keys and the build token (see `keys`), each
  content file's stamp (size, modification time), and the key of every output file. A build
  whose stamps and keys all match stops after reading only this.
- `content-*.pickle`, large, with a `-delta` beside it: every content file as parsed (its
  Paper or problems) with the digest of its bytes, so that only new or changed files are parsed
  again. No file times: a checkout gives every file a new one, and the base would be rewritten
  (43 MB at 20,000 papers) for files whose bytes did not change. The times are in the build
  state, with the version of the parsed content they go with.
- `cards-*.pickle`: each paper's card in listings, as rendered, so that only new or changed
  papers' cards are rendered again.
- `lines-*.pickle`: each paper's line in long listings, as rendered, so that a re-vote, which changes the week
  pages ranking it (each lists a week's papers as lines), renders again only the lines of changed papers.
- `records-*.pickle`: each paper's line in its `data/<year>.json`, so that a re-vote, which changes every
  year's file, serialises again only the papers whose file changed.
- `shown-*.pickle`: digests of the fields each paper's BibTeX entry, Markdown copy and search record
  show (`exports.Shown`), so that only those of new or changed papers are made again.
- `abstracts-*.pickle`: the abstract of each paper the feeds show, as rendered, so that a day's new papers,
  which change most feeds, do not make every feed render its papers' abstracts again.
- `entries-*.pickle`: each paper's BibTeX entry, so that a `.bib` list a new paper joins is made
  from the entries of the papers already in it.
- `related-*.pickle`: each paper's related papers with the stretch of the timeline they follow
  from (`related.Reach`), so that only those of papers near a change are found again.
- `spares-*/`: output files that incremental builds replaced, to be written over (see `spares`).

They are trusted only under the keys they were saved with (see `keys`). What is pickled are
named tuples: the content of 20,000 papers loads in 0.03-0.07 s more than as plain tuples (the
collector visits them), where dataclasses took twice as long.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
import os
import pickle
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

from generator.exports import Shown
from generator.fsutil import remove_temporaries, write_atomic
from generator.loader import FileEntry, Stamp
from generator.model import Paper, Problem
from generator.related import Reach

FORMAT = 7  # bump when what is pickled changes shape
T = TypeVar("T")
_paper_row = operator.attrgetter(*(f.name for f in dataclasses.fields(Paper)))  # Paper -> tuple of its fields


@dataclass
class BuildState:
    code_key: bytes = b""
    site_key: bytes = b""
    stamps: dict[str, Stamp] = field(default_factory=dict)  # content file -> stamp when last read
    output_id: tuple[int, int, int] | None = None  # see `keys.folder_id`
    token: str = ""  # the build token in the output's marker (see `keys.build_token`)
    content: bytes = b""  # the version of the parsed content (`DeltaFile.version`) the stamps go with
    manifest: dict[str, bytes] = field(default_factory=dict)  # output file -> key of its bytes
    sizes: list[int] = field(default_factory=list)  # each output file's bytes, in the manifest's order (`sitesize`)
    size: int = 0  # the whole site's bytes, search bundle and static files included
    oversize: str = ""  # the build's warning of a site too large to publish, if any (`sitesize`)
    papers: int = 0  # figures of that build, for the report of a build with nothing to do
    pages: int = 0
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class CacheFiles:
    build: Path
    content: Path
    cards: Path
    lines: Path
    entries: Path
    spares: Path  # a folder: see `spares`
    related: Path
    records: Path
    shown: Path
    abstracts: Path
    templates: Path  # a folder, shared by every content and output folder: see `templating.CompiledTemplates`

    @classmethod
    def of(cls, cache_dir: Path, content_dir: Path, output_dir: Path) -> CacheFiles:
        pair = os.fsencode(f"{Path(content_dir).resolve()}\0{Path(output_dir).resolve()}")  # UTF-8 or not
        name = hashlib.blake2b(pair, digest_size=8).hexdigest()
        folder = Path(cache_dir)
        return cls(
            folder / f"build-{name}.pickle",
            folder / f"content-{name}.pickle",
            folder / f"cards-{name}.pickle",
            folder / f"lines-{name}.pickle",
            folder / f"entries-{name}.pickle",
            folder / f"spares-{name}",
            folder / f"related-{name}.pickle",
            folder / f"records-{name}.pickle",
            folder / f"shown-{name}.pickle",
            folder / f"abstracts-{name}.pickle",
            folder / "templates",
        )

    def saved(self) -> tuple[Path, ...]:
        """The files saved by `write_atomic` (not the folders)."""
        paths = (getattr(self, f.name) for f in dataclasses.fields(self))
        return tuple(path for path in paths if path.suffix == ".pickle")


def load_state(path: Path) -> BuildState:
    """The saved state, or an empty one if there is none or it cannot be read."""
    state = _load(path)
    return state if isinstance(state, BuildState) else BuildState()


def save_state(path: Path, state: BuildState) -> None:
    _save(path, state)


class Base(NamedTuple):
    """A DeltaFile's base: every row, saved under `key`."""

    key: bytes
    token: bytes  # pairs a delta with the base it applies to
    rows: dict


class Delta(NamedTuple):
    """What changed since the base with the same token."""

    token: bytes
    changed: dict
    removed: list
    serial: bytes  # which delta: with the base's token, the version of what was saved


class DeltaFile:
    """A dict saved as a large base file and a small file of what changed since, under a key.

    A daily scrape changes a few hundred of 20,000 papers: rewriting the whole base (43 MB of
    parsed content, about 0.4 s) for that would cost as much as rendering their pages. The base
    is rewritten only once the changes outgrow a tenth of it.
    """

    def __init__(self, path: Path, key: bytes) -> None:
        self.path, self.delta_path, self.key = path, path.with_name(path.stem + "-delta.pickle"), key
        self._base = Base(key, b"", {})
        self.version = b""  # of the rows last loaded or saved: another save, another version

    def load(self) -> dict:
        """The rows saved under this key; none if the key differs or nothing can be read."""
        base = _load(self.path)
        if not (isinstance(base, Base) and base.key == self.key):
            return {}
        self._base, self.version = base, base.token
        rows = dict(base.rows)
        delta = _load(self.delta_path)
        if isinstance(delta, Delta) and delta.token == base.token:
            rows.update(delta.changed)
            for name in delta.removed:
                rows.pop(name, None)
            self.version = base.token + delta.serial
        return rows

    def save(self, rows: Mapping) -> None:
        before = self._base.rows
        changed = {name: row for name, row in rows.items() if before.get(name) != row}
        removed = [name for name in before if name not in rows]
        if self._base.token and len(changed) + len(removed) <= max(100, len(rows) // 10):
            serial = os.urandom(8)
            _save(self.delta_path, Delta(self._base.token, changed, removed, serial))
            self.version = self._base.token + serial
            return
        self._base = Base(self.key, os.urandom(8), dict(rows))
        _save(self.path, self._base)
        self.delta_path.unlink(missing_ok=True)
        self.version = self._base.token


class ContentRow(NamedTuple):
    """A content file as the cache keeps it: a `loader.FileEntry` without its modification time,
    with its Paper as a tuple of the Paper's fields (unpickled twice as fast as Paper objects)."""

    size: int
    digest: bytes
    paper: tuple[Any, ...] | None
    problems: tuple[Problem, ...]

    @classmethod
    def of(cls, entry: FileEntry) -> ContentRow:
        paper = _paper_row(entry.paper) if entry.paper else None
        return cls(entry.size, entry.digest, paper, entry.problems)


class ContentCache:
    """The parsed content files, saved as a DeltaFile under the code key."""

    def __init__(self, path: Path, code_key: bytes) -> None:
        self.file = DeltaFile(path, code_key)

    def load(self, stamps: Mapping[str, Stamp], version: bytes) -> dict[str, FileEntry]:
        """Parsed content files saved under this code key; none if the code changed or nothing can be read.

        Their modification times come from `stamps`, recorded with this cache's `version`. Under another
        version (the build that saved them was cut short) the times are unknown (-1): each file is hashed."""
        rows = self.file.load()
        times = stamps if version == self.file.version else {}
        # Unpacked as a tuple: reading the fields by name made loading 20,000 rows measurably slower.
        return {
            file: FileEntry(size, _mtime(times.get(file), size), digest, Paper(*paper) if paper else None, problems)
            for file, (size, digest, paper, problems) in rows.items()
        }

    @property
    def version(self) -> bytes:
        return self.file.version

    def save(self, entries: Mapping[str, FileEntry]) -> None:
        self.file.save({file: ContentRow.of(entry) for file, entry in entries.items()})


def _mtime(stamp: Stamp | None, size: int) -> int:
    return stamp[1] if stamp is not None and stamp[0] == size else -1


class Card(NamedTuple):
    """A paper's card as listings show it (see `render.Renderer.card`), and the digest of the
    paper's file it was made from."""

    digest: bytes
    html: str


class _ByPaper(Generic[T]):
    """What the last build made of each paper's file (each value holds the file's digest), saved as a
    DeltaFile under the key of what else makes them: the site key (templates, config, code) or the code key."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.file = DeltaFile(path, key)
        self.saved: dict[str, T] = {}

    def load(self) -> dict[str, T]:
        self.saved = self.file.load()
        return self.saved

    def save(self, papers: Container[str], made: Mapping[str, T]) -> None:
        """Keep a value for each of `papers` that has one: the one `made` now, else the saved one."""
        kept = {pid: value for pid, value in self.saved.items() if pid in papers}
        if made or len(kept) != len(self.saved):
            kept.update(made)
            self.file.save(kept)


class CardCache(_ByPaper[Card]):
    """The listing cards of the last build."""


class LineCache(_ByPaper[Card]):
    """The lines long listings showed in the last build (`render.Renderer.line`), as a Card each: the html and the
    digest of the paper's file it was made from.

    At 20,000 papers a re-vote of 200 papers changes the 117 week pages that rank them, which list about 15,000
    papers as lines: rendering those lines again was a quarter of the daily build's rendering."""


class Abstract(NamedTuple):
    """A paper's abstract as feeds show it (`views.Views.abstract_html`), and the digest of the paper's file it was
    made from."""

    digest: bytes
    html: str


class AbstractCache(_ByPaper[Abstract]):
    """The abstracts the feeds of the last build showed: a day's new papers change most feeds, which then rendered
    each of their papers' abstracts again (at 20,000 papers a daily build's feeds took 0.32 s of CPU in each of its
    two processes; 0.18-0.24 s with this cache)."""


class Record(NamedTuple):
    """A paper's line in its data file (`exports.paper_json`), and the digest of the paper's file it was made from."""

    digest: bytes
    line: bytes


class RecordCache(_ByPaper[Record]):
    """The data files' lines of the last build (the base URL, and whether they hold abstracts, are config).

    At 20,000 papers a re-vote, which changes every year's file, made the four files again from 20,000
    records (1.35 s of a daily build's 14 s profiled) to change 200 of them."""


class ShownCache(_ByPaper[Shown]):
    """What each paper's BibTeX entry, Markdown copy and search record showed in the last build
    (`exports.FieldDigests`): saved under the code key, which alone decides what a file's digests are."""


class Entry(NamedTuple):
    """A paper's BibTeX entry as a `.bib` list holds it, with what it was made from."""

    key: str  # the citation key
    cited: bytes  # the digest of the fields the entry shows (`model.shown` of `exports.BIB_FIELDS`)
    text: str


class EntryCache:
    """Each paper's BibTeX entry as the last build made it, saved as a DeltaFile under the code key.

    A `.bib` list that gains a paper is made again whole, and a tag's list holds thousands: at 20,000
    papers a daily build made 20,000 entries again (a quarter of its time) to add 30."""

    def __init__(self, path: Path, code_key: bytes) -> None:
        self.file = DeltaFile(path, code_key)

    def load(self, cited: Mapping[str, tuple[str, bytes]]) -> dict[tuple[str, str], str]:
        """(paper id, key) -> entry, for each saved entry whose paper still has the key and fields in `cited`."""
        return {(pid, e.key): e.text for pid, e in self.file.load().items() if cited.get(pid) == (e.key, e.cited)}

    def save(self, cited: Mapping[str, tuple[str, bytes]], made: Mapping[tuple[str, str], str]) -> None:
        """Keep the entry of each paper in `cited` that `made` holds under its key."""
        self.file.save({pid: Entry(k, c, made[pid, k]) for pid, (k, c) in cited.items() if (pid, k) in made})


class RelatedCache:
    """Each paper's related papers as the last build found them (`related.Reach`), saved as a DeltaFile
    under the code key (the code finds them; nothing else does)."""

    def __init__(self, path: Path, code_key: bytes) -> None:
        self.file = DeltaFile(path, code_key)

    def load(self) -> dict[str, Reach]:
        return self.file.load()

    def save(self, found: Mapping[str, Reach]) -> None:
        self.file.save(found)


@dataclass(frozen=True)
class Caches:
    """The caches of what a build makes from the content (not the record of what it wrote: `BuildState`), opened
    together: each is trusted only under the key it was saved with (`keys`)."""

    content: ContentCache
    shown: ShownCache
    cards: CardCache
    lines: LineCache
    records: RecordCache
    entries: EntryCache
    related: RelatedCache
    abstracts: AbstractCache

    @classmethod
    def open(cls, files: CacheFiles, code_key: bytes, site_key: bytes) -> Caches:
        """Cards, listing lines and data lines depend on the templates and config too (the site key); the rest on
        the code. Opened under the output folder's lock (`outdir.claimed`), the one every writer of these files holds:
        the temporary files a build killed while saving left are removed here."""
        remove_temporaries(files.saved())
        return cls(
            ContentCache(files.content, code_key),
            ShownCache(files.shown, code_key),
            CardCache(files.cards, site_key),
            LineCache(files.lines, site_key),
            RecordCache(files.records, site_key),
            EntryCache(files.entries, code_key),
            RelatedCache(files.related, code_key),
            AbstractCache(files.abstracts, code_key),
        )


def forget(path: Path) -> None:
    """Drop a saved state: done before output/ is changed in place, so that a build cut short
    there is followed by a cold build rather than trusted."""
    path.unlink(missing_ok=True)


_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError)
# A damaged length in a pickle asks for more memory than there is (MemoryError) or than a size holds (OverflowError).
_DAMAGED = (MemoryError, OverflowError)


def _load(path: Path) -> object:
    """What a cache file holds; None if it is missing, unreadable, damaged or of another format."""
    try:
        with open(path, "rb") as stream:
            fmt, value = pickle.load(stream)
    except _UNREADABLE + _DAMAGED:
        return None
    return value if fmt == FORMAT else None


def _save(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, pickle.dumps((FORMAT, value), protocol=pickle.HIGHEST_PROTOCOL), durable=False)
