"""Helpers for the theme's tests: the real archive built into a tmp folder, one page of
every kind, and a static server that publishes it under a sub-path like a real host."""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from generator.build import build
from generator.config import load_config

REPO = Path(__file__).resolve().parent.parent
SUB_PATH = "/archive/"
BASE_URL = f"https://example.org{SUB_PATH}"  # links are root-relative, so only the path matters


def build_archive_site(output: Path, base_url: str = BASE_URL, search: bool = True) -> Path:
    """The repository's content and theme, built into `output`."""
    config = dataclasses.replace(load_config(REPO / "site.yaml", root=REPO), base_url=base_url)
    build(REPO / "content", output, config, search=search)
    return output


def first(output: Path, pattern: str) -> str:
    """The site path of the first page (sorted) whose file matches `pattern`."""
    match = min(output.glob(pattern))
    return str(match.relative_to(output)).removesuffix("index.html")


def sample_pages(output: Path) -> dict[str, str]:
    """One site path per kind of page (several kinds have two: a first and a later page)."""
    pages = {
        "home": "",
        "home-page-2": "page/2/",
        "paper": first(output, "papers/*/index.html"),
        "tags": "tags/",
        "tag": "tags/vision-language/",
        "tag-page-2": "tags/vision-language/page/2/",
        "archive": "archive/",
        "year": first(output, "[12][0-9][0-9][0-9]/index.html"),
        "month": first(output, "[12][0-9][0-9][0-9]/[01][0-9]/index.html"),
        "day": first(output, "[12][0-9][0-9][0-9]/[01][0-9]/[0-3][0-9]/index.html"),
        "top": "top/",
        "top-month": first(output, "top/*/*/index.html"),
        "stats": "stats/",
        "weeks": "weeks/",
        "week": first(output, "weeks/*/index.html"),
        "orgs": "orgs/",
        "search": "search/",
        "not-found": "404.html",
    }
    pages.update(richest_papers(output))
    return pages


def richest_papers(output: Path) -> dict[str, str]:
    """Paper pages that show optional parts (collapsed authors, AI summary, related papers)."""
    found = {}
    for page in sorted(output.glob("papers/*/index.html")):
        html = page.read_text(encoding="utf-8")
        for kind, marker in (
            ("paper-many-authors", "<details>"),
            ("paper-ai-summary", 'id="ai-summary-heading"'),
            ("paper-related", 'id="related-heading"'),
        ):
            if marker in html and kind not in found:
                found[kind] = str(page.relative_to(output)).removesuffix("index.html")
    return found


class SubPathHandler(SimpleHTTPRequestHandler):
    """Serves `directory` at SUB_PATH only, as a host publishing the site in a sub-folder would."""

    def translate_path(self, path: str) -> str:
        if not path.startswith(SUB_PATH):
            return str(Path(self.directory) / "__outside_the_sub_path__")  # no such file: 404
        return super().translate_path("/" + path[len(SUB_PATH) :])

    def log_message(self, format: str, *args) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve `folder` on a free port; yields the site's URL (with the sub-path)."""
    handler = functools.partial(SubPathHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}{SUB_PATH}"
    finally:
        httpd.shutdown()
        httpd.server_close()
