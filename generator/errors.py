"""Failures a user can cause and fix, as opposed to bugs.

Any module may raise `UserError`; the command line (`cli.main`) prints it as one line,
`broadsheet: error: <what> (<where>)`, and exits 1. Anything else that escapes is a bug:
it is shown as one line too, and `--debug` shows its traceback.
"""

from __future__ import annotations

import os


class UserError(Exception):
    """Something the user gave or asked for that cannot work; `where` names the file, folder,
    URL or option involved."""

    def __init__(self, what: str, where: str | os.PathLike[str] | None = None) -> None:
        self.what = what
        self.where = "" if where is None else os.fspath(where)
        super().__init__(self.line())

    def line(self) -> str:
        return f"{self.what} ({self.where})" if self.where else self.what


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, `docker stop`, systemd, a CI runner's cancel), unwound as Ctrl+C is, in a build
    (`parallel.terminate_as_interrupt`); the command exits 143, as a process SIGTERM ends does."""
