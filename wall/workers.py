"""Spread work over forked processes that inherit everything: only results travel back.

Rendering ten thousand pages or parsing ten thousand post files takes seconds
of CPU per core; on a machine with several, forked workers share the work.
Nothing is pickled on the way in (a child starts with a copy of the parent),
so the work can be any function, closures included.
"""

from __future__ import annotations

import gc
import multiprocessing
from typing import Callable, Iterator, TypeVar

Result = TypeVar("Result")

PARTS_PER_JOB = 4  # the items are split into this many runs per worker: a worker done early takes the next

_work: Callable[[int, int], object] | None = None  # set just before the fork; the children call it


def in_parts(work: Callable[[int, int], Result], count: int, jobs: int, minimum: int) -> Iterator[Result]:
    """work(start, stop) over contiguous runs of range(count), results in order.

    Runs in up to jobs forked processes when there are at least minimum items (a fork
    costs more than a few items take), else in this process.  An exception in a
    worker is raised here, after the other workers have been stopped.
    """
    if jobs <= 1 or count < minimum or "fork" not in multiprocessing.get_all_start_methods():
        yield work(0, count)
        return
    global _work
    parts = jobs * PARTS_PER_JOB
    bounds = [count * part // parts for part in range(parts + 1)]
    _work = work
    gc.freeze()  # the children's garbage collector leaves inherited objects alone: fewer pages copied
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:  # leaving it terminates the workers
            yield from pool.imap(_run, list(zip(bounds, bounds[1:])))
    finally:
        _work = None
        gc.unfreeze()


def _run(bounds: tuple[int, int]) -> object:
    return _work(*bounds)  # type: ignore[misc]
