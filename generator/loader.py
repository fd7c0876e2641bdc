"""Read content/papers/**/*.md into Paper records, collecting every problem on the way.

Nothing here raises on bad content: each file yields either a Paper or problems (or both,
when only warnings were found), so `check` and `build` can report everything at once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import frontmatter
from generator.model import SAFE_ID, Paper, Problem
from generator.parallel import fork_map, worker_count
from generator.slugs import slugify

PAPERS_DIR = "papers"
PARALLEL_FROM = 400  # files to parse before it pays to fork a second parser
# A file modified this recently may be modified again within the file system's clock tick
# without its size or time changing, so its stamp is not trusted by the next build.
RACY_NS = 2_000_000_000


Stamp = tuple[int, int]  # (size, modification time in ns): equal stamps, same file content


@dataclass(frozen=True)
class FileEntry:
    """One content file as read: what it held, and the stamp that says it is unchanged since."""

    size: int
    mtime_ns: int
    digest: bytes  # of the file's bytes
    paper: Paper | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class LoadResult:
    papers: tuple[Paper, ...]
    problems: tuple[Problem, ...]
    files: Mapping[str, FileEntry] = field(default_factory=dict)  # path -> entry, for the next build

    @property
    def digests(self) -> dict[str, bytes]:
        """Paper id -> digest of its file's bytes: a paper whose digest is unchanged is unchanged."""
        return {e.paper.id: e.digest for e in self.files.values() if e.paper is not None}

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def content_files(content_dir: Path) -> list[str]:
    """Every paper file, in a stable order (folder by folder, as pathlib sorts paths)."""
    # os.walk and strings rather than Path.rglob: half the time (0.1 s for 20,000 files), which a
    # build with nothing to do spends mostly here.
    found: list[str] = []
    for folder, _, names in os.walk(Path(content_dir) / PAPERS_DIR):
        found += [os.path.join(folder, name) for name in names if name.endswith(".md")]
    return sorted(found, key=lambda path: path.split(os.sep))


def scan(content_dir: Path) -> dict[str, Stamp]:
    """Every paper file, in a stable order, with its stamp."""
    return {path: _stamp(path) for path in content_files(content_dir)}


def load_content(content_dir: Path, known: Mapping[str, FileEntry] | None = None, jobs: int | None = None,
                 stamps: Mapping[str, Stamp] | None = None) -> LoadResult:
    """Load every paper under `content_dir`, then check what spans files (duplicate ids).

    `known`: the entries of an earlier load; a file with the same stamp is taken from there
    instead of being parsed again. `stamps`: the scan of `content_dir`, if made already.
    """
    known = known or {}
    stamps = stamps if stamps is not None else scan(content_dir)
    files = {path: known[path] for path, stamp in stamps.items() if _stamp_of(known.get(path)) == stamp}
    todo = [path for path in stamps if path not in files]
    files.update(zip(todo, _read_all(todo, jobs)))
    papers = [files[path].paper for path in stamps if files[path].paper is not None]
    problems = [problem for path in stamps for problem in files[path].problems]
    problems.extend(_duplicate_ids(papers))
    problems.extend(_undated(papers))
    return LoadResult(tuple(papers), tuple(problems), {path: files[path] for path in stamps})


def _stamp(path: str) -> Stamp:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _stamp_of(entry: FileEntry | None) -> Stamp | None:
    return (entry.size, entry.mtime_ns) if entry else None


def _read_all(paths: Sequence[str], jobs: int | None) -> list[FileEntry]:
    """Read and parse `paths`, on every core when there are many."""
    jobs = worker_count(jobs, len(paths), PARALLEL_FROM)
    if jobs == 1:
        return _read_chunk(paths)
    chunks = [paths[k * len(paths) // jobs : (k + 1) * len(paths) // jobs] for k in range(jobs)]
    return [entry for chunk in fork_map(_read_chunk, chunks, jobs) for entry in chunk]


def _read_chunk(paths: Sequence[str]) -> list[FileEntry]:
    return [read_entry(Path(p)) for p in paths]


def read_entry(path: Path) -> FileEntry:
    """Read one file once: its stamp, digest, and the Paper or problems it holds."""
    st = path.stat()  # before reading: a file changed meanwhile is re-read next time
    data = path.read_bytes()
    paper, problems = parse_file(path, data)
    mtime = st.st_mtime_ns if st.st_mtime_ns < time.time_ns() - RACY_NS else -1
    return FileEntry(st.st_size, mtime, hashlib.blake2b(data, digest_size=16).digest(), paper, tuple(problems))


def load_file(path: Path) -> tuple[Paper | None, list[Problem]]:
    """Read one file. Returns (None, problems) when it has errors."""
    return parse_file(path, path.read_bytes())


def parse_file(path: Path, data: bytes) -> tuple[Paper | None, list[Problem]]:
    where = str(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(where, line, f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})")]
    try:
        doc = frontmatter.parse(text)
    except frontmatter.FrontMatterError as exc:
        return None, [Problem(where, exc.line, exc.message)]
    return paper_from_document(doc, path)


def paper_from_document(doc: frontmatter.Document, path: Path) -> tuple[Paper | None, list[Problem]]:
    """Validate front matter and build a Paper; every problem is reported, not only the first."""
    fields = _Fields(doc, str(path))
    values: dict[str, Any] = {"source_path": str(path), "abstract": doc.body}
    values["id"] = fields.identifier(path.stem)
    values["title"] = fields.text("title", required=True)
    for name, read in _READERS.items():
        value = read(fields, name)
        if value is not None:
            values[name] = value
    fields.warn_unknown()
    if any(p.is_error for p in fields.problems):
        return None, fields.problems
    return Paper(**values), fields.problems


class _Fields:
    """Typed access to front matter values that records a Problem for each bad one."""

    def __init__(self, doc: frontmatter.Document, where: str) -> None:
        self.doc, self.where, self.problems = doc, where, []

    def _problem(self, key: str, message: str, severity: str = "error") -> None:
        line = self.doc.key_lines.get(key, 1)
        self.problems.append(Problem(self.where, line, f"{key}: {message}", severity))

    def identifier(self, stem: str) -> str | None:
        # The raw scalar: YAML would read an unquoted 2310.10000 as the float 2310.1.
        raw = self.doc.scalars.get("id", stem) if "id" in self.doc.meta else stem
        if not SAFE_ID.fullmatch(raw):
            self._problem("id", f"{raw!r} is not a usable id (letters, digits, '.', '_', '-')")
            return None
        return raw

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.doc.meta.get(key)
        if value is None:
            if required:
                self._problem(key, "missing (required)")
            return None
        if isinstance(value, (dict, list)) or (isinstance(value, str) and not value.strip()):
            self._problem(key, "expected text")
            return None
        return str(value).strip()

    def url(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not value.lower().startswith(("http://", "https://")):
            self._problem(key, f"expected an http(s) URL, got {value!r}")
            return None
        return value

    def count(self, key: str) -> int | None:
        value = self.doc.meta.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self._problem(key, f"expected a whole number >= 0, got {value!r}")
            return None
        return value

    def day(self, key: str) -> dt.date | None:
        value = self.doc.meta.get(key)
        if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.datetime):
            return value.date()
        self._problem(key, f"expected a date YYYY-MM-DD, got {value!r}")
        return None

    def strings(self, key: str) -> tuple[str, ...] | None:
        value = self.doc.meta.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            self._problem(key, "expected a list of text items")
            return None
        return tuple(str(v).strip() for v in value if str(v).strip())

    def tags(self, key: str) -> tuple[str, ...] | None:
        names = self.strings(key)
        if names is None:
            return None
        slugs = [slugify(name) for name in names]
        for name, slug in zip(names, slugs):
            if not slug:
                self._problem(key, f"tag {name!r} has no letters or digits")
        return tuple(dict.fromkeys(s for s in slugs if s))

    def aliases(self, key: str) -> tuple[str, ...] | None:
        names = self.strings(key)
        for name in names or ():
            if not SAFE_ID.fullmatch(name):
                self._problem(key, f"{name!r} is not a usable id (letters, digits, '.', '_', '-')")
        return names

    def warn_unknown(self) -> None:
        for key in self.doc.meta:
            if key not in KNOWN_KEYS:
                self._problem(str(key), "unknown key (ignored)", "warning")


_READERS: dict[str, Callable[[_Fields, str], Any]] = {
    "authors": _Fields.strings,
    "author_count": _Fields.count,
    "published": _Fields.day,
    "listed": _Fields.day,
    "upvotes": _Fields.count,
    "comments": _Fields.count,
    "tags": _Fields.tags,
    "github": _Fields.url,
    "github_stars": _Fields.count,
    "project_page": _Fields.url,
    "keywords": _Fields.strings,
    "ai_summary": _Fields.text,
    "organization": _Fields.text,
    "thumbnail": _Fields.url,
    "aliases": _Fields.aliases,
}
KNOWN_KEYS = frozenset({"id", "title", *_READERS})


def _duplicate_ids(papers: list[Paper]) -> list[Problem]:
    first: dict[str, Paper] = {}
    problems = []
    for paper in papers:
        for pid in (paper.id, *paper.aliases):  # an alias keeps its old URL: no other paper may take it
            if pid in first:
                other = first[pid].source_path
                problems.append(Problem(paper.source_path, 1, f"duplicate id {pid!r} (also in {other})"))
            else:
                first[pid] = paper
    return problems


def _undated(papers: list[Paper]) -> list[Problem]:
    return [
        Problem(p.source_path, 1, "no 'listed' or 'published' date: the paper has no archive date", "warning")
        for p in papers
        if p.archive_date is None
    ]
