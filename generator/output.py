"""Putting rendered files in place: a cold build's staging folder, an incremental build's changes.

- Cold build: every job is rendered into a fresh staging folder, which then trades places
  with the output folder in one atomic rename (see `staging`).
- Incremental build: the changed jobs are rendered into memory (up to HOLD_BYTES) or a scratch
  folder (see `render.render_jobs`); then each is written over a spare file and renamed into the
  output folder (one atomic rename per file), and files the site no longer has are deleted.
  Nothing in output/ changes before every changed page has rendered without error, and every
  change is logged (see `undo`) so that a failure puts it back.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from generator.outdir import exchange
from generator.render import Job, Rendered, output_file
from generator.spares import Spares
from generator.undo import Undo, missing_folders

# An incremental build keeps up to this many bytes of changed pages in memory, to write them
# over spare files (see `spares`); beyond it, to new files. A daily rebuild of 20,000 papers
# changes about 25 MB.
HOLD_BYTES = 256 * 2**20


def apply_changes(
    stage: Path,
    output: Path,
    jobs: Sequence[Job],
    rendered: Rendered,
    known: Mapping[str, bytes],
    spares: Spares,
    undo: Undo,
) -> tuple[int, int]:
    """Put every changed file in `output`, each by one atomic rename, and delete the files the
    site no longer has; what they replace or delete is kept in `spares`, and files held
    in memory are written over spares. Every change is logged in `undo`. Returns (moved, deleted)."""
    moved = 0
    for n, (job, key) in enumerate(zip(jobs, rendered.keys, strict=True)):
        file = output_file(job)
        if known.get(file) != key:
            target = output / file
            if not target.parent.is_dir():
                for folder in missing_folders(target.parent):  # one by one: a deeper one may fail
                    folder.mkdir()
                    undo.made(folder)
            data = rendered.held.get(n)
            _put(stage / str(n) if data is None else spares.file_with(data), target, spares, undo)
            moved += 1
    planned = {output_file(job) for job in jobs}
    gone = [file for file in known if file not in planned]
    for file in gone:
        spare = spares.keep(output / file)
        (output / file).unlink(missing_ok=True)
        undo.put(output / file, spare)
        _prune_empty(output / file, output)
    return moved, len(gone)


def _put(new: Path, target: Path, spares: Spares, undo: Undo) -> None:
    spare = spares.keep(target)
    try:
        os.replace(new, target)
    except OSError:
        if spare is not None and not os.path.lexists(target):  # kept by moving it, not by a link
            undo.put(target, spare)
        raise
    undo.put(target, spare)


def _prune_empty(file: Path, root: Path) -> None:
    for folder in file.parents:
        if folder == root or not folder.is_relative_to(root):
            return
        try:
            folder.rmdir()
        except OSError:  # not empty: a folder above it is not empty either
            return


def _folder_beside(path: Path) -> Path:
    """A new private folder beside `path`, on the same file system (renames out of it are atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{path.name}.build-", dir=path.parent))


@contextmanager
def scratch(beside: Path) -> Iterator[Path]:
    """A private folder beside `beside`, removed afterwards whatever happened."""
    folder = _folder_beside(beside)
    try:
        yield folder
    finally:
        _remove(folder)


class staging:
    """Build into a fresh folder beside `output`, then swap it in only if the build succeeded.

    The swap is one `renameat2(RENAME_EXCHANGE)`, so a build killed at any point leaves the old
    or the new site in `output`, never none; the other is a leftover the next build removes."""

    def __init__(self, output: Path) -> None:
        self.output = output.resolve()

    def __enter__(self) -> Path:
        self.stage = _folder_beside(self.output)
        self.stage.chmod(0o755)  # mkdtemp makes it private; a web server must be able to read it
        return self.stage

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            _remove(self.stage)
            return
        if not self.output.exists():
            self.stage.rename(self.output)
            return
        if exchange(self.stage, self.output):  # the stage now holds the old output
            _remove(self.stage)
            return
        old = self.output.with_name(f".{self.output.name}.old-{os.getpid()}")
        self.output.rename(old)
        self.stage.rename(self.output)
        _remove(old)


def _remove(folder: Path) -> None:
    """`folder` removed, even if Ctrl+C or SIGTERM comes meanwhile (then raised once it is gone): cut short, removing
    the old site a cold build had just swapped out left most of it beside the output."""
    try:
        shutil.rmtree(folder, ignore_errors=True)
    except KeyboardInterrupt:
        shutil.rmtree(folder, ignore_errors=True)
        raise
