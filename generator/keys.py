"""When what a build saved may be reused: the keys of the code and the site, the output folder's identity.

- `code_key`: the generator's own source and the versions of the libraries that shape its
  output. Parsed papers are reused only under the same code.
- `site_key`: `code_key` plus the theme's files (their bytes and their names within the theme,
  so that a checkout elsewhere has the same key), the config and the build options. The record
  of written files is reused only under the same site key.
- `build_token`: the site key plus the digest of every content file: what the output's bytes
  follow from. It is written into the output folder's marker (see `outdir`) and recorded in the
  cache, so that the record is trusted only for a folder holding the site it describes: the folder
  the last build left (same device, inode and modification time, `folder_id`), or a copy of it
  that holds the same files (restored by a CI cache, where every inode and time is new). A folder
  someone replaced is rebuilt from scratch.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

LIBRARIES = ("jinja2", "markdown", "nh3", "pyyaml", "python-slugify", "markupsafe")
GENERATOR_DIR = Path(__file__).resolve().parent


def code_key() -> bytes:
    """The generator's source (the cache's format included) and the libraries' versions."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(GENERATOR_DIR.rglob("*.py")):
        digest.update(path.relative_to(GENERATOR_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        digest.update(f"{name}={_version(name)}".encode())
    return digest.digest()


def site_key(code: bytes, theme_dirs: list[Path], settings: object) -> bytes:
    """`code` plus every file of the theme folders and the repr of the settings (config, options)."""
    digest = hashlib.blake2b(code, digest_size=16)
    for n, folder in enumerate(theme_dirs):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(os.fsencode(f"{n}:{path.relative_to(folder).as_posix()}\0") + path.read_bytes())
    digest.update(repr(settings).encode())
    return digest.digest()


def build_token(site: bytes, files: Iterable[tuple[str, bytes]]) -> str:
    """The site key and every content file's (name, digest), as hex: equal tokens, equal sites.

    Names without their folders: a paper's folder is not part of its pages (`broadsheet tidy`
    moves files between folders and the site stays byte for byte the same)."""
    digest = hashlib.blake2b(site, digest_size=16)
    for name, file_digest in sorted(files):
        digest.update(os.fsencode(name) + b"\0" + file_digest)  # a name need not be UTF-8: its bytes
    return digest.hexdigest()


def folder_id(folder: Path) -> tuple[int, int, int] | None:
    """Which folder this is, and when an entry was last added to it or removed from it: a folder
    that someone replaced, or whose top level someone changed, has another id. The modification
    time tells a new folder that got the old one's inode number apart from it."""
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"
