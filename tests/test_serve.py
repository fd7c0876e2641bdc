"""`broadsheet serve` without a browser: injection, the wait endpoint, rebuilds on change,
failed builds shown in the page, odd requests refused."""

from __future__ import annotations

import contextlib
import html
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import jinja2
import pytest

from generator import serve as serve_module
from generator.config import SiteConfig, load_config
from generator.devhttp import BANNER_ID, WAIT_PATH
from generator.errors import UserError
from generator.search import SearchIndexError
from generator.serve import DevServer, describe, serve
from tests.conftest import REPO, ctrl_c_as_in_a_terminal, paper_file, write_content


@pytest.fixture
def fork(tmp_path: Path) -> Path:
    """A site folder with its own theme `mine` (one template) over the repository's default."""
    root = tmp_path / "site"
    (root / "themes/mine/templates").mkdir(parents=True)
    (root / "themes/default").symlink_to(REPO / "themes/default")
    (root / "themes/mine/templates/404.html").write_text("{% extends 'base.html' %}{% block content %}v1{% endblock %}")
    (root / "site.yaml").write_text("title: Before\ntheme: mine\n", encoding="utf-8")
    write_content(root / "content", "a.md", paper_file("2401.00001", "Old title", "listed: 2024-01-01\n"))
    return root


@contextlib.contextmanager
def running(fork: Path) -> Iterator[DevServer]:
    """`serve` in this process: built, serving and watching the fork, as the command runs it."""
    dev = DevServer(fork / "content", lambda: load_config(root=fork), port=0, search=False)
    stop = threading.Event()
    watcher = threading.Thread(
        target=dev.watch, args=([fork / "content", fork / "themes/mine", fork / "site.yaml"], stop)
    )
    try:
        dev.start()
        watcher.start()
        time.sleep(0.3)  # let the watcher subscribe before a test edits anything
        yield dev
    finally:
        stop.set()
        watcher.join(timeout=10)
        dev.close()


@pytest.fixture
def server(fork: Path) -> Iterator[DevServer]:
    with running(fork) as dev:
        yield dev


def get(url: str) -> tuple[str, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8"), dict(response.headers)


def fetch(url: str, method: str = "GET") -> tuple[int, str]:
    """Status and body, whatever the status."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_for_build(server: DevServer, after: int, seconds: float = 10) -> float:
    started = time.monotonic()
    while server.builds.version <= after:
        assert time.monotonic() - started < seconds, "no rebuild"
        time.sleep(0.02)
    return time.monotonic() - started


def test_pages_get_the_reload_script_and_other_files_do_not(server: DevServer) -> None:
    html, headers = get(server.url)
    assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0/")
    assert html.index(WAIT_PATH) < html.index("</body>")
    assert headers["Cache-Control"] == "no-store"
    css, _ = get(server.url + "static/style.css")
    assert WAIT_PATH not in css
    # The site is built for the local server, and the built files themselves stay clean.
    assert 'href="/static/style.css"' in html
    assert WAIT_PATH not in (server.output / "index.html").read_text(encoding="utf-8")


def test_wait_returns_at_once_for_an_old_version_and_after_a_build_otherwise(server: DevServer) -> None:
    current = server.builds.version
    assert get(f"{server.url}{WAIT_PATH.lstrip('/')}?v={current - 1}")[0] == str(current)
    threading.Timer(0.3, server.builds.finished).start()
    started = time.monotonic()
    assert get(f"{server.url}{WAIT_PATH.lstrip('/')}?v={current}")[0] == str(current + 1)
    assert 0.2 < time.monotonic() - started < 5


def test_a_content_edit_rebuilds_within_a_second(server: DevServer, fork: Path) -> None:
    before = server.builds.version
    write_content(fork / "content", "a.md", paper_file("2401.00001", "New title", "listed: 2024-01-01\n"))
    elapsed = wait_for_build(server, before)
    assert "New title" in get(server.url + "papers/2401.00001/")[0]
    assert elapsed < 1.5, f"rebuilt after {elapsed:.2f}s"


def test_theme_and_config_edits_rebuild(server: DevServer, fork: Path) -> None:
    before = server.builds.version
    (fork / "themes/mine/templates/404.html").write_text("{% extends 'base.html' %}{% block content %}v2{% endblock %}")
    wait_for_build(server, before)
    assert "v2" in get(server.url + "404.html")[0]
    before = server.builds.version
    (fork / "site.yaml").write_text("title: After\ntheme: mine\n", encoding="utf-8")
    wait_for_build(server, before)
    assert "<title>After</title>" in get(server.url)[0]


def edit(server: DevServer, change: Callable[[], object]) -> None:
    """Make a change and wait until the server has finished the build it causes."""
    before = server.builds.version
    change()
    wait_for_build(server, before)


def built_version(page: str) -> str:
    """The build a served page says it came from, as its reload script compares it."""
    found = re.search(r'const built = "(\d+)"', page)
    assert found, "no reload script"
    return found.group(1)


def reloads_after(server: DevServer, page: str, change: Callable[[], object]) -> None:
    """What the open page's script does: its long poll answers with another build once `change` is made."""
    answer: list[str] = []
    url = f"{server.url}{WAIT_PATH.lstrip('/')}?v={built_version(page)}"
    poll = threading.Thread(target=lambda: answer.append(get(url)[0]))
    poll.start()
    time.sleep(0.2)
    assert not answer, "the page would reload before anything changed"
    edit(server, change)
    poll.join(timeout=10)
    assert answer and answer[0] != built_version(page)


BAD_PAPER = "---\nid: '2401.00002'\ntitle: 'New'\nlisted: 2024-01-02\nupvotes: '<b>many</b>'\n---\nAbstract.\n"


def test_a_bad_content_edit_keeps_the_last_good_build_and_shows_why_until_fixed(
    server: DevServer, fork: Path, capsys
) -> None:
    bad = fork / "content/papers/a&b<i>.md"  # the path and the message are shown escaped
    edit(server, lambda: bad.write_text(BAD_PAPER, encoding="utf-8"))
    page = get(server.url + "papers/2401.00001/")[0]
    assert "Old title" in page and BANNER_ID in page
    assert f"{html.escape(str(bad))}:5: upvotes:" in page and "&lt;b&gt;many&lt;/b&gt;" in page
    assert "<b>many" not in page and "<i>.md" not in page
    assert BANNER_ID in fetch(server.url + "no/such/page/")[1]  # the site's 404 page shows it too
    assert any(line.startswith(f"{bad}:5: upvotes:") for line in capsys.readouterr().err.splitlines())
    reloads_after(server, page, bad.unlink)
    page = get(server.url + "papers/2401.00001/")[0]
    assert "Old title" in page and BANNER_ID not in page


def test_a_broken_template_is_shown_with_its_file_and_line(server: DevServer, fork: Path, capsys) -> None:
    template = fork / "themes/mine/templates/404.html"
    edit(server, lambda: template.write_text("{% extends 'base.html' %}\n{% block content %}{{ oops( }}{% endblock %}"))
    page = get(server.url)[0]
    assert "<title>Before</title>" in page and f"{html.escape(str(template))}:2: " in page
    assert f"{template}:2: " in capsys.readouterr().err
    edit(
        server, lambda: template.write_text("{% extends 'base.html' %}\n{% block content %}{{ missing }}{% endblock %}")
    )
    page = get(server.url)[0]
    assert f"{html.escape(str(template))}:2: template error: &#x27;missing&#x27; is undefined" in page
    assert "Traceback" not in capsys.readouterr().err  # a template mistake is the user's, not a bug
    edit(server, lambda: template.write_text("{% extends 'base.html' %}{% block content %}v3{% endblock %}"))
    assert BANNER_ID not in get(server.url)[0] and "v3" in fetch(server.url + "404.html")[1]


def test_a_broken_site_yaml_is_shown_with_its_line(server: DevServer, fork: Path) -> None:
    edit(server, lambda: (fork / "site.yaml").write_text("title: After\ntheme: [mine\n", encoding="utf-8"))
    page = get(server.url)[0]
    assert "<title>Before</title>" in page and f"{html.escape(str(fork / 'site.yaml'))}:" in page
    edit(server, lambda: (fork / "site.yaml").write_text("title: After\ntheme: mine\n", encoding="utf-8"))
    page = get(server.url)[0]
    assert "<title>After</title>" in page and BANNER_ID not in page


def test_a_site_yaml_saved_by_rename_or_deleted_and_made_again_is_still_watched(server: DevServer, fork: Path) -> None:
    config = fork / "site.yaml"

    def save_by_rename(text: str) -> None:  # as many editors save: a new file, renamed over the old one
        (fork / ".site.yaml.tmp").write_text(text, encoding="utf-8")
        (fork / ".site.yaml.tmp").replace(config)

    edit(server, lambda: save_by_rename("title: Renamed\ntheme: mine\n"))
    assert "<title>Renamed</title>" in get(server.url)[0]
    edit(server, lambda: config.write_text("title: Edited\ntheme: mine\n", encoding="utf-8"))
    assert "<title>Edited</title>" in get(server.url)[0]
    edit(server, config.unlink)
    edit(server, lambda: config.write_text("title: Again\ntheme: mine\n", encoding="utf-8"))
    assert "<title>Again</title>" in get(server.url)[0]
    edit(server, lambda: config.write_text("title: Later\ntheme: mine\n", encoding="utf-8"))
    assert "<title>Later</title>" in get(server.url)[0]


def test_a_content_folder_deleted_and_restored_is_watched_again(server: DevServer, fork: Path) -> None:
    content = fork / "content"
    kept = fork.parent / "kept"
    shutil.copytree(content, kept)
    edit(server, lambda: shutil.rmtree(content))
    assert BANNER_ID in get(server.url)[0]
    edit(server, lambda: shutil.copytree(kept, content))
    assert BANNER_ID not in get(server.url)[0]
    edit(server, lambda: write_content(content, "a.md", paper_file("2401.00001", "New title", "listed: 2024-01-01\n")))
    assert "New title" in get(server.url + "papers/2401.00001/")[0]


def test_a_site_removed_from_outside_is_built_again(server: DevServer) -> None:
    """A cleaner of the temporary folder (a server left running for days) removed it: every page was a 404 until
    the next edit."""
    edit(server, lambda: shutil.rmtree(server.folder))
    assert "Old title" in get(server.url + "papers/2401.00001/")[0]


def test_a_folder_gone_as_its_watch_starts_is_watched_again_when_back(fork: Path, monkeypatch) -> None:
    gone = fork / "themes/gone"
    identity, stated = serve_module._identity, []

    def stale(path: Path) -> tuple[int, int] | None:  # the first look finds it; it is gone when the watch starts
        if path == gone and not stated:
            stated.append(path)
            return (0, 0)
        return identity(path)

    monkeypatch.setattr(serve_module, "_identity", stale)
    dev = DevServer(fork / "content", lambda: load_config(root=fork), port=0, search=False)
    stop = threading.Event()
    failed: list[BaseException] = []

    def watch() -> None:
        try:
            dev.watch([fork / "content", gone], stop)
        except BaseException as exc:  # noqa: BLE001 - the test says what escaped
            failed.append(exc)

    watcher = threading.Thread(target=watch)
    try:
        dev.start()
        watcher.start()
        time.sleep(1)
        assert not failed, failed
        edit(
            dev,
            lambda: write_content(fork / "content", "a.md", paper_file("2401.00001", "New", "listed: 2024-01-01\n")),
        )
        edit(dev, gone.mkdir)  # back: watched again
        edit(dev, lambda: (gone / "x.html").write_text("x"))
    finally:
        stop.set()
        watcher.join(timeout=10)
        dev.close()


def test_an_unexpected_error_in_a_build_is_shown_and_the_server_lives_on(server: DevServer, capsys) -> None:
    def broken() -> SiteConfig:
        raise RuntimeError("<bug>")

    good, server.load_config = server.load_config, broken
    assert not server.rebuild()
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: <bug>" in err  # a bug keeps its traceback, in the console
    page = get(server.url)[0]
    assert "RuntimeError: &lt;bug&gt;" in page and "<title>Before</title>" in page
    server.load_config = good
    assert server.rebuild() and BANNER_ID not in get(server.url)[0]


def test_a_first_build_that_fails_serves_the_error_and_a_fix_serves_the_site(fork: Path) -> None:
    write_content(fork / "content", "a.md", "---\nid: [unclosed\n---\n")
    with running(fork) as server:
        assert not server.builds.status.has_site
        status, page = fetch(server.url)
        assert status == 500 and BANNER_ID in page and "a.md:" in page and "nothing to show" in page
        assert fetch(server.url + "static/style.css")[0] == 500
        assert fetch(server.url, "HEAD") == (500, "")
        reloads_after(
            server,
            page,
            lambda: write_content(
                fork / "content", "a.md", paper_file("2401.00001", "Fixed title", "listed: 2024-01-01\n")
            ),
        )
        status, page = fetch(server.url + "papers/2401.00001/")
        assert status == 200 and "Fixed title" in page and BANNER_ID not in page


def test_the_command_serves_a_broken_site_yaml_as_an_error_page_and_keeps_watching(fork: Path) -> None:
    (fork / "site.yaml").write_text("title: [broken\n", encoding="utf-8")
    proc = serve_process(fork, stderr=subprocess.PIPE)
    lines = console_lines(proc)
    try:
        url = next_line(lines, "serving ").split()[1]
        status, page = fetch(url)
        assert status == 500 and re.search(r"site\.yaml:\d+: invalid YAML", page)
        (fork / "site.yaml").write_text("title: Mended\ntheme: mine\n", encoding="utf-8")
        assert "built 1 papers" in next_line(lines, "")
        assert "<title>Mended</title>" in get(url)[0]
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert re.search(r"site\.yaml:\d+: invalid YAML", err) and "Traceback" not in err


def serve_process(
    root: Path, stderr: int = subprocess.STDOUT, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """`broadsheet serve --port 0 --no-search` in `root`, run as a user runs it, on this checkout's code."""
    command = [sys.executable, "-m", "generator", "serve", "--port", "0", "--no-search"]
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.Popen(
        command,
        cwd=root,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )


def console_lines(proc: subprocess.Popen[str]) -> queue.Queue[str]:
    """The process's stdout, line by line, read on a thread so that a test can wait with a deadline."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()], daemon=True).start()
    return lines


def next_line(lines: queue.Queue[str], start: str, timeout: float = 60) -> str:
    """The next line that starts with `start`; queue.Empty (a failure, not a hang) past `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (line := lines.get(timeout=max(0.01, deadline - time.monotonic()))).startswith(start):
        pass
    return line


def test_stopping_serve_removes_its_temporary_folder(fork: Path, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = serve_process(fork, env={"TMPDIR": str(temp)})
    lines = console_lines(proc)
    try:
        next_line(lines, "serving ")  # read until it serves
        assert list(temp.glob("broadsheet-serve-*"))
    finally:
        proc.terminate()  # SIGTERM, as a process manager or a test harness stops it
        proc.wait(timeout=10)
    assert not list(temp.glob("broadsheet-serve-*"))


def test_ctrl_c_stops_serve_with_130_and_not_a_word(fork: Path, tmp_path: Path) -> None:
    """It exited 0 after watchfiles' warning 'KeyboardInterrupt caught, stopping watch'."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = serve_process(fork, stderr=subprocess.PIPE, env={"TMPDIR": str(temp)})
    lines = console_lines(proc)
    try:
        next_line(lines, "serving ")
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl+C sends
        proc.wait(timeout=10)
    assert proc.returncode == 130
    assert proc.stderr is not None and proc.stderr.read() == ""
    assert not list(temp.glob("broadsheet-serve-*"))


def test_ctrl_c_during_the_first_build_stops_at_once_and_removes_the_temporary_folder(
    fork: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where DevServer makes its folder

    def interrupted() -> SiteConfig:
        raise KeyboardInterrupt  # Ctrl+C while the first build runs, before anything is served

    raised: list[BaseException] = []

    def run() -> None:
        try:
            serve(fork / "content", interrupted, [fork / "content"], port=0, search=False)
        except BaseException as exc:  # noqa: BLE001 - what the command's main would see
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive(), "serve hung after Ctrl+C"
    assert isinstance(raised[0], KeyboardInterrupt)
    assert not list(tmp_path.glob("broadsheet-serve-*"))


def test_a_missing_content_folder_is_refused_before_serving(fork: Path) -> None:
    # Never watched, so no edit could mend the site: a typo in --content is the user's to fix now.
    with pytest.raises(UserError, match="content folder not found"):
        serve(fork / "contnet", lambda: load_config(root=fork), [fork / "contnet"], port=0, search=False)


def test_a_failure_with_a_message_of_several_lines_is_one_line_per_problem() -> None:
    assert describe(SearchIndexError("pagefind failed (1):\nError: no pages\n  found")) == (
        "pagefind failed (1): Error: no pages   found",
    )  # a UserError: its own words, no type name


def test_a_port_in_use_is_a_user_error_and_leaves_no_temporary_folder(
    server: DevServer, fork: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where DevServer makes its folder
    with pytest.raises(UserError, match="cannot listen on port"):
        DevServer(fork / "content", lambda: load_config(root=fork), port=server.httpd.server_port)
    assert not list(tmp_path.glob("broadsheet-serve-*"))


def test_a_jinja_error_that_reaches_serve_names_its_template_and_line(tmp_path: Path) -> None:
    """What the build does not turn into one line itself still shows where in the theme it happened."""
    (tmp_path / "page.html").write_text("a\n{{ nosuch.attribute }}\n", encoding="utf-8")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), undefined=jinja2.StrictUndefined)
    with pytest.raises(jinja2.UndefinedError) as caught:
        env.get_template("page.html").render()
    (line,) = describe(caught.value)
    assert line == f"{tmp_path / 'page.html'}:2: UndefinedError: 'nosuch' is undefined"
    assert describe(jinja2.TemplateNotFound("gone.html")) == ("template: TemplateNotFound: gone.html",)


def test_a_folder_left_by_a_serve_killed_with_9_is_removed_by_the_next_and_no_other(
    fork: Path, tmp_path: Path, monkeypatch
) -> None:
    """Nothing ran to remove it, and each one left held a copy of the site and its cache."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    older = temp / "broadsheet-serve-older"  # no lock in it: made by an older version, or being made
    older.mkdir()
    killed = serve_process(fork, env={"TMPDIR": str(temp)})
    try:
        next_line(console_lines(killed), "serving ")
    finally:
        killed.kill()
        killed.wait(timeout=10)
    (left,) = set(temp.glob("broadsheet-serve-*")) - {older}
    running = serve_process(fork, env={"TMPDIR": str(temp)})
    try:
        next_line(console_lines(running), "serving ")
        (its,) = set(temp.glob("broadsheet-serve-*")) - {older}
        assert its != left  # the killed one's removed
        monkeypatch.setattr(tempfile, "tempdir", str(temp))
        DevServer(fork / "content", lambda: load_config(root=fork), port=0, search=False).close()
        assert set(temp.glob("broadsheet-serve-*")) == {older, its}  # a running serve's kept
    finally:
        running.terminate()
        running.wait(timeout=10)
    assert set(temp.glob("broadsheet-serve-*")) == {older}
