"""Markdown files with YAML front matter: split, parse with line numbers, and dump.

A content file looks like::

    ---
    id: 2310.00653
    title: ...
    ---
    The abstract, in Markdown.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from generator import fastyaml
from generator.model import xml_safe

try:  # libyaml is several times faster; the pure-Python loader behaves the same.
    from yaml import CSafeDumper as SafeDumper
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper, SafeLoader  # type: ignore[assignment]

FENCE = "---"
# Values a document may expand to through YAML aliases: a 526-byte "billion laughs" document
# expands to gigabytes. A paper with every list at its limit is well under this.
MAX_EXPANDED_NODES = 20_000


class _Loader(SafeLoader):
    """The safe loader, except that an impossible date (2024-13-45) stays text for the
    loader to report with its line, instead of aborting the whole file."""


def _timestamp_or_text(loader: _Loader, node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):  # `!!timestamp [1]`: _located makes it a problem at its line
        raise TypeError("a timestamp must be a scalar")
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return node.value


def _located(construct: Callable[[_Loader, yaml.Node], Any]) -> Callable[[_Loader, yaml.Node], Any]:
    """`construct`, raising a ConstructorError at the node (so with its line) where PyYAML's own
    scalar constructors raise plain errors: `!!float abc`, `!!bool maybe`, a 5,000-digit integer."""

    def wrapped(loader: _Loader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this {node.tag.rsplit(':', 1)[-1]} ({_short(exc)})", node.start_mark
            ) from None

    return wrapped


def _clean_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    # The loader cleaned the raw text; only an escape in a double-quoted scalar ("\x00", "\uFFFE")
    # can write what no page or feed can carry (model.NOT_XML).
    value = loader.construct_scalar(node)
    return xml_safe(value) if node.style == '"' else value


def _not_text(loader: _Loader, node: yaml.Node) -> Any:
    # Bytes would reach a page as "b'...'": no field of a paper or setting is binary data.
    raise yaml.constructor.ConstructorError(None, None, "binary data (!!binary) is not text", node.start_mark)


for _tag, _construct in list(_Loader.yaml_constructors.items()):
    if _tag is not None and not inspect.isgeneratorfunction(_construct):
        _Loader.add_constructor(_tag, _located(_construct))
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _located(_timestamp_or_text))
_Loader.add_constructor("tag:yaml.org,2002:str", _clean_str)
_Loader.add_constructor("tag:yaml.org,2002:binary", _not_text)


def _short(exc: Exception | str, limit: int = 80) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class FrontMatterError(ValueError):
    """The file cannot be split or its YAML cannot be read; `line` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Document:
    meta: dict[str, Any]
    key_lines: dict[str, int]  # front matter key -> 1-based line in the file
    scalars: dict[str, str]  # key -> the scalar exactly as written (YAML reads 2310.10000 as a float)
    body: str
    body_line: int = 1  # the file line the body starts on


def parse(text: str) -> Document:
    """Split a content file and read its front matter. Raises FrontMatterError."""
    yaml_text, body = split(text)
    meta, lines, scalars = read_mapping(yaml_text, first_line=2)
    return Document(meta=meta, key_lines=lines, scalars=scalars, body=body, body_line=yaml_text.count("\n") + 3)


def read_mapping(yaml_text: str, first_line: int = 1) -> tuple[dict, dict[str, int], dict[str, str]]:
    """Read a YAML mapping; also return each key's line and each scalar as written.

    `first_line` is the file line the YAML text starts on, so that lines point into the file.
    """
    known = fastyaml.read(yaml_text, first_line)  # what dump writes, without PyYAML's cost
    if known is not None:
        return known
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        if node is not None and "*" in yaml_text:  # only an alias (*name) can expand
            _check_expansion(node, first_line)
        data = loader.construct_document(node) if node is not None else {}
    except yaml.reader.ReaderError as exc:  # a character YAML refuses (the loader removes them first)
        line = yaml_text.count("\n", 0, exc.position) + first_line
        raise FrontMatterError(f"invalid YAML: character U+{exc.character:04X} is not allowed", line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        raise FrontMatterError(f"invalid YAML: {_short(exc.problem or exc, 200)}", line) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise FrontMatterError("expected a mapping of keys to values", first_line)
    pairs = node.value if node is not None else []
    _refuse_repeated_keys(pairs, first_line)
    lines = {str(k.value): k.start_mark.line + first_line for k, _ in pairs}
    scalars = {str(k.value): v.value for k, v in pairs if isinstance(v, yaml.ScalarNode)}
    return data, lines, scalars


def _refuse_repeated_keys(pairs: list[tuple[yaml.Node, yaml.Node]], first_line: int) -> None:
    """Raise FrontMatterError at a key given a second time. YAML allows a key once in a mapping; PyYAML
    keeps the last value without a word, so an edit above a forgotten line of the same key would be lost."""
    seen: dict[str, int] = {}
    for key, _ in pairs:
        name, line = str(key.value), key.start_mark.line + first_line
        if name in seen and name != "<<":  # `<<` merges mappings, and may be given more than once
            raise FrontMatterError(f"{name}: given twice (first on line {seen[name]}); keep one", line)
        seen[name] = line


def _check_expansion(root: yaml.Node, first_line: int) -> None:
    """Raise FrontMatterError, at the key whose value is to blame, if the document would expand
    to more than MAX_EXPANDED_NODES values through aliases (or an alias refers to itself)."""
    sizes: dict[int, int] = {}
    pairs = root.value if isinstance(root, yaml.MappingNode) else [(root, root)]
    total = 0
    for key, value in pairs:
        total += _expanded_size(key, sizes) + _expanded_size(value, sizes)
        if total > MAX_EXPANDED_NODES:
            line = key.start_mark.line + first_line
            raise FrontMatterError(f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values", line)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes `node` stands for once every alias is expanded (a node inside itself: more
    than any budget). Without recursion, since YAML nests a thousand levels deep; `sizes` memoises
    the shared (aliased) nodes."""
    over = MAX_EXPANDED_NODES + 1
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    open_nodes: set[int] = set()
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if key in sizes:
            continue
        children = _children(current)
        if children_done or not children:
            sizes[key] = min(over, 1 + sum(sizes[id(c)] for c in children))
            open_nodes.discard(key)
        elif key in open_nodes:
            return over
        else:
            open_nodes.add(key)
            stack.append((current, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(node)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        items: list[yaml.Node] = node.value
        return items
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


# What str.splitlines (so `split`) takes for a line break, besides "\n".
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def split(text: str) -> tuple[str, str]:
    """Return (yaml_text, body). The file must open with a `---` line and close it."""
    text = text.removeprefix("\ufeff")
    end = text.find("\n---\n") if text.startswith("---\n") else -1
    # The usual file, found without splitting it into lines: no line before the closing fence
    # starts with `---`, and only "\n" breaks lines there.
    if end >= 0 and "\n---" not in text[3:end] and not _OTHER_BREAKS.search(text, 0, end):
        return text[4 : end + 1], text[end + 5 :].strip("\n")
    return _split_lines(text)


def _split_lines(text: str) -> tuple[str, str]:
    """`split`, line by line: for any file."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        raise FrontMatterError("file must start with a '---' line opening the front matter", 1)
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() == FENCE:
            return "".join(lines[1:index]), "".join(lines[index + 1 :]).strip("\n")
    raise FrontMatterError("front matter is not closed by a '---' line", len(lines))


def dump(meta: dict[str, Any], body: str) -> str:
    """Serialise front matter and body; keys keep the order they have in `meta`."""
    yaml_text = yaml.dump(meta, Dumper=SafeDumper, sort_keys=False, allow_unicode=True, width=100_000)
    body = body.strip("\n")
    return f"{FENCE}\n{yaml_text}{FENCE}\n" + (f"{body}\n" if body else "")
