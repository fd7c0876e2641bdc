"""A fast reader for the front matter Broadsheet writes itself, with PyYAML's results or none.

`frontmatter.dump` writes a flat mapping: one `key: value` a line, a list as `- item` lines
under its `key:`, strings plain or in single quotes, numbers and dates plain. Reading that
with PyYAML (even its C loader) costs ~130 µs a file, most of a cold load. `read` reads only
that subset, in ~15 µs, and returns None for anything else (a comment, a blank line, double
quotes, a flow list, a value YAML would read as a bool, a float, an odd date), which
frontmatter then reads with PyYAML as before. Where it answers, its answer is PyYAML's
(tests/test_fastyaml.py compares the two on generated and mutated documents).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from yaml.resolver import Resolver

# Anything that YAML reads as more than a character (a tab, a line break other than \n, a
# byte-order mark) or refuses (control characters): such a text is left to PyYAML.
_UNSURE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# What may not start a plain scalar here (YAML indicators, and a space).
_INDICATORS = frozenset(" -?:,[]{}#&*!|>'\"%@`")
_INT = re.compile(r"0|[1-9][0-9]{0,17}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_STR, _INT_TAG, _DATE_TAG = (f"tag:yaml.org,2002:{name}" for name in ("str", "int", "timestamp"))
_EMPTY = {"[]": list, "{}": dict}
# The first characters for which PyYAML may resolve a plain scalar to something else than a string
# (a resolver under None would apply to any).
_RESOLVED = frozenset(Resolver.yaml_implicit_resolvers)
_ANY_RESOLVED = None in _RESOLVED
# One key (simple: short, as PyYAML refuses one over 1,024 characters) with its value on its line,
# or with the `- item` lines of its list.
_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,63}):(?: (.*)\n|\n((?:- .*\n)+))")
# `- item` lines that are all plain strings, but maybe for the first character: a space or `:`
# only before what keeps them text (`a: b` is a mapping, `a #b` a comment, `a ` loses its space).
_NOT_FIRST = re.escape("".join(sorted(_INDICATORS)) + "\n")
_PLAIN_ITEMS = re.compile(f"(?:- [^{_NOT_FIRST}](?:[^\n: ]|:(?=[^ \n])| (?=[^#\n]))*\n)+")
_FIRST_RESOLVED = re.escape("".join(sorted(c for c in _RESOLVED if c)))
# The items that PyYAML's resolver may read as other than a string.
_MAYBE_RESOLVED = re.compile("^- (.*)" if _ANY_RESOLVED else f"^- ([{_FIRST_RESOLVED}].*)", re.MULTILINE)

Mapping = tuple[dict[str, Any], dict[str, int], dict[str, str]]


def read(yaml_text: str, first_line: int) -> Mapping | None:
    """(values, key -> file line, key -> scalar as written), as frontmatter.read_mapping returns
    them, if `yaml_text` is in the subset this module reads; else None."""
    if _UNSURE.search(yaml_text):
        return None
    meta: dict[str, Any] = {}
    lines: dict[str, int] = {}
    scalars: dict[str, str] = {}
    at, line = 0, first_line
    while at < len(yaml_text):
        entry = _ENTRY.match(yaml_text, at)
        if entry is None or entry[1] in meta or _tag(entry[1]) != _STR:
            return None
        key, rest, block = entry.groups()
        lines[key], at = line, entry.end()
        if block is not None:
            value: Any = _items(block)
            line += 1 + block.count("\n")
        else:
            value = (_EMPTY[rest](), None) if rest in _EMPTY else _scalar(rest)
            line += 1
        if value is None:
            return None
        if block is not None:
            meta[key] = value
        else:
            meta[key] = value[0]
            if value[1] is not None:
                scalars[key] = value[1]
    return (meta, lines, scalars) if meta else None


def _items(block: str) -> list[Any] | None:
    """The values of `- item` lines (each ending in a line break), or None if unsure."""
    if _PLAIN_ITEMS.fullmatch(block):
        items = block[2:-1].split("\n- ")
        if all(_tag(item) == _STR for item in _MAYBE_RESOLVED.findall(block)):
            return items
    values = []
    for line in block[:-1].split("\n"):
        item = _scalar(line[2:])
        if item is None:
            return None
        values.append(item[0])
    return values


def _scalar(text: str) -> tuple[Any, str] | None:
    """(value, scalar as written) of one scalar on one line, or None if unsure."""
    if text[:1] == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != "'" or "'" in inner.replace("''", ""):
            return None
        value = inner.replace("''", "'")
        return value, value
    if not text or text[0] in _INDICATORS or text[-1] in " :" or ": " in text or " #" in text:
        return None
    if text[0] not in _RESOLVED and not _ANY_RESOLVED:  # most names and titles: no implicit tag can apply
        return text, text
    tag = _tag(text)
    if tag == _STR:
        return text, text
    if tag == _INT_TAG and _INT.fullmatch(text):
        return int(text), text
    if tag == _DATE_TAG and (date := _DATE.fullmatch(text)):
        try:
            return dt.date(int(date[1]), int(date[2]), int(date[3])), text
        except ValueError:  # 2024-13-45: frontmatter keeps it as text, with PyYAML
            return None
    return None


@functools.lru_cache(maxsize=65536)  # names recur: 300,000 lookups at 20,000 papers
def _tag(text: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar (its Resolver.resolve, for one line)."""
    resolvers = Resolver.yaml_implicit_resolvers
    for tag, pattern in [*resolvers.get(text[0], ()), *resolvers.get(None, ())]:
        if pattern.match(text):
            return str(tag)
    return _STR
