"""The `broadsheet` command as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from generator import cli
from generator.search import SearchIndexError
from tests.conftest import FIXTURES, REPO, ctrl_c_as_in_a_terminal, paper_file, write_content
from tests.sitecheck import tree_snapshot


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=120
    )


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


def test_a_build_ends_its_process_without_freeing_what_it_made_and_says_everything(tmp_path):
    """`cli.run` ends the process at once after a build (nothing runs at Python's exit), not after another command;
    what the build printed is all there, and the site is whole."""
    code = "import atexit; atexit.register(print, 'python exited'); from generator.cli import run; run()"
    build = ["build", "--output", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), "--no-search", "--timings"]
    done = subprocess.run([sys.executable, "-c", code, *build], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("built ") and lines[-1].endswith("save the cache") and "python exited" not in lines
    assert tree_snapshot(tmp_path / "out") == tree_snapshot(built_again(tmp_path / "again"))
    checked = subprocess.run(
        [sys.executable, "-c", code, "check"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0 and checked.stdout.splitlines()[-1] == "python exited"


def built_again(output: Path) -> Path:
    assert run("build", "--output", str(output), "--no-search", "--no-cache").returncode == 0
    return output


def test_bad_site_yaml_is_reported_with_its_line(tmp_path, content):
    (tmp_path / "site.yaml").write_text("title: T\nper_page: none\n")
    result = run("check", "--content", str(content), cwd=tmp_path)
    assert result.returncode == 1
    assert "site.yaml:2: per_page" in result.stderr


@pytest.mark.parametrize("command", ["build", "check"])
def test_an_unknown_site_yaml_key_is_a_warning_with_its_line(site, command):
    """A misspelt key would otherwise be dropped without a word, its setting silently the default."""
    (site / "themes").symlink_to(REPO / "themes")
    (site / "site.yaml").write_text("title: T\nper_pgae: 10\n")
    result = run(command, *(["--no-search", "--jobs", "1"] if command == "build" else []), cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "site.yaml:2: warning: per_pgae: unknown key (ignored)\n"
    assert run("-q", command, cwd=site).stderr == ""


def test_import_listing_command(tmp_path):
    content = tmp_path / "content"
    result = run(
        "import-listing", str(FIXTURES / "seed-listing.txt"), "--as-of", "2025-10-29", "--content", str(content)
    )
    assert result.returncode == 0, result.stderr
    assert "89 added" in result.stdout
    assert len(list((content / "papers").rglob("*.md"))) == 89


# SIGTERM sent by the process to itself while its third paper is on disk but not yet renamed into place.
TERMINATED_WHILE_WRITING = """
import os, signal, sys, time
from generator import cli

synced, fsync = [], os.fsync

def fsync_then_terminated(fd):
    fsync(fd)
    synced.append(fd)
    if len(synced) == 3:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)  # the signal arrives here

os.fsync = fsync_then_terminated
sys.argv = ["broadsheet", *sys.argv[1:]]
cli.run()
"""


def sigterm_as_by_default() -> None:
    """`preexec_fn`: SIGTERM at its default, whatever this process inherited."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def test_import_listing_stopped_by_sigterm_exits_143_leaving_no_temporary_file(tmp_path):
    """SIGTERM's default ended the process without unwinding: the write cut short left its `.tmp` beside the papers."""
    content = tmp_path / "content"
    args = ["import-listing", str(SEED), "--as-of", "2025-10-29", "--content", str(content)]
    done = subprocess.run(
        [sys.executable, "-c", TERMINATED_WHILE_WRITING, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=sigterm_as_by_default,
    )
    assert (done.returncode, done.stderr) == (143, "")
    assert [p.name for p in content.rglob("*") if p.is_file() and not p.name.endswith(".md")] == []
    assert len(list(content.rglob("*.md"))) == 2
    assert run("check", "--content", str(content)).returncode == 0


# -- one line per user error: each cause, the exact line, the exit status, nothing written --------

SEED = FIXTURES / "seed-listing.txt"
NOT_A_URL = "is not an absolute http(s) URL with a host, like https://USER.github.io/REPO/"


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file and folder under root, with the bytes of each file."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder with a content/ of one paper, where commands run."""
    write_content(tmp_path / "content", "2024/x.md", paper_file("x", "X", "published: 2024-01-01\n"))
    return tmp_path


def refused(site: Path, *args: str) -> str:
    """Run a command that must fail with one line and change nothing; returns that line."""
    before = snapshot(site)
    result = run(*args, cwd=site)
    assert result.returncode == 1, result
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert snapshot(site) == before
    return line


@pytest.mark.parametrize("command", ["build", "check", "serve", "tidy"])
def test_a_missing_content_folder_is_one_line(site, command):
    assert refused(site, command, "--content", "contnet") == "broadsheet: error: content folder not found (contnet)"


def test_the_default_content_folder_missing_is_one_line(tmp_path):
    assert refused(tmp_path, "build") == "broadsheet: error: content folder not found (content)"


def test_a_content_file_instead_of_a_folder_is_one_line(site):
    line = refused(site, "check", "--content", "content/papers/2024/x.md")
    assert line == "broadsheet: error: content folder is not a folder (content/papers/2024/x.md)"


def test_a_missing_config_file_is_one_line(site):
    assert refused(site, "check", "--config", "sit.yaml") == "broadsheet: error: config file not found (sit.yaml)"


@pytest.mark.parametrize("command", [["scrape"], ["add", "2509.24002"], ["resolve"]])
def test_the_scraper_checks_content_and_config_as_build_does(site, command):
    """One pair of --content/--config options: before any request, the same line as `check` prints."""
    line = refused(site, *command, "--content", "content/papers/2024/x.md")
    assert line == "broadsheet: error: content folder is not a folder (content/papers/2024/x.md)"
    assert refused(site, *command, "--config", "sit.yaml") == "broadsheet: error: config file not found (sit.yaml)"


@pytest.mark.parametrize("option", ["--date", "--since", "--until"])
def test_a_scrape_day_is_checked_as_import_listing_does(site, option):
    line = refused(site, "scrape", option, "2025-02-30")
    assert line == f"broadsheet: error: '2025-02-30' is not a day of the calendar ({option})"


def test_a_query_that_is_not_utf8_is_one_line(site):
    """From a terminal in Latin-1: it was an unexpected UnicodeEncodeError."""
    line = refused(site, "scrape", "--query", "caf\udce9")
    assert line == "broadsheet: error: 'caf\\udce9' is not UTF-8 text (set the terminal to UTF-8) (--query)"


@pytest.mark.parametrize("jobs", ["-1", "0", "two", "100000"])
def test_jobs_out_of_range_is_one_line(site, jobs):
    line = refused(site, "build", "--jobs", jobs)
    assert line == f"broadsheet: error: '{jobs}' is not a whole number from 1 to 1024 (--jobs)"


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_a_port_out_of_range_is_one_line(site, port):
    line = refused(site, "serve", "--port", port)
    assert line == f"broadsheet: error: '{port}' is not a whole number from 0 to 65535 (--port)"


def test_a_date_in_another_form_is_said_in_words(site):
    line = refused(site, "import-listing", str(SEED), "--as-of", "29-10-2025")
    assert line == "broadsheet: error: '29-10-2025' is not a date in the form YYYY-MM-DD, today or yesterday (--as-of)"
    line = refused(site, "import-listing", str(SEED), "--as-of", "2025-02-30")
    assert line == "broadsheet: error: '2025-02-30' is not a day of the calendar (--as-of)"


@pytest.mark.parametrize(("word", "back"), [("today", 0), ("Yesterday", 1)])
def test_import_listing_takes_the_day_it_was_copied_in_words(site, word, back):
    """A page copied today is imported with --as-of today; the words are the copier's own (local) days."""
    day = (dt.date.today() - dt.timedelta(days=back)).isoformat()
    said = run("import-listing", str(SEED), "--as-of", word, "--dry-run", cwd=site)
    given = run("import-listing", str(SEED), "--as-of", day, "--dry-run", cwd=site)
    assert said.returncode == 0, said.stderr
    assert said.stdout == given.stdout and len(said.stdout.splitlines()) == 90


@pytest.mark.parametrize("url", ["example.github.io/repo/", "ftp://x/", "https:///path/"])
def test_a_base_url_without_http_scheme_or_host_is_one_line(site, url):
    assert refused(site, "build", "--base-url", url) == f"broadsheet: error: '{url}' {NOT_A_URL} (--base-url)"


def test_a_base_url_in_site_yaml_without_scheme_is_reported_with_its_line(site):
    (site / "site.yaml").write_text("title: T\nbase_url: example.github.io/repo/\n", encoding="utf-8")
    line = refused(site, "build")
    assert line == f"site.yaml:2: base_url: 'example.github.io/repo/' {NOT_A_URL}"


def test_import_listing_of_a_missing_file_is_one_line(site):
    line = refused(site, "import-listing", "listing.txt", "--as-of", "2025-10-29")
    assert line == "broadsheet: error: listing file not found (listing.txt)"


def test_import_listing_of_a_file_that_is_not_utf8_is_one_line(site):
    (site / "listing.txt").write_bytes(SEED.read_bytes()[:200] + b"\xff\xfe caf\xe9\n")
    line = refused(site, "import-listing", "listing.txt", "--as-of", "2025-10-29")
    assert line == (
        "broadsheet: error: not UTF-8 text (byte 200): a listing is the text a browser copies (listing.txt)"
    )


def test_import_listing_of_a_readme_is_refused_and_writes_nothing(site):
    (site / "README.md").write_bytes((REPO / "README.md").read_bytes())
    line = refused(site, "import-listing", "README.md", "--as-of", "2025-10-29")
    assert line.startswith("broadsheet: error: not a Daily Papers listing: none of its ")
    assert line.endswith(
        " blocks of text read as a paper (a title, an abstract, then '• N authors' or a date) (README.md)"
    )


def test_import_listing_dry_run_names_the_papers_and_writes_nothing(site):
    before = snapshot(site)
    result = run("import-listing", str(SEED), "--as-of", "2025-10-29", "--dry-run", cwd=site)
    assert result.returncode == 0, result.stderr
    assert snapshot(site) == before
    lines = result.stdout.splitlines()
    assert len(lines) == 90
    assert (
        "would add content/papers/2023/10/reformulating-vision-language-foundation-models-and-datasets-towards-universal.md:"
        " Reformulating Vision-Language Foundation Models and Datasets Towards Universal Multimodal Assistants"
    ) in lines
    assert (
        lines[-1]
        == "89 papers in the listing: 89 would be added, 0 already in the archive; nothing written (--dry-run)"
    )


def test_import_listing_dry_run_under_quiet_prints_nothing(site):
    """-q is errors only: the lines naming what a dry run would add are results, left out like the summary."""
    before = snapshot(site)
    for flags in (["-q", "import-listing"], ["import-listing", "--quiet"]):
        quiet = run(*flags, str(SEED), "--as-of", "2025-10-29", "--dry-run", cwd=site)
        assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert snapshot(site) == before


def test_an_os_error_while_writing_is_one_line_and_writes_nothing(site):
    target = "content/papers/2023/10/reformulating-vision-language-foundation-models-and-datasets-towards-universal.md"
    (site / target).mkdir(parents=True)  # a folder where the first paper's file goes
    line = refused(site, "import-listing", str(SEED), "--as-of", "2025-10-29")
    assert line == f"broadsheet: error: cannot write a paper after 0 of 89: Is a directory ({target})"


def test_usage_errors_exit_2(site):
    assert run("build", "--no-such-option", cwd=site).returncode == 2
    assert run("import-listing", str(SEED), cwd=site).returncode == 2  # --as-of is required
    assert run(cwd=site).returncode == 2  # no command


# -- failures that are not the user's: one line, and the traceback with --debug ------------------


def in_process(monkeypatch, capsys, error: BaseException, *flags: str) -> tuple[int, str]:
    def broken(args):
        raise error

    monkeypatch.setattr(cli, "cmd_check", broken)
    status = cli.main([*flags, "check", "--content", str(REPO / "content")])
    captured = capsys.readouterr()
    assert captured.out == ""
    return status, captured.err


def test_an_unexpected_error_is_one_line_that_points_to_debug(monkeypatch, capsys):
    status, err = in_process(monkeypatch, capsys, RuntimeError("boom\nsecond line"))
    assert status == 1
    assert (
        err
        == "broadsheet: error: unexpected RuntimeError: boom second line (run again with --debug to see the traceback)\n"
    )


@pytest.mark.parametrize("flags", [("--debug",), ()])
def test_debug_shows_the_traceback(monkeypatch, capsys, flags):
    status, err = in_process(monkeypatch, capsys, RuntimeError("boom"), *flags)
    assert status == 1
    assert ("Traceback (most recent call last):" in err) == bool(flags)
    assert ("in broken\n    raise error" in err) == bool(flags)
    assert err.splitlines()[-1].startswith("broadsheet: error: unexpected RuntimeError: boom")


def test_debug_after_the_command_works_too(monkeypatch, capsys):
    def broken(args):
        raise ValueError("bad")

    monkeypatch.setattr(cli, "cmd_check", broken)
    assert cli.main(["check", "--content", str(REPO / "content"), "--debug"]) == 1
    assert "Traceback (most recent call last):" in capsys.readouterr().err


def test_an_os_error_names_its_reason_and_file(monkeypatch, capsys):
    error = PermissionError(13, "Permission denied", "output/papers/x/index.html")
    assert in_process(monkeypatch, capsys, error) == (
        1,
        "broadsheet: error: Permission denied (output/papers/x/index.html)\n",
    )


def test_an_os_error_with_only_a_message_is_that_message(monkeypatch, capsys):
    error = FileNotFoundError("no templates found for theme 'x' under themes")  # as a missing theme raises it
    assert in_process(monkeypatch, capsys, error) == (
        1,
        "broadsheet: error: no templates found for theme 'x' under themes\n",
    )


def test_a_search_index_failure_is_one_line_with_the_way_around_it(monkeypatch, capsys):
    error = SearchIndexError("pagefind failed (1): Error: no pages\n  at index")
    line = "broadsheet: error: pagefind failed (1): Error: no pages at index (the search index; --no-search builds without it)\n"
    assert in_process(monkeypatch, capsys, error) == (1, line)


def test_ctrl_c_exits_130_quietly(monkeypatch, capsys):
    assert in_process(monkeypatch, capsys, KeyboardInterrupt()) == (130, "")


# Sends the process Ctrl+C's signal as `broadsheet` starts loading a module (argv[1]), then runs the program.
CTRL_C_WHILE_LOADING = """
import importlib.abc, os, runpy, signal, sys

MODULE = sys.argv[1]

class Interrupt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == MODULE:
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["broadsheet", "--version"]
runpy.run_module("generator", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("module", ["generator.cli", "generator.search"])
def test_ctrl_c_while_the_program_loads_exits_130_without_a_traceback(module):
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C_WHILE_LOADING, module],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "")


# -- conventions: --version, help, -q/-v -----------------------------------------------------------


def test_version():
    import generator

    result = run("--version")
    assert (result.returncode, result.stdout) == (0, f"broadsheet {generator.__version__}\n")


def subcommands(parser: argparse.ArgumentParser | None = None) -> dict[str, argparse.ArgumentParser]:
    parser = parser or cli.make_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_command_is_there():
    assert {"build", "check", "import-listing", "serve", "scrape", "add"} <= set(subcommands())


def test_a_core_command_starts_without_the_scraper(tmp_path: Path):
    (tmp_path / "content" / "papers").mkdir(parents=True)
    (tmp_path / "content" / "papers" / "a.md").write_text(paper_file("2403.00001"), encoding="utf-8")
    code = "import sys; from generator.cli import main; main(sys.argv[1:]); print([m for m in sys.modules if 'scrape' in m])"
    check = subprocess.run([sys.executable, "-c", code, "-q", "check"], cwd=tmp_path, capture_output=True, text=True)
    assert check.stdout == "[]\n", check.stderr
    assert "usage: broadsheet scrape" in run("scrape", "--help").stdout  # the other commands still load it
    assert "scrape" not in subcommands(cli.make_parser("build")) and "scrape" in subcommands(cli.make_parser())


def test_a_build_does_not_look_up_the_version(tmp_path: Path):
    # Reading the installed metadata (and tomllib, for a checkout) took 10-20 ms of every build's start-up.
    (tmp_path / "content" / "papers").mkdir(parents=True)
    (tmp_path / "content" / "papers" / "a.md").write_text(paper_file("2403.00001"), encoding="utf-8")
    code = (
        "import sys, generator; from generator.cli import main; main(sys.argv[1:]);"
        "print('tomllib' in sys.modules, '__version__' in vars(generator))"
    )
    done = subprocess.run([sys.executable, "-c", code, "-q", "build"], cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout == "False False\n", done.stderr


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_command_help_has_a_description_and_examples(name):
    result = run(name, "--help")
    assert result.returncode == 0
    description = subcommands()[name].description
    assert description and description.endswith(".") and "\n" not in description
    assert f"\n\n{description}\n\n" in result.stdout
    examples = result.stdout.split("\nexamples:\n", 1)[1].splitlines()
    assert examples and all(line.startswith(f"  broadsheet {name}") for line in examples)


def test_top_level_help_lists_the_commands_without_internals():
    result = run("--help")
    assert result.returncode == 0
    for name in subcommands():
        assert f"\n    {name} " in result.stdout or f"\n    {name}\n" in result.stdout
    assert "generator" not in result.stdout and "examples:" in result.stdout


def test_quiet_hides_warnings_and_the_summary(site):
    write_content(site / "content", "2024/y.md", paper_file("y", "Y", "published: 2024-01-02\ncolour: red\n"))
    plain = run("check", cwd=site)
    assert plain.returncode == 0 and "y.md:5: warning: colour: unknown key" in plain.stderr
    assert "1 warning(s)" in plain.stdout
    for flags in (["-q", "check"], ["check", "--quiet"]):
        quiet = run(*flags, cwd=site)
        assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def test_quiet_still_shows_errors(site):
    write_content(site / "content", "2024/z.md", "---\nid: z\n---\n")
    quiet = run("-q", "check", cwd=site)
    assert (quiet.returncode, quiet.stdout) == (1, "")
    assert quiet.stderr == "content/papers/2024/z.md:1: title: missing (required)\n"


def test_verbose_shows_the_time_of_each_step(site):
    (site / "themes").symlink_to(REPO / "themes")
    result = run("build", "-v", "--no-search", "--no-cache", cwd=site)
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stderr.splitlines() if re.fullmatch(r" *\d+\.\d{3} s  \S.*", line)]
    assert len(steps) >= 3
    assert not re.search(r"\d s  ", run("build", "--no-search", "--no-cache", cwd=site).stderr)


def test_timings_under_verbose_show_each_step_once(site):
    (site / "themes").symlink_to(REPO / "themes")
    result = run("build", "-v", "--timings", "--no-search", "--no-cache", cwd=site)
    assert result.returncode == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    steps = [line.split(" s  ", 1)[1] for line in lines if re.fullmatch(r" *\d+\.\d{3} s  \S.*", line)]
    assert "load the content" in steps and len(steps) == len(set(steps))


def test_the_readme_lists_every_command_and_option():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    for name, parser in subcommands().items():
        assert f"`broadsheet {name}" in commands, name
        for action in parser._actions:
            for option in set(action.option_strings) - {"-h", "--help"}:
                assert re.search(rf"(?<![\w-]){option}(?![\w-])", commands), (name, option)


def test_main_leaves_the_logger_as_it_found_it(capsys):
    import logging

    logger = logging.getLogger("generator")
    before = (logger.level, list(logger.handlers), logger.propagate)
    assert cli.main(["-q", "check", "--content", str(REPO / "content")]) == 0
    assert cli.main(["-v", "check", "--content", str(REPO / "content")]) == 0
    assert (logger.level, list(logger.handlers), logger.propagate) == before
