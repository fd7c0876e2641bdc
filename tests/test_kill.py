"""kill -9 at random points of cold and incremental builds: the next build repairs everything and
leaves nothing behind. Real `python -m generator build` processes on a generated corpus."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.sitecheck import tree_snapshot

PAPERS = 200
ROUNDS = 3  # of each kind


class Site:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp, self.content, self.out, self.cache = (
            tmp_path,
            tmp_path / "content",
            tmp_path / "out",
            tmp_path / "cache",
        )
        subprocess.run(
            [sys.executable, str(REPO / "bench/corpus.py"), str(PAPERS), str(self.content)],
            check=True,
            capture_output=True,
        )

    def command(self, out: Path, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "generator",
            "build",
            "--content",
            str(self.content),
            "--output",
            str(out),
            "--cache",
            str(self.cache),
            "--base-url",
            "https://example.org/",
            *extra,
        ]

    def build(self, *extra: str) -> float:
        """A complete build into out/; its wall time."""
        start = time.perf_counter()
        done = subprocess.run(
            self.command(self.out, *extra), check=False, cwd=REPO, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return time.perf_counter() - start

    def killed(self, delay: float, *extra: str) -> None:
        build = subprocess.Popen(
            self.command(self.out, *extra),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(build.pid, signal.SIGKILL)  # the build and its forked workers, as a crash would
        build.wait()

    def cold_reference(self, *extra: str) -> dict[str, bytes]:
        ref = self.tmp / "ref"
        shutil.rmtree(ref, ignore_errors=True)
        command = [c for c in self.command(ref, *extra) if c != "--cache" and c != str(self.cache)] + ["--no-cache"]
        subprocess.run(command, cwd=REPO, check=True, capture_output=True, timeout=300)
        return tree_snapshot(ref)

    def daily_change(self, seed: int) -> None:
        subprocess.run(
            [
                sys.executable,
                str(REPO / "bench/corpus.py"),
                str(PAPERS),
                str(self.content),
                "--daily",
                "--seed",
                str(seed),
            ],
            check=True,
            capture_output=True,
        )

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in self.tmp.iterdir() if p.name.startswith(".out."))


def page_count(out: Path) -> int:
    entry = json.loads((out / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    return entry["languages"]["en"]["page_count"]


@pytest.mark.parametrize("kind", ["cold", "incremental"])
def test_kill_9_at_random_points_then_the_next_build_repairs_everything(kind, tmp_path):
    rng = random.Random()
    seed = rng.randrange(10**6)
    rng.seed(seed)
    site = Site(tmp_path)
    full = site.build("--no-search")  # the search index is checked below, on its own
    for round_ in range(ROUNDS):
        if kind == "cold":
            shutil.rmtree(site.cache)  # no record: a cold build
        else:
            site.daily_change(seed=round_ + 1)
        delay = rng.uniform(0.05, full)  # from start-up to the very end
        site.killed(delay, "--no-search")
        site.build("--no-search")
        assert tree_snapshot(site.out) == site.cold_reference("--no-search"), (
            f"seed {seed}, round {round_}, {delay:.2f} s"
        )
        assert site.leftovers() == [], f"seed {seed}, round {round_}, {delay:.2f} s"


def test_a_build_killed_between_the_pages_and_the_search_index_is_reindexed_next(tmp_path):
    rng = random.Random()
    seed = rng.randrange(10**6)
    rng.seed(seed)
    site = Site(tmp_path)
    site.build()
    full = 0.0
    for round_ in range(ROUNDS):
        site.daily_change(seed=round_ + 1)
        if not full:  # the first change is built whole, to time an incremental build with search
            full = site.build()
            continue
        delay = rng.uniform(0.3 * full, full)  # the pages are put in place late in a build
        site.killed(delay)
        site.build()
        reference = site.cold_reference()
        assert page_count(site.out) == page_count(site.tmp / "ref"), f"seed {seed}, round {round_}, {delay:.2f} s"
        assert tree_snapshot(site.out) == reference, f"seed {seed}, round {round_}, {delay:.2f} s"
        assert site.leftovers() == []
