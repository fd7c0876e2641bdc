"""`broadsheet serve`: build, serve on localhost, rebuild on every change, reload the open page.

The build is the ordinary one (into a temporary folder, with the base URL pointed at the
local server); live reload is added only here, as the HTML leaves the server, so nothing
of it can end up in a published site. The page long-polls /__broadsheet/wait: the request
returns as soon as a newer build exists, so a saved edit shows within a second.
"""
from __future__ import annotations

import dataclasses
import functools
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import watchfiles

from generator.build import BuildError, build
from generator.config import ConfigError, SiteConfig
from generator.search import SearchIndexError

WAIT_PATH = "/__broadsheet/wait"
WAIT_SECONDS = 25  # a long poll ends at least this often, so a closed tab frees its thread

# {version} is the build the page came from; any other answer means "reload".
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


class Builds:
    """The number of the newest successful build; waiters wake when it changes."""

    def __init__(self) -> None:
        self.version = 0
        self._changed = threading.Condition()

    def bump(self) -> None:
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def wait_past(self, seen: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen, timeout)
            return self.version


class Handler(SimpleHTTPRequestHandler):
    """Static files from the output folder, HTML with the reload script, and the wait endpoint."""

    def __init__(self, *args, builds: Builds, **kwargs) -> None:
        self.builds = builds
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == WAIT_PATH:
            return self._wait(parse_qs(url.query).get("v", ["0"])[0])
        target = Path(self.translate_path(url.path))
        if url.path.endswith("/") and target.is_dir():
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            return self._send(200, "text/html; charset=utf-8", self._with_reload(target.read_bytes()))
        return super().do_GET()

    def _wait(self, seen: str) -> None:
        try:
            version = self.builds.wait_past(int(seen), WAIT_SECONDS)
        except ValueError:
            version = self.builds.version
        self._send(200, "text/plain", str(version).encode())

    def _with_reload(self, html: bytes) -> bytes:
        script = RELOAD_SCRIPT.replace("{version}", str(self.builds.version)).encode()
        at = html.rfind(b"</body>")
        return html + script if at < 0 else html[:at] + script + html[at:]

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # an edit must never be hidden by a cache
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        pass  # one line per request would bury the build messages


class DevServer:
    """A bound local server over a temporary output folder, rebuilt on demand."""

    def __init__(self, content: Path, load_config: Callable[[], SiteConfig], host: str = "127.0.0.1",
                 port: int = 8000, search: bool = True) -> None:
        self.content, self.load_config, self.search = content, load_config, search
        self.folder = Path(tempfile.mkdtemp(prefix="broadsheet-serve-"))
        self.output = self.folder / "site"
        self.builds = Builds()
        handler = functools.partial(Handler, directory=str(self.output), builds=self.builds)
        # Bound before the first build: with --port 0 the base URL needs the port the OS picked.
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_port}/"

    def rebuild(self) -> bool:
        """Build once; on failure print why and keep serving the previous build."""
        started = time.monotonic()
        try:
            config = dataclasses.replace(self.load_config(), base_url=self.url)
            report = build(self.content, self.output, config, search=self.search, cache_dir=self.folder / "cache")
        except (BuildError, ConfigError) as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print("build failed; still serving the previous build", file=sys.stderr, flush=True)
            return False
        except (SearchIndexError, OSError) as exc:
            print(f"build failed: {exc}", file=sys.stderr, flush=True)
            return False
        self.builds.bump()
        print(f"built {report.papers} papers in {time.monotonic() - started:.2f}s", flush=True)
        return True

    def start(self) -> None:
        self.rebuild()
        threading.Thread(target=self.httpd.serve_forever, name="broadsheet-serve", daemon=True).start()

    def watch(self, paths: Sequence[Path], stop: threading.Event | None = None) -> None:
        """Rebuild after each burst of changes under `paths`, until `stop` is set."""
        existing = [str(p) for p in paths if p.exists()]
        for _changes in watchfiles.watch(*existing, stop_event=stop, raise_interrupt=False):
            self.rebuild()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.folder, ignore_errors=True)


def serve(content: Path, load_config: Callable[[], SiteConfig], watched: Sequence[Path], port: int = 8000,
          search: bool = True) -> int:
    server = DevServer(content, load_config, port=port, search=search)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit)
    try:
        server.start()
        print(f"serving {server.url} (Ctrl+C to stop)", flush=True)
        server.watch(watched)
    finally:
        server.close()
    return 0


def _exit(signum: int, frame: object) -> None:
    # SIGTERM would end the process without running `finally` blocks, leaving the temporary
    # output folder behind; as an exception it unwinds like Ctrl+C does.
    raise SystemExit(0)
