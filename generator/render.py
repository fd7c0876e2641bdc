"""Rendering: jobs -> keys and bytes. Templates lay out values; they never compute what the model should.

A job is one output file: a Page (a Jinja template), a Feed (RSS or JSON Feed), an Export (a .bib,
JSON or Markdown file made from papers, `exports`) or an Output (bytes made already). Its key is a
digest of everything its bytes depend on: the job itself (path, template, values) and the file
digests of the papers it shows. The site-wide inputs (code, theme, config) are not in the key:
when they change, the build is a cold one (`keys.site_key`).

`render_jobs` renders, on every core, only the jobs whose key differs from the last build's record
(all of them in a cold build); `output` puts the bytes in place.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from markupsafe import Markup

from generator import urls
from generator.cache import Card, Record
from generator.config import SiteConfig
from generator.errors import UserError
from generator.exports import Export, FieldDigests, make_export, paper_json
from generator.feeds import Feed, feed_bytes
from generator.pages import Page
from generator.parallel import fork_map, worker_count
from generator.templating import TemplateEnvironment, ThemeLoader, compile_templates, template_errors
from generator.urls import Urls
from generator.views import Line, Summaries, Views, line

PARALLEL_FROM = 200  # jobs to render before it pays to fork workers
CARD_TEMPLATE = "partials/card.html"
LINE_TEMPLATE = "partials/line.html"
PARTIALS = (CARD_TEMPLATE, LINE_TEMPLATE)  # rendered by name, not through a page's template
DEFAULT_THEME = "default"
# In a checkout (and an editable install) the default theme is the repository's themes/default;
# the wheel carries the same folder as generator/themes/default (pyproject.toml, force-include).
_CHECKOUT_THEME = Path(__file__).resolve().parent.parent / "themes" / DEFAULT_THEME


def default_theme() -> Path:
    """The folder of the default theme that comes with Broadsheet."""
    packaged = resources.files("generator") / "themes" / DEFAULT_THEME
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return _CHECKOUT_THEME


def theme_dirs(config: SiteConfig, kind: str) -> list[Path]:
    """The site's `themes/<theme>/<kind>` folder first, then the packaged default theme's: a site
    overrides single templates (or static files) and inherits everything else, partials included.

    A theme named in site.yaml that the site does not have is the user's mistake (UserError).
    """
    own = config.root / "themes" / config.theme
    if config.theme != DEFAULT_THEME and not own.is_dir():
        raise UserError("theme not found", own)
    return [folder for folder in (own / kind, default_theme() / kind) if folder.is_dir()]


def make_environment(
    config: SiteConfig, site_urls: Urls, compiled: jinja2.BytecodeCache | None = None
) -> jinja2.Environment:
    """`compiled`: where templates compiled by earlier builds are kept (`templating.CompiledTemplates`)."""
    dirs = theme_dirs(config, "templates")
    env = TemplateEnvironment(
        loader=ThemeLoader([str(d) for d in dirs]),
        bytecode_cache=compiled,
        autoescape=True,  # every value is untrusted text unless a template says otherwise
        auto_reload=False,  # templates do not change during a build; checking costs a stat per page
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(site=config, href=site_urls.href, absolute=site_urls.absolute)
    env.filters.update(href=site_urls.href)
    return env


def render_page(env: jinja2.Environment, page: Page, values: Mapping[str, Any]) -> str:
    """`values`: the page's context, completed with what it shows of its papers (`Renderer`)."""
    template = env.get_template(page.template)
    return template.render(page_path=page.path, **values)


@dataclass(frozen=True)
class Output:
    """A file whose bytes are made before writing (sitemap, robots.txt, OPML)."""

    path: str
    data: bytes


Job = Page | Feed | Output | Export


def output_file(job: Job) -> str:
    """The job's file, relative to the output folder."""
    return urls.output_file(job.path) if isinstance(job, Page) else job.path


class _Reprs(dict):
    """Value -> its repr as bytes, each made once: looked up through `__getitem__` in C."""

    def __missing__(self, value: object) -> bytes:
        made = self[value] = repr(value).encode()
        return made


class _Kept:
    """Each paper's HTML from one template (its card, its line in long listings): rendered once per process, and
    taken from the last build while the paper's file is unchanged (the digest it was made from)."""

    def __init__(self, saved: Mapping[str, Card], digests: Mapping[str, bytes], render: Callable[[str], str]) -> None:
        self.saved, self.digests, self.render = saved, digests, render
        self.html: dict[str, Markup] = {}
        self.rendered: list[str] = []  # the papers whose HTML this process rendered

    def get(self, pid: str) -> Markup:
        made = self.html.get(pid)
        if made is None:
            saved = self.saved.get(pid)
            if saved is not None and saved.digest == self.digests.get(pid):
                made = Markup(saved.html)
            else:
                made = Markup(self.render(pid).strip("\n"))
                self.rendered.append(pid)
            self.html[pid] = made
        return made

    def made(self) -> dict[str, Card]:
        """What this process rendered, for later builds to reuse."""
        # Saved as plain text: unpickling 20,000 Markup objects took 0.2 s, wrapping them on use a tenth of it.
        return {pid: Card(self.digests[pid], str(self.html[pid])) for pid in self.rendered if pid in self.digests}


class ShownKeys(NamedTuple):
    lines: dict[str, bytes]  # paper id -> what its line in a listing, or a link to it, shows (`views.LINE_FIELDS`)
    feed_items: dict[str, bytes]  # paper id -> what its item in a feed of papers shows (`feeds.FEED_FIELDS`)


class Renderer:
    """Keys and bytes of jobs. Made before the workers fork; each worker fills its own caches."""

    def __init__(
        self,
        views: Views,
        config: SiteConfig,
        site_urls: urls.Urls,
        digests: Mapping[str, bytes],
        saved_cards: Mapping[str, Card] = {},
        saved_records: Mapping[str, Record] = {},
        shown: FieldDigests | None = None,
        compiled: jinja2.BytecodeCache | None = None,
        saved_lines: Mapping[str, Card] = {},
    ) -> None:
        self.views, self.config, self.site_urls, self.digests = views, config, site_urls, digests
        self.compiled = compiled  # templates compiled by earlier builds (`templating.CompiledTemplates`)
        self.shown = shown or FieldDigests(digests)  # what each paper's line, link and feed item show of it
        # Cards, listing lines and data lines made by earlier builds under the same site key, by paper id.
        self._cards = _Kept(saved_cards, digests, self._render_card)
        self._lines = _Kept(saved_lines, digests, self._render_line)
        self.saved_records = saved_records
        self._made_records: dict[str, Record] = {}  # the data files' lines this process made
        self._env: jinja2.Environment | None = None
        self._line_views: dict[str, Line] = {}
        self._rss_items: dict[str, str] = {}  # paper id -> its RSS item, shared by the feeds that carry it
        self._entry_reprs = _Reprs()  # a `.bib` list's entries, as keyed (`_bib_key`)

    @property
    def env(self) -> jinja2.Environment:
        if self._env is None:  # made in the process that renders: it holds compiled templates
            self._env = make_environment(self.config, self.site_urls, self.compiled)
        return self._env

    def key(self, job: Job) -> bytes:
        if isinstance(job, Output):
            return hashlib.blake2b(job.data, digest_size=16).digest()
        digest = hashlib.blake2b(self._plan_repr(job), digest_size=16)
        papers = (job.paper,) if isinstance(job, Page) and job.paper is not None else job.papers
        digest.update(b"".join(map(self._paper_key(job), papers)))  # what the job shows of its papers
        if isinstance(job, Page) and job.paper is not None:  # and those its page only links to
            digest.update(self._links_key(job.paper))
        return digest.digest()

    def _plan_repr(self, job: Page | Feed | Export) -> bytes:
        """The job as planned, for its key: its repr. A `.bib` list's entries (paper id, citation key, digest of what
        the entry shows) are each repr'd once per process: a paper is in about six lists, and the reprs of whole
        lists (131,000 entries at 20,000 papers) took a quarter of the time of keying every file. Each repr is a
        whole literal, so that they follow one another unambiguously."""
        if not (isinstance(job, Export) and job.kind == "bib"):
            return repr(job).encode()
        entries = b"".join(map(self._entry_reprs.__getitem__, job.context))
        return repr(dataclasses.replace(job, context=())).encode() + entries

    def _paper_key(self, job: Page | Feed | Export) -> Callable[[str], bytes]:
        """How the job's papers are keyed: on what it shows of them (`exports.Shown`, reused from the last
        build for unchanged papers), so that a re-vote leaves a list of lines or a feed as it was; else, to be
        safe, on their whole files."""
        if isinstance(job, Page) and job.context.get("compact"):
            return self._shown_keys.lines.__getitem__
        if isinstance(job, Feed) and job.issues is None:  # a digest shows upvotes
            return self._shown_keys.feed_items.__getitem__
        return self._file_key

    def _file_key(self, pid: str) -> bytes:
        return self.digests.get(pid) or repr(self.views.archive.papers[pid]).encode()

    @functools.cached_property
    def _shown_keys(self) -> ShownKeys:
        """Every paper's line and feed item keys, looked up in bulk: a build's lists name each paper about
        seven times (140,000 look-ups at 20,000 papers)."""
        of, papers = self.shown.of, self.views.archive.papers.values()
        shown = [(paper.id, of(paper)) for paper in papers]
        return ShownKeys({pid: s.line for pid, s in shown}, {pid: s.feed for pid, s in shown})

    def _line(self, pid: str) -> Line:
        made = self._line_views.get(pid)
        if made is None:
            made = self._line_views[pid] = line(self.views.archive.papers[pid])
        return made

    def _links_key(self, pid: str) -> bytes:
        """What a paper page shows of the papers it links to (see `views.PaperLink`, a part of a `Line`), so that
        a re-vote or an edited abstract elsewhere leaves the page as it was."""
        newer, older, related = self.views.linked(pid)
        lines = self._shown_keys.lines
        return b"\0".join(lines[o] if o else b"" for o in (newer, older, *related))

    def render(self, job: Job) -> bytes:
        if isinstance(job, Output):
            return job.data
        if isinstance(job, Feed):
            return self._feed(job)
        if isinstance(job, Export):
            return make_export(job, self.views, self.site_urls, self.record)
        return render_page(self.env, job, self.values(job)).encode("utf-8")

    def values(self, page: Page) -> dict:
        """The page's context, completed with what it shows of its papers."""
        if page.paper is not None:
            cite = self.views.citation(page.paper, page.context["citation"])
            return {**page.context, "view": self.views.paper_view(page.paper), "cite": cite}
        papers: Sequence[Line] = Summaries(self.views, page.papers)
        shown = self.card
        if page.context.get("compact"):  # keyed on its papers' lines (`key`): it is given no more of them
            papers, shown = [self._line(i) for i in page.papers], self.line
        return {**page.context, "papers": papers, "cards": [shown(i) for i in page.papers]}

    def line(self, pid: str) -> Markup:
        """A paper as long listings show it (`views.Line`): rendered once per process, and reused by later builds
        while its file is unchanged, as cards are."""
        return self._lines.get(pid)

    def made_lines(self) -> dict[str, Card]:
        """The lines this process rendered, for later builds to reuse."""
        return self._lines.made()

    def card(self, pid: str) -> Markup:
        """A paper as listings show it: rendered once, then reused by every page that lists it,
        and by later builds while its file is unchanged."""
        return self._cards.get(pid)

    def made_cards(self) -> dict[str, Card]:
        """The cards this process rendered, for later builds to reuse."""
        return self._cards.made()

    def _render_line(self, pid: str) -> str:
        return self.env.get_template(LINE_TEMPLATE).render(p=self._line(pid))

    def _render_card(self, pid: str) -> str:
        return self.env.get_template(CARD_TEMPLATE).render(p=self.views.summary(pid))

    def record(self, pid: str, abstract: bool) -> bytes:
        """A paper's line in its data file: the last build's while the paper's file is unchanged."""
        digest = self.digests.get(pid)
        saved = self.saved_records.get(pid)
        if saved is not None and saved.digest == digest:
            return saved.line
        made = paper_json(self.views.archive.papers[pid], self.site_urls, abstract)
        if digest is not None:
            self._made_records[pid] = Record(digest, made)
        return made

    def made_records(self) -> dict[str, Record]:
        return self._made_records

    def _feed(self, feed: Feed) -> bytes:
        return feed_bytes(feed, self.views, self.config, self.site_urls, self._rss_items)


@dataclass
class Rendered:
    """What `render_jobs` made: every job's key, the bytes of changed jobs it kept in memory (by
    job index; the other changed jobs were written to the stage folder), and the cards and lines it made."""

    keys: list[bytes]
    held: dict[int, bytes] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)  # the data files' lines it made
    abstracts: dict[str, str] = field(default_factory=dict)  # the abstracts it rendered for feeds, by paper id
    sizes: list[int] = field(default_factory=list)  # every job's bytes, -1 for those left as they were
    lines: dict[str, Card] = field(default_factory=dict)  # the listing lines it made


@dataclass(frozen=True)
class Work:
    """What each rendering process needs: forked workers inherit it from a module global, unpickled."""

    jobs: Sequence[Job]
    renderer: Renderer
    stage: Path
    known: Mapping[str, bytes]  # output file -> key of its bytes in the last build
    hold: int  # bytes of changed jobs this process may keep in memory
    workers: int = 1  # the processes the jobs are dealt out to: process k renders jobs k, k + workers, ...
    parent: int = 0  # the process that dealt them; the others spill what they made to a file (`_spill`)


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
    count = worker_count(workers, len(jobs), PARALLEL_FROM)
    if count == 1:
        return _render_share(Work(jobs, renderer, stage, known, hold), range(len(jobs)))
    with template_errors():
        compile_templates(renderer.env, {job.template for job in jobs if isinstance(job, Page)}, PARTIALS)
    global _WORK
    _WORK = Work(jobs, renderer, stage, known, hold // count, count, os.getpid())
    try:
        shares = fork_map(_render_dealt, range(count), count)
    finally:
        _WORK = None
    rendered = Rendered([b""] * len(jobs), sizes=[-1] * len(jobs))
    for k, spilled in enumerate(shares):
        share = _unspilled(spilled)
        rendered.keys[k::count] = share.keys
        rendered.sizes[k::count] = share.sizes
        rendered.held.update(share.held)
        rendered.cards.update(share.cards)
        rendered.lines.update(share.lines)
        rendered.records.update(share.records)
        rendered.abstracts.update(share.abstracts)
    return rendered


_WORK: Work | None = None


def _render_dealt(k: int) -> Rendered | Path:
    work = _WORK
    assert work is not None
    # A worker's cards go back to the parent too, for later builds: only day pages, the front page and top
    # pages show cards now (a share of about 10,000 at 20,000 papers, not the 20,000 that once raised a cold
    # build's peak by 190 MB), and dropping them made the next day's build render them all again.
    rendered = _render_share(work, range(k, len(work.jobs), work.workers))
    return rendered if os.getpid() == work.parent else _spill(rendered, work.stage / f".share-{k}.pickle")


def _spill(rendered: Rendered, path: Path) -> Path:
    """A worker's share, written to a file for the parent to read once the worker has ended. Returned through
    the pool it was pickled whole in the worker and received whole in the parent while both lived, at the
    build's peak of memory: 34 MiB at 20,000 papers (cards, data lines, keys), about 170 at 100,000."""
    with open(path, "wb") as file:
        pickle.dump(rendered, file, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _unspilled(share: Rendered | Path) -> Rendered:
    if isinstance(share, Rendered):
        return share
    with open(share, "rb") as file:
        rendered: Rendered = pickle.load(file)
    share.unlink()
    return rendered


def _render_share(work: Work, share: range) -> Rendered:
    rendered, hold, stage = Rendered([]), work.hold, str(work.stage)
    with template_errors():  # here, in the process that renders: a forked worker's exception loses its traceback
        for n in share:
            job = work.jobs[n]
            key, file = work.renderer.key(job), output_file(job)
            size = -1
            if work.known.get(file) != key:
                data = work.renderer.render(job)
                size = len(data)
                if len(data) <= hold:
                    rendered.held[n], hold = data, hold - len(data)
                else:
                    _write(os.path.join(stage, str(n) if work.known else file), data)
            rendered.keys.append(key)
            rendered.sizes.append(size)
    rendered.cards = work.renderer.made_cards()
    rendered.lines = work.renderer.made_lines()
    rendered.records = work.renderer.made_records()
    rendered.abstracts = dict(work.renderer.views.made_abstracts())
    return rendered


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)  # as open(path, "wb")


def _write(path: str, data: bytes) -> None:
    """Three system calls a file: open() added a stat, an ioctl and a seek. The staging folder is
    private to this build, so plain writes are safe here. A folder is made by the first write that
    finds it missing (whichever process that is), so no write checks for its folder first."""
    try:
        fd = os.open(path, _NEW_FILE, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def keys_by_file(jobs: Sequence[Job], keys: Sequence[bytes]) -> dict[str, bytes]:
    """Output file -> key of its bytes: the record the next build compares against."""
    return {output_file(job): key for job, key in zip(jobs, keys, strict=True)}
