"""Reading BibTeX back with a real parser (pybtex), for the tests of what Broadsheet writes."""

from __future__ import annotations

import re

from pybtex.database import BibliographyData, parse_string

_COMMANDS = {
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textbackslash{}": "\\",
}
_UNESCAPE = re.compile("|".join(re.escape(c) for c in _COMMANDS) + r"|\\([&%$#_])")


def parse_bib(text: str) -> BibliographyData:
    """Every entry of `text`; pybtex raises on a syntax error or a duplicate key."""
    return parse_string(text, "bibtex")


def unescape(field: str) -> str:
    """The plain text an escaped field stands for (math is kept as written, so it reads back as it was)."""
    return _UNESCAPE.sub(lambda m: m.group(1) or _COMMANDS[m.group(0)], field)
