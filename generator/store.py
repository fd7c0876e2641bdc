"""Where a paper's Markdown file lives and how a Paper is written back to one.

Used by the importers (listing, scraper); the site build only reads, through the loader.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from generator import frontmatter
from generator.fsutil import write_if_changed
from generator.loader import PAPERS_DIR
from generator.model import KEYS, Paper, empty

# The order keys are written in: the order of their declarations in model.Paper.
KEY_ORDER = tuple(KEYS)
UNDATED_DIR = "undated"


def paper_path(content_dir: Path, paper_id: str, day: dt.date | None) -> Path:
    """content/papers/<YYYY>/<MM>/<id>.md, filed by archive date; 'undated' when there is none.
    A month holds a few hundred papers: GitHub's web view lists only 1,000 entries of a folder."""
    folder = f"{day.year:04d}/{day.month:02d}" if day else UNDATED_DIR
    return Path(content_dir) / PAPERS_DIR / folder / f"{paper_id}.md"


def paper_meta(paper: Paper) -> dict[str, Any]:
    """Front matter for `paper`: empty and unknown values are left out, lists are plain lists."""
    meta: dict[str, Any] = {}
    for key in KEY_ORDER:
        value = getattr(paper, key)
        if empty(value):
            continue
        meta[key] = list(value) if isinstance(value, tuple) else value
    return meta


def paper_text(paper: Paper) -> str:
    return frontmatter.dump(paper_meta(paper), paper.abstract)


def write_paper(content_dir: Path, paper: Paper, path: Path | None = None) -> bool:
    """Write `paper` atomically (to `path`, or where it belongs). False if the bytes were already there."""
    target = path or paper_path(content_dir, paper.id, paper.archive_date)
    return write_if_changed(target, paper_text(paper))


def with_source(paper: Paper, path: Path) -> Paper:
    return dataclasses.replace(paper, source_path=str(path))
