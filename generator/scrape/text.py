"""Text as the services send it, made readable: arXiv's hard line breaks go, paragraphs stay.

LaTeX (`\\textsc{...}`, `$x$`) and angle-bracket text (`<EOS>`) are kept as typed: the site shows
an abstract's raw HTML as text, so nothing needs escaping here.
"""

from __future__ import annotations

import datetime as dt
import re

from generator.scrape.records import usable_day
from generator.urls import is_http

# C0/C1 control characters other than newline and tab: never meaningful in a title or abstract,
# and they make YAML quote the whole value. With them go the characters XML cannot hold at all
# (U+FFFE, U+FFFF, surrogates left unpaired by a JSON escape): one of them in a title would make
# every feed it reaches ill-formed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A URL holds no space, control or XML-invalid character; one that does is not used at all.
_NOT_IN_URL = re.compile("[\\s\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# arXiv marks a new paragraph with a line break followed by indentation; a blank line also counts.
_PARAGRAPH = re.compile(r"\n[ \t]+(?=\S)|\n[ \t]*\n")
# A text with lines this long was not hard-wrapped, so its single line breaks are paragraph breaks.
_UNWRAPPED_LINE = 120


def one_line(text: str) -> str:
    """Collapse every run of whitespace (line breaks included) into one space."""
    return " ".join(_CONTROL.sub("", text).split())


def clean_url(url: str | None) -> str | None:
    """An absolute http(s) URL without spaces or control characters, else None."""
    if not url or _NOT_IN_URL.search(url) or not is_http(url):
        return None
    return url


def paragraphs(text: str) -> str:
    """Undo hard wrapping: each paragraph becomes one line, paragraphs are separated by a blank line."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    if any(len(line) > _UNWRAPPED_LINE for line in text.split("\n")):
        parts = text.split("\n")
    else:
        parts = _PARAGRAPH.split(text)
    return "\n\n".join(p for p in map(one_line, parts) if p)


def iso_day(text: str | None) -> dt.date | None:
    """The UTC calendar day of an ISO date or timestamp (`2025-10-01`, `2025-10-01T01:58:54.337Z`), if a
    paper can have it (records.usable_day). A time without a zone is UTC: the HTML pages write them so."""
    try:
        moment = dt.datetime.fromisoformat(text.strip()) if text else None
        if moment is None or moment.tzinfo is None:
            return usable_day(moment.date() if moment else None)
        return usable_day(moment.astimezone(dt.UTC).date())
    except (ValueError, OverflowError):  # not a timestamp; or one whose zone moves it past year 1 or 9999
        return None
