"""Broadsheet against Hugo on the benchmark corpus: the local build (issue 6) and the publish (issue 14).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/run.py --sizes 1000 --runs 2
    .venv/bin/python bench/run.py --scenario publish --sizes 1000,5000 --json /tmp/publish.json
    .venv/bin/python bench/chart.py /tmp/publish.json docs/publish-benchmark.svg

Prints the machine, then a table of medians over the runs (wall and CPU time, peak memory, files and
bytes in the output) with the Broadsheet/Hugo ratios, the cost per paper at each size, the targets with
PASS or FAIL, and a warning when the machine was busy. bench/README.md says what each scenario means
and how bench/hugo/ maps to Broadsheet's pages.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from corpora import Workspace, pristine_corpus, progress
from disk import describe
from figures import MIB, TARGET_SIZE, Results
from measure import BenchError
from programs import ROOT, Tools, find_tools, pagefind_version
from report import dump_json, noise_lines, report, tool_label
from scenarios import RUNNERS, SCENARIOS

CORPORA = ROOT / "bench" / ".corpora"
SIZES = (1000, 5000, 20000, 100000)


def bench_size(tools: Tools, n: int, runs: int, args: argparse.Namespace, results: Results) -> None:
    pristine = pristine_corpus(n, args.corpora)
    groups = args.groups
    with tempfile.TemporaryDirectory(prefix=f"bench-{n}-", dir=args.workdir) as tmp:
        ws = Workspace(n, pristine, Path(tmp))
        # Sampling memory reads /proc/PID/smaps_rollup every 20 ms, which took 0.6 s of a 2.5 s
        # build's wall time: the timed runs are not sampled, and one more run of each is, for memory.
        for k in range(runs + 1):
            sample = k == runs
            order = [(tool, RUNNERS[group][tool]) for group in groups for tool in ("broadsheet", "hugo")]
            for tool, runner in order if k % 2 == 0 else order[::-1]:  # alternate which goes first
                label = "memory run" if sample else f"run {k + 1}/{runs}"
                progress(f"{n:,} papers, {label}: {tool} ...")
                record(results, n, tool, runner(tools, ws, sample))


def record(results: Results, n: int, tool: str, runs: dict) -> None:
    for scenario, run in runs.items():
        results.setdefault((n, scenario, tool), []).append(run)
        memory = f"{run.pss / MIB:7.0f} MiB" if run.sampled else " " * 11
        name = tool_label(tool, scenario)
        progress(f"  {scenario:13} {name:13} {run.wall:7.2f} s  {memory}  {run.files:,} files")


def machine_info(tools: Tools, workdir: Path) -> dict[str, str]:
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
        "pagefind": pagefind_version(),
        "hugo": hugo.split(" VendorInfo")[0] + (" (with related papers)" if tools.hugo_related else ""),
        "broadsheet": f"{importlib.metadata.version('broadsheet')} at {git_commit()}"
        + ("" if tools.broadsheet_cache else " (no --cache option yet: every build is full)"),
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        **workspace_info(workdir),
    }


def workspace_info(workdir: Path) -> dict[str, str]:
    line, warning = describe(workdir)
    return {"workspace": line, **({"workspace warning": warning} if warning else {})}


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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="corpus sizes, comma-separated (default: %(default)s)"
    )
    parser.add_argument(
        "--scenario",
        choices=[*SCENARIOS, "all"],
        default="build",
        help="build: cold, no-change and daily builds without search (issue 6); publish: cold and daily "
        "publish with search, against Hugo + Pagefind (issue 14); all: both (default: %(default)s)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        help="timed runs per size, then one more for memory; 0: that one only (default: 5, or 3 above 20,000 papers)",
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
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where each size's work copies, outputs and caches go (default: the system's temporary folder)",
    )
    args = parser.parse_args(argv)
    if not args.workdir.is_dir():  # found before the corpora are made, not after minutes of work
        parser.error(f"--workdir {args.workdir}: no such folder")
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.groups = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start_load = os.getloadavg()[0]
    try:
        tools = find_tools(args.hugo_related)
        machine = machine_info(tools, args.workdir)
        digest = source_digest()
        args.corpora.mkdir(parents=True, exist_ok=True)
        results: Results = {}
        for n in args.sizes:
            runs = (5 if n <= TARGET_SIZE else 3) if args.runs is None else args.runs
            bench_size(tools, n, runs, args, results)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    machine["load average"] += f" at the start; {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end"
    if source_digest() != digest:
        machine["warning"] = "Broadsheet's code, theme or site.yaml changed during the benchmark: runs mix versions"
    noise = noise_lines(results, (start_load, os.getloadavg()[0]), len(os.sched_getaffinity(0)))
    print(report(results, args.sizes, machine, noise))
    if args.json:
        dump_json(args.json, results, machine, args.sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
