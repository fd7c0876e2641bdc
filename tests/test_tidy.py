"""`broadsheet tidy`: paper files move to content/papers/<YYYY>/<MM>/ as renames, the site stays
byte-identical, and nothing is ever overwritten."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import build
from generator.config import SiteConfig
from generator.loader import load_content
from tests.conftest import REPO, paper_file, write_content


def tidy(content: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "generator", "tidy", "--content", str(content), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def by_name(content: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (content / "papers").rglob("*.md")}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """This repository's content filed by year only, as before month folders, plus a paper deep down."""
    content = tmp_path / "content"
    for path in (REPO / "content" / "papers").rglob("*.md"):
        folder = path.relative_to(REPO / "content" / "papers").parts[0]  # a year, or undated
        (content / "papers" / folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, content / "papers" / folder / path.name)
    write_content(content, "2025/2510.00001.md", paper_file("2510.00001", "Year only", "listed: 2025-10-03\n"))
    write_content(content, "misc/a/b/2402.00002.md", paper_file("2402.00002", "Deep", "published: 2024-02-29\n"))
    return content


def site(content: Path, root: Path, name: str) -> dict[str, bytes]:
    output = root / name
    build(content, output, SiteConfig(root=root), jobs=1, search=False, cache_dir=None)
    return files(output)


def test_tidy_moves_files_as_renames_and_the_site_is_byte_identical(archive, site_root):
    before, names = site(archive, site_root, "before"), by_name(archive)

    def git(*a: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(archive), *a], capture_output=True, text=True, check=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x", "--allow-empty")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "content")
    result = tidy(archive)
    assert result.returncode == 0, result.stderr
    moved = int(result.stdout.splitlines()[-1].split()[1])
    undated = len(list((archive / "papers" / "undated").glob("*.md")))
    assert moved == len(names) - undated == len(load_content(archive).papers) - undated > 80  # all but undated/
    assert by_name(archive) == names  # the same files, byte for byte
    papers = load_content(archive).papers
    for paper in papers:
        folder = Path(paper.source_path).parent.relative_to(archive / "papers")
        day = paper.archive_date
        assert str(folder) == (f"{day.year}/{day.month:02d}" if day else "undated"), paper.source_path
    assert (archive / "papers" / "2025" / "10" / "2510.00001.md").exists()
    assert not (archive / "papers" / "misc").exists()  # emptied folders go
    git("add", "-A")
    status = git("diff", "--cached", "-M", "--name-status").stdout.splitlines()
    assert len(status) == moved and all(line.startswith("R100\t") for line in status)
    assert site(archive, site_root, "after") == before
    again = tidy(archive)
    assert again.returncode == 0 and again.stdout.strip() == "moved 0 file(s)"


def test_dry_run_moves_nothing(archive):
    names = files(archive)
    result = tidy(archive, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would move " in result.stdout and "nothing moved (--dry-run)" in result.stdout
    assert files(archive) == names


def test_a_clash_is_one_line_and_moves_nothing(archive):
    write_content(archive, "2025/10/2510.00001.md", paper_file("2510.00001", "Another", "listed: 2025-10-03\n"))
    names = files(archive)
    result = tidy(archive)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "would replace another file" in result.stderr
    assert "2025/10/2510.00001.md" in result.stderr
    assert files(archive) == names


def test_a_folder_where_a_paper_would_go_is_one_line_naming_the_move(archive):
    (archive / "papers" / "2025" / "10" / "2510.00001.md").mkdir(parents=True)
    names = files(archive)
    result = tidy(archive)
    assert result.returncode == 1 and result.stdout == "" and result.stderr.count("\n") == 1
    assert "2025/2510.00001.md would move to " in result.stderr and "2510.00001.md, which is a folder" in result.stderr
    assert files(archive) == names


def test_an_interrupted_move_is_finished(archive):
    source = archive / "papers" / "2025" / "2510.00001.md"
    target = archive / "papers" / "2025" / "10" / "2510.00001.md"
    target.parent.mkdir(parents=True)
    target.write_bytes(source.read_bytes())  # linked, not yet unlinked
    result = tidy(archive)
    assert result.returncode == 0, result.stderr
    assert not source.exists() and target.exists()
    assert load_content(archive).errors == []


@pytest.mark.parametrize("absolute", [False, True])
def test_a_paper_that_is_a_symlink_still_names_its_file_after_the_move(archive, absolute):
    """Moved as it was, a relative link would name nothing, and its paper would drop out of the site."""
    shared = archive.parent / "shared" / "linked.md"
    shared.parent.mkdir()
    shared.write_text(paper_file("linked", "Linked", "published: 2024-01-02\n"))
    link = archive / "papers" / "linked.md"
    link.symlink_to(shared if absolute else Path("..", "..", "shared", "linked.md"))
    result = tidy(archive)
    assert result.returncode == 0, result.stderr
    moved = archive / "papers" / "2024" / "01" / "linked.md"
    assert not link.is_symlink() and moved.is_symlink() and moved.resolve() == shared.resolve()
    loaded = load_content(archive)
    assert any(p.id == "linked" for p in loaded.papers)
    assert not [p for p in loaded.problems if "symlink" in p.message]


def test_a_missing_content_folder_is_one_line(tmp_path):
    result = tidy(tmp_path / "nowhere")
    assert result.returncode == 1
    assert result.stderr == f"broadsheet: error: content folder not found ({tmp_path / 'nowhere'})\n"
