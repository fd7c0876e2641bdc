"""When what a build saved may be reused: the keys of the code and the site, the output folder's identity.

- `code_key`: the generator's own source and the versions of the libraries that shape its
  output. Parsed papers are reused only under the same code.
- `site_key`: `code_key` plus the theme's files, the config and the build options. The record
  of written files is reused only under the same site key, and only for the same output folder
  (same device, inode and modification time: a folder someone replaced is rebuilt from scratch).
"""

from __future__ import annotations

import hashlib
import os
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
    for folder in theme_dirs:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    digest.update(repr(settings).encode())
    return digest.digest()


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
