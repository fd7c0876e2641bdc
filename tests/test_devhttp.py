"""What `broadsheet serve` answers to odd requests: bytes sent exactly as written, over a raw socket,
to the real command; a 400 or 404 each time, and nothing on its console."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from generator.devhttp import Refused, split_target
from tests.conftest import REPO, paper_file, write_content
from tests.test_serve import serve_process


@dataclass
class Served:
    host: str
    port: int
    console: list[str]  # what the command printed, on stdout and stderr


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("site")
    (root / "themes").symlink_to(REPO / "themes")
    write_content(root / "content", "a.md", paper_file("2401.00001", "A title", "listed: 2024-01-01\n"))
    proc = serve_process(root)
    console: list[str] = []
    assert proc.stdout
    for line in proc.stdout:
        console.append(line)
        if line.startswith("serving "):
            break
    threading.Thread(target=lambda: console.extend(proc.stdout or ()), daemon=True).start()
    host, port = console[-1].split()[1].removeprefix("http://").rstrip("/").split(":")
    try:
        yield Served(host, int(port), console)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def exchange(served: Served, request: bytes) -> bytes:
    """Send `request` as is and read the whole answer (the server closes after one)."""
    with socket.create_connection((served.host, served.port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def status_of(answer: bytes) -> int:
    version, status, *_ = answer.split(b"\r\n", 1)[0].split(b" ")
    assert version.startswith(b"HTTP/1."), answer[:200]
    return int(status)


def assert_quiet(served: Served) -> None:
    time.sleep(0.1)  # a traceback, if any, is printed before the connection closes; let the reader catch up
    printed = "".join(served.console)
    assert "Traceback" not in printed and "Exception" not in printed, printed


def get(path: bytes) -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"


ODD = {
    "a NUL byte": (get(b"/%00"), 400),
    "a NUL byte in a page's folder": (get(b"/papers/2401.00001/%00.html"), 400),
    "a control character": (get(b"/a%0d%0aSet-Cookie:x"), 400),
    "4,000 segments": (get(b"/a" * 4000), 404),
    "a 5,000-byte path": (get(b"/" + b"a" * 5000), 404),
    "a 300-byte file name": (get(b"/papers/" + b"b" * 300 + b"/"), 404),
    "a 70,000-byte request line": (get(b"/" + b"a" * 70_000), 414),  # the HTTP status for exactly this
    "dot-dot segments": (get(b"/../../../etc/passwd"), 400),
    "escaped dot-dot segments": (get(b"/%2e%2e/%2E%2E/etc/passwd"), 400),
    "an escaped slash around dot-dot": (get(b"/static/..%2f..%2fetc%2fpasswd"), 400),
    "a control character in the query": (get(b"/papers/2401.00001?x=\x01"), 400),
    "a bad escape": (get(b"/%zz"), 400),
    "a cut escape": (get(b"/papers/%4"), 400),
    "an escape that is not UTF-8": (get(b"/%ff%fe"), 400),
    "a cut UTF-8 escape": (get(b"/%c3"), 400),
    "raw bytes that are not UTF-8": (get(b"/\xff\xfe"), 400),
    "raw UTF-8 bytes": (get("/é".encode()), 400),
    "no leading slash": (get(b"index.html"), 400),
    "a request line that is one word": (b"HELLO\r\n\r\n", 400),
    "a TLS hello": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),  # https:// to this port
    "binary junk in a line": (b"G\x00\xff\x01 / HTTP/1.1\r\n\r\n", 400),
    "a blank line": (b"\r\n\r\n", 400),
    "an HTTP/0.9 request": (b"GET /\r\n\r\n", 400),
    "a version that is not HTTP": (b"GET / SPDY/3\r\n\r\n", 400),
    "a missing page": (get(b"/no/such/page/"), 404),
    "a folder without a page": (get(b"/static/"), 404),
    "a missing page under a file": (get(b"/index.html/x"), 404),
    "a page named as a folder": (get(b"/index.html/"), 404),
    "a page named as a folder, with a dot": (get(b"/index.html/."), 404),
    "a paper's page named as a folder": (get(b"/papers/2401.00001/index.html/"), 404),
    "a stylesheet named as a folder": (get(b"/static/style.css/"), 404),
}


@pytest.mark.parametrize("request_bytes, expected", ODD.values(), ids=ODD.keys())
def test_odd_requests_get_400_or_404_and_nothing_on_the_console(
    served: Served, request_bytes: bytes, expected: int
) -> None:
    answer = exchange(served, request_bytes)
    assert status_of(answer) == expected
    assert b"Traceback" not in answer
    assert_quiet(served)


def test_a_missing_page_gets_the_site_404_page(served: Served) -> None:
    answer = exchange(served, get(b"/no/such/page/"))
    assert b"<title>" in answer and b"/__broadsheet/wait" in answer  # the site's page, with live reload


def test_head_answers_like_get_without_a_body(served: Served) -> None:
    for path in (b"/", b"/papers/2401.00001/", b"/static/style.css", b"/no/such/page/"):
        got = exchange(served, get(path))
        head = exchange(served, b"HEAD " + path + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        _, body = got.split(b"\r\n\r\n", 1)
        head_headers, nothing = head.split(b"\r\n\r\n", 1)
        assert status_of(head) == status_of(got) and nothing == b""
        assert f"Content-Length: {len(body)}".encode() in head_headers
    assert_quiet(served)


def test_a_folder_without_its_slash_is_redirected_to_it(served: Served) -> None:
    answer = exchange(served, get(b"/papers/2401.00001?x=1"))
    assert status_of(answer) == 301 and b"\r\nLocation: /papers/2401.00001/?x=1\r\n" in answer


def test_a_client_that_sends_nothing_is_dropped_without_a_word(served: Served) -> None:
    with socket.create_connection((served.host, served.port), timeout=30) as sock:
        started = time.monotonic()
        assert sock.recv(100) == b""
    assert time.monotonic() - started < 10
    assert_quiet(served)


@pytest.mark.parametrize(
    "target, path",
    [
        ("/", "/"),
        ("/papers/2401.00001/?v=1#top", "/papers/2401.00001/"),
        ("/a%20b/%C3%A9", "/a b/é"),
    ],
)
def test_plain_targets_are_decoded(target: str, path: str) -> None:
    assert split_target(target)[1] == path


@pytest.mark.parametrize("target", ["/%00", "/%", "/%2e%2E/x", "/\u00e9", "/%c3%28", "x"])
def test_odd_targets_are_refused_with_400(target: str) -> None:
    with pytest.raises(Refused) as refused:
        split_target(target)
    assert refused.value.status == 400
