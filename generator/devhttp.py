"""What `broadsheet serve` answers: the built files, HTML with live reload and the build's errors.

Every request is checked before the file system sees it: a target that is not a plain URL
path (raw bytes outside ASCII, a control character, a bad %-escape, %-escapes that are not
UTF-8, a `..` segment) gets 400; one longer than any file could be named gets 404. Only
files under the output folder are read; a folder is its index.html, never a listing; a file named
as a folder (`/index.html/`) is not found.
"""

from __future__ import annotations

import html
import re
import socket
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_to_bytes

WAIT_PATH = "/__broadsheet/wait"
WAIT_SECONDS = 25  # a long poll ends at least this often, so a closed tab frees its thread
MAX_PATH_BYTES = 1024  # a decoded path longer than this names no file of a site
MAX_SEGMENT_BYTES = 255  # the longest file name most file systems hold
SHOWN_PROBLEMS = 50  # the banner lists this many; the console has them all

_TARGET = re.compile(r"/[!-~]*")  # printable ASCII, no space: what a URL path may hold
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_METHOD = re.compile(r"[A-Z]+")  # any other word is junk, not a method this server lacks (501)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Status:
    """What the server has to show, replaced as a whole after every build."""

    version: int = 0  # builds finished, good or failed: any change reloads the open pages
    problems: tuple[str, ...] = ()  # why the latest build failed; empty after a good one
    has_site: bool = False  # some build succeeded: there are pages to serve


class Builds:
    """The status of the newest build; waiters wake when it changes."""

    def __init__(self) -> None:
        self.status = Status()
        self._changed = threading.Condition()

    @property
    def version(self) -> int:
        return self.status.version

    def finished(self, problems: Sequence[str] = ()) -> None:
        """Record a build: a good one when `problems` is empty."""
        with self._changed:
            old = self.status
            self.status = Status(old.version + 1, tuple(problems), old.has_site or not problems)
            self._changed.notify_all()

    def wait_past(self, seen: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen, timeout)
            return self.version


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def split_target(target: str) -> tuple[str, str, str]:
    """(raw path, decoded path, query) of a request target, or Refused with 400 or 404."""
    raw, _, query = target.partition("#")[0].partition("?")
    if not _TARGET.fullmatch(raw) or _BAD_ESCAPE.search(raw) or not _TARGET.fullmatch("/" + query):
        raise Refused(400, "not a valid URL path")
    try:
        path = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the path is not UTF-8") from None
    segments = path.split("/")
    if _CONTROL.search(path) or ".." in segments:
        raise Refused(400, "not a valid URL path")
    if len(path.encode()) > MAX_PATH_BYTES or any(len(s.encode()) > MAX_SEGMENT_BYTES for s in segments):
        raise Refused(404, "no such file")
    return raw, path, query


RELOAD_SCRIPT = """<script>
(async () => {
  const built = "{version}";
  for (;;) {
    try {
      const answer = await (await fetch("{wait}?v=" + built, {cache: "no-store"})).text();
      if (answer !== built) { location.reload(); return; }
    } catch (error) {
      await new Promise((wake) => setTimeout(wake, 1000));  // server restarting: try again
    }
  }
})();
</script>
""".replace("{wait}", WAIT_PATH)

BANNER_ID = 'id="broadsheet-build-error"'
BANNER = """<div {id} role="alert" style="position:fixed;z-index:2147483647;\
top:0;left:0;right:0;max-height:60vh;overflow:auto;margin:0;padding:.75rem 1rem;background:#fff4f4;\
color:#7a0000;border-bottom:3px solid #c00;font:14px/1.45 ui-monospace,monospace;text-align:left">
<button type="button" aria-label="Hide" onclick="this.parentNode.remove()" style="float:right;font:inherit;\
cursor:pointer">&times;</button><strong>{heading}</strong>
<ul style="margin:.5rem 0 0;padding-left:1.5rem">{items}</ul>
</div>
"""
ERROR_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed</title></head>
<body></body></html>
"""


def banner(problems: Sequence[str], has_site: bool) -> str:
    """The build's problems as HTML; they hold paths and messages, so every one is escaped."""
    heading = (
        "The latest build failed: this is the last good build."
        if has_site
        else "The build failed: there is nothing to show until it is fixed."
    )
    shown = [f"<li>{html.escape(line)}</li>" for line in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(f"<li>... and {len(problems) - SHOWN_PROBLEMS} more (see the console)</li>")
    return BANNER.replace("{id}", BANNER_ID).replace("{heading}", heading).replace("{items}", "".join(shown))


def decorate(page: bytes, status: Status) -> bytes:
    """A built page as served: the reload script, and the banner while the latest build has failed."""
    extra = RELOAD_SCRIPT.replace("{version}", str(status.version))
    if status.problems:
        extra = banner(status.problems, status.has_site) + extra
    at = page.rfind(b"</body>")
    return page + extra.encode() if at < 0 else page[:at] + extra.encode() + page[at:]


class Handler(SimpleHTTPRequestHandler):
    """GET and HEAD of the output folder's files, and the wait endpoint."""

    default_request_version = "HTTP/1.0"  # so that even a refused junk line gets a status line
    timeout = 5  # seconds to send a request line; a client that sends none is dropped (a browser opens another)

    def __init__(self, *args: Any, output: Path, builds: Builds, **kwargs: Any) -> None:
        self.output, self.builds = output, builds
        super().__init__(*args, directory=str(output), **kwargs)

    def handle_one_request(self) -> None:
        try:
            first = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:  # nothing sent in time, or the client left
            first = b""
        if first.isalpha():  # every method is a word
            return super().handle_one_request()
        self.close_connection = True
        if first:  # a TLS hello (an https:// URL), binary junk: say so now, not when a line ends
            self.command, self.requestline, self.request_version = "", "", "HTTP/1.0"
            self.send_error(400, "not an HTTP request")
            drain(self.connection)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if len(self.requestline.split()) != 3 or not _METHOD.fullmatch(self.command):  # "GET /" is HTTP/0.9
            self.send_error(400, "not an HTTP/1 request")
            return False
        return True

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def _answer(self) -> None:
        try:
            raw, path, query = split_target(self.path)
        except Refused as refused:
            return self.send_error(refused.status, refused.reason)
        status = self.builds.status
        if path == WAIT_PATH:
            return self._wait(query)
        if not status.has_site:
            return self._send(500, "text/html; charset=utf-8", decorate(ERROR_PAGE.encode(), status))
        self._file(raw, path, query, status)

    def _file(self, raw: str, path: str, query: str, status: Status) -> None:
        file = self.output.joinpath(*[s for s in path.split("/") if s not in ("", ".")])
        try:
            if file.is_dir():
                if not path.endswith("/"):
                    return self._redirect(raw + "/" + (f"?{query}" if query else ""))
                file = file / "index.html"
            elif path.endswith(("/", "/.")):  # a file named as a folder (/index.html/): no such folder
                return self._not_found(status)
            body = file.read_bytes()
        except OSError:  # missing, not a folder, a name too long: no such file
            return self._not_found(status)
        if file.suffix == ".html":
            return self._send(200, "text/html; charset=utf-8", decorate(body, status))
        self._send(200, self.guess_type(str(file)), body)

    def _not_found(self, status: Status) -> None:
        try:
            page = (self.output / "404.html").read_bytes()
        except OSError:
            return self.send_error(404, "no such file")
        self._send(404, "text/html; charset=utf-8", decorate(page, status))

    def _wait(self, query: str) -> None:
        seen = parse_qs(query).get("v", [""])[0]
        version = self.builds.version
        if self.command == "GET" and seen.isdigit() and len(seen) < 20:
            version = self.builds.wait_past(int(seen), WAIT_SECONDS)
        self._send(200, "text/plain", str(version).encode())

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # an edit must never be hidden by a cache
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request would bury the build messages


def drain(connection: socket.socket) -> None:
    """Read what the client has sent so far: closing with unread bytes would reset the connection,
    and the client could lose the answer."""
    connection.settimeout(0)  # with a timeout, even a MSG_DONTWAIT read would wait that long
    try:
        while connection.recv(65536):
            pass
    except OSError:  # nothing more to read
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client left (a closed tab, a reload): nothing to report
        super().handle_error(request, client_address)
