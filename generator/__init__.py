"""Broadsheet: a static archive of the papers listed on Hugging Face Daily Papers."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path


def _version() -> str:
    """The one version, pyproject.toml's, as the installed metadata carries it (or, in a checkout
    run without installing, as pyproject.toml says)."""
    try:
        return metadata.version("broadsheet")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])


__version__ = _version()
