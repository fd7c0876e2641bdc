"""`broadsheet new`: a ready archive that builds at once, with hardened workflows that pin this release."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import __version__, scaffold
from generator.config import SiteConfig, load_config
from generator.errors import UserError
from tests.conftest import REPO, paper_file, write_content
from tests.test_html_valid import run_vnu
from tests.test_workflows import USES, load, run_actionlint, run_zizmor, triggers

EXPECTED = {
    "site.yaml",
    "README.md",
    ".gitignore",
    "requirements.txt",
    "content/papers/.gitkeep",
    ".github/workflows/publish.yml",
    ".github/workflows/tests.yml",
    ".github/dependabot.yml",
}


def broadsheet(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`broadsheet new` run for real, with a title and two topics (one given twice, as --topic A B)."""
    where = tmp_path_factory.mktemp("new")
    done = broadsheet(
        "new",
        "speech",
        "--title",
        'Papers on "Speech": #1',
        "--topic",
        "speech",
        "spoken language",
        "--topic",
        "audio",
        cwd=where,
    )
    assert done.returncode == 0, done.stderr
    assert "broadsheet build" in done.stdout
    return where / "speech"


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_new_writes_the_archive(archive: Path):
    assert files_in(archive) == EXPECTED
    assert (archive / "content/papers").is_dir()
    readme = (archive / "README.md").read_text(encoding="utf-8")
    assert readme.startswith('# Papers on "Speech": #1\n')
    for needed in ("broadsheet scrape", "broadsheet build", "Pages", "GitHub Actions", "requirements.txt"):
        assert needed in readme, needed
    assert "/output/" in (archive / ".gitignore").read_text(encoding="utf-8").split()


def test_site_yaml_reads_back_with_the_title_and_topics(archive: Path):
    config = load_config(root=archive)
    assert config.title == 'Papers on "Speech": #1'
    assert config.topic.include == ("speech", "spoken language", "audio")
    assert config.topic.exclude == ()
    assert config.theme == "default" and config.per_page == SiteConfig().per_page


def test_site_yaml_names_and_explains_every_key(archive: Path):
    text = (archive / "site.yaml").read_text(encoding="utf-8")
    keys = [f.name for f in dataclasses.fields(SiteConfig) if f.name not in ("root", "warnings")]  # not settings
    for key in keys:
        line = re.search(rf"^(# )?{key}:", text, re.MULTILINE)
        assert line, f"site.yaml does not mention {key}"
        # The key's paragraph (the lines since the last blank one) opens with a comment on it.
        paragraph = text[: line.start()].rsplit("\n\n", 1)[-1]
        assert paragraph.startswith("# "), f"{key} is not explained"


def test_without_topics_the_filter_is_an_example_only(tmp_path: Path):
    scaffold.create(tmp_path / "all", "All papers", [])
    config = load_config(root=tmp_path / "all")
    assert config.topic.include == () and config.title == "All papers"
    assert "# topic:" in (tmp_path / "all/site.yaml").read_text(encoding="utf-8")


def test_requirements_pin_exactly_this_release(archive: Path):
    lines = [
        line
        for line in (archive / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert lines == [f"broadsheet=={__version__}"]


def test_every_workflow_installs_from_the_pin_never_a_branch_or_a_bare_name(archive: Path):
    for path in (archive / ".github/workflows").glob("*.yml"):
        installs = [
            step["run"]
            for job in load(path)["jobs"].values()
            for step in job.get("steps", [])
            if "pip install" in step.get("run", "")
        ]
        assert installs, path.name
        for run in installs:
            assert re.fullmatch(r"python -m pip install -r requirements\.txt\s*", run), (path.name, run)
        text = path.read_text(encoding="utf-8")
        assert "git+" not in text and "@main" not in text and "pip install broadsheet" not in text


def test_the_workflows_pass_actionlint_and_zizmor(archive: Path):
    workflows = sorted((archive / ".github/workflows").glob("*.yml"))
    assert [p.name for p in workflows] == ["publish.yml", "tests.yml"]
    lint = run_actionlint(str(archive / ".github/workflows/*.yml"))
    assert "Checking 2 workflow file(s)" in lint.stdout + lint.stderr and lint.returncode == 0, lint.stdout
    audit = run_zizmor(*workflows, archive / ".github/dependabot.yml")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert json.loads(audit.stdout) == []


def test_the_workflows_are_hardened_like_this_repositorys(archive: Path):
    for path in (archive / ".github/workflows").glob("*.yml"):
        workflow = load(path)
        assert workflow["permissions"] == {}, path.name
        for name, job in workflow["jobs"].items():
            assert isinstance(job.get("permissions"), dict), (path.name, name)
            for step in job.get("steps", []):
                assert "${{" not in step.get("run", ""), (path.name, step.get("name"))
    writes = {
        (path.name, name): {s for s, level in job["permissions"].items() if level == "write"}
        for path in (archive / ".github/workflows").glob("*.yml")
        for name, job in load(path)["jobs"].items()
    }
    assert writes == {
        ("publish.yml", "scrape"): {"contents"},
        ("publish.yml", "build"): set(),
        ("publish.yml", "deploy"): {"pages", "id-token"},
        ("tests.yml", "content"): set(),
    }


def test_the_workflows_pin_the_same_action_commits_as_this_repository(archive: Path):
    """Dependabot updates this repository's pins; this fails until generator/skeleton/ follows."""

    def pins(folder: Path) -> dict[str, str]:
        found = {}
        for path in folder.glob("*.yml"):
            for line in path.read_text(encoding="utf-8").splitlines():
                if match := USES.match(line):
                    action, _, sha = match[1].partition("@")
                    found[action] = sha
        return found

    ours, theirs = pins(REPO / ".github/workflows"), pins(archive / ".github/workflows")
    assert theirs and {action: ours[action] for action in theirs} == theirs


def test_the_scrape_and_commit_steps_are_this_repositorys(archive: Path):
    """The archive's Publish workflow is this repository's, but for the install step and paths."""
    ours, theirs = load(REPO / ".github/workflows/publish.yml"), load(archive / ".github/workflows/publish.yml")
    for job in ("scrape", "build", "deploy"):
        runs = [
            [s.get("run") for s in wf["jobs"][job]["steps"] if "pip install" not in s.get("run", "")]
            for wf in (ours, theirs)
        ]
        assert runs[0] == runs[1], job
    assert triggers(ours)["schedule"] == triggers(theirs)["schedule"]


def test_dependabot_proposes_broadsheet_and_action_upgrades_weekly(archive: Path):
    config = yaml.safe_load((archive / ".github/dependabot.yml").read_text(encoding="utf-8"))
    assert {u["package-ecosystem"] for u in config["updates"]} == {"pip", "github-actions"}
    assert config["multi-ecosystem-groups"]["weekly"]["schedule"]["interval"] == "weekly"
    assert all(u["multi-ecosystem-group"] == "weekly" for u in config["updates"])


def test_an_empty_archive_checks_builds_and_says_it_is_empty(archive: Path, tmp_path: Path):
    checked = broadsheet("check", cwd=archive)
    assert checked.returncode == 0, checked.stderr
    assert "checked 0 files: 0 error(s)" in checked.stdout
    built = broadsheet("build", "--output", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), cwd=archive)
    assert built.returncode == 0, built.stderr
    home = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert "<title>Papers on &#34;Speech&#34;: #1</title>" in home
    assert "No papers yet." in home
    errors = [m for m in run_vnu([tmp_path / "out/index.html"]) if m["type"] in ("error", "non-document-error")]
    assert errors == []


def test_the_archive_builds_what_it_is_given(tmp_path: Path):
    scaffold.create(tmp_path / "mine", "Mine", ["speech"])
    write_content(
        tmp_path / "mine/content", "2024/a.md", paper_file("2401.00001", "Spoken words", "listed: 2024-01-01\n")
    )
    built = broadsheet("build", "--no-search", "--no-cache", cwd=tmp_path / "mine")
    assert built.returncode == 0, built.stderr
    assert "Spoken words" in (tmp_path / "mine/output/index.html").read_text(encoding="utf-8")


def test_a_non_empty_folder_is_refused_and_left_as_it_was(tmp_path: Path):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        scaffold.create(folder, "Taken", [])
    assert caught.value.where == str(folder)
    done = broadsheet("new", str(folder), cwd=tmp_path)
    assert done.returncode == 1
    assert "not empty" in done.stderr
    assert files_in(folder) == {"notes.txt"}
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_a_run_killed_part_way_is_completed_by_running_it_again(tmp_path: Path):
    whole = tmp_path / "whole"
    scaffold.create(whole, "Mine", ["speech"])
    folder = tmp_path / "mine"  # as `new` killed while writing its third file leaves it
    for name in ("site.yaml", "README.md"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes((whole / name).read_bytes())
    (folder / "..gitignore.0123456789ab.tmp").write_text("__pyc", encoding="utf-8")
    done = broadsheet("new", "mine", "--title", "Mine", "--topic", "speech", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert files_in(folder) == EXPECTED
    assert all((folder / name).read_bytes() == (whole / name).read_bytes() for name in EXPECTED)


def test_a_file_of_another_run_is_not_overwritten(tmp_path: Path):
    scaffold.create(tmp_path / "mine", "Mine", [])
    (tmp_path / "mine/.github").rename(tmp_path / "github")  # as if that run had not written it yet
    with pytest.raises(UserError, match="not empty"):
        scaffold.create(tmp_path / "mine", "Another title", [])
    assert "Mine" in (tmp_path / "mine/site.yaml").read_text(encoding="utf-8")


def test_a_file_in_the_way_is_refused(tmp_path: Path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match="not a folder"):
        scaffold.create(tmp_path / "file", "X", [])


def test_an_empty_folder_is_fine(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    written = scaffold.create(tmp_path / "empty", "Empty", [])
    assert {p.relative_to(tmp_path / "empty").as_posix() for p in written} == EXPECTED


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--title", "Caf\udce9"], "'Caf\\udce9' is not UTF-8 text (set the terminal to UTF-8) (--title)"),
        (["--topic", "speech", "caf\udce9"], "'caf\\udce9' is not UTF-8 text (set the terminal to UTF-8) (--topic)"),
        (["--title", "A\x01"], "'A\\x01' has a character no page can carry, U+0001 (--title)"),
    ],
)
def test_a_title_or_topic_a_page_cannot_carry_is_one_line_and_writes_nothing(tmp_path: Path, args, line):
    """Words from a terminal in Latin-1 were an unexpected UnicodeEncodeError after the folder was made;
    a control character made a site.yaml that no later command could read."""
    done = broadsheet("new", "mine", *args, cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"broadsheet: error: {line}\n")
    assert not (tmp_path / "mine").exists()


def test_a_folder_name_that_is_not_utf8_needs_a_title(tmp_path: Path):
    done = broadsheet("new", "caf\udce9", cwd=tmp_path)
    assert done.returncode == 1 and "give the site's title with --title" in done.stderr
    assert list(tmp_path.iterdir()) == []
    named = subprocess.run(  # bytes: its line names the folder, which is not UTF-8
        [sys.executable, "-m", "generator", "new", "caf\udce9", "--title", "Caf\u00e9"],
        cwd=tmp_path,
        capture_output=True,
    )
    assert named.returncode == 0, named.stderr
    assert load_config(root=tmp_path / "caf\udce9").title == "Caf\u00e9"


def test_quiet_new_prints_nothing(tmp_path: Path):
    """-q is errors only, as for every other command: the closing line was printed anyway."""
    done = broadsheet("new", "-q", "mine", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert (tmp_path / "mine" / "site.yaml").is_file()


def test_new_has_help_with_examples(tmp_path: Path):
    done = broadsheet("new", "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "--topic PHRASE" in done.stdout and "examples:" in done.stdout
