"""Templates compile to code that writes what Jinja's own would, and are compiled with what they use."""

from __future__ import annotations

from pathlib import Path

import jinja2
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from generator import render, urls
from generator.config import SiteConfig
from generator.templating import TemplateEnvironment, compile_templates

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
