"""Where the bytes of a built site go: bytes and files by kind of page.

    python bench/sizes.py OUTPUT_DIR [--markdown]

Kinds are read from paths (see `kind`); the table is what docs/performance.md shows.
"""

from __future__ import annotations

import argparse
import os
import re
from collections import defaultdict
from pathlib import Path

_RULES = (
    (r"pagefind/", "search index (Pagefind)"),
    (r"static/|favicon\.ico$", "static files"),
    (r"papers/[^/]+/index\.html$", "paper pages"),
    (r"papers/[^/]+/index\.md$", "paper Markdown copies (index.md)"),
    (r".*\.bib$", "BibTeX per list (.bib)"),
    (r"data/", "open data (data/*.json)"),
    (r"(index\.html|page/\d+/index\.html)$", "home listing (/, /page/N/)"),
    (r"\d{4}/\d\d/\d\d/", "day pages"),
    (r"\d{4}/\d\d/", "month pages"),
    (r"\d{4}/", "year pages"),
    (r"tags/[^/]+/feed\.xml$|orgs/[^/]+/feed\.xml$|feed\.xml$|digest/.*\.xml$", "RSS feeds"),
    (r".*\.json$", "JSON feeds"),
    (r"tags/[^/]+/", "tag pages"),
    (r"orgs/[^/]+/", "organization pages"),
    (r"weeks/[^/]+/", "week pages"),
    (r"top/", "top pages"),
)
_COMPILED = [(re.compile(pattern), name) for pattern, name in _RULES]


def kind(path: str) -> str:
    for pattern, name in _COMPILED:
        if pattern.match(path):
            return name
    return "other (indexes, stats, search, sitemap, OPML, 404)"


def tally(root: Path) -> dict[str, list[int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            row = totals[kind(os.path.relpath(path, root))]
            row[0] += os.path.getsize(path)
            row[1] += 1
    return dict(totals)


def table(totals: dict[str, list[int]]) -> str:
    size = sum(b for b, _ in totals.values())
    count = sum(n for _, n in totals.values())
    lines = ["| kind | MiB | files | share of bytes | KiB a file |", "|---|---:|---:|---:|---:|"]
    for name, (b, n) in sorted(totals.items(), key=lambda item: -item[1][0]):
        lines.append(f"| {name} | {b / 2**20:.1f} | {n:,} | {100 * b / size:.1f}% | {b / n / 1024:.1f} |")
    lines.append(f"| **all** | **{size / 2**20:.1f}** | **{count:,}** | 100% | {size / count / 1024:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    output = parser.parse_args().output
    totals = tally(output)
    if not totals:
        parser.exit(1, f"sizes.py: error: no files in {output} (not a built site?)\n")
    print(table(totals))


if __name__ == "__main__":
    main()
