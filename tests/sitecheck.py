"""Checks over a built site that several test modules share: internal links and feeds."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup


def html_files(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def internal_targets(output: Path, base_url: str) -> dict[str, set[str]]:
    """Every internal href/src of every page -> the pages that use it."""
    base = urlsplit(base_url)
    targets: dict[str, set[str]] = {}
    for page in html_files(output):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for element in soup.find_all(href=True) + soup.find_all(src=True):
            url = urlsplit(element.get("href") or element.get("src"))
            if url.scheme in ("http", "https") and url.netloc != base.netloc or url.scheme in ("mailto",):
                continue
            targets.setdefault(url.path, set()).add(str(page.relative_to(output)))
    return targets


def missing_targets(output: Path, base_url: str) -> dict[str, set[str]]:
    """Internal links that do not resolve to a file in `output` (or leave the base path)."""
    base_path = urlsplit(base_url).path
    missing = {}
    for path, pages in internal_targets(output, base_url).items():
        if not path:
            continue  # a fragment-only link
        if not path.startswith(base_path):
            missing[path] = pages
            continue
        relative = unquote(path[len(base_path) :])
        file = output / relative / "index.html" if relative.endswith("/") or relative == "" else output / relative
        if not file.is_file():
            missing[path] = pages
    return missing


def tree_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
