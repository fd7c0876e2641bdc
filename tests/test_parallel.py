"""Work in forked processes: `fork_map` shares out a list, `Forked` runs one function beside this process."""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from generator import parallel
from generator.errors import Terminated
from generator.parallel import Forked, fork_map, forked_pool, terminate_as_interrupt


def pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value * 2


def test_fork_map_keeps_the_order_and_works_in_this_process_too() -> None:
    answers = fork_map(pid_and, [1, 2, 3], 3)
    assert [value for _, value in answers] == [2, 4, 6]
    assert answers[-1][0] == os.getpid() and {pid for pid, _ in answers[:-1]}.isdisjoint({os.getpid()})


def test_forked_gives_the_answer_of_another_process() -> None:
    forked = Forked(pid_and, 21)
    pid, value = forked.result()
    assert value == 42 and pid != os.getpid()


def test_a_forked_process_that_dies_without_answering_is_an_error() -> None:
    dying = Forked(suicide)
    with pytest.raises(RuntimeError, match="ended with -9"):
        dying.result()


def suicide() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def inverse(value: int) -> float:
    return 1 / value


def test_a_pool_ends_its_workers_without_a_signal_unless_the_work_failed(monkeypatch) -> None:
    """Workers that finished their work end by themselves (close, join); only a failure terminates them."""
    terminated = []
    terminate = multiprocessing.pool.Pool.terminate
    monkeypatch.setattr(multiprocessing.pool.Pool, "terminate", lambda pool: terminated.append(pool) or terminate(pool))
    assert fork_map(inverse, [1, 2, 4], 3) == [1.0, 0.5, 0.25]
    assert terminated == []
    with pytest.raises(ZeroDivisionError):
        fork_map(inverse, [1, 2, 0], 3)  # the last share, this process's, fails
    assert len(terminated) == 1


def test_a_pool_made_by_a_forked_process_ends_when_its_work_is_done() -> None:
    """The search index's shard makers: a pool in a `Forked` process, whose SIGTERM handler raises."""
    assert Forked(fork_map, inverse, [1, 2, 4, 8], 3).result() == [1.0, 0.5, 0.25, 0.125]


def interrupted(value: int) -> int:
    """Work that receives Ctrl+C's signal, as every process of a command in a terminal does, in a forked process."""
    if value != 0:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)  # the signal is handled here, if at all
    return value


def test_ctrl_c_is_left_to_the_process_that_forked(capfd, ctrl_c) -> None:
    """The parent ends its workers when Ctrl+C unwinds it; a worker that stopped by itself printed a traceback of
    KeyboardInterrupt, and its task was lost: the pool waited for it forever."""
    with multiprocessing.pool.ThreadPool(1) as waiting:  # so that a lost task fails the test, not hangs it
        assert waiting.apply_async(fork_map, (interrupted, [1, 2, 0], 3)).get(timeout=30) == [1, 2, 0]
    assert Forked(interrupted, 1).result() == 1
    assert "KeyboardInterrupt" not in capfd.readouterr().err


def test_a_forked_process_is_ended_when_its_answer_is_waited_for_no_more(ctrl_c) -> None:
    """Ctrl+C while the parent waits: the process, which leaves Ctrl+C to it, went on working
    alone, into folders the parent removed as it unwound, and printed a traceback when they were gone."""
    forked = Forked(time.sleep, 30)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            forked.result()
        assert not forked._child.is_alive()
    finally:
        timer.cancel()
        forked.cancel()


def sigterm_disposition(_: object = None) -> object:
    return signal.getsignal(signal.SIGTERM)


def test_sigterm_raises_terminated_once_and_only_in_the_process_that_asked() -> None:
    """Unwound once: a second SIGTERM (the process group's, then a CI runner's again) is ignored, not raised in the
    middle of the undo. Before, it ended the build at once, leaving its workers and temporary folder."""
    before = signal.getsignal(signal.SIGTERM)
    with terminate_as_interrupt():
        with pytest.raises(Terminated):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises here
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.1)  # and not a second time
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_process_forked_while_sigterm_raises_gets_the_default_back() -> None:
    """Forked processes inherit the handler: a pool's worker that ran it when its pool ended it raised inside the
    pool's machinery, and a build once waited for it forever."""
    with terminate_as_interrupt():
        child = os.fork()
        if child == 0:
            os._exit(0 if sigterm_disposition() == signal.SIG_DFL else 1)
        assert os.waitpid(child, 0)[1] == 0
        child = os.fork()
        if child == 0:  # signalled before it could put the default back: the handler ends it as the default does
            parallel._terminated(signal.SIGTERM, None)
            os._exit(0)
        status = os.waitpid(child, 0)[1]
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM


def test_pool_workers_leave_sigterm_to_their_parent_which_ends_them_with_sigkill() -> None:
    """SIGTERM to the process group (`kill -- -PGID`, systemd) ended a worker waiting for a task while it held the
    task queue's lock, and the parent, ending its pool, waited for that lock forever."""
    assert fork_map(sigterm_disposition, [1, 2, 3], 3)[:-1] == [signal.SIG_IGN, signal.SIG_IGN]
    with pytest.raises(ZeroDivisionError), forked_pool(2) as pool:
        pool.map_async(time.sleep, [30, 30])
        processes = list(pool._pool)  # type: ignore[attr-defined]
        time.sleep(0.5)  # both at work
        inverse(0)
    assert [p.exitcode for p in processes] == [-signal.SIGKILL, -signal.SIGKILL]


def ignoring_sigterm(ready: threading.Event) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ready.set()
    time.sleep(60)


def test_a_forked_process_that_does_not_end_when_cancelled_is_killed(monkeypatch) -> None:
    """A build waits for it as it unwinds: a process stuck ending its own work must not keep the build waiting."""
    monkeypatch.setattr(parallel, "CANCEL_SECONDS", 0.2)
    ready = multiprocessing.get_context("fork").Event()
    forked = Forked(ignoring_sigterm, ready)
    assert ready.wait(10)
    start = time.monotonic()
    forked.cancel()
    assert forked._child.exitcode == -signal.SIGKILL and time.monotonic() - start < 5


def test_an_interrupted_build_ends_the_forked_processes_whose_answers_it_no_longer_waits_for() -> None:
    """An incremental build saves its caches beside its moves: interrupted before it asked for that answer, the
    process went on alone, and the exit waited for it."""
    start = time.monotonic()
    with pytest.raises(Terminated), terminate_as_interrupt():
        forked = Forked(time.sleep, 30)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises here
    assert forked._child.exitcode is not None and time.monotonic() - start < 20  # not the 30 s


# SIGTERM sent from inside os.fork's callbacks (as logging's took its lock, in a build); registered before
# `terminate_as_interrupt` registers its own, as logging's are, so run after its `before`.
SIGTERM_WHILE_FORKING = """
import os, signal, sys
from generator import parallel
from generator.errors import Terminated

def sigterm_self():
    os.kill(os.getpid(), signal.SIGTERM)
    sum(range(10))  # the handler runs here, inside os.fork

os.register_at_fork(before=sigterm_self)
try:
    with parallel.terminate_as_interrupt(), parallel.forked_pool(1):
        print("went on")
except Terminated:
    sys.exit(143)
"""


def test_a_sigterm_while_forking_is_raised_after_the_fork() -> None:
    """Raised in an at-fork callback, Terminated was printed ("Exception ignored in ...") and dropped: the build
    went on and ended with status 0."""
    done = subprocess.run(
        [sys.executable, "-c", SIGTERM_WHILE_FORKING],
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (143, "", "")


class SigtermAsDeleted:
    def __del__(self) -> None:
        parallel._terminated(signal.SIGTERM, None)


def test_a_terminated_python_dropped_is_raised_as_the_block_ends(capsys) -> None:
    """Anywhere else Python drops an exception (a `__del__`, a weakref's callback): not printed, and the block
    still ends in Terminated, the command with 143, rather than 0 with the traceback printed."""
    went_on = False
    with pytest.raises(Terminated), terminate_as_interrupt():
        SigtermAsDeleted()
        went_on = True
    assert went_on and "Exception ignored" not in capsys.readouterr().err


WORKER: Any = None  # the pid of the worker below, shared with the test through the fork


def record_pid_then_sleep(_: int) -> None:
    WORKER.value = os.getpid()
    time.sleep(30)


def pool_unwinding_forever(worker: Any) -> None:
    global WORKER
    WORKER = worker
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a slow unwind, on a busy machine
    with forked_pool(1) as pool:
        pool.apply(record_pid_then_sleep, (0,))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG)")
def test_the_workers_of_a_forked_process_killed_as_it_unwinds_end_with_it(monkeypatch) -> None:
    """They ignore SIGTERM and were left running: the search index's Pagefind wrote into the staging folder the
    build had removed, and each printed BrokenPipeError as it answered its dead pool."""
    monkeypatch.setattr(parallel, "CANCEL_SECONDS", 0.2)
    worker = multiprocessing.get_context("fork").Value("i", 0)
    forked = Forked(pool_unwinding_forever, worker)
    deadline = time.monotonic() + 10
    while not worker.value and time.monotonic() < deadline:
        time.sleep(0.05)
    forked.cancel()
    assert forked._child.exitcode == -signal.SIGKILL
    while time.monotonic() < deadline and running(worker.value):
        time.sleep(0.05)
    assert not running(worker.value)


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False
