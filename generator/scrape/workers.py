"""Units of work on a few daemon threads, their results taken in the order asked for, until a deadline.

Daemon threads rather than a ThreadPoolExecutor: when the run's deadline comes, the scrape writes
what it has and ends, abandoning requests still in flight, and an executor's threads would keep
the process alive until those requests gave up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def in_order(
    work: Callable[[T], R], items: Sequence[T], workers: int, seconds_left: Callable[[], float], late: Callable[[T], R]
) -> Iterator[R]:
    """work(item) for each item, in order; late(item) for each one not done when seconds_left()
    reaches zero. Leaving the loop early cancels the units not yet started."""
    futures = _start(work, items, max(1, workers), seconds_left)
    try:
        for item, future in zip(items, futures, strict=True):
            try:
                yield future.result(timeout=max(0.0, seconds_left()))
            except TimeoutError:
                future.cancel()
                yield late(item)
    finally:
        for future in futures:
            future.cancel()


def _start(
    work: Callable[[T], R], items: Sequence[T], workers: int, seconds_left: Callable[[], float]
) -> list[Future[R]]:
    futures: list[Future[R]] = [Future() for _ in items]
    queue = list(zip(items, futures, strict=True))[::-1]
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                item, future = queue.pop()
            if not future.set_running_or_notify_cancel():
                continue  # given up on before it started
            try:
                result = work(item)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, who re-raises it
                future.set_exception(exc)
                continue
            # Done after the deadline is not done by it: the caller, woken a moment late on a busy
            # machine, would otherwise take this result instead of late(item).
            if seconds_left() <= 0:
                future.set_exception(TimeoutError())
            else:
                future.set_result(result)

    for _ in range(min(workers, len(items))):
        threading.Thread(target=worker, daemon=True, name="scrape-worker").start()
    return futures
