"""Untrusted text stays text: hostile values in every field of a paper, through the whole build."""
from __future__ import annotations

import dataclasses

import feedparser
from bs4 import BeautifulSoup

from generator.build import build
from generator.config import load_config
from generator.loader import load_content
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
    write_content(content, "2024/js.md", "---\ntitle: T\ngithub: javascript:alert(1)\nproject_page: data:text/html,x\n---\n")
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
    (entry,) = feed.entries
    assert entry.title == PAYLOAD  # the title is text, exactly as written
    summary = BeautifulSoup(entry.summary, "html.parser")
    assert summary.find("script") is None and summary.find("img") is None and summary.find("iframe") is None
