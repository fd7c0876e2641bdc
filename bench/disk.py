"""The file system the benchmark writes to, and whether it distorts the timings.

An ext4 file system without a journal (some virtual machines' root disks) makes creating a file slow
right after many were deleted: the kernel's inode allocator then skips every inode freed in the last
minute (six, while their inode table block is not yet written back), looking each one up. A benchmark
deletes each tool's previous output before its cold build, so there most of the build's system time
goes to that search (47% of all samples of a 1,000-paper build, profiled with `perf`), and more for the tool
that makes more files. GitHub's runners and ordinary desktops journal their ext4 file systems.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mount:
    point: str
    fstype: str
    device: str  # the mount's source, e.g. /dev/vda

    def journaled(self, sysfs: Path = Path("/sys/fs/ext4")) -> bool | None:
        """For ext4, whether it has a journal (its journal thread, "<none>" without one); None otherwise."""
        if self.fstype != "ext4":
            return None
        task = sysfs / os.path.basename(self.device) / "journal_task"
        try:
            return task.read_text().strip() != "<none>"
        except OSError:
            return None


def mount_of(path: Path, mountinfo: str) -> Mount | None:
    """The mount holding `path`: the longest mount point that is `path` or above it (`/proc/self/mountinfo`)."""
    target = os.path.realpath(path)
    best: Mount | None = None
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        point = fields[4].replace("\\040", " ")
        fstype, source = line.split(" - ", 1)[1].split()[:2]
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best.point)):
            best = Mount(point, fstype, source)
    return best


def describe(path: Path) -> tuple[str, str | None]:
    """A line for the machine section, and a warning when the file system distorts file creation."""
    try:
        mount = mount_of(path, Path("/proc/self/mountinfo").read_text())
    except OSError:
        return f"{path} (file system unknown)", None
    if mount is None:
        return f"{path} (file system unknown)", None
    journaled = mount.journaled()
    journal = {True: ", journaled", False: ", no journal", None: ""}[journaled]
    line = f"{path} on {mount.point} ({mount.fstype}{journal})"
    if journaled is False:
        return line, (
            "the workspace is on an ext4 file system without a journal, where creating files right after "
            "deleting many is several times slower (bench/disk.py): give --workdir a journaled one"
        )
    return line, None
