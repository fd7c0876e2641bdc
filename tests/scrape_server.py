"""A real HTTP server on 127.0.0.1 (ephemeral port) for the scraper tests and benchmark.

It serves canned replies per request target (path + query) and injects faults: any status with
any headers (429 + Retry-After, 500), a stalled reply (headers never come until the test ends),
a truncated body (Content-Length larger than what is sent), a trickled body (one byte at a time,
with a pause between), a gzip bomb (a small body that inflates far past any limit), and an
optional delay per request.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scrape"
DAILY = FIXTURES / "daily_papers"
PAPER_PAGE = FIXTURES / "paper-2509.24002.prettified.html"
ATOM = FIXTURES / "query-all-science-2019-08-10.atom.xml"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    stall: bool = False  # hold the request open (no status line) until the server stops
    truncate: bool = False  # send half the body under a Content-Length for all of it, then close
    trickle: float = 0.0  # seconds between the body's bytes, sent one at a time

    @classmethod
    def json(cls, data, status: int = 200) -> Reply:
        return cls(status, json.dumps(data, ensure_ascii=False).encode(), (("Content-Type", "application/json"),))

    @classmethod
    def html(cls, text: str, status: int = 200) -> Reply:
        return cls(status, text.encode(), (("Content-Type", "text/html; charset=utf-8"),))

    @classmethod
    def gzipped(cls, body: bytes, content_type: str = "application/json") -> Reply:
        return cls(200, gzip_bytes([body]), (("Content-Type", content_type), ("Content-Encoding", "gzip")))

    @classmethod
    def gzip_bomb(cls, megabytes: int) -> Reply:
        """A JSON reply of `megabytes` MB once inflated (a list of spaces), sent as about 1/1000 of that."""
        parts = [b"["] + [b" " * 1024 * 1024] * megabytes + [b"]"]
        return cls(200, gzip_bytes(parts), (("Content-Type", "application/json"), ("Content-Encoding", "gzip")))


def gzip_bytes(parts: list[bytes]) -> bytes:
    """`parts`, joined and gzipped, without ever holding them joined."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join([*(packer.compress(p) for p in parts), packer.flush()])


@dataclass
class Log:
    targets: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    active: int = 0
    most_active: int = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        reply = self.server.owner.next_reply(self.path, self.headers.get("User-Agent", ""))
        # The request counts as in flight until its reply starts: counting until the last byte is
        # written would race the client, which may start its next request as soon as it has that byte.
        try:
            answered = self._hold(reply)
        finally:
            self.server.owner.done()
        if answered:
            self._send(reply)

    def _hold(self, reply: Reply) -> bool:
        """Waits as the reply asks; False for a stalled reply, which never answers."""
        if self.server.owner.delay:
            time.sleep(self.server.owner.delay)
        if reply.stall:
            self.server.owner.stalled.set()
            self.server.owner.released.wait(60)
            self.close_connection = True
            return False
        return True

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        body = reply.body[: len(reply.body) // 2] if reply.truncate else reply.body
        if reply.trickle:
            self._trickle(body, reply.trickle)
        else:
            self.wfile.write(body)
        self.close_connection = reply.truncate or bool(reply.trickle)

    def _trickle(self, body: bytes, pause: float) -> None:
        for i in range(len(body)):
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
            if self.server.owner.released.wait(pause):  # the test is over
                return

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScrapeServer

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up on a stalled or truncated reply: expected here


class ScrapeServer:
    """Routes: target -> replies; the first replies are used once each, the last one repeats."""

    def __init__(self, delay: float = 0.0) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.log = Log()
        self.delay = delay
        self.stalled, self.released = threading.Event(), threading.Event()
        self._lock = threading.Lock()
        self._http = _Server(("127.0.0.1", 0), _Handler)
        self._http.owner = self
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"

    def route(self, target: str, *replies: Reply) -> None:
        with self._lock:
            self.routes[target] = list(replies)

    def next_reply(self, target: str, user_agent: str) -> Reply:
        with self._lock:
            self.log.targets.append(target)
            self.log.user_agents.append(user_agent)
            self.log.active += 1
            self.log.most_active = max(self.log.most_active, self.log.active)
            replies = self.routes.get(target)
            if not replies:
                return Reply.json({"error": "Not Found"}, 404)
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def done(self) -> None:
        with self._lock:
            self.log.active -= 1

    def hits(self, target: str) -> int:
        return self.log.targets.count(target)

    def start(self) -> ScrapeServer:
        threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Canned content

    def serve_day(self, day: dt.date | str, items: list | bytes) -> None:
        body = items if isinstance(items, bytes) else json.dumps(items, ensure_ascii=False).encode()
        self.route(f"/api/daily_papers?date={day}", Reply(200, body, (("Content-Type", "application/json"),)))

    def serve_fixture_days(self) -> list[dt.date]:
        """Every recorded API day, byte for byte; returns the days."""
        days = []
        for path in sorted(DAILY.glob("*.json")):
            day = dt.date.fromisoformat(path.name[:10])
            self.serve_day(day, path.read_bytes())
            days.append(day)
        return days


def fixture_items(day: str) -> list[dict]:
    """The items of a recorded day, as Python data."""
    path = next(DAILY.glob(f"{day}*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def daily_page(items: list, day: str, date_string: str | None = None) -> str:
    """A daily list page as the site embeds its data (second-hand, tests/fixtures/FORMATS.md §3.2): data-props
    with &quot; escaping, inside <main>, plus the visible cards."""
    props = {"dailyPapers": items, "dateString": date_string or day, "periodType": "day"}
    island = f'<div class="SVELTE_HYDRATER contents" data-target="DailyPapers" data-props="{html.escape(json.dumps(props))}">'
    return f"<!doctype html><html><body><main>{island}{cards(items)}</div></main></body></html>"


def cards(items: list) -> str:
    """The cards of a list page: title link and upvotes only (no abstract, no authors)."""
    return "".join(
        f'<article class="relative flex flex-col overflow-hidden rounded-xl border"><h3>'
        f'<a href="/papers/{i["paper"]["id"]}" class="cursor-pointer">{html.escape(i["title"])}</a></h3>'
        f'<div class="leading-none">{i["paper"]["upvotes"]}</div></article>'
        for i in items
    )


def paper_page_props() -> dict:
    """The PaperContent island of the real paper page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(PAPER_PAGE.read_text(encoding="utf-8"), "html.parser")
    return json.loads(soup.find("div", attrs={"data-target": "PaperContent"})["data-props"])
