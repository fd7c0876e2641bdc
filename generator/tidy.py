"""`broadsheet tidy`: move each paper file to the folder it belongs in, content/papers/<YYYY>/<MM>/.

Older archives filed papers by year only; GitHub's web view lists only the first 1,000 entries of a
folder. Only the folder changes, never a file's name or bytes (so git records the moves as renames,
and the site does not change: URLs come from ids, not paths). A move never overwrites: a file already
at the target stops the whole run before anything moves. Each move is one hard link and one unlink
(or a rename where links are not supported), so a killed run leaves every file whole; a run after it
finishes the move it interrupted. A paper that is a symlink moves as a symlink to the same file (a
relative one is re-aimed from its new folder).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from generator import options
from generator.errors import UserError
from generator.loader import PAPERS_DIR, load_content
from generator.store import paper_path

PROG = "broadsheet"


@dataclass(frozen=True)
class Move:
    source: Path
    target: Path


def plan_moves(content_dir: Path) -> list[Move]:
    """The moves that put every readable paper in its month folder. Files the loader cannot read
    stay where they are (`broadsheet check` names them). Raises UserError on a clash."""
    moves = []
    for paper in load_content(content_dir).papers:
        source = Path(paper.source_path)
        target = paper_path(content_dir, paper.id, paper.archive_date)
        if source != target:
            moves.append(Move(source, target))
    _refuse_clashes(moves)
    return sorted(moves, key=lambda m: str(m.source))


def _refuse_clashes(moves: list[Move]) -> None:
    seen: dict[Path, Path] = {}
    for move in moves:
        other = seen.setdefault(move.target, move.source)
        if other != move.source:
            raise UserError(f"{move.source} and {other} would both move to {move.target}; nothing moved", "tidy")
        if move.target.is_dir():
            raise UserError(f"{move.source} would move to {move.target}, which is a folder; nothing moved", "tidy")
        if move.target.exists() and not _same_bytes(move.source, move.target):
            raise UserError(f"{move.source} would replace another file, {move.target}; nothing moved", "tidy")


def _same_bytes(a: Path, b: Path) -> bool:
    """True when `b` is `a` left behind by an interrupted move."""
    return a.read_bytes() == b.read_bytes()


def apply(move: Move) -> None:
    """Move one file without ever replacing another (a left-over identical copy aside)."""
    move.target.parent.mkdir(parents=True, exist_ok=True)
    if move.target.exists():  # checked identical by plan_moves: an interrupted move
        move.source.unlink()
        return
    if move.source.is_symlink():
        _relink(move)
        return
    try:
        os.link(move.source, move.target)
    except FileExistsError:
        raise UserError(f"{move.target} appeared while tidying; {move.source} not moved", "tidy") from None
    except OSError:  # no hard links here (some network or FAT file systems)
        if move.target.exists():
            raise
        os.replace(move.source, move.target)
        return
    move.source.unlink()


def _relink(move: Move) -> None:
    """Move a symlink: a new one at the target to the same file, then the old one goes. A link, unlike
    the file it names, is not moved by its bytes: moved as it is, a relative one would name nothing."""
    aim = os.readlink(move.source)
    if not os.path.isabs(aim):
        aim = os.path.relpath(os.path.join(move.source.parent, aim), move.target.parent)
    try:
        move.target.symlink_to(aim)
    except FileExistsError:
        raise UserError(f"{move.target} appeared while tidying; {move.source} not moved", "tidy") from None
    move.source.unlink()


def prune(content_dir: Path, moves: list[Move]) -> None:
    """Remove the folders the moves left empty (never papers/ itself)."""
    top = Path(content_dir) / PAPERS_DIR
    for folder in sorted({m.source.parent for m in moves}, key=lambda p: -len(p.parts)):
        while folder != top and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def add_command(sub: argparse._SubParsersAction) -> None:
    about = "move paper files into their month folders, content/papers/YYYY/MM/"
    p = options.command(
        sub, "tidy", about, f"{PROG} tidy --dry-run", f"{PROG} tidy", f"{PROG} tidy --content ../papers"
    )
    options.add_content(p, options.existing_folder("content folder"))
    p.add_argument("--dry-run", action="store_true", help="print the moves; move nothing")
    p.set_defaults(func=cmd_tidy)


def cmd_tidy(args: argparse.Namespace) -> int:
    moves = plan_moves(args.content)
    verb = "would move" if args.dry_run else "moved"
    for move in moves:
        if not args.dry_run:
            apply(move)
        if args.verbosity >= 0:
            print(f"{verb} {move.source} -> {move.target}")
    if not args.dry_run:
        prune(args.content, moves)
    if args.verbosity >= 0:
        print(f"{verb} {len(moves)} file(s)" + ("; nothing moved (--dry-run)" if args.dry_run else ""))
    return 0
