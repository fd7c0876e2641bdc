"""The Jinja environment's machinery: how templates are compiled, and compiled before forking.

`TemplateEnvironment` compiles `{{ value }}` under autoescape to a call that writes a plain string
as markupsafe.escape does, without making a Markup object of it (the site is byte for byte the same:
tests/test_templating.py and tests/test_golden.py).
"""

from __future__ import annotations

import os
import re
import stat
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.loaders import split_template_path
from markupsafe import escape

from generator.errors import UserError
from generator.fsutil import STALE_TEMPORARY
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


class TemplateProblem(UserError):
    """A mistake in a theme's template; `where` is its `file:line`."""


class ThemeLoader(jinja2.FileSystemLoader):
    """Jinja's loader, but a template that is not UTF-8, or that is a broken link or a folder in the site's own
    theme, is an error naming it (Jinja would take the default theme's instead, without a word)."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        self._refuse_unreadable(template)
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            found = (os.path.join(folder, template) for folder in self.searchpath)
            raise UserError(
                f"template is not UTF-8: {exc.reason}", next(filter(os.path.isfile, found), template)
            ) from None

    def _refuse_unreadable(self, template: str) -> None:
        """The first of the theme folders that has `template` must have it as a file."""
        for folder in self.searchpath:
            path = os.path.join(folder, *split_template_path(template))
            if os.path.isfile(path):
                return
            if os.path.lexists(path):
                what = "a folder" if os.path.isdir(path) else "a broken link"
                raise UserError(f"template is {what}, not a file", path)


@contextmanager
def template_errors() -> Iterator[None]:
    """A theme's mistake (a syntax error, an unknown filter or template, an undefined name, a template that raises)
    as one UserError naming the template and line: Jinja puts templates in the traceback, which a forked worker's
    exception loses, so it is made where the template runs."""
    try:
        yield
    except UserError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"template error: {exc.message}", f"{exc.filename or exc.name}:{exc.lineno}") from exc
    except Exception as exc:
        where = template_line(exc)
        if where is None:
            raise
        raise TemplateProblem(f"template error: {_reason(exc)}", where) from exc


def template_line(exc: BaseException) -> str | None:
    """`template:line` of the innermost template frame of `exc`'s traceback (Jinja marks them), if the
    template is at fault: Jinja's own errors (an undefined name, a missing template), or an exception raised
    by the template's code itself. One raised inside a Python filter is a bug in Broadsheet: None."""
    found, last = None, None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        last = frame
        if "__jinja_exception__" in frame.f_globals:
            found = f"{frame.f_code.co_filename}:{line}"
    in_template = last is not None and "__jinja_exception__" in last.f_globals
    return found if in_template or isinstance(exc, jinja2.TemplateError) else None


def _reason(exc: Exception) -> str:
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"no template {exc.name!r}"
    text = " ".join(str(exc).split())
    return text if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {text}"


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by earlier builds, kept in the cache folder: compiling the default theme takes
    75 ms of every build's start, loading it compiled 5 ms.

    Jinja checks a kept template against its source only, so the files are named for the site key, and those of
    other keys are removed; nothing else in the folder is (`--cache` may name a folder that holds other files).
    The site key holds the code key (our code generator, `_PrintingCode`, and Jinja's version) and the config,
    options and theme: Jinja folds a filter of a constant into the compiled code (`{{ 'static/style.css' | href }}`
    is kept as '/static/style.css'), so a site built at another base URL compiles its own. A file that cannot be
    read is compiled again; one that cannot be written is not kept.

    Jinja writes each file through a temporary one (the name, 8 random characters, `.tmp`), which a build killed
    mid-write leaves behind. Builds into other output folders share the folder without a common lock, so only
    temporary files older than `STALE` seconds are removed: a write takes milliseconds, and one whose temporary
    file is removed all the same only fails to keep its template (`dump_bytecode` ignores the failed rename)."""

    NAME = re.compile(r"[0-9a-f]+-[0-9a-f]{40}\.cache")  # a site key, then Jinja's key of the template (SHA-1)
    TEMPORARY = re.compile(NAME.pattern + r"[a-z0-9_]{8}\.tmp")  # tempfile's random part, see `dump_bytecode`
    STALE = STALE_TEMPORARY

    def __init__(self, folder: Path, site_key: bytes) -> None:
        prefix = site_key.hex()
        super().__init__(str(folder), prefix + "-%s.cache")
        for name in _listed(folder):
            if self.NAME.fullmatch(name) and not name.startswith(prefix + "-"):
                _remove(folder / name)
            elif self.TEMPORARY.fullmatch(name) and _older_than(folder / name, self.STALE):
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


def _older_than(path: Path, seconds: float) -> bool:
    """Whether `path` is a file (not a link) last modified more than `seconds` ago."""
    try:
        st = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and time.time() - st.st_mtime > seconds


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def compile_templates(env: jinja2.Environment, *names: Iterable[str]) -> None:
    """Compile the templates `names` and every template they extend or include, so that forked
    workers inherit them instead of each compiling them again (65 ms of CPU a process)."""
    todo = {name for group in names for name in group}
    named = set(todo)
    done: set[str] = set()
    while todo:
        name = todo.pop()
        done.add(name)
        try:
            env.get_template(name)
        except jinja2.TemplateNotFound:
            if name in named:
                raise
            continue  # named by a template: rendering it fails at the line that names it (`template_errors`)
        source = env.loader.get_source(env, name)[0] if env.loader else ""
        todo.update(n for n in meta.find_referenced_templates(env.parse(source)) if n and n not in done)
