"""`broadsheet serve`: build, serve on localhost, rebuild on every change, reload the open page.

The build is the ordinary one (into a temporary folder, with the base URL pointed at the
local server); live reload is added only here, as the HTML leaves the server, so nothing
of it can end up in a published site. The page long-polls /__broadsheet/wait: the request
returns as soon as a newer build has finished, so a saved edit shows within a second.

A failed build changes nothing that is served: the last good build stays, and every page
carries a banner listing the problems until a later build succeeds. Requests are answered
by `devhttp`, which also refuses odd paths with 400 or 404.
"""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

import jinja2
import watchfiles

from generator.build import BuildError, build
from generator.config import ConfigError, SiteConfig
from generator.devhttp import Builds, Handler, Server
from generator.errors import UserError
from generator.search import SearchIndexError
from generator.templating import TemplateProblem, template_line

# Failures a user causes by an edit (or the machine by a full disk): shown as their lines only.
# Anything else is a bug in Broadsheet: its traceback goes to the console as well.
EXPECTED = (BuildError, ConfigError, UserError, jinja2.TemplateError, SearchIndexError, OSError)
WATCH_TICK_MS = 300  # how often the watcher wakes with nothing to report


def describe(exc: BaseException) -> tuple[str, ...]:
    """A failed build's exception as lines for the console and the page, `path:line: message` where known."""
    return tuple(" ".join(line.splitlines()) for line in _lines(exc))  # one line per problem, even from a tool


def _lines(exc: BaseException) -> tuple[str, ...]:
    if isinstance(exc, (BuildError, ConfigError)) and exc.problems:
        return tuple(str(p) for p in exc.problems)
    if isinstance(exc, TemplateProblem):
        return (f"{exc.where}: {exc.what}",)
    if isinstance(exc, UserError):
        return (exc.line(),)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return (f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}",)
    if isinstance(exc, jinja2.TemplateError):
        return (f"{template_line(exc) or 'template'}: {type(exc).__name__}: {exc}",)
    if isinstance(exc, EXPECTED):
        return (f"{type(exc).__name__}: {exc}",)
    return (f"unexpected error (a bug in Broadsheet; traceback above): {type(exc).__name__}: {exc}",)


class DevServer:
    """A bound local server over a temporary output folder, rebuilt on demand."""

    def __init__(
        self,
        content: Path,
        load_config: Callable[[], SiteConfig],
        host: str = "127.0.0.1",
        port: int = 8000,
        search: bool = True,
    ) -> None:
        self.content, self.load_config, self.search = content, load_config, search
        self.builds = Builds()
        remove_abandoned(Path(tempfile.gettempdir()))
        self.folder, self.owner = _owned_folder()
        self.output = self.folder / "site"
        handler = functools.partial(Handler, output=self.output, builds=self.builds)
        # Bound before the first build: with --port 0 the base URL needs the port the OS picked.
        try:
            self.httpd = Server((host, port), handler)
        except OSError as exc:
            self._remove_folder()
            raise UserError(f"cannot listen on port {port}: {exc.strerror}", f"{host}:{port}") from None
        self.url = f"http://{host}:{self.httpd.server_port}/"
        self.serving: threading.Thread | None = None

    def rebuild(self) -> bool:
        """Build once; on failure print why and keep serving the previous build."""
        started = time.monotonic()
        try:
            config = dataclasses.replace(self.load_config(), base_url=self.url)
            report = build(self.content, self.output, config, search=self.search, cache_dir=self.folder / "cache")
        except Exception as exc:  # noqa: BLE001 - the server outlives any failed build; it shows it, bugs with their traceback
            self._failed(exc)
            return False
        self.builds.finished()
        print(f"built {report.papers} papers in {time.monotonic() - started:.2f}s", flush=True)
        return True

    def _failed(self, exc: Exception) -> None:
        if not isinstance(exc, EXPECTED):
            traceback.print_exception(exc, file=sys.stderr)
        problems = describe(exc)
        for line in problems:
            print(line, file=sys.stderr)
        kept = "still serving the previous build" if self.builds.status.has_site else "serving the error until a fix"
        print(f"build failed; {kept}", file=sys.stderr, flush=True)
        self.builds.finished(problems)

    def start(self) -> None:
        self.rebuild()
        self.serving = threading.Thread(target=self.httpd.serve_forever, name="broadsheet-serve", daemon=True)
        self.serving.start()

    def watch(
        self, paths: Sequence[Path], stop: threading.Event | None = None, ready: Callable[[], None] | None = None
    ) -> None:
        """Rebuild after each burst of changes under `paths`, until `stop` is set. `ready` is called once
        the watcher runs: an edit made after it is never missed (one made before the watcher started was).

        A watch follows the file or folder it was given, not its name: one of `paths` deleted, or replaced
        (an editor's save by rename, a folder restored), is watched anew, then the site rebuilt."""
        rebuild = False
        while stop is None or not stop.is_set():
            seen = {str(p.absolute()): _identity(p) for p in paths}
            existing = [name for name, identity in seen.items() if identity is not None]
            # yield_on_timeout: the first (empty) yield comes from a running watcher, so it can say "ready".
            # Ctrl+C is raised, not swallowed with a logged warning: the command exits with 130, as every command does.
            try:
                for changes in watchfiles.watch(
                    *existing, stop_event=stop, yield_on_timeout=True, rust_timeout=WATCH_TICK_MS
                ):
                    if ready is not None:
                        ready()
                        ready = None
                    replaced = any(change != watchfiles.Change.modified and name in seen for change, name in changes)
                    if replaced or any(_identity(Path(name)) != identity for name, identity in seen.items()):
                        rebuild = True  # once the new watcher runs, so that no edit made meanwhile is missed
                        break
                    if changes or rebuild or self._site_gone():
                        rebuild = False
                        self.rebuild()
            except FileNotFoundError:  # one went between its stat and its watch: watched anew
                rebuild = True
                time.sleep(WATCH_TICK_MS / 1000)

    def _site_gone(self) -> bool:
        """True if the last build was good but its site is no longer there: a cleaner of the temporary folder (a
        server left running for days) removed it, and every page was a 404 until the next edit. A failed build
        does not ask again, so a site that cannot be rebuilt is not tried at every tick."""
        status = self.builds.status
        return status.has_site and not status.problems and not (self.output / "index.html").is_file()

    def close(self) -> None:
        if self.serving is not None:  # shutdown() waits for serve_forever: forever, if Ctrl+C came in the first build
            self.httpd.shutdown()
        self.httpd.server_close()
        self._remove_folder()

    def _remove_folder(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.owner >= 0:  # closed after: a serve starting meanwhile must not take the folder for abandoned
            os.close(self.owner)
            self.owner = -1


# In each serve's temporary folder: a file locked (flock) by the serve that made it for as long as it runs. The kernel
# releases the lock when that process dies however it dies (-9, out of memory), so a free lock is a folder left.
OWNER = "owner.lock"
PREFIX = "broadsheet-serve-"


def _owned_folder() -> tuple[Path, int]:
    """A new temporary folder, and the descriptor of its `OWNER` lock, held. The file is named `OWNER` only once
    locked, so that no serve starting meanwhile finds it free; one without it is never removed."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    fd, name = tempfile.mkstemp(prefix=".owner-", dir=folder)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(name, folder / OWNER)
    return folder, fd


def remove_abandoned(temp: Path) -> None:
    """Delete the temporary folders in `temp` that serves killed with -9 left (their `OWNER` lock free); never a
    running serve's, another user's, or one without the lock (made by an older version, or being made)."""
    try:
        found = [entry.path for entry in os.scandir(temp) if entry.name.startswith(PREFIX)]
    except OSError:
        return
    for folder in found:
        if _abandoned(Path(folder)):
            shutil.rmtree(folder, ignore_errors=True)


def _abandoned(folder: Path) -> bool:
    try:
        fd = os.open(folder / OWNER, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        found = folder.lstat()
        mine = found.st_uid == os.fstat(fd).st_uid == os.getuid() and stat.S_ISDIR(found.st_mode)
        if mine:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError while its serve runs
        return mine
    except OSError:
        return False
    finally:
        os.close(fd)


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file or folder `path` names now, if any."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def serve(
    content: Path, load_config: Callable[[], SiteConfig], watched: Sequence[Path], port: int = 8000, search: bool = True
) -> int:
    if not content.is_dir():  # it would never be watched: no edit could mend the site
        raise UserError("content folder not found", content)
    server = DevServer(content, load_config, port=port, search=search)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit)
    try:
        server.start()
        server.watch(watched, ready=lambda: print(f"serving {server.url} (Ctrl+C to stop)", flush=True))
    finally:
        server.close()
    return 0


def _exit(signum: int, frame: object) -> None:
    # SIGTERM would end the process without running `finally` blocks, leaving the temporary
    # output folder behind; as an exception it unwinds like Ctrl+C does.
    raise SystemExit(0)
