"""What a command prints: results on stdout, warnings through logging, errors on stderr.

`-q` leaves out results and warnings (the exit status says it); `-v` adds details. Errors are always
printed. Content problems read `path:line: message`; other lines (a failed download) say what failed.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

LOG = logging.getLogger("generator")  # the package's modules log under it: generator.<module>


class Reportable(Protocol):
    @property
    def is_error(self) -> bool: ...


@dataclass(frozen=True)
class Notice:
    """A line for the user that is about no file and line: a failed request, a note on a run."""

    text: str
    is_error: bool = True

    def __str__(self) -> str:
        return self.text


def report(problems: Iterable[Reportable]) -> int:
    """Print each problem (a model.Problem or a Notice): errors always, warnings unless -q. 1 if any is an error."""
    status = 0
    for problem in problems:
        if problem.is_error:
            print(problem, file=sys.stderr)
            status = 1
        else:
            LOG.warning("%s", problem)
    return status


def result(args: argparse.Namespace, text: str) -> None:
    """A command's closing summary on stdout; left out under -q (the exit status says it)."""
    if args.verbosity >= 0:
        print(text)


@contextlib.contextmanager
def diagnostics(verbosity: int) -> Iterator[None]:
    """Diagnostics (warnings, progress, details) go to stderr through logging: -q shows errors
    only, -v adds details. Results (what was built, what would be imported) go to stdout.
    The logger is left as it was found: main() may run more than once in a process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = LOG.level
    LOG.addHandler(handler)
    LOG.setLevel({-1: logging.ERROR, 0: logging.INFO, 1: logging.DEBUG}[verbosity])
    try:
        yield
    finally:
        LOG.removeHandler(handler)
        LOG.setLevel(level)
