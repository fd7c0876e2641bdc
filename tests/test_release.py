"""The release workflow's structure and the script that checks a tag and gives its notes, run for real."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_workflows import load, step_named, steps, triggers

RELEASE = REPO / ".github/workflows/release.yml"
VERSION_CHECK = "scripts/release-notes"


@pytest.fixture(scope="module")
def jobs() -> dict:
    return load(RELEASE)["jobs"]


def needs(job: dict) -> set[str]:
    value = job.get("needs", [])
    return {value} if isinstance(value, str) else set(value)


def upstream(jobs: dict, name: str) -> set[str]:
    """Every job that must succeed before `name` starts."""
    found: set[str] = set()
    for parent in needs(jobs[name]):
        found |= {parent} | upstream(jobs, parent)
    return found


def test_a_pushed_v_tag_and_nothing_else_triggers_it():
    assert triggers(load(RELEASE)) == {"push": {"tags": ["v*"]}}


def test_the_tag_is_checked_before_anything_is_built(jobs):
    build = jobs["build"]
    i_check, check = step_named(build, VERSION_CHECK)
    i_build, _ = step_named(build, "python -m build")
    assert i_check < i_build
    assert check["env"]["TAG"] == "${{ github.ref_name }}" and '"$TAG"' in check["run"]
    assert not needs(build), "the first job"


def test_the_files_are_built_once_and_handed_on(jobs):
    builds = [name for name, job in jobs.items() for step in steps(job) if "python -m build" in step.get("run", "")]
    assert builds == ["build"]
    _, upload = step_named(jobs["build"], "actions/upload-artifact@")
    for name in ("smoke", "test", "publish", "github-release"):
        _, download = step_named(jobs[name], "actions/download-artifact@")
        assert download["with"]["name"] == upload["with"]["name"], name


def test_publish_only_after_the_smoke_test_and_the_suite_pass_on_the_wheel(jobs):
    assert {"build", "smoke", "test"} <= upstream(jobs, "publish")
    assert "publish" in upstream(jobs, "github-release")
    for name in ("publish", "github-release"):
        assert "if" not in jobs[name], f"{name} must not run after a failure"
    _, smoke = step_named(jobs["smoke"], "scripts/smoke-wheel")
    assert "dist/broadsheet-*.whl" in smoke["run"]
    _, install = step_named(jobs["test"], "pip install --no-deps dist/broadsheet-*.whl")
    assert "-e ." not in install["run"] and "pip install ." not in install["run"], "the wheel, not the checkout"
    _, suite = step_named(jobs["test"], "pytest")
    assert "export BROADSHEET_WHEEL" in suite["run"]
    assert ".venv/bin/pytest --import-mode=append" in suite["run"], "installed packages come before the checkout"


def test_trusted_publishing_with_id_token_in_that_job_only(jobs):
    publish = jobs["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"] == "pypi"
    _, step = step_named(publish, "pypa/gh-action-pypi-publish@")
    assert "with" not in step or not {"password", "user"} & set(step["with"]), "no token secrets"
    assert "secrets." not in RELEASE.read_text(encoding="utf-8")
    for name, job in jobs.items():
        if name != "publish":
            assert "id-token" not in job["permissions"], name


def test_permissions_per_job(jobs):
    assert load(RELEASE)["permissions"] == {}
    writes = {name: {s for s, level in job["permissions"].items() if level == "write"} for name, job in jobs.items()}
    assert writes == {
        "build": set(),
        "smoke": set(),
        "test": set(),
        "publish": {"id-token"},
        "github-release": {"contents"},
    }


def test_no_cache_in_a_release(jobs):
    """What is published is built from the tag and the lock alone (zizmor's cache-poisoning audit)."""
    for job in jobs.values():
        for step in steps(job):
            assert "actions/cache@" not in step.get("uses", "")
            assert "cache" not in step.get("with", {}), step.get("name")


def test_the_github_release_carries_the_changelog_entry_and_the_files(jobs):
    _, create = step_named(jobs["github-release"], "gh release create")
    assert 'scripts/release-notes "$TAG" > notes.md' in create["run"]
    assert re.search(r'gh release create "\$TAG" dist/\* .*--notes-file notes\.md', create["run"])


# --- scripts/release-notes, run for real on a copy of the repository's files -------------------------


def release_notes(root: Path, tag: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / VERSION_CHECK), tag], capture_output=True, text=True, timeout=30, check=False
    )


@pytest.fixture
def release_tree(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / VERSION_CHECK, tmp_path / VERSION_CHECK)
    for name in ("pyproject.toml", "CHANGELOG.md"):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def set_version(root: Path, version: str) -> None:
    path = root / "pyproject.toml"
    path.write_text(re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', path.read_text()), encoding="utf-8")


def test_the_repositorys_version_has_its_changelog_entry():
    import generator

    done = release_notes(REPO, f"v{generator.__version__}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("The first release") and "### Added" in done.stdout
    assert not re.search(r"^## ", done.stdout, re.MULTILINE), "one entry only"


def test_a_tag_that_is_not_the_version_fails(release_tree: Path):
    set_version(release_tree, "1.2.3")
    done = release_notes(release_tree, "v1.2.4")
    assert done.returncode == 1
    assert "not v1.2.3" in done.stderr and done.stdout == ""


def test_a_version_without_a_changelog_entry_fails(release_tree: Path):
    set_version(release_tree, "9.9.9")
    done = release_notes(release_tree, "v9.9.9")
    assert done.returncode == 1 and "no entry" in done.stderr


def test_the_notes_are_that_entry_alone(release_tree: Path):
    set_version(release_tree, "2.0.0")
    changelog = release_tree / "CHANGELOG.md"
    # As a release does: what [Unreleased] gathered becomes the new version's entry.
    head, rest = changelog.read_text().split("## [Unreleased]\n", 1)
    older = rest[rest.index("\n## [") :]
    changelog.write_text(
        head + "## [Unreleased]\n\n## [2.0.0] - 2027-01-02\n\n### Changed\n- Breaking thing.\n" + older,
        encoding="utf-8",
    )
    done = release_notes(release_tree, "v2.0.0")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "### Changed\n- Breaking thing.\n"


def test_the_changelog_keeps_the_form():
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.MULTILINE)
    assert headings[0] == ("Unreleased", "")
    assert ("0.1.0", headings[-1][1]) == headings[-1] and headings[-1][1], "the first release, dated"
    assert "Keep a Changelog" in text and "Semantic Versioning" in text
