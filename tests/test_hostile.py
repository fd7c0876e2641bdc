"""Untrusted text stays text: hostile values in every field of a paper, through the whole build."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import feedparser
from bs4 import BeautifulSoup

from generator.build import build
from generator.config import load_config
from generator.loader import load_content
from generator.model import MAX_ID_LENGTH, NOT_XML
from tests.conftest import REPO, write_content

PAYLOAD = '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
HOSTILE = f"""---
id: hostile
title: '{PAYLOAD.replace("'", "''")}'
authors: ['{PAYLOAD.replace("'", "''")}', 'Mallory <svg onload=alert(4)>']
published: 2024-05-01
tags: ['<script>tag</script>', 'x" onmouseover="alert(5)']
github: 'https://github.com/a/b"><script>alert(6)</script>'
project_page: 'https://example.org/?q=<script>alert(7)</script>'
keywords: ['{PAYLOAD.replace("'", "''")}']
ai_summary: '{PAYLOAD.replace("'", "''")}'
organization: '{PAYLOAD.replace("'", "''")}'
---
{PAYLOAD}

[click me](javascript:alert(8)) <iframe src="https://evil.example/"></iframe> <style>body{{display:none}}</style>
"""


def build_hostile(tmp_path, content):
    write_content(content, "2024/hostile.md", HOSTILE)
    output = tmp_path / "out"
    build(content, output, dataclasses.replace(load_config(root=REPO), base_url="https://example.org/"))
    return output


def test_javascript_urls_are_rejected_by_check(content):
    write_content(
        content, "2024/js.md", "---\ntitle: T\ngithub: javascript:alert(1)\nproject_page: data:text/html,x\n---\n"
    )
    messages = [p.message for p in load_content(content).errors]
    assert any(m.startswith("github: expected an http(s) URL") for m in messages)
    assert any(m.startswith("project_page: expected an http(s) URL") for m in messages)


def test_no_page_carries_injected_markup(tmp_path, content):
    output = build_hostile(tmp_path, content)
    for page in output.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        scripts = [s for s in soup.find_all("script") if "alert" in s.get_text()]
        assert scripts == [], page
        assert soup.find_all(["iframe", "svg", "style"]) == [] or all(
            "alert" not in str(el) and "display:none" not in str(el) for el in soup.find_all(["iframe", "svg", "style"])
        ), page
        for element in soup.find_all(True):
            handlers = [name for name in element.attrs if name.lower().startswith("on")]
            assert handlers == [], (page, element)
            href = element.get("href") or ""
            assert not href.lower().startswith(("javascript:", "data:")), (page, element)


def test_hostile_text_is_shown_as_text(tmp_path, content):
    output = build_hostile(tmp_path, content)
    soup = BeautifulSoup((output / "papers/hostile/index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.h1.get_text() == PAYLOAD
    assert "<script>alert(1)</script>" in soup.find(class_="abstract").get_text()


def test_feed_escapes_hostile_text(tmp_path, content):
    output = build_hostile(tmp_path, content)
    feed = feedparser.parse((output / "feed.xml").read_bytes())
    assert not feed.bozo
    tag_feeds = list(output.glob("tags/*/feed.xml"))
    assert len(tag_feeds) == 2 and not any(feedparser.parse(f.read_bytes()).bozo for f in tag_feeds)
    (entry,) = feed.entries
    assert entry.title == PAYLOAD  # the title is text, exactly as written
    summary = BeautifulSoup(entry.summary, "html.parser")
    assert summary.find("script") is None and summary.find("img") is None and summary.find("iframe") is None


# -- one odd text must not stop every build (issue 10) -------------------------------------------

ODD = "\ufffe\uffff\x00\x1b\x85"
ODD_FILES = {
    "2024/odd-chars.md": f"---\nid: odd-chars\ntitle: 'Odd{ODD} title'\nauthors: ['Ann{ODD}', \"Bo\\uFFFF\\x01\"]\n"
    f"published: 2024-05-02\ntags: [odd, 'x{ODD}y']\nai_summary: 'S{ODD}'\n---\nAbstract{ODD} here.\n",
    "2024/nested.md": f"---\nid: nested\ntitle: Nested\npublished: 2024-05-03\ntags: [odd]\n---\n{'- ' * 600}deep\n",
    "2024/brackets.md": f"---\nid: brackets\ntitle: Brackets\npublished: 2024-05-04\ntags: [odd]\n---\n{'[' * 9000}\n",
    "2024/longest.md": f"---\nid: '{'l' * MAX_ID_LENGTH}'\ntitle: Longest id\npublished: 2024-05-05\ntags: [odd]\n---\nx\n",
    "2024/.#lock.md": None,  # Emacs' lock file: a symlink to nothing
}


def build_odd(tmp_path, content):
    for relpath, text in ODD_FILES.items():
        if text is None:
            (content / "papers" / relpath).symlink_to("user@host.4242")
        else:
            write_content(content, relpath, text)
    output = tmp_path / "out"
    config = dataclasses.replace(load_config(root=REPO), base_url="https://example.org/")
    report = build(content, output, config, search=False)
    return output, report


def test_odd_text_builds_and_every_feed_is_well_formed(tmp_path, content):
    output, report = build_odd(tmp_path, content)
    assert report.papers == 4
    warned = {(p.path.rsplit("/", 1)[-1], p.message.split(":")[0]) for p in report.warnings}
    assert {
        ("odd-chars.md", "removed 25 character(s) no page or feed can carry (U+0000, U+001B, U+0085, U+FFFE, U+FFFF)"),
        ("nested.md", "abstract"),
        ("brackets.md", "abstract"),
        (".#lock.md", "skipped"),
    } <= warned
    feeds = [output / "feed.xml", *output.glob("tags/*/feed.xml")]
    assert len(feeds) == 3  # the site's, odd's and xy's
    for path in feeds:
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, (path, feed.bozo_exception)
    assert not feedparser.parse((output / "feeds.opml").read_bytes()).bozo
    for page in [*output.rglob("*.html"), *output.rglob("*.xml")]:
        text = page.read_text(encoding="utf-8")
        assert not NOT_XML.search(text), page


def test_odd_text_shows_as_text(tmp_path, content):
    output, _ = build_odd(tmp_path, content)
    page = BeautifulSoup((output / "papers/nested/index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.find(class_="abstract").get_text().split()[-1] == "deep"  # plain text, not 600 lists
    assert page.find(class_="abstract").find("ul") is None
    title = BeautifulSoup((output / "papers/odd-chars/index.html").read_text(encoding="utf-8"), "html.parser").h1
    assert title.get_text() == "Odd title"
    assert (output / "papers" / ("l" * MAX_ID_LENGTH) / "index.html").is_file()


def run_check(content, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "generator", "check", "--content", str(content)],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_check_reports_what_would_stop_the_build_and_does_not_hang(content):
    fifo = content / "papers/x.md"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    (content / "papers/zero.md").symlink_to("/dev/zero")  # reading it would fill the memory
    write_content(content, "2024/float.md", "---\ntitle: T\npublished: 2024-01-01\nupvotes: !!float abc\n---\n")
    write_content(content, "2024/old.md", "---\ntitle: T\npublished: 0001-01-01\nlisted: 9999-12-31\n---\n")
    write_content(content, "2024/bomb.md", "---\ntitle: T\n" + ALIAS_BOMB_BODY + "---\n")
    write_content(content, "2024/long.md", f"---\nid: '{'a' * 300}'\ntitle: T\npublished: 2024-01-01\n---\n")
    result = run_check(content)
    papers = content / "papers"
    assert result.returncode == 1, result.stderr
    for line in (
        f"{papers}/2024/float.md:4: ",
        f"{papers}/2024/old.md:3: published:",
        f"{papers}/2024/old.md:4: listed:",
        f"{papers}/2024/bomb.md:3: YAML aliases",
        f"{papers}/2024/long.md:2: id:",
        f"{fifo}:1: warning: skipped:",
        f"{papers}/zero.md:1: warning: skipped:",
    ):
        assert any(printed.startswith(line) for printed in result.stderr.splitlines()), (line, result.stderr)
    assert max(map(len, result.stderr.splitlines())) < 300  # nothing printed whole


ALIAS_BOMB_BODY = "upvotes:\n  - &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  - &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def test_check_and_build_of_a_missing_content_folder_fail(tmp_path):
    result = run_check(tmp_path / "typo")
    assert result.returncode != 0 and "content folder not found" in result.stderr
    output = tmp_path / "out"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "build",
            "--content",
            str(tmp_path / "typo"),
            "--output",
            str(output),
            "--no-search",
            "--no-cache",
        ],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert built.returncode != 0 and "content folder not found" in built.stderr
    assert not output.exists()
