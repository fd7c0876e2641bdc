"""Untrusted abstract text -> safe HTML.

Abstracts come from the web and contain things like `<EOS>` and `$\\alpha$` that must stay
readable text. So raw HTML is escaped before Markdown sees it (it shows as text), and the
Markdown output is then passed through an allowlist sanitiser (nh3) as a second wall: only
the tags below survive, and only http(s) links.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable

import markdown
import nh3

from generator.model import xml_safe
from generator.urls import is_http

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "sub", "sup"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https"}
# A bare http(s) URL in running text; trailing punctuation belongs to the sentence.
# It stops at the &lt; and &gt; that `_escape_html` made: "<https://x>" must not link to "https://x&gt".
BARE_URL = re.compile(r"(?<![<(\[\"'=])\bhttps?://(?:(?!&[lg]t;)[^\s<>\"'`])+")
TRAILING = ".,;:!?)]}'\""

# Text Markdown would leave alone: no inline markup (a backslash only before what it escapes,
# `&` only in the &lt; and &gt; made above), no control characters, no line that could open a
# block (indent, heading, list, rule, quote), no hard line break. Most abstracts are such plain
# paragraphs, perhaps with <http://...> autolinks, and Markdown takes ~0.3 ms to say so;
# tests/test_markup.py proves the shortcut gives Markdown's own bytes.
_INLINE_CHARS = re.compile(r"[`*_\[\]<>!\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029]")
_AMPERSAND = re.compile(r"&(?!lt;|gt;)")
_ESCAPE = re.compile(r"\\[\\`*_{}\[\]()>#+.!-]")
_BLOCK_START = re.compile(r"(?:[^\S\n]|[#=+>-]|\d+\.)")  # what opens a block at the start of a line
_LATER_BLOCK_START = re.compile(r"\n" + _BLOCK_START.pattern)


def _is_plain(text: str) -> bool:
    # Separate tests, the rarer ones only when their character occurs: a single regex of
    # all these alternatives takes several times longer.
    return not (
        not text
        or text[0].isspace()
        or text[-1].isspace()
        or "  \n" in text
        or _INLINE_CHARS.search(text)
        or _BLOCK_START.match(text)
        or _LATER_BLOCK_START.search(text)
        or ("&" in text and _AMPERSAND.search(text))
        or ("\\" in text and _ESCAPE.search(text))
    )


_PLAIN_AUTOLINK = re.compile(r"<(https?://[A-Za-z0-9./?=#%~:@+,;_-]+)>")

_md = markdown.Markdown(extensions=[], output_format="html")

# python-markdown recurses once per nesting level (a kilobyte of nested list markers exhausts
# Python's stack) and scans from each '[' to the end of its paragraph to find the closing one
# (20,000 unclosed '[' take 100 s). Text past these bounds is shown as plain text instead; within
# them, the worst inputs we found render in under half a second.
MAX_MARKDOWN_CHARS = 10_000
MAX_NESTING = 16  # list, quote and indentation levels a line may open
MAX_BRACKET_SCAN = 200_000  # characters from each '[' to the end of its paragraph, summed
_LINE_PREFIX = re.compile(r"^(?:[ \t>]|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t]))+", re.MULTILINE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_MARKER = re.compile(r">|[*+-]|\d+[.)]")


def too_complex(source: str) -> str | None:
    """Why python-markdown must not see `source` (it would take too long or crash), or None."""
    if len(source) > MAX_MARKDOWN_CHARS:
        return f"longer than {MAX_MARKDOWN_CHARS:,} characters"
    if source.count("[") * len(source) > MAX_BRACKET_SCAN and _bracket_scan(source) > MAX_BRACKET_SCAN:
        return "too many '[' to match"
    if (_BLOCK_START.match(source) or _LATER_BLOCK_START.search(source)) and _nesting(source) > MAX_NESTING:
        return f"nested more than {MAX_NESTING} levels deep"
    return None


def _bracket_scan(source: str) -> int:
    total = 0
    for paragraph in _PARAGRAPH_BREAK.split(source):
        end, at = len(paragraph), paragraph.find("[")
        while at >= 0:
            total += end - at
            at = paragraph.find("[", at + 1)
    return total


def _nesting(source: str) -> int:
    """The most levels any line's prefix could open: its markers and '>', and its indent (4 spaces a level)."""
    depth = 0
    for prefix in _LINE_PREFIX.findall(source):
        indent = prefix[: len(prefix) - len(prefix.lstrip(" \t"))]
        depth = max(depth, len(_MARKER.findall(prefix)) + (len(indent) + 3 * indent.count("\t")) // 4)
    return depth


def render_abstract(source: str) -> str:
    """Markdown abstract -> sanitised HTML fragment (plain text when `too_complex`). Plain paragraphs that the
    sanitiser would give back unchanged skip it (`_sanitised_as_is`): a cold build sanitised every abstract about
    three times, and the sanitiser was the largest single cost of its render's profile."""
    html, made_by = _rendered(source)
    if made_by == ESCAPED or (made_by == PLAIN and _sanitised_as_is(html)):
        return html
    return sanitize(html)


def _sanitised_as_is(plain: str) -> bool:
    """Whether the sanitiser gives back PLAIN paragraphs unchanged: it adds rel to a link and writes a no-break space
    as &nbsp;. Nothing else in them is markup: their < and > are escaped, they hold no other & and no control
    character (tests/test_markup.py checks the claim on real abstracts and generated text)."""
    return "<a " not in plain and "\xa0" not in plain


def readable_html(source: str) -> str:
    """HTML with the text that `render_abstract` shows, for what shows only that text (a card's
    excerpt): plain paragraphs skip the sanitiser, which would change no more than their links'
    attributes. The sanitiser is ~40% of rendering a plain abstract, and a build makes every excerpt."""
    html, made_by = _rendered(source)
    return html if made_by != MARKDOWN else sanitize(html)


ESCAPED, PLAIN, MARKDOWN = "escaped", "plain", "markdown"  # what made an abstract's HTML (`_rendered`)


def _rendered(source: str) -> tuple[str, str]:
    """The abstract's HTML before the sanitiser, and what made it: ESCAPED text is safe as it is;
    PLAIN paragraphs (`plain_markdown`) and MARKDOWN's output are to be sanitised."""
    source = xml_safe(source)  # the loader did it already; a page or feed must not depend on that
    if too_complex(source):
        return plain_html(source), ESCAPED
    text = _escape_html(source)
    if "http" in text:
        text = BARE_URL.sub(_autolink, text)
    plain = plain_markdown(text)
    if plain is not None:
        return plain, PLAIN
    try:
        return _unescape_code(_converted(text)), MARKDOWN
    except RecursionError:  # the bounds above should make this unreachable; a crash must not be
        return plain_html(source), ESCAPED


def plain_html(source: str) -> str:
    """The text escaped, in paragraphs: what an abstract Markdown cannot take shows as."""
    paragraphs = (p.strip() for p in _PARAGRAPH_BREAK.split(source))
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


@functools.lru_cache(maxsize=16_384)
def _converted(text: str) -> str:
    """python-markdown's HTML of `text`, kept: it takes ~0.5 ms an abstract, and a build shows each
    abstract up to three times in one process (its page, its card's excerpt, the feeds). One abstract
    in nine needs it (the others are `plain_markdown`), so this holds a few thousand at most."""
    made: str = _md.reset().convert(text)
    return made


def markdown_html(text: str) -> str:
    """What python-markdown makes of `text`, without running it when the text is plain paragraphs."""
    plain = plain_markdown(text)
    return _converted(text) if plain is None else plain


def plain_markdown(text: str) -> str | None:
    """What python-markdown makes of `text` if it is plain paragraphs (with <http://...> autolinks
    perhaps), made without it; None for any other text."""
    parts = _PLAIN_AUTOLINK.split(text)  # text, url, text, url, ..., text
    if not _is_plain("x".join(parts[::2])):  # "x" stands in for each link
        return None
    for i in range(1, len(parts), 2):
        parts[i] = f'<a href="{parts[i]}">{parts[i]}</a>'
    return "\n".join(f"<p>{para}</p>" for para in re.split(r"\n\n+", "".join(parts)))


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener nofollow",
    )


def escape_text(text: str) -> str:
    """`text` escaped for HTML exactly as markupsafe.escape (Jinja's autoescape) escapes it, for HTML
    made in Python and for the values templates print (`templating`): escape's entry point costs a
    microsecond a call, as it makes a Markup object, and a 20,000-paper build escapes 2.7 million texts.
    markupsafe's own C escaper takes 80 ns a text, five `str.replace` 290 ns."""
    if _c_escape is not None:
        return _c_escape(text)
    return _escape_by_replace(text)


def _escape_by_replace(text: str) -> str:
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    return text.replace("'", "&#39;").replace('"', "&#34;")


_c_escape: Callable[[str], str] | None
try:  # markupsafe's escaper without the Markup object; tests/test_markup.py checks it writes what escape does
    from markupsafe._speedups import _escape_inner as _c_escape
except ImportError:  # pragma: no cover - markupsafe built without its C speedups
    _c_escape = None


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None: only such URLs may become links."""
    if url and is_http(url.strip()) and not _has_control(url):
        return url.strip()
    return None


def plain_excerpt(source: str, words: int = 45) -> str:
    """The first `words` words of the abstract as plain text, for listings."""
    parts = source.split()
    text = " ".join(parts[:words])
    return text + " …" if len(parts) > words else text


def _escape_html(text: str) -> str:
    # '&' is left to Markdown, which escapes a bare one and keeps entities.
    return text.replace("<", "&lt;").replace(">", "&gt;")


# Markdown escapes every '&' inside code, so the &lt; and &gt; that _escape_html made would show
# as "&lt;" there: they go back to what they were (still entities, so still text).
_CODE = re.compile(r"(<code>)(.*?)(</code>)", re.DOTALL)


def _unescape_code(html: str) -> str:
    if "<code>" not in html:
        return html
    return _CODE.sub(lambda m: m[1] + m[2].replace("&amp;lt;", "&lt;").replace("&amp;gt;", "&gt;") + m[3], html)


def _autolink(match: re.Match[str]) -> str:
    url = match.group(0)
    stripped = url.rstrip(TRAILING)
    return f"<{stripped}>{url[len(stripped) :]}"


def _has_control(url: str) -> bool:
    return any(ord(c) < 32 or c in "<>\"' " for c in url.strip())
