"""`broadsheet new DIR`: a ready archive of one's own, with the workflows that scrape, build and publish it.

The files come from generator/skeleton/ (package data). The workflows install the exact Broadsheet
release that wrote them (requirements.txt), so an archive moves to a new release only when its owner
merges the upgrade.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path

import generator
from generator import options
from generator.console import result
from generator.errors import UserError
from generator.fsutil import temporary_for, write_atomic

# Skeleton file -> where it goes in the new archive (dot-files are stored without their dot).
LAYOUT = {
    "site.yaml": "site.yaml",
    "README.md": "README.md",
    "gitignore": ".gitignore",
    "requirements.txt": "requirements.txt",
    "publish.yml": ".github/workflows/publish.yml",
    "tests.yml": ".github/workflows/tests.yml",
    "dependabot.yml": ".github/dependabot.yml",
}
PAPERS = Path("content/papers")
EXAMPLES = """examples:
  broadsheet new speech-papers --title "Papers on Speech" --topic speech "spoken language"
  broadsheet new robotics --topic robot --topic manipulation"""


def add_command(subparsers: argparse._SubParsersAction) -> None:
    """Register `new` on the `broadsheet` command line (called by cli.make_parser)."""
    parser = subparsers.add_parser(
        "new",
        help="start a new archive in DIR, ready to build and publish",
        description="Write a new archive into DIR (new or empty): site.yaml, content/papers/, a README "
        "and GitHub workflows that scrape, build and publish it with this Broadsheet release.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", type=Path, metavar="DIR", help="the folder to create (must be new or empty)")
    parser.add_argument("--title", type=options.text("--title"), help="the site's title (default: the folder's name)")
    parser.add_argument(
        "--topic",
        type=options.text("--topic"),
        action="extend",
        nargs="+",
        default=[],
        metavar="PHRASE",
        help="keep only papers whose title or abstract has one of these phrases (default: all)",
    )
    parser.set_defaults(func=cmd_new)


def cmd_new(args: argparse.Namespace) -> int:
    folder: Path = args.dir
    title = args.title or folder.resolve().name
    if not options.is_utf8(title):
        raise UserError("the folder's name is not UTF-8 text; give the site's title with --title", folder)
    written = create(folder, title, args.topic)
    result(
        args, f"created {len(written)} files in {folder}/; next: cd {folder} && broadsheet scrape && broadsheet build"
    )
    return 0


def create(folder: Path, title: str, topics: Sequence[str], version: str | None = None) -> list[Path]:
    """Write a new archive into `folder` (created if missing; refused unless empty, or holding only what an
    interrupted run with the same values wrote), pinned to `version` (this one's if None). The files written."""
    values = placeholders(title, topics, version or generator.__version__)
    from importlib import resources  # here: every command imports this module for its options, only `new` reads files

    skeleton = resources.files("generator") / "skeleton"
    files = {
        folder / target: fill(skeleton.joinpath(source).read_text(encoding="utf-8"), values)
        for source, target in LAYOUT.items()
    }
    files[folder / PAPERS / ".gitkeep"] = ""  # git keeps no empty folder
    for leftover in _check_empty(folder, files):
        leftover.unlink()
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    return list(files)


def _check_empty(folder: Path, files: dict[Path, str]) -> list[Path]:
    """Refuse a file, or a folder holding anything but the start of these `files`: a run killed part-way left
    some of them (and the temporary file of the one it was writing, returned), and running it again completes it."""
    if folder.exists() and not folder.is_dir():
        raise UserError("not a folder", folder)
    if not folder.is_dir():
        return []
    folders = {parent for path in files for parent in path.parents}
    found = list(folder.rglob("*"))
    temporary = [path for path in found if _temporary_of(path, files)]
    for path in found:
        begun = path in folders and not path.is_symlink() or path in temporary or _written(path, files)
        if not begun:
            raise UserError("folder is not empty; `broadsheet new` writes only into a new or empty folder", folder)
    return temporary


def _written(path: Path, files: dict[Path, str]) -> bool:
    return path in files and path.is_file() and not path.is_symlink() and path.read_bytes() == files[path].encode()


def _temporary_of(path: Path, files: dict[Path, str]) -> bool:
    """A temporary file `write_atomic` left beside one of `files` (`fsutil.temporary_for`)."""
    target = temporary_for(path.name)
    return target is not None and path.with_name(target) in files and path.is_file() and not path.is_symlink()


def placeholders(title: str, topics: Sequence[str], version: str) -> dict[str, str]:
    """The values of the skeleton's @NAME@ placeholders. YAML values are JSON strings (valid YAML),
    so a title or phrase with quotes, colons or `#` stays the text it was."""
    topic_block = (
        "topic:\n  include: [" + ", ".join(map(_yaml, topics)) + "]\n  exclude: []"
        if topics
        else ("# topic:\n#   include: [speech, audio, spoken]\n#   exclude: [music generation]")
    )
    return {
        "TITLE": _yaml(title),
        "TITLE_LINE": " ".join(title.split()),
        "DESCRIPTION": _yaml(
            "Research papers from Hugging Face Daily Papers" + (f" on {', '.join(topics)}." if topics else ".")
        ),
        "TOPIC": topic_block,
        "VERSION": version,
    }


def _yaml(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)


def fill(template: str, values: dict[str, str]) -> str:
    """Replace each @NAME@ with its value; a placeholder without a value is a bug in the skeleton."""

    def value(match: re.Match[str]) -> str:
        return values[match[1]]

    return re.sub(r"@([A-Z_]+)@", value, template)
