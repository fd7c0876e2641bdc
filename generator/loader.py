"""Read content/papers/**/*.md into Paper records, collecting every problem on the way.

Nothing here raises on bad content: each file yields either a Paper or problems (or both,
when only warnings were found), so `check` and `build` can report everything at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hashlib
import os
import stat
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import frontmatter, markup
from generator.errors import UserError
from generator.fields import Fields
from generator.model import (
    KEYS,
    MAX_ABSTRACT,
    MAX_FILE_BYTES,
    NOT_XML,
    Paper,
    Problem,
    may_hold_not_xml,
)
from generator.parallel import fork_map, worker_count

PAPERS_DIR = "papers"
# Files to parse before it pays to fork a second parser: parsing 1,000 files took 0.21 s of CPU in one
# process, 0.29 s in two (sending the papers back), and no less wall time (docs/performance.md).
PARALLEL_FROM = 2000
# A file modified this recently may be modified again within the file system's clock tick
# without its size or time changing, so its stamp is not trusted by the next build.
RACY_NS = 2_000_000_000


Stamp = tuple[int, int]  # (size, modification time in ns): equal stamps, same file content
# Why a `*.md` name is not read: a stamp (-1, i) stands for SKIPPED[i]. Only regular files are
# read (symlinks to them included): Emacs leaves a dangling `.#paper.md` symlink while editing,
# and a FIFO or /dev/zero would hang the reader or fill the memory.
SKIPPED = (
    "a symlink to nothing (an editor's lock file?)",
    "a symlink loop",
    "not a regular file (a folder, FIFO, socket or device)",
    "cannot be opened",
)
_SKIP_ERRNO = {errno.ENOENT: 0, errno.ELOOP: 1}


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
    if not os.path.isdir(content_dir):
        raise UserError("content folder not found", content_dir)
    found: list[str] = []
    for folder, _, names in os.walk(Path(content_dir) / PAPERS_DIR):
        found += [os.path.join(folder, name) for name in names if name.endswith(".md")]
    if not found and (stray := _markdown_without_papers(content_dir)):
        raise UserError(
            f"no {PAPERS_DIR}/ folder, but {stray}: the content folder is the one that holds {PAPERS_DIR}/", content_dir
        )
    return sorted(found, key=lambda path: path.split(os.sep))


def _markdown_without_papers(content_dir: Path) -> str | None:
    """A .md file in a content folder without papers/, or in one of its folders: `--content content/papers` (or a
    year's folder) built an empty site over the last one."""
    if os.path.lexists(Path(content_dir) / PAPERS_DIR):
        return None
    try:
        with os.scandir(content_dir) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if not entry.is_dir():
                    if entry.name.endswith(".md"):
                        return entry.name
                    continue
                md = next((name for name in sorted(os.listdir(entry.path)) if name.endswith(".md")), None)
                if md is not None:
                    return f"{entry.name}/{md}"
    except OSError:
        return None
    return None


def scan(content_dir: Path) -> dict[str, Stamp]:
    """Every paper file, in a stable order, with its stamp."""
    return {path: _stamp(path) for path in content_files(content_dir)}


def load_content(
    content_dir: Path,
    known: Mapping[str, FileEntry] | None = None,
    jobs: int | None = None,
    stamps: Mapping[str, Stamp] | None = None,
    missing_ok: bool = False,
    digests: Mapping[str, bytes | None] = {},
) -> LoadResult:
    """Load every paper under `content_dir`, then check what spans files (duplicate ids).

    `known`: the entries of an earlier load; a file with the same stamp, or whose bytes still
    have the same digest, is taken from there instead of being parsed again. `stamps`: the scan
    of `content_dir`, if made already. `digests`: those of files read already (`digests_of`).
    A `content_dir` that is not a folder is a UserError, unless `missing_ok` (an importer about
    to make it) and it does not exist at all.
    """
    if missing_ok and not os.path.lexists(content_dir):
        return LoadResult((), ())
    known = known or {}
    stamps = stamps if stamps is not None else scan(content_dir)
    files = {path: known[path] for path, stamp in stamps.items() if _stamp_of(known.get(path)) == stamp}
    files.update((path, _skipped(path, stamp[1])) for path, stamp in stamps.items() if stamp[0] < 0)
    files.update(
        _same_bytes({path: known[path] for path in stamps if path not in files and path in known}, stamps, digests)
    )
    todo = [path for path in stamps if path not in files]
    files.update(zip(todo, _read_all(todo, jobs), strict=True))
    papers = [paper for path in stamps if (paper := files[path].paper) is not None]
    problems = [problem for path in stamps for problem in files[path].problems]
    problems.extend(_duplicate_ids(papers))
    problems.extend(_undated(papers))
    return LoadResult(tuple(papers), tuple(problems), {path: files[path] for path in stamps})


def _stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except OSError as exc:
        return -1, _SKIP_ERRNO.get(exc.errno or 0, 3)
    return (st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else (-1, 2)


def _skipped(path: str, reason: int) -> FileEntry:
    problem = Problem(path, 1, f"skipped: {SKIPPED[reason]}", "warning")
    return FileEntry(-1, reason, b"", None, (problem,))


def _same_bytes(
    entries: Mapping[str, FileEntry], stamps: Mapping[str, Stamp], digests: Mapping[str, bytes | None] = {}
) -> dict[str, FileEntry]:
    """Those of `entries` whose file still holds the bytes they were read from, with its new stamp.

    A checkout (or a copy) gives every file a new time: rather than parse them all again, their
    bytes are hashed, which costs a twentieth of parsing them (20,000 files: 0.28 s of CPU against 6.3 s)."""
    same = {}
    for path, entry in entries.items():
        size, mtime = stamps[path]
        if size == entry.size and (digests[path] if path in digests else _digest(path)) == entry.digest:
            same[path] = dataclasses.replace(entry, mtime_ns=_trusted_mtime(mtime))
    return same


def file_digest(data: bytes) -> bytes:
    """The digest of a content file's bytes: what tells one version of the file from another."""
    return hashlib.blake2b(data, digest_size=16).digest()


def digests_of(paths: Iterable[str]) -> dict[str, bytes | None]:
    """The digest of each file's bytes, as `load_content` compares them with an earlier load's."""
    return {path: _digest(path) for path in paths}


def _digest(path: str) -> bytes | None:
    """The digest of a regular file's bytes; None if it cannot be read (`read_entry` says why)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    regular = _regular_bytes(fd)
    return file_digest(regular[1]) if regular else None


def _trusted_mtime(mtime_ns: int) -> int:
    """The modification time a stamp may hold: -1 (never equal) for a file modified too recently."""
    return mtime_ns if mtime_ns < time.time_ns() - RACY_NS else -1


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
    try:  # non-blocking: a FIFO put there since the scan must not hang the build
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno in _SKIP_ERRNO:  # gone or looping since the scan
            return _skipped(str(path), _SKIP_ERRNO[exc.errno])
        problem = Problem(str(path), 1, f"cannot be read: {exc.strerror}")  # a paper, lost unless fixed
        return FileEntry(-1, -1, b"", None, (problem,))
    regular = _regular_bytes(fd)
    if regular is None:
        return _skipped(str(path), 2)
    st, data = regular
    if len(data) > MAX_FILE_BYTES or st.st_size > MAX_FILE_BYTES:
        paper, problems = None, [Problem(str(path), 1, f"{st.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,}")]
    else:
        paper, problems = parse_file(path, data)
    return FileEntry(st.st_size, _trusted_mtime(st.st_mtime_ns), file_digest(data), paper, tuple(problems))


def _regular_bytes(fd: int) -> tuple[os.stat_result, bytes] | None:
    """The stat and bytes of the open file `fd` (none past the size limit), then closes it; None if
    it is not a regular file. The stat comes first: a file changed meanwhile is re-read next time."""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        return st, _read_at_most(fd, MAX_FILE_BYTES + 1) if st.st_size <= MAX_FILE_BYTES else b""
    finally:
        os.close(fd)


def _read_at_most(fd: int, limit: int) -> bytes:
    """Up to `limit` bytes: a file that grew since its stat cannot fill the memory."""
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def load_file(path: Path) -> tuple[Paper | None, list[Problem]]:
    """Read one file. Returns (None, problems) when it has errors."""
    entry = read_entry(path)
    return entry.paper, list(entry.problems)


def parse_file(path: Path, data: bytes) -> tuple[Paper | None, list[Problem]]:
    where = str(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(where, line, f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})")]
    cleaned = _remove_invalid(text, where) if may_hold_not_xml(data) else ()
    text = cleaned[0] if cleaned else text
    try:
        doc = frontmatter.parse(text)
    except frontmatter.FrontMatterError as exc:
        return None, [Problem(where, exc.line, exc.message), *cleaned[1:]]
    paper, problems = paper_from_document(doc, path)
    return paper, [*cleaned[1:], *problems]


def _remove_invalid(text: str, where: str) -> tuple[str, Problem] | tuple[()]:
    """The text without what no page or feed can carry (model.NOT_XML), and a warning; () if clean."""
    first = NOT_XML.search(text)
    if first is None:
        return ()
    found = NOT_XML.findall(text)
    line = text.count("\n", 0, first.start()) + 1
    names = ", ".join(sorted({f"U+{ord(c):04X}" for c in found})[:5])
    warning = Problem(
        where, line, f"removed {len(found):,} character(s) no page or feed can carry ({names})", "warning"
    )
    return NOT_XML.sub("", text), warning


def paper_from_document(doc: frontmatter.Document, path: Path) -> tuple[Paper | None, list[Problem]]:
    """Validate front matter and build a Paper; every problem is reported, not only the first."""
    fields = Fields(doc, str(path), dt.date.today())
    values: dict[str, Any] = {"source_path": str(path), "abstract": _abstract(doc, fields)}
    for name, declared in KEYS.items():
        value = fields.read(name, declared)
        if value is not None:
            values[name] = value
    fields.warn_unknown()
    if any(p.is_error for p in fields.problems):
        return None, fields.problems
    return Paper(**values), fields.problems


def _abstract(doc: frontmatter.Document, fields: Fields) -> str:
    body, line = doc.body, doc.body_line
    if len(body) > MAX_ABSTRACT:
        fields.problems.append(
            Problem(fields.where, line, f"abstract: {len(body):,} characters; the limit is {MAX_ABSTRACT:,}")
        )
        return ""
    reason = markup.too_complex(body)
    if reason:
        fields.problems.append(
            Problem(fields.where, line, f"abstract: shown as plain text, not Markdown: {reason}", "warning")
        )
    return body


def _duplicate_ids(papers: list[Paper]) -> list[Problem]:
    first: dict[str, Paper] = {}
    folded: dict[str, tuple[str, Paper]] = {}
    problems = []
    for paper in papers:
        for pid in (paper.id, *paper.aliases):  # an alias keeps its old URL: no other paper may take it
            if pid in first:
                problems.append(_taken(paper, pid, first[pid]))
            else:
                first[pid] = paper
            twin = folded.setdefault(pid.lower(), (pid, paper))
            if twin[0] != pid:  # papers/ABC/ and papers/abc/ are one folder on macOS and Windows
                problems.append(_case_twins(paper, pid, *twin))
    return problems


def _taken(paper: Paper, pid: str, owner: Paper) -> Problem:
    """`pid`, the id or an alias of `paper`, is already the id or an alias of `owner`: its page would be two."""
    if owner is paper:
        what = "is the paper's own id" if pid == paper.id else "is listed twice"
        return Problem(paper.source_path, 1, f"duplicate id {pid!r}: an alias that {what}")
    mine, theirs = ("id" if pid == p.id else "alias" for p in (paper, owner))
    if mine == theirs == "id":
        return Problem(paper.source_path, 1, f"duplicate id {pid!r} (also in {owner.source_path})")
    return Problem(paper.source_path, 1, f"duplicate id {pid!r}: its {mine} here, the {theirs} in {owner.source_path}")


def _case_twins(paper: Paper, pid: str, twin_id: str, twin: Paper) -> Problem:
    return Problem(
        paper.source_path,
        1,
        f"id {pid!r} differs from {twin_id!r} ({twin.source_path})"
        " only in case: their pages collide on a case-insensitive file system",
        "warning",
    )


def _undated(papers: list[Paper]) -> list[Problem]:
    return [
        Problem(p.source_path, 1, "no 'listed' or 'published' date: the paper has no archive date", "warning")
        for p in papers
        if p.archive_date is None
    ]
