"""A response body read within limits: its size after decompression, and the time it takes.

httpx would inflate a gzip body whole, however large it grows, and its read timeout only bounds
the wait for the next byte: a server sending one byte a second never trips it. So the scraper
reads the raw bytes itself, inflates them a slice at a time and stops as soon as either limit is
passed, never holding more than the limit plus one slice.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator

import httpx

SLICE = 64 * 1024  # the most one step of inflating may produce
# Content-Encoding -> zlib's wbits: 16 + 15 reads gzip, 32 + 15 reads a zlib or gzip header.
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 32 + zlib.MAX_WBITS}


class TooLarge(Exception):
    """The body is (or would be) larger than the limit once decompressed."""


class TooSlow(Exception):
    """The body was still arriving when its time was up."""


class Undecodable(Exception):
    """A Content-Encoding we did not ask for, or a compressed body that does not inflate."""


def read_body(response: httpx.Response, max_bytes: int, ends_at: float) -> bytes:
    """The body of a streamed `response`, decompressed; at most `max_bytes`, done by `ends_at`
    (time.monotonic())."""
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity") and _declared(response) > max_bytes:
        raise TooLarge(f"response of {_declared(response)} bytes, more than the limit of {max_bytes}")
    inflate = _Inflater(encoding)
    body = bytearray()
    for raw in response.iter_raw():
        for piece in inflate.feed(raw):
            body += piece
            if len(body) > max_bytes:
                raise TooLarge(f"response larger than the limit of {max_bytes} bytes (after decompression)")
        if time.monotonic() > ends_at:
            raise TooSlow("response still arriving when its time was up")
    inflate.finish()
    return bytes(body)


def _declared(response: httpx.Response) -> int:
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isdigit() and len(value) < 20 else 0


class _Inflater:
    """Bytes as sent -> bytes as meant, never more than SLICE bytes per step."""

    def __init__(self, encoding: str) -> None:
        if encoding not in ("", "identity") and encoding not in _WBITS:
            raise Undecodable(f"unsupported Content-Encoding {encoding[:40]!r}")
        self._zlib = zlib.decompressobj(_WBITS[encoding]) if encoding in _WBITS else None
        self._fed = False  # an empty body is empty, whatever its Content-Encoding says

    def feed(self, raw: bytes) -> Iterator[bytes]:
        self._fed = self._fed or bool(raw)
        if self._zlib is None:
            yield raw
            return
        data = raw
        while data and not self._zlib.eof:
            try:
                piece = self._zlib.decompress(data, SLICE)
            except zlib.error as exc:
                raise Undecodable(f"compressed body does not inflate ({exc})") from None
            yield piece
            data = self._zlib.unconsumed_tail

    def finish(self) -> None:
        if self._zlib is not None and self._fed and not self._zlib.eof:
            raise Undecodable("compressed body ends early")
