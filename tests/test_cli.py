"""The `broadsheet` command as a user runs it: a real subprocess, real files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, REPO, paper_file, write_content


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_check_lists_every_problem_as_path_line_message(content):
    write_content(content, "2024/a.md", "---\ntitle: A\nupvotes: -1\n---\n")
    write_content(content, "2024/b.md", "---\nid: b\n---\n")
    result = run("check", "--content", str(content))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"{content}/papers/2024/a.md:3: upvotes: expected a whole number >= 0, got -1" in lines
    assert f"{content}/papers/2024/b.md:1: title: missing (required)" in lines
    assert "2 error(s)" in result.stdout


def test_check_passes_on_the_shipped_content():
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert "0 error(s)" in result.stdout


def test_build_with_base_url_and_failed_build_message(tmp_path, content):
    write_content(content, "2024/x.md", paper_file("x", "X", "published: 2024-01-01\n"))
    output = tmp_path / "out"
    cache = ["--cache", str(tmp_path / "cache")]  # not the repository's own .cache/
    ok = run("build", "--content", str(content), "--output", str(output), "--base-url", "https://h.example/sub", *cache)
    assert ok.returncode == 0, ok.stderr
    assert 'href="/sub/papers/x/"' in (output / "index.html").read_text(encoding="utf-8")
    write_content(content, "2024/y.md", "---\ntitle: Y\nlisted: yesterday\n---\n")
    failed = run("build", "--content", str(content), "--output", str(output), *cache)
    assert failed.returncode == 1
    assert "left as it was" in failed.stderr and "y.md:3: listed" in failed.stderr


def test_bad_site_yaml_is_reported_with_its_line(tmp_path, content):
    (tmp_path / "site.yaml").write_text("title: T\nper_page: none\n")
    result = run("check", "--content", str(content), cwd=tmp_path)
    assert result.returncode == 1
    assert "site.yaml:2: per_page" in result.stderr


def test_import_listing_command(tmp_path):
    content = tmp_path / "content"
    result = run("import-listing", str(FIXTURES / "seed-listing.txt"), "--as-of", "2025-10-29", "--content", str(content))
    assert result.returncode == 0, result.stderr
    assert "89 added" in result.stdout
    assert len(list((content / "papers").rglob("*.md"))) == 89
