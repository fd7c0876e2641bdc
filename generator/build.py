"""`broadsheet build`: content/ -> output/, as a checklist of steps.

0. refuse an output folder that is not the build's (see `outdir`), touching nothing; take its lock;
   remove what killed builds left beside it
1. scan the content folder; if no file, nor the code, theme or config, changed since the last build
   into this output folder, stop: it is up to date
2. load and validate every content file (stop here, listing every problem, if any is an error);
   files unchanged since the last build are taken from the cache instead of parsed again
3. index the papers by tag and date
4. start indexing the papers for search, in date shards, in a forked process (`search`; an incremental
   build makes only the shards whose papers changed; search=False / --no-search skips it): it needs
   the papers only, so Pagefind works on the other core while this one plans and renders
5. plan every page and feed (cheap: pages name their papers by id)
6. render the pages and feeds whose inputs changed (all of them in a cold build) on every core,
   into a staging folder
7. put them in place: a cold build swaps the whole staging folder in; an incremental one moves
   each changed file in, deletes the gone ones and swaps in the new search bundle (moving the
   unchanged shards over into it), logging each change so that
   any failure (a full disk, a read-only folder, a name too long, Pagefind) puts output/ back as it
   was (see `undo`). A failed build leaves the previous output byte for byte.
8. record what was written, for the next build (only when a cache folder is given)
"""

from __future__ import annotations

import dataclasses
import gc
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from generator import cache, keys, outdir, sitesize, urls
from generator.config import SiteConfig
from generator.errors import UserError
from generator.exports import Export, FieldDigests, plan_exports
from generator.favicon import favicon_ico
from generator.feeds import Feed, plan_feeds
from generator.loader import FileEntry, LoadResult, Stamp, digests_of, load_content, scan
from generator.model import Problem
from generator.opml import site_opml
from generator.output import HOLD_BYTES, apply_changes, scratch, staging
from generator.pages import REDIRECT, Page, plan_pages
from generator.parallel import Forked, can_fork
from generator.render import Job, Output, Rendered, Renderer, keys_by_file, render_jobs, theme_dirs
from generator.search import SearchIndexError, SearchInput, changed_beside, indexing_beside
from generator.sitemap import robots, sitemap
from generator.slugs import slugify
from generator.spares import Spares
from generator.taxonomy import Archive, build_archive
from generator.templating import CompiledTemplates
from generator.undo import Undo
from generator.views import Views


class BuildError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the content")
        self.problems = list(problems)


@dataclass(frozen=True)
class BuildReport:
    papers: int
    pages: int
    files: int
    warnings: tuple[Problem, ...]
    written: int = 0  # files rendered anew (all of them in a cold build)
    deleted: int = 0  # files removed because the site no longer has them
    timings: tuple[tuple[str, float], ...] = ()  # (step, seconds of wall time)
    size: int = 0  # bytes of the whole site
    oversize: str = ""  # a warning when the site is too large for GitHub Pages (`sitesize`)


class Steps:
    """The wall time of each step, for `broadsheet build --timings` and the benchmark."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []
        self._start = time.perf_counter()

    def done(self, step: str) -> None:
        now = time.perf_counter()
        self.times.append((step, now - self._start))
        self._start = now


def build(
    content_dir: Path,
    output_dir: Path,
    config: SiteConfig,
    jobs: int | None = None,
    search: bool = True,
    cache_dir: Path | None = None,
    leave: list[object] | None = None,
) -> BuildReport:
    """Build the site. With `cache_dir`, reuse what the last build into `output_dir` left there. With `leave`,
    what the build read, planned and rendered is appended to it, for a caller that ends the process without
    freeing it (`cli.run`): at 20,000 papers freeing it object by object took 0.16 s.

    Refuses (UserError, nothing touched) an output folder that a build did not make or that holds
    or sits inside the site's sources (see `outdir`); builds into one folder take turns.
    """
    steps, output_dir = Steps(), Path(output_dir).resolve()
    files = cache.CacheFiles.of(cache_dir, content_dir, output_dir) if cache_dir else None
    outdir.refuse_unsafe(output_dir, Path(content_dir), config.root, Path(cache_dir) if cache_dir else None)
    outdir.refuse_foreign(
        output_dir, lambda: files is not None and cache.load_state(files.build).output_id == keys.folder_id(output_dir)
    )
    with outdir.claimed(output_dir), _collector_paused():
        return _build(content_dir, output_dir, config, jobs, search, files, steps, leave)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The garbage collector stays off while the build reads its caches and plans the site (`_planned` turns
    it on again), and back on, with nothing frozen, once the build is over.

    What is read and planned lives until the build ends, so collecting there finds little: at 20,000 papers
    a daily build's collections, mostly full ones visiting every paper, took about 0.65 s of its 5.3 s CPU,
    and a cold build's peak memory stayed as it was (653 -> 655 MB) with the collector off there."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def _planned() -> None:
    """The collector on again, for rendering, without visiting what was read and planned (frozen: see
    `_collector_paused`): rendering leaves garbage that must be collected."""
    gc.freeze()
    gc.enable()


def _rendered() -> None:
    """What rendering made (sizes, keys, the cards and lines kept for the cache) lives until the build ends:
    frozen too, so that the collections the search index and the saving of the cache trigger do not visit it.
    At 20,000 papers a daily build's one full collection there took 0.22 s and found 688 objects to free."""
    gc.freeze()


def _build(
    content_dir: Path,
    output_dir: Path,
    config: SiteConfig,
    jobs: int | None,
    search: bool,
    files: cache.CacheFiles | None,
    steps: Steps,
    leave: list[object] | None = None,
) -> BuildReport:
    state = cache.load_state(files.build) if files else cache.BuildState()
    code_key = keys.code_key()
    site_key = keys.site_key(code_key, theme_dirs(config, "templates") + theme_dirs(config, "static"), (config, search))
    stamps = scan(content_dir)
    steps.done("read the cache and scan the content")
    if stamps == state.stamps and _holds_last_build(output_dir, state, site_key, files)():
        kept = (state.papers, state.pages, len(state.manifest), state.warnings)
        return BuildReport(*kept, timings=tuple(steps.times), size=state.size, oversize=state.oversize)

    hashed = _hashing(stamps, state.stamps) if files else dict  # while the content cache is read
    holds_last_build = _holds_last_build(output_dir, state, site_key, files)  # walked while the build reads and plans
    caches = cache.Caches.open(files, code_key, site_key) if files else None
    known = caches.content.load(state.stamps, state.content) if caches else {}
    loaded = load_content(content_dir, known, jobs, stamps, digests=hashed())
    if loaded.errors:
        raise BuildError(loaded.errors)
    warnings = tuple(p for p in loaded.problems if not p.is_error)
    token = keys.build_token(site_key, ((os.path.basename(path), e.digest) for path, e in loaded.files.items()))
    steps.done("load the content")
    archive = build_archive(loaded.papers)
    tag_names = tag_display_names(config)
    site_urls = urls.Urls(config.base_url)
    digests = loaded.digests
    field_digests = FieldDigests(digests, caches.shown.load() if caches else {})
    searched = _search_input(archive, tag_names, config, jobs, field_digests) if search else None
    incremental = holds_last_build()  # else another site, someone's folder or one from before markers: rebuilt
    writing = (
        _updating(output_dir, state.manifest, searched, jobs, files)
        if incremental and files
        else _writing_cold(output_dir, config, searched, jobs)
    )
    with _write_errors(output_dir), writing as writer:  # the search index is made from here on, beside the rest
        pages = plan_pages(archive, config, tag_names, field_digests.base_key)
        to_write: list[Job] = [
            *pages,
            *plan_feeds(archive, config, tag_names),
            *fixed_outputs(archive, config, site_urls, pages, tag_names, token),
            *plan_exports(archive, pages, config.exports, field_digests),
        ]
        for paper in archive.papers.values():  # each made once, here, for the workers to share and the cache to keep
            field_digests.of(paper)
        cited = _cited(to_write) if caches else {}
        views = _views(archive, tag_names, digests, caches, cited)
        saved = (caches.cards.load(), caches.records.load()) if caches else ({}, {})
        compiled = CompiledTemplates(files.templates, site_key) if files else None
        saved_lines = caches.lines.load() if caches else {}
        renderer = Renderer(views, config, site_urls, digests, *saved, field_digests, compiled, saved_lines)
        _planned()
        steps.done("index and plan")
        writer.render(to_write, renderer)
        save = _saver(caches, archive, writer.rendered, field_digests, views, cited, to_write) if caches else None
        # Beside the moving of the changed files into the output. A cold build has none to move: it saves here, while
        # the search index is still being made beside it, and without a fork that would copy the pages it touches.
        saving = _saving(save, incremental and len(archive.papers) >= SAVED_BESIDE_FROM)
    rendered, written, deleted = writer.rendered, writer.written, writer.deleted
    last_sizes = sitesize.recorded(state.manifest, state.sizes) if incremental else {}
    sizes = sitesize.file_sizes(to_write, rendered.sizes, last_sizes, output_dir)
    size = sitesize.site_bytes(sizes, output_dir)
    oversize = sitesize.oversize(size, to_write, sizes, list(archive.papers.values()), config)
    steps.done("render and write")
    if files and caches:
        made = cache.BuildState(code_key, site_key, {}, keys.folder_id(output_dir), token=token, pages=len(pages))
        _remember(
            files,
            caches.content,
            dataclasses.replace(made, sizes=list(sizes.values()), size=size, oversize=oversize),
            loaded,
            warnings,
            keys_by_file(to_write, rendered.keys),
            known,
        )
        saving()
        steps.done("save the cache")
    if leave is not None:
        leave.append((loaded, known, archive, field_digests, to_write, views, renderer, writer, caches, state))
    return BuildReport(
        len(archive.papers), len(pages), len(to_write), warnings, written, deleted, tuple(steps.times), size, oversize
    )


def _saver(
    caches: cache.Caches,
    archive: Archive,
    rendered: Rendered,
    field_digests: FieldDigests,
    views: Views,
    cited: Mapping[str, tuple[str, bytes]],
    jobs: Sequence[Job],
) -> Callable[[], OSError | None]:
    """Saving what this build made of the papers, for the next: cards, listing lines, data lines, digests of what
    each export shows, BibTeX entries, related papers and the feeds' abstracts. A cache that cannot be written is
    the OSError returned (not raised: see `_saving`)."""

    def save() -> OSError | None:
        try:
            caches.cards.save(archive.papers, rendered.cards)
            caches.lines.save(archive.papers, rendered.lines)
            caches.records.save(archive.papers, rendered.records)
            caches.shown.save(archive.papers, field_digests.made)
            caches.entries.save(cited, views.made_entries())  # those this process made: the workers' are made again
            caches.related.save(views.related.found)
            caches.abstracts.save(_in_feeds(jobs), _with_digests(rendered.abstracts, field_digests.files))
        except OSError as exc:
            return exc
        return None

    return save


# From this many papers an incremental build saves its caches in a forked process (`_saving`).
SAVED_BESIDE_FROM = 1_000


def _saving(save: Callable[[], OSError | None] | None, beside: bool) -> Callable[[], None]:
    """Run `save` in a forked process (`beside`) while this one moves the changed files into the output (at 20,000
    papers a daily build's saving took 0.2 s after its 0.3 s of moving files), or here. The function returned waits
    for it and raises the OSError it met, which a forked process could only print.

    Pickling the caches touches each object it saves, so the forked process copies the pages that hold them: a cold
    build of 20,000 papers peaked at 968 MiB (tree PSS) with it, 720 without."""
    if save is None:
        return lambda: None
    done = Forked(save).result if beside and can_fork() else _returned(save())

    def wait() -> None:
        failed = done()
        if failed is not None:
            raise failed

    return wait


T = TypeVar("T")


def _returned(value: T) -> Callable[[], T]:
    return lambda: value


# Files whose stamps changed (a fresh checkout: all of them) worth hashing in a forked process.
HASHED_BESIDE_FROM = 1_000


def _hashing(stamps: Mapping[str, Stamp], last: Mapping[str, Stamp]) -> Callable[[], Mapping[str, bytes | None]]:
    """The digests of the files whose stamps changed since the last build, made in a forked process while this
    one reads the content cache (0.3 s each at 20,000 papers); the function returned waits for them. Few files,
    or no fork: none, and `load_content` hashes those it must."""
    if not last or not can_fork():  # no last build: nothing to compare with
        return dict
    paths = [path for path, stamp in stamps.items() if stamp[0] >= 0 and last.get(path) != stamp]
    if len(paths) < HASHED_BESIDE_FROM:
        return dict
    return Forked(digests_of, paths).result


def _holds_last_build(
    output_dir: Path, state: cache.BuildState, site_key: bytes, files: cache.CacheFiles | None
) -> Callable[[], bool]:
    """Whether the output folder holds the site the last build recorded (its token, the folder's id, its files):
    at once if it is the very folder; a copy (a CI cache restores it with new inodes and times) is walked
    (`outdir.holds_only`), in a forked process while this one goes on (0.25 s at 20,000 papers). The function
    returned gives the answer."""
    if files is None or state.site_key != site_key or not outdir.marked(output_dir, state.token):
        return lambda: False
    if state.output_id == keys.folder_id(output_dir):
        return lambda: True
    if not can_fork():
        return lambda: outdir.holds_only(output_dir, state.manifest, outdir.WHOLE)
    return Forked(outdir.holds_only, output_dir, state.manifest, outdir.WHOLE).result


def _remember(
    files: cache.CacheFiles,
    content_cache: cache.ContentCache,
    state: cache.BuildState,
    loaded: LoadResult,
    warnings: tuple,
    manifest: dict[str, bytes],
    known: Mapping,
) -> None:
    """Save what the next build can reuse (`state` completed); the parsed content only if some of it changed:
    not when only file times did (a checkout), which the state keeps."""
    stamps = {path: (e.size, e.mtime_ns) for path, e in loaded.files.items()}
    if loaded.files.keys() != known.keys() or any(_parsed_anew(e, known[path]) for path, e in loaded.files.items()):
        content_cache.save(loaded.files)
    whole = dataclasses.replace(state, stamps=stamps, manifest=manifest, papers=len(loaded.papers), warnings=warnings)
    cache.save_state(files.build, dataclasses.replace(whole, content=content_cache.version))


def _search_input(
    archive: Archive, tag_names: Mapping[str, str], config: SiteConfig, jobs: int | None, digests: FieldDigests
) -> SearchInput:
    """What the index is made of, with each paper's record digest as the exports' cache knows it."""
    known = {pid: digests.of(paper).search for pid, paper in archive.papers.items()}
    return SearchInput(archive, tag_names, config.language, workers=jobs, record_digests=known)


def _in_feeds(jobs: Sequence[Job]) -> set[str]:
    """The papers the feeds of papers show: those whose abstracts are kept for the next build."""
    return {pid for job in jobs if isinstance(job, Feed) and job.issues is None for pid in job.papers}


def _views(
    archive: Archive,
    tag_names: Mapping[str, str],
    digests: Mapping[str, bytes],
    caches: cache.Caches | None,
    cited: Mapping[str, tuple[str, bytes]],
) -> Views:
    """What pages show of papers, given what the last build made that still holds: BibTeX entries, related
    papers (all found here, before the workers fork, so that all are saved for the next build) and abstracts."""
    if caches is None:
        return Views(archive, tag_names)
    abstracts = {pid: a.html for pid, a in caches.abstracts.load().items() if digests.get(pid) == a.digest}
    views = Views(archive, tag_names, caches.entries.load(cited), caches.related.load(), abstracts)
    views.related.every()
    return views


def _with_digests(abstracts: Mapping[str, str], digests: Mapping[str, bytes]) -> dict[str, cache.Abstract]:
    """The abstracts rendered now, with the digest of the file each was made from."""
    return {pid: cache.Abstract(digests[pid], html) for pid, html in abstracts.items() if pid in digests}


def _cited(jobs: Sequence[Job]) -> dict[str, tuple[str, bytes]]:
    """Paper id -> (citation key, digest of the fields its BibTeX entry shows), from the `.bib` lists."""
    return {
        pid: (key, shown)
        for job in jobs
        if isinstance(job, Export) and job.kind == "bib"
        for pid, key, shown in job.context
    }


def _parsed_anew(entry: FileEntry, known: FileEntry) -> bool:
    """Whether `entry` holds other than what the cache has (not merely a new time: see `loader._same_bytes`)."""
    if entry is known:
        return False
    return (entry.size, entry.digest, entry.problems) != (known.size, known.digest, known.problems)


class _Writer:
    """Renders the planned jobs into `stage`, a folder beside the output (`_writing_cold`, `_updating`), where
    `known` holds the key of each file the output has (nothing in a cold build)."""

    def __init__(self, stage: Path, known: Mapping[str, bytes], hold: int, jobs: int | None) -> None:
        self.stage, self.known, self.hold, self.jobs = stage, known, hold, jobs
        self.to_write: Sequence[Job] = ()
        self.rendered = Rendered([])
        self.written = self.deleted = 0

    def render(self, to_write: Sequence[Job], renderer: Renderer) -> None:
        self.to_write = to_write
        self.rendered = render_jobs(to_write, renderer, self.stage, self.known, self.jobs, self.hold)
        _rendered()


@contextmanager
def _writing_cold(
    output_dir: Path, config: SiteConfig, search: SearchInput | None, jobs: int | None
) -> Iterator[_Writer]:
    """A cold build: everything is rendered into a staging folder, swapped in whole at the end, while the
    search index is made beside it (`indexing_beside`)."""
    with staging(output_dir) as stage, indexing_beside(stage, search):
        writer = _Writer(stage, {}, 0, jobs)
        yield writer
        copy_static(config, stage)
        writer.written = len(writer.to_write)


@contextmanager
def _updating(
    output_dir: Path, known: Mapping[str, bytes], search: SearchInput | None, jobs: int | None, files: cache.CacheFiles
) -> Iterator[_Writer]:
    """An incremental build: the changed files are rendered into a scratch folder and the search shards whose
    papers changed are made beside them (`_reindexing`); then both are moved into the output."""
    with scratch(output_dir) as stage:
        with _reindexing(output_dir, stage, search) as reindex:
            writer = _Writer(stage, known, HOLD_BYTES, jobs)
            yield writer
        cache.forget(files.build)  # from here on output/ changes: if killed there, the next build is cold
        spares = Spares.for_output(files.spares, output_dir, stage)
        with Undo(spares) as undo:  # any failure from here on puts output/ back as it was
            writer.written, writer.deleted = apply_changes(
                stage, output_dir, writer.to_write, writer.rendered, known, spares, undo
            )
            if search and (writer.written or writer.deleted):
                reindex(undo)
        spares.trim(len(writer.to_write) // 4)


@contextmanager
def _write_errors(output_dir: Path) -> Iterator[None]:
    """A file system that refuses a write (full, read-only, a name too long) or a failed search
    index is the user's to fix: one line, after the output folder was left (or put back) as it was."""
    try:
        yield
    except SearchIndexError as exc:
        raise SearchIndexError(f"{exc.what}; the output folder was left as it was", output_dir) from exc
    except OSError as exc:
        if exc.errno is None:  # not the file system's answer: a bug, shown as one
            raise
        where = exc.filename or output_dir
        raise UserError(
            f"cannot write the site: {exc.strerror or exc}; the output folder was left as it was", where
        ) from exc


def tag_display_names(config: SiteConfig) -> dict[str, str]:
    """Tags named in the rules display as written there; other tags display as their slug."""
    return {slugify(name): name for name in config.tag_rules}


def fixed_outputs(
    archive: Archive,
    config: SiteConfig,
    site_urls: urls.Urls,
    pages: Sequence[Page],
    tag_names: Mapping[str, str],
    token: str,
) -> list[Output]:
    return [
        Output(
            "sitemap.xml",
            sitemap([p.path for p in pages if p.path != "404.html" and p.template != REDIRECT], site_urls),
        ),
        Output("robots.txt", robots(site_urls).encode()),
        Output(urls.opml(), site_opml(archive, config, site_urls, tag_names)),
        Output(outdir.MARKER, outdir.marker(token)),  # says this folder is a build's, and which site (`outdir`)
        Output("favicon.ico", favicon_ico()),
    ]


def copy_static(config: SiteConfig, stage: Path) -> None:
    """Theme static files, the default theme's first so that the configured theme overrides them.

    Only cold builds copy them: the theme's files are part of the site key, so any change to
    them makes the next build a cold one.
    """
    for folder in reversed(theme_dirs(config, "static")):
        try:
            shutil.copytree(folder, stage / "static", dirs_exist_ok=True)
        except shutil.Error as exc:  # each file that failed, as (source, copy in the stage, why)
            source, copy, why = exc.args[0][0]
            raise UserError(
                f"cannot copy the theme's static file: {_static_problem(source, copy, why)}", source
            ) from None


def _static_problem(source: str, copy: str, why: str) -> str:
    """Why a theme's static file could not be copied, without the staging folder's name that `why` holds."""
    if os.path.islink(source) and not os.path.exists(source):
        return "a broken link"
    if os.path.isdir(source) != os.path.isdir(copy):
        return "a folder where the default theme has a file"
    return why


@contextmanager
def _reindexing(output_dir: Path, aside: Path, search: SearchInput | None) -> Iterator[Callable[[Undo], None]]:
    """Index the papers for search: while the body runs, the shards whose papers changed are made into a
    new bundle in `aside` (`search.changed_beside`); the function yielded completes it, moving the other
    shards over from the bundle in place, and swaps it in, each step logged in the build's `Undo`."""
    if search is None:
        yield lambda undo: None
        return
    bundle = output_dir / urls.search_bundle().rstrip("/")
    new = aside / "bundle"
    with changed_beside(bundle if bundle.is_dir() else None, new, search) as complete:
        yield lambda undo: _swap_bundle(complete, bundle, new, aside, undo)


def _swap_bundle(complete: Callable[[Undo], None], bundle: Path, new: Path, aside: Path, undo: Undo) -> None:
    complete(undo)
    if bundle.exists():
        bundle.rename(aside / "old")
        undo.renamed(bundle, aside / "old")
    new.rename(bundle)
    undo.renamed(new, bundle)
