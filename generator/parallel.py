"""Work spread over every core by forked processes.

Forked workers inherit the parent's memory instead of receiving it pickled: that is what
makes them pay here, where every worker reads the whole archive.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import logging  # noqa: F401 - its at-fork callbacks registered before ours: see `_FORKING`
import multiprocessing
import multiprocessing.context
import multiprocessing.pool
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from generator.errors import Terminated

T = TypeVar("T")


def can_fork() -> bool:
    """Whether this system can fork (not Windows): the work here is spread over forked processes only."""
    return "fork" in multiprocessing.get_all_start_methods()


def worker_count(requested: int | None, items: int, threshold: int) -> int:
    """How many processes to use for `items` pieces of work: 1 below `threshold` or without fork."""
    count = requested or os.cpu_count() or 1
    if items < threshold or not can_fork():
        return 1
    return count


def fork_map(function: Callable[[Any], Any], args: Sequence[Any], workers: int) -> list[Any]:
    """`function` over `args`, the last one in this process and the others in forked ones.

    This process works too rather than waiting: one process fewer holds its own copy of
    what the work makes and touches (about 200 MB when rendering 20,000 papers).
    """
    with frozen(), forked_pool(min(workers, len(args)) - 1 or 1) as pool:
        forked = pool.map_async(function, args[:-1], chunksize=1)
        last = function(args[-1])
        return [*forked.get(), last]


@contextmanager
def forked_pool(workers: int) -> Iterator[multiprocessing.pool.Pool]:
    """A pool of forked workers, closed and joined once the work is done, so that they end by themselves; only a
    failure terminates them (SIGKILL, see `_Worker`). Pool's own `with` always terminates them, and once a shard
    maker of the search index, forked by a process whose SIGTERM handler raises (`Forked`'s), did not end: it
    waited forever for the task queue's lock, which the terminating pool held."""
    context = multiprocessing.get_context("fork")
    pool = _Pool(workers, initializer=_ignore_interrupts, initargs=(os.getpid(),), context=context)
    try:
        _raise_deferred()
        yield pool
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _ignore_interrupts(parent: int) -> None:
    """In a forked process: Ctrl+C, which the terminal sends to every process of the command, is left to the
    parent, which ends its workers as it unwinds. Interrupted themselves, workers printed tracebacks of
    KeyboardInterrupt, and one interrupted in the middle of ending a pool left the build waiting forever.
    SIGTERM too, which `kill` to the process group, systemd and some CI runners send to every process: a worker
    it ended while waiting for a task died holding the task queue's lock, and its parent, ending the pool,
    waited for that lock forever. The pool ends its workers with SIGKILL instead (`_Worker`).

    Left to their parent, they end with it (SIGKILL, on Linux): a `Forked` process stuck unwinding, killed after
    CANCEL_SECONDS, left its search index's workers running, their Pagefind writing into the staging folder the
    build had just removed, and each printing BrokenPipeError as it answered."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # gone before the request could be made
            os.kill(os.getpid(), signal.SIGKILL)


_PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when the thread that forked it ends


class _Worker(multiprocessing.context.ForkProcess):
    """A pool's worker, which ignores SIGTERM (`_ignore_interrupts`): ended, by its pool or at exit, with SIGKILL.
    The pool does so once it holds the task queue's lock itself, so the lock is never lost with a worker."""

    def terminate(self) -> None:
        self.kill()


class _Pool(multiprocessing.pool.Pool):
    @staticmethod
    def Process(ctx: Any, *args: Any, **kwds: Any) -> Any:  # noqa: N802 - the name Pool calls
        return _Worker(*args, **kwds)


@contextmanager
def frozen() -> Iterator[None]:
    """What exists now frozen while processes fork: the collector never visits frozen objects, and its writes
    would copy, in every forked process, each page of the parent's memory it visits. Thawed after, unless
    something was frozen before (`build._planned`, which keeps what a build planned out of every collection)."""
    before = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        if not before:
            gc.unfreeze()


class Forked(Generic[T]):
    """`function(*args)` run in a forked process while this one goes on; `result()` waits for its answer,
    which must pickle. A process that ends without answering (a bug, a kill) is a RuntimeError."""

    def __init__(self, function: Callable[..., T], *args: Any) -> None:
        self._receive, send = multiprocessing.Pipe(duplex=False)
        self._child = multiprocessing.get_context("fork").Process(target=_answer, args=(function, args, send))
        try:
            with frozen():
                self._child.start()
        finally:
            send.close()
        _UNANSWERED.add(self)
        _raise_deferred()

    def result(self) -> T:
        _UNANSWERED.discard(self)
        try:
            answer: T = self._receive.recv()
        except EOFError:
            self._child.join()
            raise RuntimeError(f"a forked process ended with {self._child.exitcode}") from None
        except BaseException:  # Ctrl+C while waiting: the process, which leaves Ctrl+C to this one, is ended too
            self.cancel()
            raise
        self._child.join()
        return answer

    def cancel(self) -> None:
        _UNANSWERED.discard(self)
        self._child.terminate()
        self._child.join(CANCEL_SECONDS)
        if self._child.exitcode is None:  # stuck as it unwound: a build that never ends is worse than a kill
            self._child.kill()
            self._child.join()


CANCEL_SECONDS = 5.0  # what a forked process has to end its own pool and subprocesses once cancelled

# Forked processes whose answer no one has asked for yet: those an interrupted build started and would no longer
# wait for are ended with it (`terminate_as_interrupt`), not joined as the interpreter exits.
_UNANSWERED: set[Forked[Any]] = set()


def _answer(function: Callable[..., Any], args: tuple, send: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is left to the parent (see `_ignore_interrupts`)
    signal.signal(signal.SIGTERM, _exit_once)  # so that the pools it made are ended too
    answer = function(*args)
    with contextlib.suppress(BrokenPipeError):  # the parent is gone (Ctrl+C): no one to answer, nothing to say
        send.send(answer)


def _exit_once(signum: int, frame: object) -> None:
    """SIGTERM in a `Forked` process: it unwinds, ending its pool; a second one (the whole process group's, then
    the parent's `cancel`) is ignored, so that it cannot stop the unwinding half-way with workers left."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(1)


# -- SIGTERM in the process that forks -------------------------------------------------------------


_INSTALLED_BY: int | None = None  # the process whose SIGTERM raises Terminated
_RAISED = False
# A SIGTERM whose Terminated could not be raised, or was raised where Python drops exceptions ("Exception ignored
# in ..."): a handler runs wherever the main thread runs Python, and one that ran inside logging's at-fork callback
# was printed and dropped, the build then finishing with status 0. Raised at the next safe point instead
# (`_raise_deferred`: after a fork, and when the `with` block ends).
_DEFERRED = False
# Not empty while this process runs os.fork's callbacks (logging's, imported above, take its lock): set and emptied
# by C functions, in which no handler can run, registered after logging's so that they run before and after it.
_FORKING: list[bool] = []


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises Terminated in this process, once, for the `with` block: it unwinds as on Ctrl+C, ending its
    workers and putting output/ back, where it used to die at once, leaving them running and its temporary folder
    behind. Later SIGTERMs are ignored, so that one cannot stop the undo half-way. A block that ends in an exception
    ends the `Forked` processes whose answers it did not wait for. One that arrives while this process forks, or
    whose Terminated Python dropped, is raised at the next safe point, at the latest as the block ends.

    A process forked from this one gets SIGTERM's default back as it starts, and never runs this handler: a
    process whose SIGTERM raised, ended by its pool, raised inside the pool's machinery (see `forked_pool`)."""
    global _INSTALLED_BY, _RAISED, _DEFERRED
    # Left as it is off the main thread (where no handler can be set) or when not the default (ignored: the caller
    # wants it so), as `cli` does for import-listing.
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return
    if _INSTALLED_BY is None:
        os.register_at_fork(
            before=functools.partial(_FORKING.append, True),
            after_in_parent=_FORKING.clear,
            after_in_child=_default_in_child,
        )
    _INSTALLED_BY, _RAISED, _DEFERRED = os.getpid(), False, False
    _FORKING.clear()
    before = signal.signal(signal.SIGTERM, _terminated)
    unraisable = sys.unraisablehook
    sys.unraisablehook = functools.partial(_dropped, unraisable)
    try:
        yield
        _raise_deferred()  # the build ran to its end: still, it was asked to stop, and exits 143
    except BaseException:
        # Interrupted (or failed) where the answer of a forked process was not waited for (an incremental build
        # saving its caches beside its moves): it went on alone, and the exit waited for it (Python joins the
        # processes it forked), seconds on a busy machine.
        for forked in list(_UNANSWERED):
            forked.cancel()
        raise
    finally:
        sys.unraisablehook = unraisable
        signal.signal(signal.SIGTERM, before)


def _terminated(signum: int, frame: object) -> None:
    global _RAISED, _DEFERRED
    if os.getpid() != _INSTALLED_BY:  # a forked process, signalled before `_default_in_child` ran: the default
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    if _RAISED:
        return
    if _FORKING:  # raised in an at-fork callback, it would be dropped
        _DEFERRED = True
        return
    _RAISED, _DEFERRED = True, False
    raise Terminated


def _dropped(hook: Callable[[Any], object], unraisable: Any) -> None:
    """`sys.unraisablehook` while SIGTERM raises: a Terminated dropped (raised in a `__del__`, a weakref's callback,
    an at-fork callback registered after ours) is raised again at the next safe point, and not printed."""
    global _DEFERRED
    if isinstance(unraisable.exc_value, Terminated) and os.getpid() == _INSTALLED_BY:
        _DEFERRED = True
    else:
        hook(unraisable)


def _raise_deferred() -> None:
    """Raise the Terminated of a SIGTERM deferred or dropped (see `_DEFERRED`): called where it unwinds properly."""
    global _RAISED, _DEFERRED
    in_main = threading.current_thread() is threading.main_thread()
    if _DEFERRED and not _FORKING and in_main and os.getpid() == _INSTALLED_BY:
        _RAISED, _DEFERRED = True, False
        raise Terminated


def _default_in_child() -> None:
    _FORKING.clear()
    if signal.getsignal(signal.SIGTERM) is _terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
