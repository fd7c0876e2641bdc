"""Timing one benchmark step: wall and CPU time, peak memory two ways, and what it left on disk.

A step is one command or several run one after the other (Hugo, then Pagefind over its pages):
times and CPU add up, memory is the largest of the commands' peaks (they never run together).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.02
MIB = 1024 * 1024


class BenchError(Exception):
    pass


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    user: float  # CPU seconds in user mode of the process and every child it waited for
    sys: float  # CPU seconds in the kernel, likewise
    maxrss: int  # bytes: the largest resident set of one process of the tree (ru_maxrss)
    pss: int  # bytes: the peak of the summed PSS of the whole process tree, sampled
    files: int  # files in the output folder afterwards
    sampled: bool = True  # whether `pss` was sampled (sampling slows the build it watches)
    bytes: int = 0  # bytes of all files in the output folder afterwards
    parts: tuple[float, ...] = ()  # wall seconds of each command, when the step ran several

    @property
    def cpu(self) -> float:
        return self.user + self.sys


def measure(
    cmds: Sequence[Sequence[str]], cwd: Path, output: Path, log: Path, env: dict[str, str] | None, sample: bool
) -> Run:
    """Run each command of `cmds` in turn, timing it and, if `sample`, sampling its memory; fail loudly."""
    log.write_bytes(b"")
    done = [run_one(cmd, cwd, log, env, sample) for cmd in cmds]
    files, size = site_stats(output)
    return Run(
        wall=sum(r.wall for r in done),
        user=sum(r.user for r in done),
        sys=sum(r.sys for r in done),
        maxrss=max(r.maxrss for r in done),
        pss=max(r.pss for r in done),
        files=files,
        sampled=sample,
        bytes=size,
        parts=tuple(r.wall for r in done) if len(done) > 1 else (),
    )


def run_one(cmd: Sequence[str], cwd: Path, log: Path, env: dict[str, str] | None, sample: bool) -> Run:
    # Files the last step (or the corpus's generation, or a copy) left to be written back would be
    # written during this one: a cold build right after a 20,000-paper corpus was made took 22.2 s, the
    # next 13.0 s. Each command starts with nothing waiting, as hyperfine's `--prepare sync` would.
    os.sync()
    with open(log, "ab") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
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
        raise BenchError(f"{' '.join(map(str, cmd))}\nexited with {proc.returncode} ({room(log.parent)}):\n{tail}")
    return Run(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss * 1024, sampler.peak, 0, sample)


def room(folder: Path) -> str:
    """What the file system holding `folder` has left. A tool that runs out of space or of inodes may exit
    without a word: Hugo, at 100,000 papers, once exited with 1 and printed nothing."""
    st = os.statvfs(folder)
    return f"{folder}: {st.f_bavail * st.f_frsize / 2**30:.1f} GiB and {st.f_favail:,} inodes free"


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


def site_stats(folder: Path) -> tuple[int, int]:
    """Files in `folder` and their bytes (what a host stores: each file's size, links counted per name)."""
    files = size = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.lstat(os.path.join(dirpath, name)).st_size
    return files, size
