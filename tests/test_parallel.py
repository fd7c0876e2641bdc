"""Work in forked processes: `fork_map` shares out a list, `Forked` runs one function beside this process."""

from __future__ import annotations

import multiprocessing.pool
import os
import signal
import threading
import time

import pytest

from generator.parallel import Forked, fork_map


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
