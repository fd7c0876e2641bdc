"""All or nothing for incremental builds: what an incremental build changed in output/, to put back.

An incremental build changes output/ in place, one rename per file (see `output.apply_changes`).
Each change is logged here as it is made: a file put in place (and the spare that keeps the file
it replaced, see `spares`), a file deleted (and its spare), a folder made, a folder renamed.
If anything fails before the build is complete (a name too long, a full disk, a read-only
folder, Pagefind), the log is played backwards and output/ is as it was, byte for byte.

The log lives in memory only. A build killed with -9 cannot play it back, and needs not: the
build forgot its cache record before changing anything, so the next build is a cold one, which
replaces the whole folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Self

from generator.errors import UserError
from generator.spares import Spares


class Undo:
    """The changes made to output/ so far; played backwards if the `with` block fails."""

    def __init__(self, spares: Spares) -> None:
        self.spares = spares
        self._log: list[tuple[str, Path, Path | None]] = []

    def put(self, target: Path, spare: Path | None) -> None:
        """`target` now holds a new file or none; `spare` holds the one it replaced or deleted
        (None: there was none)."""
        self._log.append(("file", target, spare))

    def made(self, folder: Path) -> None:
        self._log.append(("folder", folder, None))

    def renamed(self, old: Path, new: Path) -> None:
        self._log.append(("rename", old, new))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            return
        try:
            self.rollback()
        except OSError as failed:
            raise UserError(
                f"{exc}; the output folder could not be put back as it was ({failed}); "
                "the next build rebuilds it in full",
                failed.filename,
            ) from exc

    def rollback(self) -> None:
        for kind, path, other in reversed(self._log):
            if kind == "file":
                self._restore(path, other)
            elif kind == "folder":
                path.rmdir()
            else:
                assert other is not None
                os.rename(other, path)
        self._log.clear()

    def _restore(self, target: Path, spare: Path | None) -> None:
        if spare is None:  # the file is new: it goes
            target.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)  # a deleted file's folder may be gone
        saved = self.spares.overwritten.pop(spare.name, None)
        if saved is None:
            os.replace(spare, target)
            return
        # The spare was written over since (its bytes were saved first). They go back over the
        # file in place, which needs no new room on a disk that may be full; a deleted file has
        # no file in place, but its spare is never written over (deletions come last).
        with open(target, "r+b") as stream:
            stream.write(saved)
            stream.truncate()


def missing_folders(folder: Path) -> list[Path]:
    """`folder` and those of its parents that do not exist, outermost first."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    return missing[::-1]
