"""A site of the seed content plus recorded Daily Papers API days (some with organisations),
written into content/ by the scraper's own parse and store code, then built once."""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import functools
import json
import shutil
import tempfile
from pathlib import Path

from generator.build import build
from generator.config import load_config
from generator.scrape.hf_api import parse_items
from generator.scrape.merge import new_paper
from generator.scrape.shelf import write_new
from tests.conftest import FIXTURES, REPO

DAYS = FIXTURES / "scrape" / "daily_papers"
RECORDED = ("2024-03-12", "2024-03-13", "2025-03-17.reserialized", "2025-10-03.reserialized", "2026-08-21.reserialized")
CONFIG = dataclasses.replace(load_config(root=REPO), base_url="https://example.org/sub/")


def recorded_content(folder: Path) -> Path:
    """The seed content with the recorded days added (tags from the titles' first word, so that
    some papers share a tag across days)."""
    shutil.copytree(REPO / "content", folder)
    for name in RECORDED:
        day = dt.date.fromisoformat(name[:10])
        for scraped in parse_items(json.loads((DAYS / f"{name}.json").read_text(encoding="utf-8")), name, day):
            write_new(folder, new_paper(scraped, ("recorded",)))
    return folder


def build_recorded(tmp: Path, search: bool = False, config=CONFIG) -> Path:
    content = recorded_content(tmp / "content")
    output = tmp / "output"
    build(content, output, config, search=search)
    return output


@functools.cache
def recorded_site() -> Path:
    """One build of the recorded site per test process, shared by the modules that only read it."""
    folder = Path(tempfile.mkdtemp(prefix="recorded-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return build_recorded(folder)
