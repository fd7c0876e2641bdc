"""Files for programs, made in Python rather than by templates: a .bib per list, the open data
(`data/index.json`, `data/<YYYY>.json`) and a Markdown copy of each paper (`papers/<id>/index.md`).

Each is an `Export` job: like a page it names the papers it shows, so its key (`render.Renderer.key`)
covers their files, and its `context` holds whatever else its bytes depend on (citation keys, counts),
so an incremental build rewrites it exactly when a cold build would write other bytes.
See docs/open-data.md for the formats.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import NamedTuple

from generator import urls
from generator.bibtex import base_key, bibtex_file
from generator.config import Exports
from generator.feeds import FEED_FIELDS
from generator.model import Paper, shown
from generator.pages import Page
from generator.search_records import record_digest
from generator.taxonomy import Archive
from generator.views import LINE_FIELDS, Views, paper_links

EVERY = Exports()  # the default: every export
UNDATED = "undated"  # the data file of papers with neither date
_SKIPPED = {"source_path", "abstract"}  # where the file lives is not data; the abstract goes last


# The fields of a paper that its BibTeX entry (`bibtex.bibtex_entry`) and its Markdown copy (`paper_markdown`)
# show. Those files are keyed on these fields rather than on the paper's whole file, so that a re-vote rewrites
# neither (a daily build rewrote about a thousand `.bib` files with the same bytes); tests/test_exports.py
# checks that no other field changes them.
BIB_FIELDS = ("id", "title", "authors", "published")
MARKDOWN_FIELDS = ("id", "title", "authors", "published", "listed", "github", "project_page", "abstract")


@dataclass(frozen=True)
class Export:
    path: str  # output file, relative to the output folder
    kind: str  # "bib", "year", "index" or "markdown"
    papers: tuple[str, ...] = ()  # papers whose whole file is in the key
    context: tuple = ()  # the rest of the key: for "bib" (id, citation key, shown) per paper, for
    # "markdown" (id, shown), `shown` being a digest of the fields the file shows, for "year" (abstracts?,)
    group: str = ""  # for "bib", the kind of list (`config.BIB_LISTS`)


class Shown(NamedTuple):
    """What a paper's BibTeX entry, Markdown copy, search record, line in a listing (or link from another page)
    and feed item show of it (`shown`, `search_records.record_digest`), and the digest of its file."""

    file: bytes
    bib: bytes
    markdown: bytes
    search: bytes
    line: bytes
    feed: bytes
    cite_base: str  # the base of its citation key (`bibtex.base_key`): 0.2 s for 20,000 papers


class FieldDigests:
    """Each paper's `Shown`, reused from the last build while its file is unchanged.

    At 20,000 papers making them all took 0.35 s of a daily build's CPU (1.0 s of 14 s profiled), for the
    few hundred papers whose file changed."""

    def __init__(self, files: Mapping[str, bytes] = {}, saved: Mapping[str, Shown] = {}) -> None:
        self.files, self.saved = files, saved  # paper id -> digest of its file; -> Shown of an earlier build
        self.made: dict[str, Shown] = {}  # those made by this build, for the next
        self._checked: dict[str, Shown] = {}  # those found current: rendering asks for each about ten times

    def of(self, paper: Paper) -> Shown:
        checked = self._checked.get(paper.id)
        if checked is not None:
            return checked
        file = self.files.get(paper.id)
        saved = self.made.get(paper.id) or self.saved.get(paper.id)
        if saved is not None and saved.file == file:
            self._checked[paper.id] = saved
            return saved
        made = Shown(
            file or b"",
            shown(paper, BIB_FIELDS),
            shown(paper, MARKDOWN_FIELDS),
            record_digest(paper),
            shown(paper, LINE_FIELDS),
            shown(paper, FEED_FIELDS),
            base_key(paper),
        )
        if file is not None:
            self.made[paper.id] = self._checked[paper.id] = made
        return made

    def base_key(self, paper: Paper) -> str:
        return self.of(paper).cite_base


def plan_exports(
    archive: Archive, pages: Sequence[Page], switched: Exports = EVERY, digests: FieldDigests | None = None
) -> list[Export]:
    """Every export site.yaml keeps (`switched`), in a stable order: the .bib of each list the pages link
    to, each paper's Markdown copy, then the open data."""
    of = (digests or FieldDigests()).of
    keys = {page.paper: page.context["citation"].key for page in pages if page.paper is not None}
    lists: dict[str, tuple[tuple[str, ...], str]] = {}
    for page in pages:
        bib = page.context.get("bib")
        if bib is not None and bib.count:
            lists.setdefault(bib.path, (bib.ids, bib.kind))
    cited = {pid: of(paper).bib for pid, paper in archive.papers.items()} if lists else {}
    exports = [
        Export(path, "bib", context=tuple((pid, keys[pid], cited[pid]) for pid in ids), group=kind)
        for path, (ids, kind) in lists.items()
    ]
    if switched.markdown:
        exports += [
            Export(urls.paper(pid) + "index.md", "markdown", context=(pid, of(paper).markdown))
            for pid, paper in archive.papers.items()
        ]
    return exports + data_files(archive, switched.data_abstracts)


def data_files(archive: Archive, abstracts: bool = True) -> list[Export]:
    position = archive.position
    by_year = {str(y): ids for y, ids in archive.years.items()}
    undated = tuple(pid for pid in archive.timeline if archive.papers[pid].archive_date is None)
    if undated:
        by_year[UNDATED] = undated
    files = [
        Export(f"data/{name}.json", "year", tuple(sorted(ids, key=position.__getitem__)), (abstracts,))
        for name, ids in by_year.items()
    ]
    newest = next(iter(archive.days), None)
    listing = tuple((name, len(ids)) for name, ids in by_year.items())
    return [Export("data/index.json", "index", (), (newest.isoformat() if newest else None, listing)), *files]


# A paper's line in a data file, by paper id and whether it holds the abstract (`paper_json`): the renderer
# passes one that reuses the lines of papers whose file did not change (`render.Renderer.record`).
RecordMaker = Callable[[str, bool], bytes]


def make_export(job: Export, views: Views, site_urls: urls.Urls, record: RecordMaker | None = None) -> bytes:
    if job.kind == "bib":
        return bibtex_file(views.bibtex(pid, key) for pid, key, _ in job.context)
    if job.kind == "markdown":
        return paper_markdown(views.archive.papers[job.context[0]], site_urls).encode("utf-8")
    if job.kind == "year":
        made = record or (lambda pid, abstract: paper_json(views.archive.papers[pid], site_urls, abstract))
        return year_json(made(pid, job.context[0]) for pid in job.papers)
    return index_json(job.context, site_urls)


def paper_record(paper: Paper, site_urls: urls.Urls, abstract: bool = True) -> dict:
    """Every front matter field (None when absent), the page's URL, and the abstract's Markdown (unless
    site.yaml's `exports.data_abstracts` is false)."""
    record: dict = {}
    for f in fields(Paper):
        if f.name not in _SKIPPED:
            value = getattr(paper, f.name)
            record[f.name] = value.isoformat() if hasattr(value, "isoformat") else value
    record["url"] = site_urls.absolute(urls.paper(paper.id))
    if abstract:
        record["abstract"] = paper.abstract
    return record


def paper_json(paper: Paper, site_urls: urls.Urls, abstract: bool = True) -> bytes:
    """The paper's line in its data file: its record as JSON, UTF-8 encoded."""
    return json.dumps(paper_record(paper, site_urls, abstract), ensure_ascii=False).encode("utf-8")


def year_json(lines: Iterable[bytes]) -> bytes:
    """A data file of the papers whose lines (`paper_json`) these are, in that order."""
    # One paper a line: a day's changes stay a readable diff for people who keep the files in git.
    return b'{"papers": [\n' + b",\n".join(lines) + b"\n]}\n"


def index_json(context: tuple, site_urls: urls.Urls) -> bytes:
    updated, listing = context
    files = [
        {"year": int(name) if name != UNDATED else None, "papers": n, "url": site_urls.absolute(f"data/{name}.json")}
        for name, n in listing
    ]
    data = {"papers": sum(n for _, n in listing), "updated": updated, "files": files}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def paper_markdown(paper: Paper, site_urls: urls.Urls) -> str:
    lines = [f"# {' '.join(paper.title.split())}", ""]
    facts = [
        ("Authors", ", ".join(paper.authors)),
        ("Published", paper.published.isoformat() if paper.published else ""),
        ("On Daily Papers", paper.listed.isoformat() if paper.listed else ""),
        ("Page", site_urls.absolute(urls.paper(paper.id))),
    ]
    facts += [(link.label, link.url) for link in paper_links(paper)]
    lines += [f"- {label}: {value}" for label, value in facts if value]
    if paper.abstract.strip():
        lines += ["", "## Abstract", "", paper.abstract.strip()]
    return "\n".join(lines) + "\n"
