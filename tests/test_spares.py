"""spares: replaced output files kept and written over, never while they are still a live page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.spares import Spares, write_over


def test_a_page_is_written_over_a_kept_file(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"the old page, longer than the new one")
    pool = Spares(tmp_path / "pool")
    (tmp_path / "pool").mkdir()
    pool.keep(page)
    old_inode = page.stat().st_ino
    page.unlink()  # as a rename over it would
    new = pool.file_with(b"new")
    assert new.stat().st_ino == old_inode and new.read_bytes() == b"new"
    assert pool.file_with(b"more").read_bytes() == b"more"  # no spare left: a new file
    assert pool.names == pool.kept == []


def test_a_spare_still_linked_to_a_live_page_is_never_written(tmp_path: Path) -> None:
    folder = tmp_path / "pool"
    folder.mkdir()
    live = tmp_path / "live.html"
    live.write_bytes(b"a page readers see")
    os.link(live, folder / "left-by-a-build-cut-short")
    pool = Spares(folder)
    made = pool.file_with(b"the next page")
    assert live.read_bytes() == b"a page readers see" and live.stat().st_nlink == 1
    assert made.read_bytes() == b"the next page" and made.stat().st_ino != live.stat().st_ino
    assert not write_over(folder / "gone", b"x")


def test_keeping_a_missing_file_keeps_nothing_and_trim_bounds_the_pool(tmp_path: Path) -> None:
    folder = tmp_path / "pool"
    folder.mkdir()
    pool = Spares(folder)
    pool.keep(tmp_path / "a-new-page.html")
    assert pool.names == [] and list(folder.iterdir()) == []
    for i in range(5):
        (tmp_path / f"{i}.html").write_text(str(i))
        pool.keep(tmp_path / f"{i}.html")
    pool.trim(2)
    assert len(pool.names) == 2 and sorted(p.name for p in folder.iterdir()) == sorted(pool.names)


def test_a_pool_on_another_file_system_than_the_output_is_not_used(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs a second file system")
    folder = shm / f"broadsheet-test-pool-{os.getpid()}"
    try:
        assert Spares.for_output(folder, tmp_path, tmp_path / "scratch").folder == tmp_path / "scratch/spares"
        assert Spares.for_output(tmp_path / "pool", tmp_path, tmp_path / "scratch").folder == tmp_path / "pool"
    finally:
        folder.rmdir()


def test_earlier_builds_spares_are_written_over_before_this_builds(tmp_path: Path) -> None:
    folder = tmp_path / "pool"
    folder.mkdir()
    (folder / "from-an-earlier-build").write_bytes(b"an old spare")
    page = tmp_path / "page.html"
    page.write_bytes(b"the page this build replaces")
    pool = Spares(folder)
    kept = pool.keep(page)
    page.unlink()  # as a rename over it would
    assert pool.file_with(b"first") == folder / "from-an-earlier-build" and pool.overwritten == {}
    assert pool.file_with(b"second") == kept  # none left: this build's own, its bytes saved first
    assert pool.overwritten == {kept.name: b"the page this build replaces"}
