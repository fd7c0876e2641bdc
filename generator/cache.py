"""What one build leaves for the next: parsed content files, cards and what was written where.

For each (content folder, output folder) pair, under the cache folder (default
`.cache/broadsheet/`), all safe to delete at any time (the next build is then a cold one):

- `build-*.pickle`, small: the keys below, each content file's stamp (size, modification
  time), and the key of every output file. A build whose stamps and keys all match stops
  after reading only this.
- `content-*.pickle`, large, with a `-delta` beside it: every content file as parsed (its
  Paper or problems), so that only new or changed files are parsed again.
- `cards-*.pickle`: each paper's card in listings, as rendered, so that only new or changed
  papers' cards are rendered again.
- `spares-*/`: output files that incremental builds replaced, to be written over (see `spares`).

They are trusted only when these keys match:

- `code_key`: the generator's own source and the versions of the libraries that shape its
  output. Parsed papers are reused only under the same code.
- `site_key`: `code_key` plus the theme's files, the config and the build options. The record
  of written files is reused only under the same site key, and only for the same output folder
  (same device, inode and modification time: a folder someone replaced is rebuilt from scratch).
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
import os
import pickle
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from generator.fsutil import write_atomic
from generator.loader import FileEntry, Stamp
from generator.model import Paper, Problem

FORMAT = 3  # bump when what is pickled changes shape
LIBRARIES = ("jinja2", "markdown", "nh3", "pyyaml", "python-slugify", "markupsafe")
GENERATOR_DIR = Path(__file__).resolve().parent
_paper_row = operator.attrgetter(*(f.name for f in dataclasses.fields(Paper)))  # Paper -> tuple of its fields


@dataclass
class BuildState:
    code_key: bytes = b""
    site_key: bytes = b""
    stamps: dict[str, Stamp] = field(default_factory=dict)  # content file -> stamp when last read
    output_id: tuple[int, int, int] | None = None  # see `folder_id`
    manifest: dict[str, bytes] = field(default_factory=dict)  # output file -> key of its bytes
    papers: int = 0  # figures of that build, for the report of a build with nothing to do
    pages: int = 0
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class CacheFiles:
    build: Path
    content: Path
    cards: Path
    spares: Path  # a folder: see `spares`

    @classmethod
    def of(cls, cache_dir: Path, content_dir: Path, output_dir: Path) -> CacheFiles:
        pair = f"{Path(content_dir).resolve()}\0{Path(output_dir).resolve()}".encode()
        name = hashlib.blake2b(pair, digest_size=8).hexdigest()
        folder = Path(cache_dir)
        return cls(
            folder / f"build-{name}.pickle",
            folder / f"content-{name}.pickle",
            folder / f"cards-{name}.pickle",
            folder / f"spares-{name}",
        )


def load_state(path: Path) -> BuildState:
    """The saved state, or an empty one if there is none or it cannot be read."""
    state = _load(path)
    return state if isinstance(state, BuildState) else BuildState()


def save_state(path: Path, state: BuildState) -> None:
    _save(path, state)


class DeltaFile:
    """A dict saved as a large base file and a small file of what changed since, under a key.

    A daily scrape changes a few hundred of 20,000 papers: rewriting the whole base (43 MB of
    parsed content, about 0.4 s) for that would cost as much as rendering their pages. The base
    is rewritten only once the changes outgrow a tenth of it.
    """

    def __init__(self, path: Path, key: bytes) -> None:
        self.path, self.delta_path, self.key = path, path.with_name(path.stem + "-delta.pickle"), key
        self._token: bytes | None = None  # pairs a delta with the base it applies to
        self._base: dict = {}

    def load(self) -> dict:
        """The rows saved under this key; none if the key differs or nothing can be read."""
        base = _load(self.path)
        if not (isinstance(base, tuple) and len(base) == 3 and base[0] == self.key):
            return {}
        _, self._token, self._base = base
        rows = dict(self._base)
        delta = _load(self.delta_path)
        if isinstance(delta, tuple) and len(delta) == 3 and delta[0] == self._token:
            rows.update(delta[1])
            for name in delta[2]:
                rows.pop(name, None)
        return rows

    def save(self, rows: Mapping) -> None:
        changed = {name: row for name, row in rows.items() if self._base.get(name) != row}
        removed = [name for name in self._base if name not in rows]
        if self._token is not None and len(changed) + len(removed) <= max(100, len(rows) // 10):
            _save(self.delta_path, (self._token, changed, removed))
            return
        self._token, self._base = os.urandom(8), dict(rows)
        _save(self.path, (self.key, self._token, self._base))
        self.delta_path.unlink(missing_ok=True)


class ContentCache:
    """The parsed content files, saved as a DeltaFile under the code key."""

    def __init__(self, path: Path, code_key: bytes) -> None:
        self.file = DeltaFile(path, code_key)

    def load(self) -> dict[str, FileEntry]:
        """Parsed content files saved under this code key; none if the code changed or nothing can be read."""
        # Saved as plain tuples: they pickle and unpickle about twice as fast as the dataclasses.
        return {
            file: FileEntry(size, mtime, digest, Paper(*paper) if paper else None, problems)
            for file, (size, mtime, digest, paper, problems) in self.file.load().items()
        }

    def save(self, entries: Mapping[str, FileEntry]) -> None:
        self.file.save({file: _row(entry) for file, entry in entries.items()})


class Card(NamedTuple):
    """A paper's card as listings show it (see `writer.Renderer.card`), and the digest of the
    paper's file it was made from."""

    digest: bytes
    html: str


class CardCache:
    """The listing cards of the last build, saved as a DeltaFile under the site key (the card
    template, the config and the code make them too)."""

    def __init__(self, path: Path, site_key: bytes) -> None:
        self.file = DeltaFile(path, site_key)
        self.saved: dict[str, Card] = {}

    def load(self) -> dict[str, Card]:
        self.saved = {pid: Card(*row) for pid, row in self.file.load().items()}
        return self.saved

    def save(self, papers: Container[str], made: Mapping[str, Card]) -> None:
        """Keep a card for each of `papers` that has one: the one `made` now, else the saved one."""
        cards = {pid: tuple(card) for pid, card in self.saved.items() if pid in papers}
        if made or len(cards) != len(self.saved):
            cards.update((pid, tuple(card)) for pid, card in made.items())
            self.file.save(cards)


def _row(entry: FileEntry) -> tuple:
    paper = _paper_row(entry.paper) if entry.paper else None
    return entry.size, entry.mtime_ns, entry.digest, paper, entry.problems


def forget(path: Path) -> None:
    """Drop a saved state: done before output/ is changed in place, so that a build cut short
    there is followed by a cold build rather than trusted."""
    path.unlink(missing_ok=True)


def _load(path: Path) -> object:
    try:
        with open(path, "rb") as stream:
            fmt, value = pickle.load(stream)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
        return None
    return value if fmt == FORMAT else None


def _save(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, pickle.dumps((FORMAT, value), protocol=pickle.HIGHEST_PROTOCOL), durable=False)


def folder_id(folder: Path) -> tuple[int, int, int] | None:
    """Which folder this is, and when an entry was last added to it or removed from it: a folder
    that someone replaced, or whose top level someone changed, has another id. The modification
    time tells a new folder that got the old one's inode number apart from it."""
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns


def code_key() -> bytes:
    digest = hashlib.blake2b(str(FORMAT).encode(), digest_size=16)
    for path in sorted(GENERATOR_DIR.rglob("*.py")):
        digest.update(path.relative_to(GENERATOR_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        digest.update(f"{name}={_version(name)}".encode())
    return digest.digest()


def site_key(code: bytes, theme_dirs: list[Path], settings: object) -> bytes:
    """`code` plus every file of the theme folders and the repr of the settings (config, options)."""
    digest = hashlib.blake2b(code, digest_size=16)
    for folder in theme_dirs:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    digest.update(repr(settings).encode())
    return digest.digest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"
