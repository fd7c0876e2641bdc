"""File-system helpers: every write is atomic, so a killed process never leaves half a file."""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from collections.abc import Iterable
from pathlib import Path

# What open() asks for: the kernel takes the umask (or the folder's default ACL) off it, so a
# file written here gets the same mode as one any other tool writes (0644 under umask 022).
_NEW_FILE_MODE = 0o666


def write_atomic(path: Path, data: bytes | str, durable: bool = True, keep_mode: bool = False) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    `durable=False` skips forcing the bytes to disk first: for files that are safe to lose
    (caches), where the rename alone still guarantees old-or-new, never half. `keep_mode`: the file
    replaced keeps its permissions (a file someone made read-only, or private), as an editor saves it;
    otherwise, and for a new file, they are the umask's.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    mode = _mode_of(path) if keep_mode else None
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.write(raw)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _mode_of(path: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def _create_temporary(path: Path) -> tuple[int, Path]:
    """A new, empty file beside `path`, opened for writing. Not tempfile.mkstemp: that makes
    0600 files, which the rename would pass on to `path`; and reading the umask means setting it."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), _NEW_FILE_MODE), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


# `_create_temporary`'s names: the file's own name, then 12 hex digits.
_TEMPORARY = re.compile(r"\.(.+)\.[0-9a-f]{12}\.tmp")
# A write takes milliseconds: a temporary file older than this (seconds) is one a killed process left.
STALE_TEMPORARY = 600


def temporary_for(name: str) -> str | None:
    """The name of the file whose `write_atomic` made a temporary file named `name`; None if it is not one."""
    found = _TEMPORARY.fullmatch(name)
    return found[1] if found else None


def remove_temporaries(paths: Iterable[Path], older_than: float | None = None) -> None:
    """Delete the temporary files that a `write_atomic` of one of `paths`, killed before its rename, left beside it;
    nothing else. The rename of a temporary file removed under a live writer fails: so only for a caller that no
    writer of `paths` can run beside (one holding their lock), or with `older_than` seconds, longer than any write."""
    wanted = {Path(path) for path in paths}
    before = None if older_than is None else time.time() - older_than
    for folder in {path.parent for path in wanted}:
        try:
            with os.scandir(folder) as entries:
                found = [e.path for e in entries if _temporary_of(e, folder, wanted, before)]
        except OSError:
            continue
        for path in found:
            Path(path).unlink(missing_ok=True)


def _temporary_of(entry: os.DirEntry[str], folder: Path, wanted: set[Path], before: float | None) -> bool:
    target = temporary_for(entry.name)
    if target is None or folder / target not in wanted or not entry.is_file(follow_symlinks=False):
        return False
    return before is None or entry.stat(follow_symlinks=False).st_mtime < before


def write_if_changed(path: Path, data: bytes | str, keep_mode: bool = False) -> bool:
    """Write atomically unless the file already holds exactly these bytes. Returns True if written."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if Path(path).read_bytes() == raw:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, raw, keep_mode=keep_mode)
    return True


def tree_bytes(path: Path) -> int:
    """The bytes of a file, or of every file under a folder (links not followed); 0 if there is none."""
    try:
        if not path.is_dir():
            return path.lstat().st_size
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return 0
    total = 0
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            total += tree_bytes(Path(entry.path))
        else:
            total += entry.stat(follow_symlinks=False).st_size
    return total
