"""`broadsheet build`: content/ -> output/, as a checklist of steps.

1. load and validate every content file (stop here, listing every problem, if any is an error)
2. index the papers by tag and date
3. plan every page and feed
4. write them all into a staging folder beside output/
   then let Pagefind index them for search (search=False / --no-search skips it)
5. swap the staging folder in: a failed build never touches the previous output
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import urls
from generator.config import SiteConfig
from generator.feeds import rss_feed
from generator.loader import load_content
from generator.model import Problem
from generator.opml import site_opml
from generator.pages import Page, plan_pages
from generator.render import make_environment, render_page, theme_dirs
from generator.search import index_site
from generator.sitemap import robots, sitemap
from generator.slugs import slugify
from generator.taxonomy import Archive, build_archive


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


@dataclass(frozen=True)
class Output:
    """A file to write that is not a rendered template (feeds, sitemap, robots.txt)."""

    path: str
    data: bytes


def build(
    content_dir: Path, output_dir: Path, config: SiteConfig, jobs: int | None = None, search: bool = True,
) -> BuildReport:
    loaded = load_content(content_dir)
    if loaded.errors:
        raise BuildError(loaded.errors)
    archive = build_archive(loaded.papers)
    tag_names = tag_display_names(config)
    site_urls = urls.Urls(config.base_url)
    pages = plan_pages(archive, config, tag_names)
    outputs = plan_feeds(archive, config, site_urls, tag_names)
    outputs.append(Output("sitemap.xml", sitemap([p.path for p in pages if p.path != "404.html"], site_urls)))
    outputs.append(Output("robots.txt", robots(site_urls).encode()))
    outputs.append(Output(urls.opml(), site_opml(archive, config, site_urls, tag_names)))
    with staging(Path(output_dir)) as stage:
        write_pages(pages, config, site_urls, stage, jobs)
        write_outputs(outputs, stage)
        copy_static(config, stage)
        if search:  # last: Pagefind reads the pages written above
            index_site(stage)
    warnings = tuple(p for p in loaded.problems if not p.is_error)
    return BuildReport(len(archive.papers), len(pages), len(pages) + len(outputs), warnings)


def tag_display_names(config: SiteConfig) -> dict[str, str]:
    """Tags named in the rules display as written there; other tags display as their slug."""
    return {slugify(name): name for name in config.tag_rules}


def plan_feeds(archive: Archive, config: SiteConfig, site_urls: urls.Urls, names: Mapping[str, str]) -> list[Output]:
    def feed(ids: Sequence[str], path: str, title: str, page: str) -> Output:
        papers = [archive.papers[i] for i in ids[: config.feed_size]]
        return Output(path, rss_feed(papers, config, site_urls, path, title, page, names))

    feeds = [feed(archive.order, urls.feed(), config.title, urls.home())]
    for slug, ids in archive.tags.items():
        title = f"{config.title}: {names.get(slug, slug)}"
        feeds.append(feed(ids, urls.tag_feed(slug), title, urls.tag(slug)))
    return feeds


# -- writing ----------------------------------------------------------------------------------

class staging:
    """Build into a fresh folder beside `output`, then swap it in only if the build succeeded."""

    def __init__(self, output: Path) -> None:
        self.output = output.resolve()

    def __enter__(self) -> Path:
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.output.name}.build-", dir=self.output.parent))
        self.stage.chmod(0o755)  # mkdtemp makes it private; a web server must be able to read it
        return self.stage

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.stage, ignore_errors=True)
            return
        old = self.output.with_name(f".{self.output.name}.old-{os.getpid()}")
        if self.output.exists():
            self.output.rename(old)
        self.stage.rename(self.output)
        shutil.rmtree(old, ignore_errors=True)


def write_pages(pages: Sequence[Page], config: SiteConfig, site_urls: urls.Urls, stage: Path, jobs: int | None) -> None:
    """Render every page; on more than one core the pages are split between forked workers."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(pages) < 200 or "fork" not in multiprocessing.get_all_start_methods():
        _render_range(pages, config, site_urls, stage, 0, len(pages))
        return
    # Forked workers inherit `pages` instead of receiving them pickled.
    global _SHARED
    _SHARED = (pages, config, site_urls, stage)
    bounds = [(len(pages) * k // jobs, len(pages) * (k + 1) // jobs) for k in range(jobs)]
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            pool.starmap(_render_shared, bounds)
    finally:
        _SHARED = None


_SHARED: tuple | None = None


def _render_shared(start: int, stop: int) -> None:
    assert _SHARED is not None
    _render_range(*_SHARED, start, stop)


def _render_range(pages: Sequence[Page], config: SiteConfig, site_urls: urls.Urls, stage: Path, start: int, stop: int) -> None:
    env = make_environment(config, site_urls)
    for page in pages[start:stop]:
        _write(stage / urls.output_file(page.path), render_page(env, page).encode("utf-8"))


def write_outputs(outputs: Sequence[Output], stage: Path) -> None:
    for output in outputs:
        _write(stage / output.path, output.data)


def copy_static(config: SiteConfig, stage: Path) -> None:
    """Theme static files, the default theme's first so that the configured theme overrides them."""
    for folder in reversed(theme_dirs(config, "static")):
        shutil.copytree(folder, stage / "static", dirs_exist_ok=True)


def _write(path: Path, data: bytes) -> None:
    # The staging folder is private to this build, so plain writes are safe here.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
