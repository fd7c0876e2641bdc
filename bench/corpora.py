"""The benchmark's corpora: generated once and kept, copied into a workspace per size.

Two ways to copy: `reset` makes a work copy equal to the generated corpus again, copying only what
differs (a user's machine, where file times persist); `checkout` copies everything anew with new
file times and inodes, as a CI runner's fresh checkout does.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def load_corpus_module():
    """bench/corpus.py, imported by path (bench/hugo/ must not shadow the `hugo` package)."""
    spec = importlib.util.spec_from_file_location("bench_corpus", BENCH / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = load_corpus_module()


@dataclass(frozen=True)
class Workspace:
    """The folders of one corpus size: a work copy of the corpus, and each tool's output and cache."""

    n: int
    pristine: Path
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    def path(self, name: str) -> Path:
        return self.root / name

    def log(self, name: str) -> Path:
        return self.root / f"{name.replace(' ', '-')}.log"


def pristine_corpus(n: int, folder: Path) -> Path:
    """The corpus of `n` papers, generated once and kept (keyed by n and corpus.py's bytes)."""
    key = hashlib.sha256((BENCH / "corpus.py").read_bytes()).hexdigest()[:10]
    path = folder / f"{n}-{key}"
    if not path.exists():
        progress(f"generating {n:,} papers into {path} ...")
        partial = folder / f".{n}-{key}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        corpus.make_corpus(partial, n)
        partial.rename(path)
    return path


def reset(pristine: Path, work: Path) -> None:
    """Make `work` a copy of `pristine` again, copying only the files that differ."""
    if not work.exists():
        shutil.copytree(pristine, work)
        return
    want, have = file_stats(pristine), file_stats(work)
    for rel in have.keys() - want.keys():
        (work / rel).unlink()
    for rel, stat in want.items():
        if have.get(rel) != stat:
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(pristine / rel, work / rel)


def checkout(source: Path, target: Path) -> None:
    """`target` made anew as a copy of `source` with new inodes and file times (`cp -r`, no -p),
    as a fresh checkout or an actions/cache restore gives."""
    remove(target)
    if source.exists():
        subprocess.run(["cp", "-r", str(source), str(target)], check=True)


def file_stats(folder: Path) -> dict[str, tuple[int, int]]:
    stats = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            st = os.stat(os.path.join(dirpath, name))
            stats[os.path.relpath(os.path.join(dirpath, name), folder)] = (st.st_size, st.st_mtime_ns)
    return stats


def remove(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
