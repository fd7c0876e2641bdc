"""Shared test helpers: content files written the way contributors write them."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def write_content(content_dir: Path, relpath: str, text: str) -> Path:
    """Write one content file (relative to content/papers/) and return its path."""
    path = content_dir / "papers" / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def paper_file(paper_id: str, title: str = "A Paper", extra: str = "", body: str = "An abstract.") -> str:
    return f"---\nid: '{paper_id}'\ntitle: {title!r}\n{extra}---\n{body}\n"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    (folder / "papers").mkdir(parents=True)
    return folder


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    """A site folder whose themes/ is the repository's default theme."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "themes").symlink_to(REPO / "themes")
    return root


# Ctrl+C: a test run started in the background (a CI job, `make test &`) inherits SIGINT ignored, and Python
# then never raises KeyboardInterrupt, so a test of what Ctrl+C does must give it back its terminal's default.


@pytest.fixture
def ctrl_c() -> Iterator[None]:
    """SIGINT raising KeyboardInterrupt in this process, as in a terminal, for the test's length."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def ctrl_c_as_in_a_terminal() -> None:
    """`preexec_fn` of a command a test interrupts: SIGINT at its default, whatever this process inherited."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
