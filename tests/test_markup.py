import html as html_module
import json
import re
from pathlib import Path

import markupsafe
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import markup, views
from generator.loader import load_content
from generator.markup import ALLOWED_TAGS, plain_excerpt, render_abstract, safe_url

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_angle_bracket_text_stays_readable_text():
    html = render_abstract("predict the <EOS> token and <answer> … </answer>")
    assert "&lt;EOS&gt;" in html and "&lt;answer&gt;" in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_hostile_markup_is_neutralised(hostile):
    assert_harmless(render_abstract(hostile))


def assert_harmless(html: str) -> None:
    """Only allowlisted elements, no event handlers or styles, only http(s) links."""
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        assert element.name in ALLOWED_TAGS, element
        assert not [a for a in element.attrs if a.startswith("on") or a == "style"], element
        if element.name == "a" and element.get("href"):
            assert element["href"].startswith(("http://", "https://")), element


def test_bare_urls_become_links_without_trailing_punctuation():
    html = render_abstract("Code: https://github.com/thunlp/muffin. Done.")
    assert '<a href="https://github.com/thunlp/muffin" rel="noopener nofollow">' in html
    assert "muffin</a>." in html


def test_markdown_and_latex_survive():
    html = render_abstract("We use $\\alpha$ and 85.1\\% with *emphasis*.\n\nSecond paragraph, Q&A, μLO.")
    assert "$\\alpha$" in html and "85.1\\%" in html and "<em>emphasis</em>" in html
    assert html.count("<p>") == 2 and "Q&amp;A" in html and "μLO" in html


def test_safe_url():
    assert safe_url("https://x.org/a") == "https://x.org/a"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url('http://x.org/"onmouseover=') is None
    assert safe_url(None) is None


def test_plain_excerpt_cuts_words():
    assert plain_excerpt("a b c d", words=2) == "a b …"
    assert plain_excerpt("a b", words=2) == "a b"


# -- the plain-text shortcut must give Markdown's own bytes ------------------------------------


def _markdown_both_ways(source: str) -> tuple[str, str]:
    text = markup.BARE_URL.sub(markup._autolink, markup._escape_html(source))
    return markup.markdown_html(text), markup._md.reset().convert(text)


def _real_abstracts() -> list[str]:
    seed = [p.abstract for p in load_content(ROOT / "content").papers]
    api = []
    for path in sorted((FIXTURES / "scrape" / "daily_papers").glob("*.json")):
        api += [entry["paper"].get("summary", "") for entry in json.loads(path.read_text(encoding="utf-8"))]
    return seed + api


def test_shortcut_matches_markdown_on_real_abstracts():
    abstracts = _real_abstracts()
    assert len(abstracts) > 200
    for source in abstracts:
        fast, slow = _markdown_both_ways(source)
        assert fast == slow, source


def test_shortcut_is_taken_for_most_real_abstracts():
    # The shortcut only pays if plain abstracts take it: a regex that always falls back would pass the test above.
    texts = [markup.BARE_URL.sub(markup._autolink, markup._escape_html(s)) for s in _real_abstracts()]
    plain = [t for t in texts if markup._is_plain("x".join(markup._PLAIN_AUTOLINK.split(t)[::2]))]
    assert len(plain) > len(texts) // 2


PIECES = list("ab 1.\n\n#=-+>*_`\\[]()!&<>:/\t\r\x0b\xa0é") + ["http://x.org/a_b", "&lt;", " \n", "word "]
TRICKY = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=5000, deadline=None)
@given(TRICKY)
def test_shortcut_matches_markdown_on_tricky_text(source):
    fast, slow = _markdown_both_ways(source)
    assert fast == slow


def _skips_the_sanitiser(source: str) -> bool:
    made, made_by = markup._rendered(source)
    return made_by == markup.PLAIN and markup._sanitised_as_is(made)


@settings(max_examples=5000, deadline=None)
@given(TRICKY | st.text(st.sampled_from("ab \n\n\"'&<>;:/.é\xa0\r\u2028\ufeff")))
def test_plain_paragraphs_skip_only_a_sanitiser_that_would_change_nothing(source):
    if _skips_the_sanitiser(source):
        assert markup.render_abstract(source) == markup.sanitize(markup._rendered(source)[0])


def test_most_real_abstracts_skip_the_sanitiser_and_lose_nothing_by_it():
    abstracts = _real_abstracts()
    skipped = [source for source in abstracts if _skips_the_sanitiser(source)]
    assert len(skipped) > len(abstracts) // 3  # else no time is saved
    for source in skipped:
        assert markup.render_abstract(source) == markup.sanitize(markup._rendered(source)[0]), source


@pytest.mark.parametrize("source", ["a https://example.org/x b", "a\xa0b", "a <https://example.org/x>"])
def test_what_the_sanitiser_would_change_goes_through_it(source):
    made = markup._rendered(source)[0]
    assert markup.sanitize(made) != made and markup.render_abstract(source) == markup.sanitize(made)


# -- bounded depth and time: what python-markdown cannot take is shown as plain text -------------

PATHOLOGICAL = {
    "nested list markers": "- " * 600 + "x",  # RecursionError inside python-markdown
    "indented lists": "\n".join(" " * (4 * i) + "- x" for i in range(40)),
    "nested quotes": ("> " * 40 + "x\n") * 10,
    "numbered lists": "1. " * 40 + "x",
    "nested brackets": "[" * 1000 + "x" + "]" * 1000,  # quadratic: seconds
    "unclosed brackets": "[" * 9000,  # 40 s
    "unclosed images": "![" * 4000,
    "link openers": "[](" * 3000,
    "many paragraphs of brackets": ("[" * 300 + "\n\n") * 25,
    "too long": "word " * 2001,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_markdown_takes_the_plain_text_fallback(name):
    source = PATHOLOGICAL[name]
    assert markup.too_complex(source) is not None
    html = render_abstract(source)
    assert html == markup.plain_html(source)  # python-markdown was not run
    assert BeautifulSoup(html, "html.parser").get_text().split() == source.split()


def test_plain_text_fallback_is_escaped():
    html = markup.plain_html("<script>alert(1)</script> & [x\n\nsecond")
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; [x</p>\n<p>second</p>"


def test_markdown_within_the_bounds_is_still_markdown():
    nested = "\n".join(" " * (4 * i) + "- x" for i in range(markup.MAX_NESTING))
    cited = "We cite " + " ".join(f"[{i}]" for i in range(40)) + " and [a link](https://x.org/)."
    for source in (nested, cited, "> " * 10 + "quote"):
        assert markup.too_complex(source) is None, source
    assert render_abstract(nested).count("<ul>") == markup.MAX_NESTING
    assert '<a href="https://x.org/"' in render_abstract(cited)


def test_no_real_abstract_takes_the_fallback():
    assert [s for s in _real_abstracts() if markup.too_complex(s)] == []


@pytest.mark.parametrize(
    "source, shown",
    [
        ("the `<EOS>` token", "<code>&lt;EOS&gt;</code>"),
        ("`a<b && c>d`", "<code>a&lt;b &amp;&amp; c&gt;d</code>"),
        ("    <script>alert(1)</script>", "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>"),
    ],
)
def test_angle_brackets_in_code_show_as_typed_and_stay_text(source, shown):
    assert shown in render_abstract(source)


# -- an excerpt's HTML skips the sanitiser only where that leaves the text as it is -------------


def _text_of(html: str) -> str:
    """What `views.abstract_text` makes of an abstract's HTML, uncut."""
    return " ".join(html_module.unescape(views._TAG.sub("", views._BLOCK_TAG.sub(" ", html))).split())


def test_readable_html_has_the_text_of_the_sanitised_html_on_real_abstracts():
    for source in _real_abstracts():
        assert _text_of(markup.readable_html(source)) == _text_of(markup.render_abstract(source)), source


def test_readable_html_skips_the_sanitiser_for_plain_paragraphs():
    # Else the test above would pass with no time saved: the sanitiser adds rel to the links it keeps.
    source = "We link https://example.org/x and\n\nhttps://example.org/y."
    assert 'rel="noopener nofollow"' in markup.render_abstract(source)
    assert 'rel="noopener nofollow"' not in markup.readable_html(source)
    assert _text_of(markup.readable_html(source)) == "We link https://example.org/x and https://example.org/y."


@settings(max_examples=3000, deadline=None)
@given(TRICKY)
def test_readable_html_has_the_text_of_the_sanitised_html_on_tricky_text(source):
    assert _text_of(markup.readable_html(source)) == _text_of(markup.render_abstract(source))


@settings(max_examples=2000, deadline=None)
@given(st.text(st.sampled_from("&<>'\"a é\n")) | st.text())
def test_escape_text_escapes_as_jinja_does(text):
    assert markup.escape_text(text) == markup._escape_by_replace(text) == str(markupsafe.escape(text))


@pytest.mark.parametrize(
    "source", ["See <https://example.org/x> now.", "<https://example.org/x>", "(<https://example.org/x>)"]
)
def test_a_url_in_angle_brackets_links_to_the_url_without_the_bracket(source):
    html = markup.render_abstract(source)
    assert re.findall(r'href="([^"]*)"', html) == ["https://example.org/x"]
    assert "&lt;" in html and "&gt;" in html  # the brackets stay as text
