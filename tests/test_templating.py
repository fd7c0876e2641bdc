"""Templates compile to code that writes what Jinja's own would, and are compiled with what they use."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from generator import render, urls
from generator.build import build
from generator.config import SiteConfig
from generator.errors import UserError
from generator.templating import CompiledTemplates, TemplateEnvironment, compile_templates, template_errors
from tests.conftest import REPO, paper_file, write_content
from tests.sitecheck import tree_snapshot

SOURCE = (
    "{{ a }}|{{ b }}|{{ a ~ b }}|{{ b | e }}|{{ a | safe }}|{% autoescape false %}{{ a }}{% endautoescape %}|"
    "{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(a) }}|{% set s %}{{ a }}{% endset %}{{ s }}|{{ [a, b] }}"
)
VALUES = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["<&'\">", "", "a&amp;b"]),
    st.text(max_size=8).map(Markup),
    st.integers(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(VALUES, VALUES)
def test_printed_values_are_what_jinjas_own_code_writes(a, b):
    ours = TemplateEnvironment(autoescape=True).from_string(SOURCE)
    jinjas = jinja2.Environment(autoescape=True).from_string(SOURCE)
    assert ours.render(a=a, b=b) == jinjas.render(a=a, b=b)


def test_printing_goes_through_the_fast_path_only_under_autoescape():
    assert TemplateEnvironment(autoescape=True).compile("{{ a }}", raw=True).count("environment.printed(") == 1
    assert "environment.printed(" not in TemplateEnvironment(autoescape=False).compile("{{ a }}", raw=True)


def test_templates_are_compiled_with_what_they_extend_and_include(tmp_path: Path):
    (tmp_path / "themes" / "own" / "templates").mkdir(parents=True)
    (tmp_path / "themes" / "own" / "templates" / "unused.html").write_text("{% broken", encoding="utf-8")
    config = SiteConfig(root=tmp_path, theme="own")
    env = render.make_environment(config, urls.Urls(config.base_url))
    compile_templates(env, {"paper.html"}, render.PARTIALS)
    loaded = {template.name for template in env.cache.values()}
    assert {"paper.html", "base.html", render.CARD_TEMPLATE, render.LINE_TEMPLATE} <= loaded
    assert "index.html" not in loaded and "unused.html" not in loaded  # a broken template nothing uses is no error


def test_a_build_keeps_its_compiled_templates_for_the_next(tmp_path, monkeypatch):
    """The second build loads every template compiled (Jinja's compiler is not called) and writes the same site."""
    from generator.build import build
    from generator.config import load_config

    config = load_config(root=REPO)
    build(REPO / "content", tmp_path / "first", config, search=False, cache_dir=tmp_path / "cache")
    kept = list((tmp_path / "cache" / "templates").iterdir())
    assert len(kept) >= 10 and len({path.name.split("-")[0] for path in kept}) == 1  # all named for the site key
    compiled = []
    real = TemplateEnvironment.compile
    monkeypatch.setattr(TemplateEnvironment, "compile", lambda env, *a, **k: compiled.append(a) or real(env, *a, **k))
    build(REPO / "content", tmp_path / "second", config, search=False, cache_dir=tmp_path / "cache")
    assert compiled == []
    assert tree_snapshot(tmp_path / "second") == tree_snapshot(tmp_path / "first")


def test_a_site_built_at_another_path_compiles_its_own_templates(tmp_path, content):
    """Jinja folds `{{ 'static/style.css' | href }}` into the compiled code: with the templates a build of the site
    at / kept, a build of it at /sub/ linked every page to /static/style.css, and differed from a cold build."""
    from generator.build import build

    write_content(content, "2401.00001.md", paper_file("2401.00001", "A Paper", "listed: 2024-01-02\n"))
    at_root = SiteConfig(root=REPO, base_url="https://example.org/")
    at_sub = SiteConfig(root=REPO, base_url="https://example.org/sub/")
    build(content, tmp_path / "out", at_root, search=False, cache_dir=tmp_path / "cache")
    build(content, tmp_path / "out", at_sub, search=False, cache_dir=tmp_path / "cache")
    build(content, tmp_path / "cold", at_sub, search=False)
    assert 'href="/sub/static/style.css"' in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert tree_snapshot(tmp_path / "out") == tree_snapshot(tmp_path / "cold")


def kept_template(folder: Path, code_key: bytes, source: str) -> str:
    theme = folder / "theme"
    theme.mkdir(exist_ok=True)
    (theme / "page.html").write_text(source)
    env = TemplateEnvironment(
        loader=jinja2.FileSystemLoader(str(theme)), bytecode_cache=CompiledTemplates(folder / "kept", code_key)
    )
    return env.get_template("page.html").render(x="<x>")


def test_a_kept_template_is_used_only_for_the_same_source_and_code(tmp_path):
    assert kept_template(tmp_path, b"code", "a {{ x }}") == "a <x>"
    assert kept_template(tmp_path, b"code", "b {{ x }}") == "b <x>"  # the source changed: compiled again
    assert len(list((tmp_path / "kept").iterdir())) == 1
    assert kept_template(tmp_path, b"new code", "b {{ x }}") == "b <x>"
    assert [p.name.split("-")[0] for p in (tmp_path / "kept").iterdir()] == [b"new code".hex()]  # the old removed


def test_only_kept_templates_of_other_code_are_removed_never_other_files(tmp_path):
    """`build --cache DIR` compiles into DIR/templates, which may be a folder of the user's own (a theme's)."""
    theirs = tmp_path / "kept" / "base.html"
    theirs.parent.mkdir()
    theirs.write_text("a template of the user's")
    (tmp_path / "kept" / "notes.cache").write_text("theirs too")
    kept_template(tmp_path, b"code", "a {{ x }}")
    assert kept_template(tmp_path, b"new code", "a {{ x }}") == "a <x>"
    compiled = {p.name for p in (tmp_path / "kept").iterdir()} - {"base.html", "notes.cache"}
    assert [name.split("-")[0] for name in compiled] == [b"new code".hex()]  # the old code's removed, only it
    assert theirs.read_text() == "a template of the user's"
    assert (tmp_path / "kept" / "notes.cache").read_text() == "theirs too"


def test_temporary_files_a_killed_build_left_are_removed_once_stale_and_only_those(tmp_path):
    """A render killed mid-write leaves Jinja's temporary file; a build into another output may be writing its own."""
    kept = tmp_path / "kept"
    kept.mkdir()
    name = f"{b'code'.hex()}-{'0' * 40}.cache"
    left, writing, theirs = kept / f"{name}x7k_2qpa.tmp", kept / f"{name}abcd1234.tmp", kept / "notes.tmp"
    for path in (left, writing, theirs):
        path.write_bytes(b"")
    stale = time.time() - CompiledTemplates.STALE - 60
    for path in (left, theirs):
        os.utime(path, (stale, stale))
    assert kept_template(tmp_path, b"code", "a {{ x }}") == "a <x>"
    assert not left.exists()
    assert writing.exists() and theirs.exists()


def test_a_damaged_or_unwritable_kept_template_is_compiled_again(tmp_path):
    kept_template(tmp_path, b"code", "a {{ x }}")
    (damaged,) = (tmp_path / "kept").iterdir()
    for broken in (damaged.read_bytes()[:30], damaged.read_bytes()[:-9], b"", b"j2" + b"\xff" * 40):
        damaged.write_bytes(broken)
        assert kept_template(tmp_path, b"code", "a {{ x }}") == "a <x>"
    shutil.rmtree(tmp_path / "kept")
    (tmp_path / "kept").write_text("a file where the folder goes")
    assert kept_template(tmp_path, b"code", "c {{ x }}") == "c <x>"


THEME_MISTAKES = [  # a line added as line 2 of the site's own 404.html, and what the build says of it
    ("{% if %}", "template error: Expected an expression, got 'end of statement block'"),
    ("{{ nosuch }}", "template error: 'nosuch' is undefined"),
    ("{{ 1 | nosuch }}", "template error: No filter named 'nosuch'."),
    ("{{ 1 // 0 }}", "template error: ZeroDivisionError: integer division or modulo by zero"),
    ("{{ site.title.nosuch() }}", "template error: 'str object' has no attribute 'nosuch'"),
    ("{% include 'nosuch.html' %}", "template error: no template 'nosuch.html'"),
]


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize(("line", "what"), THEME_MISTAKES)
def test_a_mistake_in_a_sites_template_is_one_line_naming_the_template_and_line(
    tmp_path, content, monkeypatch, line, what, jobs
):
    """Once 'unexpected TemplateSyntaxError: ...' (or UndefinedError, ZeroDivisionError) with no file; from a
    forked worker (jobs=2) the template's traceback is lost, so the line is made where the template runs."""
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    write_content(content, "2024/a.md", paper_file("2401.00001", "A", "listed: 2024-01-01\n"))
    templates = tmp_path / "themes/mine/templates"
    templates.mkdir(parents=True)
    page = templates / "404.html"
    page.write_text("{% extends 'base.html' %}{% block content %}\n<p>Lost</p>{% endblock %}\n", encoding="utf-8")
    config = SiteConfig(root=tmp_path, theme="mine")
    build(content, tmp_path / "out", config, jobs=jobs, search=False)
    before = tree_snapshot(tmp_path / "out")
    page.write_text(page.read_text(encoding="utf-8").replace("\n", f"\n{line}\n", 1), encoding="utf-8")
    with pytest.raises(UserError) as caught:
        build(content, tmp_path / "out", config, jobs=jobs, search=False)
    assert (caught.value.what, caught.value.where) == (what, f"{page}:2")
    assert tree_snapshot(tmp_path / "out") == before


def test_a_template_that_is_not_utf8_is_named(tmp_path, content):
    write_content(content, "2024/a.md", paper_file("2401.00001", "A", "listed: 2024-01-01\n"))
    page = tmp_path / "themes/mine/templates/404.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(b"\xff{{ site.title }}")
    with pytest.raises(UserError) as caught:
        build(content, tmp_path / "out", SiteConfig(root=tmp_path, theme="mine"), search=False)
    assert (caught.value.what, caught.value.where) == ("template is not UTF-8: invalid start byte", str(page))


def test_an_exception_raised_in_a_python_filter_stays_unexpected():
    """A template's own mistake is the user's; one raised inside a filter is a bug in Broadsheet, whose
    traceback must not be turned into one line blaming the template."""

    def broken(value: object) -> str:
        raise ZeroDivisionError("a bug in a filter")

    env = TemplateEnvironment(loader=jinja2.DictLoader({"t.html": "a\n{{ 1 | broken }}", "u.html": "a\n{{ 1 // 0 }}"}))
    env.filters["broken"] = broken
    with pytest.raises(ZeroDivisionError, match="a bug in a filter"), template_errors():
        env.get_template("t.html").render()
    with pytest.raises(UserError) as caught, template_errors():
        env.get_template("u.html").render()
    assert caught.value.where.endswith(":2") and "ZeroDivisionError" in caught.value.what


@pytest.mark.parametrize(
    ("make", "what"),
    [(lambda p: p.mkdir(), "a folder"), (lambda p: p.symlink_to(p.parent / "gone.html"), "a broken link")],
)
def test_a_template_of_the_sites_theme_that_is_no_file_is_named(tmp_path, content, make, what):
    """The default theme's template was used instead, without a word, so an edit seemed to have no effect."""
    write_content(content, "2024/a.md", paper_file("2401.00001", "A", "listed: 2024-01-01\n"))
    page = tmp_path / "themes/mine/templates/404.html"
    page.parent.mkdir(parents=True)
    make(page)
    with pytest.raises(UserError) as caught:
        build(content, tmp_path / "out", SiteConfig(root=tmp_path, theme="mine"), search=False)
    assert (caught.value.what, caught.value.where) == (f"template is {what}, not a file", str(page))
