"""site/ on disk: changing only what changed (the build cache beside it: buildcache.py).

Every changed file is first written into a staging folder beside the site; a
failure up to that point (a page failing its check, a full disk) leaves the site
exactly as it was.  Then a small change (a tenth of the site at most: a new post
is about ten files) is moved into place file by file, files new to the site
first, so no page ever links to one that is not there yet; each move is atomic,
so nobody ever reads half a file.  A large change instead fills the staging
folder up with hard links to the unchanged files and replaces the whole folder at
once.  A build with nothing to change writes nothing at all.

Pages come unrendered; on a machine with several cores forked workers render,
check and write them.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .workers import in_parts
from .writing import PARTIAL, remove_partial_files

IN_PLACE_LIMIT = 100  # changes up to this many files (or a tenth of the site) are moved into place
PARALLEL_FROM = 256  # fewer pages than this are written in-process: a fork costs more than it saves

# A path and how to render it: to its text, or to anything whose str() is its text (see composed.py).
PageMaker = tuple[str, Callable[[], object]]
Check = Callable[[str, object], None]  # given a page's path and what rendered; raises to stop the build


class SiteBusy(Exception):
    """Another build is writing into the same folder."""


@contextmanager
def claimed(out_dir: Path) -> Iterator[None]:
    """Held for a whole build: one build at a time writes into out_dir and beside it.

    Whatever a killed build left is cleared first: its staging folders, the half of a
    cache file it was writing, and, when it died between the two renames that replace
    the site, the site it had moved aside is put back.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(out_dir.with_name(f".{out_dir.name}.lock"), "a") as lock:  # closing it releases the lock
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SiteBusy(f"another build is writing into {out_dir}") from None
        _recover(out_dir)
        yield


def _recover(out_dir: Path) -> None:
    moved_aside = sorted(out_dir.parent.glob(f".{out_dir.name}.old-*"), key=lambda folder: folder.stat().st_mtime)
    if moved_aside and not out_dir.exists():
        os.rename(moved_aside[-1], out_dir)
    for folder in out_dir.parent.glob(f".{out_dir.name}.*-*"):
        if folder.name.rpartition("-")[0].endswith((".new", ".old")) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
    for leftover in out_dir.parent.glob(f"..{out_dir.name}.*{PARTIAL}*"):  # the cache files'
        leftover.unlink(missing_ok=True)
    small = small_folder(out_dir)
    if small.is_dir():
        remove_partial_files(small, recursive=True)


def small_folder(out_dir: Path) -> Path:
    """Where the small copies of the images are kept between builds (see variants.py): site -> .site.small"""
    out_dir = out_dir.resolve()
    return out_dir.with_name(f".{out_dir.name}.small")


def write_site(pages: Sequence[PageMaker], reused: Iterable[str], copies: dict[str, Path],
               out_dir: Path, check: Check | None = None, jobs: int = 1,
               present: set[str] | None = None, before_change: Callable[[], None] = lambda: None) -> int:
    """Make out_dir hold the pages, the reused pages and the copies; return how many files changed.

    Each page is rendered, checked (check raises to stop the build) and written into
    the new folder, by up to jobs processes; nothing is kept in memory but the paths.
    present: files_in(out_dir), when the caller has it already.  before_change is called
    just before out_dir changes (the build cache is dropped there: see pipeline.py).
    Call it inside claimed(out_dir).
    """
    out_dir = out_dir.resolve()
    old = out_dir if out_dir.is_dir() else None
    fresh = out_dir.with_name(f".{out_dir.name}.new-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        written, changed = _write_pages(pages, fresh, old, check, jobs)
        changed |= {path for path, source in copies.items() if old is None or not _same_file(source, old / path)}
        wanted = written | set(reused) | set(copies)
        removed = [] if old is None else [path for path in (files_in(old) if present is None else present)
                                          if path not in wanted]
        if old is not None and not changed and not removed:
            shutil.rmtree(fresh, ignore_errors=True)
            return 0
        _copy_changed(fresh, {path: source for path, source in copies.items() if path in changed})
        in_place = old is not None and len(changed) + len(removed) <= max(IN_PLACE_LIMIT, len(wanted) // 10)
        if in_place:
            before_change()
            _move_into(fresh, old, changed, removed)
            shutil.rmtree(fresh, ignore_errors=True)
            return len(changed) + len(removed)
        _link_unchanged(fresh, old, wanted - changed)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    before_change()
    _swap(fresh, out_dir, out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}"))
    return len(changed) + len(removed)


def _move_into(staged: Path, site: Path, changed: set[str], removed: list[str]) -> None:
    """Move the staged files into the site (new files first), then remove the removed ones."""
    made: set[str] = set()
    for relative in landing_order(changed, site):
        target = os.path.join(site, relative)
        _make_folder(os.path.dirname(target), made)
        os.replace(os.path.join(staged, relative), target)
    for relative in sorted(removed):
        os.unlink(os.path.join(site, relative))
        folder = os.path.dirname(os.path.join(site, relative))
        while folder != str(site) and not os.listdir(folder):  # a removed post leaves no empty folder
            os.rmdir(folder)
            folder = os.path.dirname(folder)


def landing_order(changed: Iterable[str], site: Path) -> list[str]:
    """Files the site does not have yet first (a new post's page before the listing linking to it)."""
    return sorted(changed, key=lambda relative: (os.path.exists(os.path.join(site, relative)), relative))


def _write_pages(pages: Sequence[PageMaker], fresh: Path, old: Path | None, check: Check | None,
                 jobs: int) -> tuple[set[str], set[str]]:
    written: set[str] = set()
    changed: set[str] = set()
    # Runs of neighbouring pages, not scattered ones: neighbours share what they show (see Rendered.pending).
    for part_written, part_changed in in_parts(
            lambda start, stop: _write_chunk(pages[start:stop], fresh, old, check), len(pages), jobs, PARALLEL_FROM):
        written |= part_written
        changed |= part_changed
    return written, changed


def _write_chunk(pages: Sequence[PageMaker], fresh: Path, old: Path | None,
                 check: Check | None) -> tuple[set[str], set[str]]:
    written, changed = set(), set()
    made: set[str] = set()
    for relative, render in pages:
        page = render()
        if check is not None:
            check(relative, page)
        data = str(page).encode("utf-8")
        written.add(relative)
        if old is None or not _same_bytes(old / relative, data):
            changed.add(relative)
            target = os.path.join(fresh, relative)
            _make_folder(os.path.dirname(target), made)
            _write_new(target, data)
    return written, changed


def _write_new(path: str, data: bytes) -> None:
    """A new file holding data (os calls: a site is ten thousand files, pathlib's and io's layers
    cost more than the writing)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def _link_unchanged(fresh: Path, old: Path | None, unchanged: set[str]) -> None:
    """Hard links in fresh to the old site's files that did not change."""
    made: set[str] = set()  # folders made so far: one mkdir per folder, not per file
    for relative in sorted(unchanged) if old is not None else ():
        target = os.path.join(fresh, relative)
        _make_folder(os.path.dirname(target), made)
        _link_or_copy(os.path.join(old, relative), target)  # type: ignore[arg-type]


def _copy_changed(fresh: Path, changed_copies: dict[str, Path]) -> None:
    """Fresh copies of the static files and media that changed."""
    made: set[str] = set()
    for relative, source in sorted(changed_copies.items()):
        target = os.path.join(fresh, relative)
        _make_folder(os.path.dirname(target), made)
        shutil.copyfile(source, target)


def _make_folder(folder: str, made: set[str]) -> None:
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _same_file(source: Path, target: Path) -> bool:
    """True when target is a copy of source made after source last changed.

    The source's ctime, not its mtime: a file put back from a backup (cp -p, rsync -t, tar)
    keeps its old mtime, but its ctime is the moment it was put there, which nobody can set.
    """
    try:
        source_stat, target_stat = source.stat(), target.stat()
    except OSError:
        return False
    return source_stat.st_size == target_stat.st_size and source_stat.st_ctime_ns <= target_stat.st_mtime_ns


def files_in(folder: Path) -> set[str]:
    """Every file below folder, as a relative path with '/' (an empty set when folder is missing)."""
    found: set[str] = set()
    pending = [("", str(folder))]
    while pending:  # os.scandir knows file from folder without a stat: three times os.walk's speed
        prefix, path = pending.pop()
        try:
            entries = list(os.scandir(path))
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append((f"{prefix}{entry.name}/", entry.path))
            else:
                found.add(prefix + entry.name)
    return found


def _swap(fresh: Path, out_dir: Path, stale: Path) -> None:
    # Killed between the two renames, the site is in stale: claimed() puts it back.
    if stale.exists():
        shutil.rmtree(stale)
    if out_dir.exists():
        os.rename(out_dir, stale)
    os.rename(fresh, out_dir)
    shutil.rmtree(stale, ignore_errors=True)
