"""Writing the site: render only what changed, on every core, then put it in place.

A job is one output file: a Page (a Jinja template), a Feed (RSS), an Export (a .bib, JSON or
Markdown file made from papers, `exports`) or an Output (bytes made
already). Its key is a digest of everything its bytes depend on: the job itself (path,
template, values) and the file digests of the papers it shows. The site-wide inputs (code,
theme, config) are not in the key: when they change, the build is a cold one.

- Cold build: every job is rendered into a fresh staging folder, which then trades places
  with the output folder in one atomic rename (see `staging`).
- Incremental build: only jobs whose key differs from the last build's record are rendered,
  into memory (or, past HOLD_BYTES, a scratch folder); then each is written over a spare file
  and renamed into the output folder (one atomic rename per file), and files the site no
  longer has are deleted. Nothing in output/ changes before every changed page has rendered
  without error, and every change is logged (see `undo`) so that a failure puts it back.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import jinja2
from markupsafe import Markup

from generator import urls
from generator.cache import Card
from generator.config import SiteConfig
from generator.exports import Export, make_export
from generator.feeds import Feed, feed_bytes
from generator.outdir import exchange
from generator.pages import Page
from generator.parallel import fork_map, worker_count
from generator.render import make_environment, render_page
from generator.spares import Pool
from generator.undo import Undo, missing_folders
from generator.views import Summaries, Views, line

PARALLEL_FROM = 200  # jobs to render before it pays to fork workers
CARD_TEMPLATE = "partials/card.html"
LINE_TEMPLATE = "partials/line.html"
# An incremental build keeps up to this many bytes of changed pages in memory, to write them
# over spare files (see `spares`); beyond it, to new files. A daily rebuild of 20,000 papers
# changes about 25 MB.
HOLD_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Output:
    """A file whose bytes are made before writing (sitemap, robots.txt, OPML)."""

    path: str
    data: bytes


Job = Page | Feed | Output | Export


def output_file(job: Job) -> str:
    """The job's file, relative to the output folder."""
    return urls.output_file(job.path) if isinstance(job, Page) else job.path


class Renderer:
    """Keys and bytes of jobs. Made before the workers fork; each worker fills its own caches."""

    def __init__(
        self,
        views: Views,
        config: SiteConfig,
        site_urls: urls.Urls,
        digests: Mapping[str, bytes],
        saved_cards: Mapping[str, Card] = {},
    ) -> None:
        self.views, self.config, self.site_urls, self.digests = views, config, site_urls, digests
        self.saved_cards = saved_cards  # paper id -> Card, made by earlier builds under the same site key
        self._env: jinja2.Environment | None = None
        self._cards: dict[str, Markup] = {}
        self._lines: dict[str, Markup] = {}
        self._made: list[str] = []  # the papers whose cards this process rendered
        self._linked_as: dict[str, str] = {}  # paper id -> what pages linking to it show of it

    @property
    def env(self) -> jinja2.Environment:
        if self._env is None:  # made in the process that renders: it holds compiled templates
            self._env = make_environment(self.config, self.site_urls)
        return self._env

    def key(self, job: Job) -> bytes:
        if isinstance(job, Output):
            return hashlib.blake2b(job.data, digest_size=16).digest()
        digest = hashlib.blake2b(repr(job).encode(), digest_size=16)
        papers = (job.paper,) if isinstance(job, Page) and job.paper is not None else job.papers
        for pid in papers:  # the papers the job shows in full (or as summaries)
            digest.update(self.digests.get(pid) or repr(self.views.archive.papers[pid]).encode())
        if isinstance(job, Page) and job.paper is not None:  # and those its page only links to
            digest.update(self._links_key(job.paper))
        return digest.digest()

    def _links_key(self, pid: str) -> bytes:
        """What a paper page shows of the papers it links to (see `views.PaperLink`): their titles
        and dates, so that a re-vote or an edited abstract elsewhere leaves the page as it was."""
        newer, older, related = self.views.linked(pid)
        return "\0".join(self._as_linked(o) if o else "" for o in (newer, older, *related)).encode()

    def _as_linked(self, pid: str) -> str:
        made = self._linked_as.get(pid)
        if made is None:
            paper = self.views.archive.papers[pid]
            made = self._linked_as[pid] = f"{pid}\x1f{paper.title}\x1f{paper.archive_date}"
        return made

    def render(self, job: Job) -> bytes:
        if isinstance(job, Output):
            return job.data
        if isinstance(job, Feed):
            return self._feed(job)
        if isinstance(job, Export):
            return make_export(job, self.views, self.site_urls)
        return render_page(self.env, job, self.values(job)).encode("utf-8")

    def values(self, page: Page) -> dict:
        """The page's context, completed with what it shows of its papers."""
        if page.paper is not None:
            return {**page.context, "view": self.views.paper_view(page.paper)}
        shown = self.line if page.context.get("compact") else self.card
        return {**page.context, "papers": Summaries(self.views, page.papers), "cards": [shown(i) for i in page.papers]}

    def line(self, pid: str) -> Markup:
        """A paper as long listings show it (`views.Line`): rendered once per process."""
        made = self._lines.get(pid)
        if made is None:
            view = line(self.views.archive.papers[pid])
            made = self._lines[pid] = Markup(self.env.get_template(LINE_TEMPLATE).render(p=view).strip("\n"))
        return made

    def card(self, pid: str) -> Markup:
        """A paper as listings show it: rendered once, then reused by every page that lists it,
        and by later builds while its file is unchanged."""
        made = self._cards.get(pid)
        if made is None:
            saved = self.saved_cards.get(pid)
            if saved is not None and saved.digest == self.digests.get(pid):
                made = Markup(saved.html)
            else:
                made = Markup(self.env.get_template(CARD_TEMPLATE).render(p=self.views.summary(pid)).strip("\n"))
                self._made.append(pid)
            self._cards[pid] = made
        return made

    def made_cards(self) -> dict[str, Card]:
        """The cards this process rendered, for later builds to reuse."""
        # Saved as plain text: unpickling 20,000 Markup objects took 0.2 s, wrapping them on use a tenth of it.
        return {pid: Card(self.digests[pid], str(self._cards[pid])) for pid in self._made if pid in self.digests}

    def _feed(self, feed: Feed) -> bytes:
        return feed_bytes(feed, self.views, self.config, self.site_urls)


@dataclass
class Rendered:
    """What `render_jobs` made: every job's key, the bytes of changed jobs it kept in memory (by
    job index; the other changed jobs were written to the stage folder), and the cards it made."""

    keys: list[bytes]
    held: dict[int, bytes] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)


def render_jobs(
    jobs: Sequence[Job],
    renderer: Renderer,
    stage: Path,
    known: Mapping[str, bytes],
    workers: int | None = None,
    hold: int = 0,
) -> Rendered:
    """Render every job whose key is not the one `known` has for its file.

    Up to `hold` bytes of them are kept in memory, the n-th job's under n; the others are written
    to `stage`: to their own path in it if nothing is `known` (a cold build), else to `stage`/n,
    which spares making a tree of folders only to move the files out of it again.
    On more than one core the jobs are dealt out to forked workers, which inherit everything
    instead of receiving it pickled.
    """
    workers = worker_count(workers, len(jobs), PARALLEL_FROM)
    if workers == 1:
        return _render_share(jobs, range(len(jobs)), renderer, stage, known, hold)
    global _SHARED
    _SHARED = (jobs, renderer, stage, known, hold // workers, workers, os.getpid())
    try:
        shares = fork_map(_render_dealt, range(workers), workers)
    finally:
        _SHARED = None
    rendered = Rendered([b""] * len(jobs))
    for k, share in enumerate(shares):
        rendered.keys[k::workers] = share.keys
        rendered.held.update(share.held)
        rendered.cards.update(share.cards)
    return rendered


_SHARED: tuple | None = None


def _render_dealt(k: int) -> Rendered:
    assert _SHARED is not None
    jobs, renderer, stage, known, hold, workers, parent = _SHARED
    rendered = _render_share(jobs, range(k, len(jobs), workers), renderer, stage, known, hold)
    if not known and os.getpid() != parent:
        # A cold build keeps only the cards its parent made: sending a worker's 20,000 cards back
        # raised the peak memory of a 20,000-paper build by 190 MB. A later build renders the few
        # cards of papers that only the workers' pages list.
        rendered.cards = {}
    return rendered


def _render_share(
    jobs: Sequence[Job], share: range, renderer: Renderer, stage: Path, known: Mapping[str, bytes], hold: int
) -> Rendered:
    rendered = Rendered([])
    made: set[str] = set()  # folders this process has made already: mkdir is a system call each
    for n in share:
        job = jobs[n]
        key, file = renderer.key(job), output_file(job)
        if known.get(file) != key:
            data = renderer.render(job)
            if len(data) <= hold:
                rendered.held[n], hold = data, hold - len(data)
            else:
                _write(stage / (str(n) if known else file), data, made)
        rendered.keys.append(key)
    rendered.cards = renderer.made_cards()
    return rendered


def _write(path: Path, data: bytes, made: set[str]) -> None:
    # The staging folder is private to this build, so plain writes are safe here.
    folder = os.path.dirname(path)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)
    with open(path, "wb") as stream:
        stream.write(data)


def keys_by_file(jobs: Sequence[Job], keys: Sequence[bytes]) -> dict[str, bytes]:
    """Output file -> key of its bytes: the record the next build compares against."""
    return {output_file(job): key for job, key in zip(jobs, keys, strict=True)}


def apply_changes(
    stage: Path,
    output: Path,
    jobs: Sequence[Job],
    rendered: Rendered,
    known: Mapping[str, bytes],
    pool: Pool,
    undo: Undo,
) -> tuple[int, int]:
    """Put every changed file in `output`, each by one atomic rename, and delete the files the
    site no longer has; what they replace or delete becomes a spare of `pool`, and files held
    in memory are written over spares. Every change is logged in `undo`. Returns (moved, deleted)."""
    moved = 0
    for n, (job, key) in enumerate(zip(jobs, rendered.keys, strict=True)):
        file = output_file(job)
        if known.get(file) != key:
            target = output / file
            if not target.parent.is_dir():
                for folder in missing_folders(target.parent):  # one by one: a deeper one may fail
                    folder.mkdir()
                    undo.made(folder)
            data = rendered.held.get(n)
            _put(stage / str(n) if data is None else pool.file_with(data), target, pool, undo)
            moved += 1
    planned = {output_file(job) for job in jobs}
    gone = [file for file in known if file not in planned]
    for file in gone:
        spare = pool.keep(output / file)
        (output / file).unlink(missing_ok=True)
        undo.put(output / file, spare)
        _prune_empty(output / file, output)
    return moved, len(gone)


def _put(new: Path, target: Path, pool: Pool, undo: Undo) -> None:
    spare = pool.keep(target)
    try:
        os.replace(new, target)
    except OSError:
        if spare is not None and not os.path.lexists(target):  # kept by moving it, not by a link
            undo.put(target, spare)
        raise
    undo.put(target, spare)


def _prune_empty(file: Path, root: Path) -> None:
    for folder in file.parents:
        if folder == root or not folder.is_relative_to(root):
            return
        try:
            folder.rmdir()
        except OSError:  # not empty: a folder above it is not empty either
            return


def _folder_beside(path: Path) -> Path:
    """A new private folder beside `path`, on the same file system (renames out of it are atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{path.name}.build-", dir=path.parent))


@contextmanager
def scratch(beside: Path) -> Iterator[Path]:
    """A private folder beside `beside`, removed afterwards whatever happened."""
    folder = _folder_beside(beside)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class staging:
    """Build into a fresh folder beside `output`, then swap it in only if the build succeeded.

    The swap is one `renameat2(RENAME_EXCHANGE)`, so a build killed at any point leaves the old
    or the new site in `output`, never none; the other is a leftover the next build removes."""

    def __init__(self, output: Path) -> None:
        self.output = output.resolve()

    def __enter__(self) -> Path:
        self.stage = _folder_beside(self.output)
        self.stage.chmod(0o755)  # mkdtemp makes it private; a web server must be able to read it
        return self.stage

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            shutil.rmtree(self.stage, ignore_errors=True)
            return
        if not self.output.exists():
            self.stage.rename(self.output)
            return
        if exchange(self.stage, self.output):  # the stage now holds the old output
            shutil.rmtree(self.stage, ignore_errors=True)
            return
        old = self.output.with_name(f".{self.output.name}.old-{os.getpid()}")
        self.output.rename(old)
        self.stage.rename(self.output)
        shutil.rmtree(old, ignore_errors=True)
