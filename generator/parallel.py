"""Work spread over every core by forked processes.

Forked workers inherit the parent's memory instead of receiving it pickled: that is what
makes them pay here, where every worker reads the whole archive.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any


def worker_count(requested: int | None, items: int, threshold: int) -> int:
    """How many processes to use for `items` pieces of work: 1 below `threshold` or without fork."""
    count = requested or os.cpu_count() or 1
    if items < threshold or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return count


def fork_map(function: Callable[[Any], Any], args: Sequence[Any], workers: int) -> list[Any]:
    """`function` over `args`, the last one in this process and the others in forked ones.

    This process works too rather than waiting: one process fewer holds its own copy of
    what the work makes and touches (about 200 MB when rendering 20,000 papers).
    """
    # Frozen objects are never visited by the collector, whose writes would otherwise copy,
    # in every worker, each page of the parent's memory it visits.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(args)) - 1 or 1) as pool:
            forked = pool.map_async(function, args[:-1], chunksize=1)
            last = function(args[-1])
            return [*forked.get(), last]
    finally:
        gc.unfreeze()
