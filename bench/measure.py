"""Run one command in a child process and measure it; hash output trees and compare them."""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


class CommandFailed(Exception):
    """A measured command exited non-zero; carries the end of its output."""


@dataclass(frozen=True)
class Sample:
    """One measured run of a command."""

    seconds: float  # wall time from start to exit
    cpu_seconds: float  # user + system time of the child
    peak_kib: int  # the most memory the child and its processes held together (see run)
    output: str  # stderr and stdout (the build's summary line is on stderr)


@dataclass(frozen=True)
class Changes:
    """How one output tree differs from the previous one."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # same path, different bytes
    sent: int = 0  # bytes of the added and changed files: what publishing the change uploads

    @property
    def count(self) -> int:
        """Files added, removed or with different bytes."""
        return len(self.added) + len(self.removed) + len(self.changed)

    def by_area(self) -> dict[str, int]:
        """The changed paths grouped by the site's first path segments ('beitrag/', 'seite/', ...)."""
        counts: dict[str, int] = {}
        for path in self.added + self.removed + self.changed:
            counts[area(path)] = counts.get(area(path), 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass
class Step:
    """All runs of one scenario step: the samples and the changes each run caused."""

    name: str
    samples: list[Sample] = field(default_factory=list)  # the timed runs, nothing watching them
    changes: list[Changes] = field(default_factory=list)
    memory: list[Sample] = field(default_factory=list)  # the runs watched for their memory (not timed)

    def median(self, attribute: str) -> float:
        """The median of one Sample attribute over the timed runs."""
        return statistics.median(getattr(sample, attribute) for sample in self.samples)

    @property
    def peak_kib(self) -> int:
        """The most memory any run held: the runs watched for it, else the largest single process."""
        return max(sample.peak_kib for sample in self.memory or self.samples)

    @property
    def changed_counts(self) -> list[int]:
        """The changed-file count of each run (all equal when the build is deterministic)."""
        return [changes.count for changes in self.changes]


def area(path: str) -> str:
    """'kategorie/angebot/seite/3/index.html' -> 'kategorie/*/seite/*', 'beitrag/x/index.html' -> 'beitrag/*',
    'sitemap-neueste.xml' -> 'sitemap-*.xml'."""
    parts = path.split("/")
    if len(parts) == 1:
        return "sitemap-*.xml" if path.startswith("sitemap-") else path
    if parts[0] in ("kategorie", "plattform"):
        rest = "/seite/*" if len(parts) > 3 and parts[2] == "seite" else ""
        return f"{parts[0]}/*{rest}"
    return f"{parts[0]}/*"


def run(command: list[str], cwd: Path, watch_memory: bool = False) -> Sample:
    """Run command to completion and measure it; raise CommandFailed on a non-zero exit.

    Only with watch_memory is the memory of all the child's processes together sampled;
    otherwise peak_kib is its largest single process.  Sampling slows the child down (reading
    smaps_rollup walks a process's page tables under the lock its page faults need: 2.5 s of
    a 14 s build, 3 s of Hugo's 10.5 s), so a run watched for memory is not one to time.
    """
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        sampler = _TreeMemory(child.pid)
        if watch_memory:
            sampler.start()
        # wait4 gives this child's own resource usage, unlike RUSAGE_CHILDREN, which
        # accumulates over every child the benchmark ever started.
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        if watch_memory:
            sampler.stop()
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    if child.returncode != 0:
        raise CommandFailed(f"{' '.join(command)} exited {child.returncode}:\n{text[-3000:]}")
    # ru_maxrss is the largest single process (the build or one of its forked workers); the
    # sampled sum over all of them at once is what the machine must have.
    return Sample(seconds, usage.ru_utime + usage.ru_stime, max(usage.ru_maxrss, sampler.peak_kib), text)


class _TreeMemory(threading.Thread):
    """Samples the memory of a process and all its descendants together, every 20 ms.

    Each process counts with its proportional set size (Pss): a page that forked
    workers still share with their parent counts once in the sum, not once per process.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self._done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.02):
            self.peak_kib = max(self.peak_kib, _tree_rss_kib(self.pid))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree_rss_kib(pid: int) -> int:
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup", encoding="ascii", errors="replace") as rollup:
                total += next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue  # the process ended while we looked
    return total


def tree_hashes(root: Path) -> dict[str, tuple[str, int]]:
    """Every file below root (relative POSIX path) mapped to the SHA-256 of its bytes and their number."""
    hashes = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            data = path.read_bytes()
            hashes[path.relative_to(root).as_posix()] = (hashlib.sha256(data).hexdigest(), len(data))
    return hashes


def compare(before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]]) -> Changes:
    """The files added, removed or changed between two tree_hashes results."""
    added = tuple(sorted(after.keys() - before.keys()))
    changed = tuple(sorted(p for p in before.keys() & after.keys() if before[p] != after[p]))
    return Changes(added=added, removed=tuple(sorted(before.keys() - after.keys())), changed=changed,
                   sent=sum(after[path][1] for path in added + changed))
