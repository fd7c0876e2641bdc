"""The Jinja environment's machinery: how templates are compiled, and compiled before forking.

`TemplateEnvironment` compiles `{{ value }}` under autoescape to a call that writes a plain string
as markupsafe.escape does, without making a Markup object of it (the site is byte for byte the same:
tests/test_templating.py and tests/test_golden.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import escape

from generator.markup import escape_text


class _PrintingCode(CodeGenerator):
    """Jinja's code generator, but a value printed under autoescape goes through `printed`, which
    writes a plain string as markupsafe.escape does without making a Markup object of it (two
    million values at 20,000 papers; `escape` and `Markup` were a tenth of the render's profile)."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write("environment.printed(")
        else:
            super()._output_child_pre(node, frame, finalize)


class TemplateEnvironment(jinja2.Environment):
    """Jinja's environment, compiling templates with `_PrintingCode`."""

    code_generator_class = _PrintingCode

    @staticmethod
    def printed(value: Any) -> str:
        """What `{{ value }}` writes under autoescape: exactly markupsafe.escape's text."""
        return escape_text(value) if type(value) is str else escape(value)


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by earlier builds, kept in the cache folder: compiling the default theme takes
    75 ms of every build's start, loading it compiled 5 ms.

    Jinja checks a kept template against its source only, so the files are named for the site key, and those of
    other keys are removed; nothing else in the folder is (`--cache` may name a folder that holds other files).
    The site key holds the code key (our code generator, `_PrintingCode`, and Jinja's version) and the config,
    options and theme: Jinja folds a filter of a constant into the compiled code (`{{ 'static/style.css' | href }}`
    is kept as '/static/style.css'), so a site built at another base URL compiles its own. A file that cannot be
    read is compiled again; one that cannot be written is not kept."""

    NAME = re.compile(r"[0-9a-f]+-[0-9a-f]{40}\.cache")  # a site key, then Jinja's key of the template (SHA-1)

    def __init__(self, folder: Path, site_key: bytes) -> None:
        prefix = site_key.hex()
        super().__init__(str(folder), prefix + "-%s.cache")
        for name in _listed(folder):
            if self.NAME.fullmatch(name) and not name.startswith(prefix + "-"):
                _remove(folder / name)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file (its pickled checksum, its marshalled code) is only a miss
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _listed(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def compile_templates(env: jinja2.Environment, *names: Iterable[str]) -> None:
    """Compile the templates `names` and every template they extend or include, so that forked
    workers inherit them instead of each compiling them again (65 ms of CPU a process)."""
    todo = {name for group in names for name in group}
    done: set[str] = set()
    while todo:
        name = todo.pop()
        done.add(name)
        env.get_template(name)
        source = env.loader.get_source(env, name)[0] if env.loader else ""
        todo.update(n for n in meta.find_referenced_templates(env.parse(source)) if n and n not in done)
