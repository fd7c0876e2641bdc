"""The shelf: the content folder as the scraper sees it, papers found by arXiv id or by title, and safe writes.

(Not "archive": that is taxonomy.Archive, the indexes a build makes, and the /archive/ page.)

An update writes again only the lines of the front matter keys whose values changed: every other
line (comments, keys the loader does not know, the contributor's order and quoting) and the abstract
stay as they are, and a file whose values did not change is not touched at all. Every write goes
through fsutil's atomic rename, so a killed scrape leaves each file old or new.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from generator import frontmatter
from generator.fsutil import write_if_changed
from generator.loader import LoadResult, file_digest, load_content, load_file, parse_file
from generator.model import Paper, Problem
from generator.scrape.merge import changed_fields
from generator.slugs import title_key
from generator.store import KEY_ORDER, paper_meta, paper_path, with_source, write_paper


class Shelf:
    """The papers on the shelf (content/), by id, by their old ids (`aliases`: a paper a contributor gave
    another id is still the service's) and, for papers without an arXiv id (imported from a copied
    listing, id = title slug), by normalised title. Updated as the scrape writes.

    A file the loader could not read is kept out, but the id it claims (its `id:` as written, or its
    name) is remembered: finding that id raises Unreadable, so the paper is neither updated nor
    written again beside the file a contributor is still fixing."""

    def __init__(
        self,
        papers: tuple[Paper, ...] | list[Paper] = (),
        unreadable: dict[str, Problem] | None = None,
        digests: dict[str, bytes] | None = None,
    ) -> None:
        self.by_id: dict[str, Paper] = {}
        self.by_alias: dict[str, Paper] = {}
        self.by_title: dict[str, Paper] = {}
        self.unreadable: dict[str, Problem] = dict(unreadable or {})  # id -> the first error of its file
        self.digests: dict[str, bytes] = dict(digests or {})  # path -> digest of the bytes its paper was read from
        for paper in papers:
            if paper.id not in self.by_id:  # a duplicate id is the loader's problem to report
                self.put(paper)

    @classmethod
    def load(cls, content_dir: Path) -> Shelf:
        result = load_content(content_dir, missing_ok=True)
        digests = {path: entry.digest for path, entry in result.files.items() if entry.paper is not None}
        return cls(result.papers, unreadable_ids(result), digests)

    def current(self, paper: Paper) -> Paper:
        """`paper` as its file holds it now. A scrape fetches for minutes after the shelf is loaded: a value a
        contributor wrote meanwhile (authors, an abstract) was taken for missing and filled over."""
        path = Path(paper.source_path)
        data = path.read_bytes()
        digest = file_digest(data)  # as the loader took it: an unchanged file is not parsed again
        if self.digests.get(paper.source_path) == digest:
            return paper
        now, problems = parse_file(path, data)
        if now is None:
            raise Unreadable(refused(next(p for p in problems if p.is_error)))
        if now.id != paper.id:
            raise Unreadable(f"{path}: its id changed from {paper.id!r} to {now.id!r} during the scrape; left alone")
        self.digests[paper.source_path] = digest
        return now

    def find(self, paper_id: str, title: str) -> Paper | None:
        found = self.by_id.get(paper_id) or self.by_alias.get(paper_id)
        if found is None and paper_id in self.unreadable:
            raise Unreadable(refused(self.unreadable[paper_id]))
        return found or self.by_title.get(title_key(title))

    def put(self, paper: Paper) -> None:
        self.by_id[paper.id] = paper
        for alias in paper.aliases:
            self.by_alias[alias] = paper
        if not paper.is_arxiv:
            self.by_title.setdefault(title_key(paper.title), paper)


class Unreadable(Exception):
    """A file is where a new paper would go, or claims its id, but the loader could not read it: never
    overwrite it, nor write the paper again beside it."""


def refused(problem: Problem) -> str:
    return f"{problem}; not updated until it is fixed (`broadsheet check` lists every error)"


# An `id:` line as written, for a file whose YAML does not parse.
_ID_LINE = re.compile(r"""^id:[ \t]*(['"]?)([A-Za-z0-9][A-Za-z0-9._-]*)\1[ \t]*$""", re.MULTILINE)


def unreadable_ids(result: LoadResult) -> dict[str, Problem]:
    """The ids claimed by the files that have errors (their `id:` as written, and their name), each with its
    file's first error. A file skipped with a warning (an editor's lock, a FIFO) claims nothing."""
    claimed: dict[str, Problem] = {}
    for path, entry in result.files.items():
        errors = [p for p in entry.problems if p.is_error]
        if entry.paper is not None or not errors:
            continue
        for paper_id in (Path(path).stem, *_written_id(path)):
            claimed.setdefault(paper_id, errors[0])
    return claimed


def _written_id(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
        return [str(frontmatter.parse(text).scalars["id"])]
    except (OSError, UnicodeDecodeError, KeyError):
        return []
    except frontmatter.FrontMatterError:
        found = _ID_LINE.search(text)
        return [found[2]] if found else []


def write_new(content_dir: Path, paper: Paper) -> Paper:
    path = paper_path(content_dir, paper.id, paper.archive_date)
    if path.exists():
        there, problems = load_file(path)
        if there is None:
            raise Unreadable(refused(next(p for p in problems if p.is_error)))
        # It loads: it said it had errors, and `broadsheet check` found none.
        raise Unreadable(
            f"{path} holds the paper {there.id!r}, not {paper.id!r}; not overwritten "
            f"(if it is this paper, list {paper.id!r} under its `aliases:`)"
        )
    write_paper(content_dir, paper, path)
    return with_source(paper, path)


def write_update(old: Paper, new: Paper) -> bool:
    """Rewrite `old`'s file with the fields that differ in `new`. False if nothing changed."""
    changed = changed_fields(old, new)
    if not changed:
        return False
    # Through a symlink to the file it names, as an editor saves: a rename over the link replaced it with a copy,
    # and the file the contributor linked there was left behind, never updated again.
    path = Path(old.source_path).resolve()
    return write_if_changed(path, _rewritten(path.read_bytes(), new, changed), keep_mode=True)


def _rewritten(raw: bytes, new: Paper, changed: tuple[str, ...]) -> str:
    """The file that held `raw`, with the `changed` fields set from `new`: only their lines are written again,
    so every other line (comments, the contributor's order of keys, quoting and their own keys) stays as it was.
    A file where that cannot be done and checked (front matter in one flow mapping) is written again whole."""
    text = _lines(raw).removeprefix("\ufeff")
    doc = frontmatter.parse(text)
    fresh = {key: value for key, value in paper_meta(new).items() if key in changed}  # merging never empties one
    edited = _edited(text, doc, fresh, new.abstract if "abstract" in changed else None)
    if edited is None:
        meta = _updated_meta(doc.meta, paper_meta(new), changed)
        meta["id"] = new.id  # YAML may have read an unquoted id as a number; the loader kept its digits
        edited = frontmatter.dump(meta, new.abstract if "abstract" in changed else doc.body)
    return _as_written(raw, edited)


def _edited(text: str, doc: frontmatter.Document, fresh: dict[str, Any], abstract: str | None) -> str | None:
    """`text` with each key of `fresh` set (its lines replaced, or new lines where the usual order puts the key)
    and the body replaced by `abstract` unless it is None; None unless the result reads as exactly that."""
    current = doc
    for key in (k for k in KEY_ORDER if k in fresh):
        text = _set_key(text, current, key, fresh[key])
        try:
            current = frontmatter.parse(text)
        except frontmatter.FrontMatterError:
            return None
    if abstract is not None:
        lines = text.split("\n")
        kept = abstract.strip("\n")
        text = "\n".join(lines[: current.body_line - 1]) + "\n" + (f"{kept}\n" if kept else "")
    try:
        check = frontmatter.parse(text)
    except frontmatter.FrontMatterError:
        return None
    body = doc.body if abstract is None else abstract.strip("\n")
    return text if check.meta == {**doc.meta, **fresh} and check.body == body else None


def _set_key(text: str, doc: frontmatter.Document, key: str, value: Any) -> str:
    """`text` with the lines of top-level `key` replaced by `key: value`, or, when it has none, with that
    line put after the key before it in the usual order (before the key after it, if none is before)."""
    lines = text.split("\n")
    block = frontmatter.dump({key: value}, "")[len("---\n") : -len("---\n")].rstrip("\n").split("\n")
    fence = doc.body_line - 2  # the closing `---`
    starts = sorted(line - 1 for line in doc.key_lines.values())
    if key in doc.key_lines:
        start = doc.key_lines[key] - 1
        lines[start : _block_end(lines, start, starts, fence)] = block
        return "\n".join(lines)
    place = KEY_ORDER.index(key)
    before = [k for k in KEY_ORDER[:place] if k in doc.key_lines]
    after = [k for k in KEY_ORDER[place + 1 :] if k in doc.key_lines]
    if before:
        at = _block_end(lines, doc.key_lines[before[-1]] - 1, starts, fence)
    else:
        at = doc.key_lines[after[0]] - 1 if after else fence
    lines[at:at] = block
    return "\n".join(lines)


def _block_end(lines: list[str], start: int, starts: list[int], fence: int) -> int:
    """Where the value of the key on line `start` ends: at the next key, or the fence, less the blank lines and
    comments just before it (they go with what follows)."""
    end = min((s for s in starts if s > start), default=fence)
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return end


def _lines(raw: bytes) -> str:
    """A file's text with "\n" for each line break, as frontmatter.dump writes."""
    return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _as_written(raw: bytes, text: str) -> str:
    """`text` (a rewrite of the file that held `raw`) with that file's line breaks ("\r\n" from an editor on
    Windows), its byte order mark and its want of a last line break: otherwise every line of the abstract changed
    with the one value the scraper set, and the contributor's editor changed them all back."""
    first = raw.find(b"\n")
    if first > 0 and raw[first - 1] == 0x0D:
        text = text.replace("\n", "\r\n")
    if not raw.endswith((b"\n", b"\r")):
        text = text.removesuffix("\r\n").removesuffix("\n")
    return "\ufeff" + text if raw.startswith(b"\xef\xbb\xbf") else text


def _updated_meta(meta: dict[str, Any], fresh: dict[str, Any], changed: tuple[str, ...]) -> dict[str, Any]:
    """`meta` with the changed keys set from `fresh`; known keys in the usual order, others after."""
    result = dict(meta)
    for key in changed:
        if key in fresh:  # merging never empties a field, so there is nothing to remove
            result[key] = fresh[key]
    order = {key: i for i, key in enumerate(KEY_ORDER)}
    keys = sorted(result, key=lambda k: (order.get(k, len(order)), list(result).index(k)))
    return {k: result[k] for k in keys}


def write_renamed(old: Paper, new: Paper, target: Path) -> Paper:
    """`old`'s file, with the fields that differ in `new` (its id among them), written to `target`;
    then the old file is removed. Keys a contributor added and an abstract they wrote are kept, as in
    write_update. Never overwrites: a file at `target` is an Unreadable error and nothing changes."""
    if target.exists():
        raise Unreadable(f"{target} exists already; {old.source_path} not renamed")
    source = Path(old.source_path)
    write_if_changed(target, _rewritten(source.read_bytes(), new, changed_fields(old, new)))
    source.unlink()
    return with_source(new, target)
