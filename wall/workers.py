"""Spread work over forked processes that inherit everything: only results travel back.

Rendering ten thousand pages or parsing ten thousand post files takes seconds
of CPU per core; on a machine with several, forked workers share the work.
Nothing is pickled on the way in (a child starts with a copy of the parent),
so the work can be any function, closures included.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

Result = TypeVar("Result")

# Runs shrink as the work goes on: large ones first (neighbouring items share what they make, see
# Rendered.pending), then smaller ones, so that workers finish together instead of one waiting for
# the other's last long run.  Each run takes this share of what is left per worker, down to the smallest.
SHARE_OF_REST = 2  # a run is 1/(SHARE_OF_REST * jobs) of the items left
SMALLEST_PART = 16  # a run is at least 1/(SMALLEST_PART * jobs) of all items

_work: Callable[[int, int], object] | None = None  # set just before the fork; the children call it


def in_parts(work: Callable[[int, int], Result], count: int, jobs: int, minimum: int) -> Iterator[Result]:
    """work(start, stop) over contiguous runs of range(count), results in order.

    Runs in up to jobs forked processes when there are at least minimum items (a fork
    costs more than a few items take), else in this process.  An exception in a
    worker is raised here, after the other workers have been stopped.
    """
    if not _forks(jobs, count, minimum):
        yield work(0, count)
        return
    yield from _in_workers(work, count, jobs, _run)


def in_parts_pickled(work: Callable[[int, int], Result], count: int, jobs: int,
                     minimum: int) -> Iterator[tuple[Result, bytes | None]]:
    """As in_parts, each result with the pickle it came back in (None when it was made in this
    process): a caller that saves the results can keep that pickle rather than make it again."""
    if not _forks(jobs, count, minimum):
        yield work(0, count), None
        return
    for pickled in _in_workers(work, count, jobs, _run_pickled):
        yield pickle.loads(pickled), pickled


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask can allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _forks(jobs: int, count: int, minimum: int) -> bool:
    return count >= minimum and _can_fork(jobs)


def _can_fork(jobs: int) -> bool:
    return jobs > 1 and "fork" in multiprocessing.get_all_start_methods()


def _in_workers(work: Callable[[int, int], object], count: int, jobs: int,
                run: Callable[[tuple[int, int]], object]) -> Iterator:
    global _work
    bounds = part_bounds(count, jobs)
    _work = work
    gc.freeze()  # the children's garbage collector leaves inherited objects alone: fewer pages copied
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:  # leaving it terminates the workers
            yield from pool.imap(run, list(zip(bounds, bounds[1:])))
    finally:
        _work = None
        gc.unfreeze()


def part_bounds(count: int, jobs: int) -> list[int]:
    """Where the runs over range(count) start and stop: 0, ..., count, runs getting shorter."""
    smallest = max(1, count // (SMALLEST_PART * jobs))
    bounds = [0]
    while bounds[-1] < count:
        rest = count - bounds[-1]
        bounds.append(min(count, bounds[-1] + max(smallest, -(-rest // (SHARE_OF_REST * jobs)))))
    return bounds


@contextmanager
def meanwhile(work: Callable[[], object], jobs: int) -> Iterator[None]:
    """Runs work() in a forked process while the with-block runs, when there are jobs for two.

    For work whose results land in files, done before it is needed (the caller does the
    work again after the block: finding it done costs little, and any error is raised there,
    in this process).  The process is stopped when the block fails.
    """
    if not _can_fork(jobs):
        yield
        return
    process = multiprocessing.get_context("fork").Process(target=_quietly, args=(work,), daemon=True)
    process.start()
    try:
        yield
    except BaseException:
        process.terminate()
        raise
    finally:
        process.join()


def _quietly(work: Callable[[], object]) -> None:
    try:
        work()
    except BaseException:  # the caller's own run raises it with its context
        os._exit(1)


def _run(bounds: tuple[int, int]) -> object:
    return _work(*bounds)  # type: ignore[misc]


def _run_pickled(bounds: tuple[int, int]) -> bytes:
    return pickle.dumps(_work(*bounds), protocol=pickle.HIGHEST_PROTOCOL)  # type: ignore[misc]
