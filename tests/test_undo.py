"""All or nothing: an incremental build that fails while changing output/ puts it back byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.build import build
from generator.config import SiteConfig
from generator.errors import UserError
from generator.spares import Spares
from generator.undo import Undo
from tests.conftest import REPO, paper_file, write_content
from tests.sitecheck import tree_snapshot


def papers(content: Path, first: int, count: int, tag: str = "t") -> None:
    for i in range(first, first + count):
        extra = f"tags: [{tag}, t{i % 3}]\nlisted: 2024-01-{1 + i % 28:02d}\nupvotes: {i}\n"
        write_content(content, f"{i}.md", paper_file(f"2401.{i:05d}", f"Paper {i}", extra, "An abstract. " * 40))


@pytest.fixture
def site(tmp_path: Path) -> SiteConfig:
    root = tmp_path / "site"
    shutil.copytree(REPO / "themes", root / "themes")
    return SiteConfig(root=root)


def fails_and_leaves_output_as_it_was(content: Path, out: Path, site: SiteConfig, cache_dir: Path, why: str) -> None:
    before = tree_snapshot(out)
    with pytest.raises(UserError, match=why) as caught:
        build(content, out, site, search=False, cache_dir=cache_dir)
    assert "left as it was" in caught.value.what
    assert tree_snapshot(out) == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")] == []


def then_a_build_repairs(content: Path, out: Path, site: SiteConfig, cache_dir: Path, tmp_path: Path) -> None:
    build(content, out, site, search=False, cache_dir=cache_dir)
    build(content, tmp_path / "cold", site, search=False)
    assert tree_snapshot(out) == tree_snapshot(tmp_path / "cold")


def test_a_spare_written_over_is_put_back_from_its_saved_bytes(tmp_path):
    out, pool = tmp_path / "out", Spares(tmp_path / "pool")
    out.mkdir(), pool.folder.mkdir()
    (out / "a.html").write_bytes(b"old a")
    (out / "b.html").write_bytes(b"old b")
    with pytest.raises(RuntimeError), Undo(pool) as undo:
        for name in ("a.html", "b.html", "c.html"):
            new = pool.file_with(f"new {name}".encode())  # b's is written over the spare of a
            spare = pool.keep(out / name)
            os.replace(new, out / name)
            undo.put(out / name, spare)
        assert tree_snapshot(out) == {"a.html": b"new a.html", "b.html": b"new b.html", "c.html": b"new c.html"}
        raise RuntimeError("a failure after the changes")
    assert tree_snapshot(out) == {"a.html": b"old a", "b.html": b"old b"}


def test_a_read_only_page_folder(tmp_path, content, site):
    papers(content, 1, 30)
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(content, out, site, search=False, cache_dir=cache_dir)
    papers(content, 31, 5, tag="fresh")  # new pages everywhere, and t1's listing changes
    frozen = out / "tags/t1"
    if subprocess.run(["chattr", "+i", str(frozen)], check=False, capture_output=True).returncode != 0:
        pytest.skip("chattr +i does not work here (root ignores plain permissions)")
    try:
        fails_and_leaves_output_as_it_was(
            content, out, site, cache_dir, "cannot write the site: Operation not permitted"
        )
    finally:
        subprocess.run(["chattr", "-i", str(frozen)], check=True)
    then_a_build_repairs(content, out, site, cache_dir, tmp_path)


def test_a_name_too_long(tmp_path, content, site):
    """A new page whose path is longer than the system allows (PATH_MAX), after pages that fit."""
    papers(content, 1, 30)
    build(content, tmp_path / "probe", site, search=False)
    longest = max(len(name) for name in tree_snapshot(tmp_path / "probe"))
    # The output sits so deep that the longest page fits with room for a build's scratch folder beside it...
    room = 4095 - longest - 40
    base = tmp_path / "deep"
    while len(str(base)) < room - 250:
        base = base / ("d" * 200)
    out = base / ("o" * (room - len(str(base)) - 1))
    out.parent.mkdir(parents=True)
    cache_dir = tmp_path / "cache"
    build(content, out, site, search=False, cache_dir=cache_dir)
    # ...and a new tag's pages, 60 characters deeper, do not.
    papers(content, 31, 5, tag="a-tag-long-enough-to-take-its-pages-past-the-longest-path-allowed")
    fails_and_leaves_output_as_it_was(content, out, site, cache_dir, "cannot write the site: File name too long")


@pytest.fixture
def small_disk(tmp_path: Path):
    disk = tmp_path / "disk"
    disk.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=False, capture_output=True, text=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk(small_disk, tmp_path, content, site):
    papers(content, 1, 30)
    out, cache_dir = small_disk / "out", small_disk / "cache"  # the spares on the same disk
    build(content, out, site, search=False, cache_dir=cache_dir)
    papers(content, 31, 20, tag="fresh")
    for i in range(1, 30, 3):  # re-voted: pages replaced, so spares are written over
        write_content(
            content,
            f"{i}.md",
            paper_file(
                f"2401.{i:05d}",
                f"Paper {i}",
                f"tags: [t, t{i % 3}]\nlisted: 2024-01-{1 + i % 28:02d}\nupvotes: {i + 100}\n",
                "An abstract. " * 40,
            ),
        )
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    (small_disk / "filler").write_bytes(b"\0" * (free - 64 * 1024))  # room for a few pages, not all
    fails_and_leaves_output_as_it_was(content, out, site, cache_dir, "cannot write the site: No space left on device")
    (small_disk / "filler").unlink()
    then_a_build_repairs(content, out, site, cache_dir, tmp_path)
