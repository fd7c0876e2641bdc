"""Writing papers back to Markdown: where they go, and the files' permissions (atomic writes)."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from generator.fsutil import write_atomic, write_if_changed
from generator.loader import load_file
from generator.model import Paper
from generator.store import paper_path, write_paper


@pytest.fixture
def umask():
    """Sets the process umask for one test and puts the old one back."""
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_an_atomic_write_gets_the_umasks_mode(tmp_path, umask, mask, expected):
    umask(mask)
    new, replaced = tmp_path / "new.txt", tmp_path / "old.txt"
    replaced.write_text("old", encoding="utf-8")
    os.chmod(replaced, 0o600)  # what earlier versions left behind
    write_atomic(new, "new")
    write_if_changed(replaced, "newer")
    assert (mode(new), mode(replaced)) == (expected, expected)
    assert new.read_text(encoding="utf-8") == "new" and replaced.read_text(encoding="utf-8") == "newer"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.txt", "old.txt"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text("old", encoding="utf-8")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_atomic(path, "new")
    assert path.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_paper_is_filed_by_its_day_and_readable(content, umask):
    umask(0o002)
    paper = Paper(id="2509.24002", title="A Paper", abstract="An abstract.", listed=dt.date(2025, 10, 1))
    assert write_paper(content, paper) is True
    path = paper_path(content, paper.id, paper.archive_date)
    assert path == content / "papers" / "2025" / "10" / "2509.24002.md" and mode(path) == 0o664
    assert write_paper(content, paper) is False  # same bytes: not rewritten
    read, problems = load_file(path)
    assert problems == [] and (read.id, read.title, read.abstract) == (paper.id, paper.title, paper.abstract)
