"""Spare files: output files that an incremental build replaced, kept to be written over.

An incremental build replaces a changed output file by renaming a new file over it, so that
no reader ever sees half a page. On the disk this project is built on (ext4 on a virtual
disk), making a file costs 180-560 µs, while writing over an existing one costs 15 µs and a
hard link 18 µs: making 3,400 files took 1.0-1.2 s of a 4.8 s daily rebuild. So the file a
rename replaces is not deleted: a hard link made just before the rename keeps it in a pool,
and the next page is written over it. One build thus makes about one new file however many
it replaces (61 µs a page in all, against 146-350 µs for a new file and a rename), and what is
left in the pool serves the next build.

The pool lives in the cache folder when that is on the output folder's file system (links
and renames only work within one), else in the build's scratch folder, for one build. It is
safe to delete: a missing spare only means making a new file. A spare still linked to a live
page (a build cut short between the link and the rename) is never written: its name is
dropped instead.

A spare this build kept is also what a failed build puts back (see `undo`), so earlier builds'
spares are written over first; only when none is left (the first incremental build after a
cold one) is one of this build's, its bytes read into `overwritten` first (one read of a file
already open: 3,400 pages cost about 20-50 ms, where making new files would cost a second).
"""

from __future__ import annotations

import os
from pathlib import Path


class Spares:
    """The spare files in `folder` (the pool)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._tag = os.urandom(4).hex()  # names this build's files apart from older spares
        self._made = 0
        self.overwritten: dict[str, bytes] = {}  # this build's spares written over -> their bytes before
        self.kept: list[str] = []  # this build's spares: what a failed build puts back
        try:
            self.names = os.listdir(folder)  # earlier builds' spares
        except OSError:
            self.names = []

    @classmethod
    def for_output(cls, folder: Path, output: Path, scratch: Path) -> Spares:
        """The pool in `folder` if it can share `output`'s file system, else one in `scratch`."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
            same = os.stat(folder).st_dev == os.stat(output).st_dev
        except OSError:
            same = False
        if not same:  # a folder of its own: the scratch folder holds rendered pages too
            folder = scratch / "spares"
            folder.mkdir(parents=True, exist_ok=True)
        return cls(folder)

    def file_with(self, data: bytes) -> Path:
        """A file of the pool holding `data`: a spare written over if there is one, else a new file."""
        while self.names:  # earlier builds' spares first: nothing to save
            name = self.names.pop()
            if write_over(self.folder / name, data):
                return self.folder / name
        while self.kept:
            name = self.kept.pop()
            if write_over(self.folder / name, data, self.overwritten):
                return self.folder / name
        return self.new_file(data)

    def new_file(self, data: bytes) -> Path:
        path = self._new_name()
        with open(path, "wb") as stream:
            stream.write(data)
        return path

    def keep(self, old: Path) -> Path | None:
        """Make the output file about to be replaced or deleted a spare (a second name for it),
        and return that name; None if there is no such file (a new page)."""
        name = self._new_name()
        try:
            os.link(old, name)
        except FileNotFoundError:
            return None
        except OSError:  # a file system without hard links: the file itself moves
            os.rename(old, name)
        self.kept.append(name.name)
        return name

    def trim(self, most: int) -> None:
        """Delete spares beyond `most`, so that the pool does not outgrow what builds rewrite.
        Done once the build is complete: this build's spares join the others."""
        self.names += self.kept
        self.kept = []
        for name in self.names[most:]:
            (self.folder / name).unlink(missing_ok=True)
        del self.names[most:]

    def _new_name(self) -> Path:
        self._made += 1
        return self.folder / f"{self._tag}-{self._made}"


def write_over(spare: Path, data: bytes, before: dict[str, bytes] | None = None) -> bool:
    """Write `data` over the file `spare` (its bytes saved first into `before`, if given, under
    its name). False, with nothing written, if the spare is gone or is still a live page's file."""
    try:
        with open(spare, "r+b") as stream:
            if os.fstat(stream.fileno()).st_nlink != 1:
                spare.unlink()  # drops only this name: the page keeps its own
                return False
            if before is not None:
                before[spare.name] = stream.read()
                stream.seek(0)
            stream.write(data)
            stream.truncate()
    except OSError:
        return False
    return True
