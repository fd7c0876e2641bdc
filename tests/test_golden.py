"""The site does not change by accident: every output file, byte for byte, against a committed manifest.

Two sites are built cold with search, as `broadsheet build` does: the seed content and a generated corpus
(`bench/corpus.py`, deterministic). The seed is imported again from the copied listing page `content/` began
with (`tests/fixtures/seed-listing.txt`), so papers that the daily scrape or a contributor adds to `content/`
do not change it. Each output file's SHA-256 is compared with the manifest
in `tests/fixtures/golden/`; a failure names every file that is missing, extra or different.

After a change that is meant to change the site, regenerate the manifests and commit them with the change:

    make golden        # or: .venv/bin/python -m tests.test_golden
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from generator.outdir import MARKER

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"
CORPUS_PAPERS = 300
SEED_LISTING, SEED_DAY = REPO / "tests" / "fixtures" / "seed-listing.txt", "2025-10-29"
CONFIG = ("--config", REPO / "site.yaml")
SITES = ("seed", f"corpus-{CORPUS_PAPERS}")
# A real build of either site has hundreds of files; fewer means a broken build or a truncated manifest.
MIN_FILES = 200
REQUIRED = ("index.html", "feed.xml", "sitemap.xml", "pagefind/pagefind.js")


def manifest_of(folder: Path) -> dict[str, str]:
    """Every regular file under folder (relative POSIX path) -> the SHA-256 of its bytes.

    Not the output marker: it names the build (a digest of the code among the rest), so it changes with
    every change to the code, even one that leaves the site as it was."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MARKER
    }


def manifest_text(manifest: Mapping[str, str]) -> str:
    """The `sha256sum` format, sorted by path, so that `sha256sum -c` can check a folder too."""
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(manifest.items()))


def parse_manifest(text: str) -> dict[str, str]:
    pairs = (line.split("  ", 1) for line in text.splitlines() if line)
    return {path: digest for digest, path in pairs}


def differences(expected: Mapping[str, str], actual: Mapping[str, str]) -> list[str]:
    """One line per file that differs: 'missing', 'extra' or 'changed', sorted by path."""
    lines = []
    for path in sorted(expected.keys() | actual.keys()):
        if path not in actual:
            lines.append(f"missing {path}")
        elif path not in expected:
            lines.append(f"extra   {path}")
        elif expected[path] != actual[path]:
            lines.append(f"changed {path}")
    return lines


def check_plausible(name: str, manifest: Mapping[str, str]) -> None:
    """A manifest or build too small to mean anything fails rather than passes."""
    assert len(manifest) >= MIN_FILES, f"{name}: only {len(manifest)} files (at least {MIN_FILES} expected)"
    absent = [path for path in REQUIRED if path not in manifest]
    assert not absent, f"{name}: no {', '.join(absent)}"


def generator(*args: str | Path) -> subprocess.Popen[str]:
    """`python -m generator ARGS` in the repository (its site.yaml and themes/), output captured."""
    command = [sys.executable, "-m", "generator", *map(str, args)]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(what: str, process: subprocess.Popen[str]) -> None:
    console, _ = process.communicate()
    assert process.returncode == 0, f"{what} failed:\n{console}"


def seed_content(folder: Path) -> Path:
    """The 89 seed papers, byte for byte as content/ first held them (in one folder: where a file lives does
    not change the site)."""
    finish(
        "import-listing", generator("import-listing", SEED_LISTING, "--as-of", SEED_DAY, *CONFIG, "--content", folder)
    )
    return folder


def corpus_content(folder: Path) -> Path:
    script = [sys.executable, str(REPO / "bench" / "corpus.py"), str(CORPUS_PAPERS), str(folder)]
    subprocess.run(script, check=True, capture_output=True)
    return folder


def build_sites(work: Path) -> dict[str, Path]:
    """Build both sites cold (the two builds run at once) and return each one's output folder."""
    contents = {SITES[0]: seed_content(work / "seed-content"), SITES[1]: corpus_content(work / "corpus-content")}
    builds = {
        name: generator("build", "-q", "--no-cache", *CONFIG, "--content", content, "--output", work / name)
        for name, content in contents.items()
    }
    for name, process in builds.items():
        finish(f"building {name}", process)
    return {name: work / name for name in builds}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    outputs = build_sites(tmp_path_factory.mktemp("golden"))
    return {name: manifest_of(folder) for name, folder in outputs.items()}


@pytest.mark.parametrize("site", SITES)
def test_output_matches_the_golden_manifest(built: dict[str, dict[str, str]], site: str) -> None:
    expected = parse_manifest((GOLDEN / f"{site}.sha256").read_text(encoding="utf-8"))
    check_plausible(f"tests/fixtures/golden/{site}.sha256", expected)
    check_plausible(f"the build of {site}", built[site])
    changed = differences(expected, built[site])
    assert not changed, (
        f"{site}: {len(changed)} of {len(expected)} output files differ from tests/fixtures/golden/{site}.sha256 "
        "(if the change is intended: make golden, and commit the manifests)\n" + "\n".join(changed[:40])
    )


def test_a_changed_missing_or_extra_file_is_named(tmp_path: Path) -> None:
    for name, text in {"index.html": "<p>a</p>", "feed.xml": "<rss/>", "papers/x/index.html": "x"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    before = parse_manifest(manifest_text(manifest_of(tmp_path)))
    (tmp_path / "index.html").write_text("<p>b</p>")
    (tmp_path / "feed.xml").unlink()
    (tmp_path / "new.txt").write_text("")
    assert differences(before, manifest_of(tmp_path)) == ["missing feed.xml", "changed index.html", "extra   new.txt"]


def test_an_empty_or_small_manifest_fails() -> None:
    with pytest.raises(AssertionError, match="only 0 files"):
        check_plausible("empty", {})
    many = {f"papers/{n}/index.html": "0" * 64 for n in range(MIN_FILES)}
    with pytest.raises(AssertionError, match="no index.html"):
        check_plausible("no home page", many)


def regenerate() -> None:
    """Rebuild both sites and rewrite their manifests (`make golden`)."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for name, folder in build_sites(Path(work)).items():
            manifest = manifest_of(folder)
            check_plausible(name, manifest)
            (GOLDEN / f"{name}.sha256").write_text(manifest_text(manifest), encoding="utf-8")
            print(f"tests/fixtures/golden/{name}.sha256: {len(manifest)} files")


if __name__ == "__main__":
    regenerate()
