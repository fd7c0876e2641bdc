"""HTTP for the scraper: timeouts, retries with backoff and jitter, Retry-After, a cap on requests
in flight and a User-Agent naming the project. Every other module receives bodies, not sockets."""
from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

import httpx

USER_AGENT = "Broadsheet/0.1 (a static archive of Hugging Face Daily Papers; python-httpx)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class ClientSettings:
    timeout: float = 20.0  # seconds per read/connect, and (x3) for a whole response
    retries: int = 4  # attempts after the first
    backoff: float = 1.0  # seconds before the first retry; doubles each time (plus jitter)
    max_wait: float = 120.0  # the longest pause we accept, even if Retry-After asks for more
    concurrency: int = 2  # requests in flight: polite by default
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
    """GET with retries. Thread-safe: the scraper fetches several days at once from worker threads."""

    def __init__(
        self,
        settings: ClientSettings = ClientSettings(),
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings, self._sleep, self._jitter = settings, sleep, jitter
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        limits = httpx.Limits(max_connections=settings.concurrency)
        self._http = httpx.Client(
            timeout=httpx.Timeout(settings.timeout), limits=limits, follow_redirects=True,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, params: dict[str, str] | None = None) -> httpx.Response:
        """The complete 2xx response for `url`, or FetchError. Retries what a retry can fix."""
        full = str(httpx.URL(url, params=params))
        for attempt in range(self.settings.retries + 1):
            try:
                return self._attempt(full)
            except _Retry as retry:
                if attempt == self.settings.retries:
                    raise FetchError(full, f"{retry.reason}, after {attempt + 1} attempts", retry.status) from None
                self._sleep(self._pause(attempt, retry, full))
        raise AssertionError("unreachable")

    def _attempt(self, url: str) -> httpx.Response:
        with self._slots:  # the semaphore covers the request only, never a backoff pause
            try:
                response = self._read(url)
            except httpx.TimeoutException:
                raise _Retry("timed out") from None
            except httpx.TransportError as exc:  # refused, reset, or a body cut short
                raise _Retry(f"connection error: {exc or type(exc).__name__}") from None
        if response.status_code in RETRY_STATUSES:
            raise _Retry(f"server answered {response.status_code}", response.status_code, retry_after(response))
        if response.status_code >= 400:
            raise FetchError(url, "server refused", response.status_code)
        return response

    def _read(self, url: str) -> httpx.Response:
        # Read timeouts only bound the gap between bytes; a server trickling a byte at a time is
        # stopped by this deadline on the whole response.
        deadline = time.monotonic() + 3 * self.settings.timeout
        with self._http.stream("GET", url) as response:
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("response took too long", request=response.request)
            response._content = b"".join(chunks)  # httpx's own way to hold a streamed body
        return response

    def _pause(self, attempt: int, retry: _Retry, url: str) -> float:
        # Exponential backoff with jitter (0.5x to 1.5x), so that parallel workers do not retry in step.
        backoff = self.settings.backoff * (2**attempt) * (0.5 + self._jitter())
        wait = max(backoff, retry.wait or 0.0)
        if retry.wait is not None and retry.wait > self.settings.max_wait:
            raise FetchError(url, f"server asked to wait {retry.wait:.0f} s (Retry-After)", retry.status)
        return min(wait, self.settings.max_wait)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds asked for by a Retry-After header (a number or an HTTP date), if any."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
