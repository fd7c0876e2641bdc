"""What one build leaves for the next: parsed content files and what was written where.

The cache is a single pickle per (content folder, output folder) pair under the cache folder
(default `.cache/broadsheet/`). It is safe to delete at any time: the next build is then a
cold one. It is only trusted when the keys below match:

- `code_key`: the generator's own source and the versions of the libraries that shape its
  output. Parsed papers are reused only under the same code.
- `site_key`: `code_key` plus the theme's files, the config and the build options. The record
  of written pages is reused only under the same site key, and only for the same output folder
  (same device and inode: a folder someone replaced is rebuilt from scratch).
"""
from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from generator.fsutil import write_atomic
from generator.loader import FileEntry

FORMAT = 1  # bump when the pickled classes change shape
LIBRARIES = ("jinja2", "markdown", "nh3", "pyyaml", "python-slugify", "markupsafe")
GENERATOR_DIR = Path(__file__).resolve().parent


@dataclass
class BuildState:
    code_key: bytes = b""
    site_key: bytes = b""
    files: dict[str, FileEntry] = field(default_factory=dict)  # path as loaded -> entry
    output_id: tuple[int, int] | None = None  # (st_dev, st_ino) of the output folder
    manifest: dict[str, bytes] = field(default_factory=dict)  # output file -> key of its bytes
    pages: int = 0  # figures of that build, for the report of a build with nothing to do


def state_file(cache_dir: Path, content_dir: Path, output_dir: Path) -> Path:
    pair = f"{Path(content_dir).resolve()}\0{Path(output_dir).resolve()}".encode()
    return Path(cache_dir) / f"build-{hashlib.blake2b(pair, digest_size=8).hexdigest()}.pickle"


def load_state(path: Path) -> BuildState:
    """The saved state, or an empty one if there is none or it cannot be read."""
    try:
        with open(path, "rb") as stream:
            fmt, state = pickle.load(stream)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
        return BuildState()
    return state if fmt == FORMAT and isinstance(state, BuildState) else BuildState()


def save_state(path: Path, state: BuildState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, pickle.dumps((FORMAT, state), protocol=pickle.HIGHEST_PROTOCOL), durable=False)


def forget(path: Path) -> None:
    """Drop the saved state: done before output/ is changed in place, so that a build cut short
    there is followed by a cold build rather than trusted."""
    path.unlink(missing_ok=True)


def folder_id(folder: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def code_key() -> bytes:
    digest = hashlib.blake2b(str(FORMAT).encode(), digest_size=16)
    for path in sorted(GENERATOR_DIR.rglob("*.py")):
        digest.update(path.relative_to(GENERATOR_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        digest.update(f"{name}={_version(name)}".encode())
    return digest.digest()


def site_key(code: bytes, theme_dirs: list[Path], settings: object) -> bytes:
    """`code` plus every file of the theme folders and the repr of the settings (config, options)."""
    digest = hashlib.blake2b(code, digest_size=16)
    for folder in theme_dirs:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    digest.update(repr(settings).encode())
    return digest.digest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"
