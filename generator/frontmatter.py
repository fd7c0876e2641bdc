"""Markdown files with YAML front matter: split, parse with line numbers, and dump.

A content file looks like::

    ---
    id: 2310.00653
    title: ...
    ---
    The abstract, in Markdown.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

try:  # libyaml is several times faster; the pure-Python loader behaves the same.
    from yaml import CSafeDumper as SafeDumper
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper, SafeLoader  # type: ignore[assignment]

FENCE = "---"


class _Loader(SafeLoader):
    """The safe loader, except that an impossible date (2024-13-45) stays text for the
    loader to report with its line, instead of aborting the whole file."""


def _timestamp_or_text(loader: _Loader, node: yaml.ScalarNode):
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return node.value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


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


def parse(text: str) -> Document:
    """Split a content file and read its front matter. Raises FrontMatterError."""
    yaml_text, body = split(text)
    meta, lines, scalars = read_mapping(yaml_text, first_line=2)
    return Document(meta=meta, key_lines=lines, scalars=scalars, body=body)


def read_mapping(yaml_text: str, first_line: int = 1) -> tuple[dict, dict[str, int], dict[str, str]]:
    """Read a YAML mapping; also return each key's line and each scalar as written.

    `first_line` is the file line the YAML text starts on, so that lines point into the file.
    """
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        raise FrontMatterError(f"invalid YAML: {exc.problem or exc}", line) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise FrontMatterError("expected a mapping of keys to values", first_line)
    pairs = node.value if node is not None else []
    lines = {str(k.value): k.start_mark.line + first_line for k, _ in pairs}
    scalars = {str(k.value): v.value for k, v in pairs if isinstance(v, yaml.ScalarNode)}
    return data, lines, scalars


def split(text: str) -> tuple[str, str]:
    """Return (yaml_text, body). The file must open with a `---` line and close it."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        raise FrontMatterError("file must start with a '---' line opening the front matter", 1)
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() == FENCE:
            return "".join(lines[1:index]), "".join(lines[index + 1 :]).strip("\n")
    raise FrontMatterError("front matter is not closed by a '---' line", len(lines))


def dump(meta: dict[str, Any], body: str) -> str:
    """Serialise front matter and body; keys keep the order they have in `meta`."""
    yaml_text = yaml.dump(
        meta, Dumper=SafeDumper, sort_keys=False, allow_unicode=True, width=100_000
    )
    body = body.strip("\n")
    return f"{FENCE}\n{yaml_text}{FENCE}\n" + (f"{body}\n" if body else "")
