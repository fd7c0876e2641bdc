"""HTTP for the scraper: timeouts, retries with backoff and jitter, Retry-After, a cap on requests
in flight, limits on each response (bytes after decompression, total time), a deadline for the
whole run and a User-Agent naming the project. Every other module receives bodies, not sockets."""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

import httpx

from generator import __version__
from generator.scrape.body import TooLarge, TooSlow, Undecodable, read_body

USER_AGENT = f"Broadsheet/{__version__} (a static archive of Hugging Face Daily Papers; python-httpx)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
MB = 1024 * 1024


@dataclass(frozen=True)
class ClientSettings:
    timeout: float = 20.0  # seconds per read/connect, and (x3) for a whole response
    retries: int = 4  # attempts after the first
    backoff: float = 1.0  # seconds before the first retry; doubles each time (plus jitter)
    max_wait: float = 120.0  # the longest pause we accept, even if Retry-After asks for more
    concurrency: int = 2  # requests in flight: polite by default
    max_bytes: int = 20 * MB  # one response after decompression (a day's JSON is 25-250 KB)
    deadline: float = 1200.0  # seconds for the whole run; no request starts after it
    user_agent: str = USER_AGENT


class FetchError(Exception):
    """A request that still failed after every retry (or that retrying cannot fix, such as a 404)."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}" + (f" (HTTP {status})" if status else ""))
        self.url, self.reason, self.status = url, reason, status


class _Retry(Exception):
    def __init__(self, reason: str, status: int | None = None, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.status, self.wait = reason, status, wait


class Fetcher:
    """GET with retries. Thread-safe: the scraper fetches several days at once from worker threads.

    The run's deadline counts from the Fetcher's creation: after it no request starts, and a
    response still arriving then is cut off.
    """

    def __init__(
        self,
        settings: ClientSettings = ClientSettings(),
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings, self._sleep, self._jitter = settings, sleep, jitter
        self.ends_at = time.monotonic() + settings.deadline
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        limits = httpx.Limits(max_connections=settings.concurrency)
        # Redirects are followed here, not by httpx, which would read a redirect's body whole.
        self._http = httpx.Client(
            timeout=httpx.Timeout(settings.timeout),
            limits=limits,
            follow_redirects=False,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def remaining(self) -> float:
        """Seconds left before the run's deadline (negative once it has passed)."""
        return self.ends_at - time.monotonic()

    def get(self, url: str, params: dict[str, str] | None = None, max_bytes: int | None = None) -> httpx.Response:
        """The complete 2xx response for `url`, or FetchError. Retries what a retry can fix.
        `max_bytes` (default: the settings') bounds the body after decompression."""
        full = str(httpx.URL(url, params=params))
        for attempt in range(self.settings.retries + 1):
            try:
                return self._attempt(full, max_bytes or self.settings.max_bytes)
            except _Retry as retry:
                if attempt == self.settings.retries:
                    raise FetchError(full, f"{retry.reason}, after {attempt + 1} attempts", retry.status) from None
                pause = self._pause(attempt, retry, full)
                if pause >= self.remaining():
                    raise FetchError(
                        full, f"{retry.reason}; the run's deadline comes before another attempt", retry.status
                    ) from None
                self._sleep(pause)
        raise AssertionError("unreachable")

    def _attempt(self, url: str, max_bytes: int) -> httpx.Response:
        with self._slots:  # the semaphore covers the request only, never a backoff pause
            if self.remaining() <= 0:
                raise FetchError(url, f"not fetched: the run's deadline ({self.settings.deadline:g} s) has passed")
            # Read timeouts only bound the gap between bytes; a server trickling a byte at a time is
            # stopped by this limit on the whole response (and by the run's deadline).
            ends_at = min(time.monotonic() + 3 * self.settings.timeout, self.ends_at)
            try:
                response = self._read(url, max_bytes, ends_at)
            except (httpx.TimeoutException, TooSlow):
                raise _Retry(
                    f"timed out (limits: {self.settings.timeout:g} s without data, "
                    f"{3 * self.settings.timeout:g} s per response, the run's deadline)"
                ) from None
            except httpx.TransportError as exc:  # refused, reset, or a body cut short
                raise _Retry(f"connection error: {exc or type(exc).__name__}") from None
            except (TooLarge, Undecodable) as exc:  # the same bytes again would not help
                raise FetchError(url, str(exc)) from None
        if response.status_code in RETRY_STATUSES:
            raise _Retry(f"server answered {response.status_code}", response.status_code, retry_after(response))
        if response.status_code >= 400:
            raise FetchError(url, "server refused", response.status_code)
        if not response.is_success:
            raise FetchError(url, "unexpected answer", response.status_code)
        return response

    def _read(self, url: str, max_bytes: int, ends_at: float) -> httpx.Response:
        """The response, its body read (2xx only) within `max_bytes` and by `ends_at`."""
        wait = max(0.01, min(self.settings.timeout, ends_at - time.monotonic()))
        request = self._http.build_request("GET", url, timeout=httpx.Timeout(wait))
        for _ in range(MAX_REDIRECTS + 1):
            response = self._http.send(request, stream=True)
            try:
                if response.next_request is None:
                    if response.is_success:
                        response._content = read_body(response, max_bytes, ends_at)  # httpx's own slot for it
                    return response
                request = response.next_request
            finally:
                response.close()
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _pause(self, attempt: int, retry: _Retry, url: str) -> float:
        # Exponential backoff with jitter (0.5x to 1.5x), so that parallel workers do not retry in step.
        backoff = self.settings.backoff * (2**attempt) * (0.5 + self._jitter())
        wait = max(backoff, retry.wait or 0.0)
        if retry.wait is not None and retry.wait > self.settings.max_wait:
            raise FetchError(url, too_long(retry.wait, self.settings.max_wait), retry.status)
        return float(min(wait, self.settings.max_wait))


def too_long(wait: float, max_wait: float) -> str:
    """Why a Retry-After past `max_wait` fails the request; a wait of years (or of hundreds of
    digits, which reads as infinite) is no number to show."""
    asked = f"{wait:.0f} s, " if wait < 1e9 else ""
    return f"server asked to wait {asked}longer than the {max_wait:g} s this client waits at most (Retry-After)"


def retry_after(response: httpx.Response) -> float | None:
    """Seconds asked for by a Retry-After header (a number or an HTTP date), if any."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():  # not "²", a digit to Python that float() refuses
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
