"""`broadsheet serve` without a browser: injection, the wait endpoint, rebuilds on change."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.config import load_config
from generator.serve import WAIT_PATH, DevServer
from tests.conftest import REPO, paper_file, write_content


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


@pytest.fixture
def server(fork: Path) -> Iterator[DevServer]:
    dev = DevServer(fork / "content", lambda: load_config(root=fork), port=0, search=False)
    stop = threading.Event()
    watcher = threading.Thread(target=dev.watch, args=([fork / "content", fork / "themes/mine", fork / "site.yaml"], stop))
    try:
        dev.start()
        watcher.start()
        time.sleep(0.3)  # let the watcher subscribe before a test edits anything
        yield dev
    finally:
        stop.set()
        watcher.join(timeout=10)
        dev.close()


def get(url: str) -> tuple[str, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8"), dict(response.headers)


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
    threading.Timer(0.3, server.builds.bump).start()
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


def test_a_broken_edit_keeps_the_last_good_build(server: DevServer, fork: Path, capsys) -> None:
    before = server.builds.version
    write_content(fork / "content", "a.md", "---\nid: [unclosed\n---\n")
    time.sleep(1.5)  # long enough for the watcher to have tried
    assert server.builds.version == before
    assert "Old title" in get(server.url + "papers/2401.00001/")[0]
    assert "build failed" in capsys.readouterr().err


def test_stopping_serve_removes_its_temporary_folder(fork: Path, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(temp)}
    command = [sys.executable, "-m", "generator", "serve", "--port", "0", "--no-search"]
    proc = subprocess.Popen(command, cwd=fork, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert any(line.startswith("serving ") for line in proc.stdout)  # read until it serves
        assert list(temp.glob("broadsheet-serve-*"))
    finally:
        proc.terminate()  # SIGTERM, as a process manager or a test harness stops it
        proc.wait(timeout=10)
    assert not list(temp.glob("broadsheet-serve-*"))
