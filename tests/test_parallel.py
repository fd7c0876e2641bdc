"""Work in forked processes: `fork_map` shares out a list, `Forked` runs one function beside this process."""

from __future__ import annotations

import os
import signal

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
