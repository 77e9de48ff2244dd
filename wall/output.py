"""site/ on disk: the build cache beside it, and changing only what changed.

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

import functools
import hashlib
import hmac
import os
import pickle
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .writing import write_atomic
from .workers import in_parts

CACHE_VERSION = 5
HERE = Path(__file__).resolve().parent
IN_PLACE_LIMIT = 100  # changes up to this many files (or a tenth of the site) are moved into place
PARALLEL_FROM = 256  # fewer pages than this are written in-process: a fork costs more than it saves

# A path and how to render it: to its text, or to anything whose str() is its text (see composed.py).
PageMaker = tuple[str, Callable[[], object]]
Check = Callable[[str, object], None]  # given a page's path and what rendered; raises to stop the build


@dataclass
class BuildCache:
    """What the last build knew: each page's key, the related posts and the parsed post files.

    Two files beside the site: the keys and related posts, written whenever they
    change, and the parsed files, rewritten only when many changed (at 50,000 posts
    it is 60 MB; a few files changed since are cheaper to parse again than to save).
    """

    path: Path
    keys: dict[str, str] = field(default_factory=dict)  # output path -> key of its inputs
    memo: dict = field(default_factory=dict)  # post file -> (its stat, what was parsed from it)
    related: dict = field(default_factory=dict)  # post id -> (hash of its inputs, related post ids)
    _loaded: tuple = ({}, {})  # the related hashes and the memo's file versions when loaded

    @classmethod
    def load(cls, out_dir: Path) -> "BuildCache":
        """The cache beside out_dir; what is missing, outdated or unreadable starts empty."""
        path = cache_path(out_dir)
        keys, related = _read(path) or ({}, {})
        (memo,) = _read(_parsed(path)) or ({},)
        return cls(path, keys, memo, related, (_versions(related), _versions(memo)))

    def reusable(self, present: set[str]) -> dict[str, str]:
        """Keys of the pages the last build wrote that are still present (see files_in)."""
        return {path: key for path, key in self.keys.items() if path in present}

    def save(self, keys: dict[str, str]) -> None:
        """Keep what this build knew for the next one (what changed, and the parsed files if many did)."""
        related_versions, memo_versions = self._loaded
        if keys != self.keys or _versions(self.related) != related_versions:
            _write(self.path, keys, self.related)
        versions = _versions(self.memo)
        outdated = len(versions.items() ^ memo_versions.items())
        if outdated > REPARSE_LIMIT or (outdated and not memo_versions):
            _write(_parsed(self.path), self.memo)


REPARSE_LIMIT = 200  # post files a build may have to parse again rather than save the parsed files


def cache_path(out_dir: Path) -> Path:
    """The build cache beside out_dir: site/ -> .site.cache."""
    return out_dir.resolve().with_name(f".{out_dir.resolve().name}.cache")


def _parsed(path: Path) -> Path:
    return path.with_name(path.name.replace(".cache", ".parsed"))


def _read(path: Path) -> tuple | None:
    try:
        body = opened(path.read_bytes())
        if body is None:
            return None
        version, cwd, *data = pickle.loads(body)
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        return None
    # Problems name files relative to the working folder.
    return tuple(data) if version == _code_version() and cwd == str(Path.cwd()) else None


def _write(path: Path, *data: object) -> None:
    body = pickle.dumps((_code_version(), str(Path.cwd()), *data), protocol=pickle.HIGHEST_PROTOCOL)
    sealed = seal(body)
    if sealed is not None:
        write_atomic(path, sealed)


# Unpickling runs code, and a cache file beside site/ could come from anywhere a checkout comes from
# (a pull request that force-adds .site.cache would run its code in the publish job, next to the
# deploy key).  So a cache is sealed with a key that never leaves this machine's user account,
# and a file that does not carry its seal is never unpickled: it is rebuilt.
SEAL_SIZE = 32


def seal(body: bytes) -> bytes | None:
    """body behind its seal; None when this account has no key (then nothing is cached)."""
    key = _sealing_key()
    return None if key is None else _seal_of(key, body) + body


def opened(sealed: bytes) -> bytes | None:
    """What seal() sealed, or None when the seal is not this account's."""
    key = _sealing_key()
    seal_found, body = sealed[:SEAL_SIZE], sealed[SEAL_SIZE:]
    return body if key is not None and hmac.compare_digest(seal_found, _seal_of(key, body)) else None


def _seal_of(key: bytes, body: bytes) -> bytes:
    return hashlib.blake2b(body, key=key, digest_size=SEAL_SIZE).digest()  # a MAC, and faster than HMAC-SHA256


@functools.cache
def _sealing_key() -> bytes | None:
    """32 random bytes in the user's cache folder, made on first use; None where it cannot be kept."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "essen-wall"
    path = folder / "build-cache-key"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made by an earlier build (or a build running beside this one)
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(os.urandom(SEAL_SIZE))
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == SEAL_SIZE else None


@functools.cache
def _code_version() -> str:
    """The cache holds objects made by this code (parsed posts, related posts): other code, other cache."""
    code = b"".join(path.read_bytes() for path in sorted(HERE.glob("*.py")))
    return f"{CACHE_VERSION}-{hashlib.sha256(code).hexdigest()}"


def _versions(cache: dict) -> dict:
    return {name: entry[0] for name, entry in cache.items()}


def write_site(pages: Sequence[PageMaker], reused: Iterable[str], copies: dict[str, Path],
               out_dir: Path, check: Check | None = None, jobs: int = 1,
               present: set[str] | None = None) -> int:
    """Make out_dir hold the pages, the reused pages and the copies; return how many files changed.

    Each page is rendered, checked (check raises to stop the build) and written into
    the new folder, by up to jobs processes; nothing is kept in memory but the paths.
    present: files_in(out_dir), when the caller has it already.
    """
    out_dir = out_dir.resolve()
    old = out_dir if out_dir.is_dir() else None
    _remove_leftovers(out_dir)
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
        if old is not None and len(changed) + len(removed) <= max(IN_PLACE_LIMIT, len(wanted) // 10):
            _move_into(fresh, old, changed, removed)
            shutil.rmtree(fresh, ignore_errors=True)
            return len(changed) + len(removed)
        _link_unchanged(fresh, old, wanted - changed)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    _swap(fresh, out_dir, out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}"))
    return len(changed) + len(removed)


def _remove_leftovers(out_dir: Path) -> None:
    """The staging and old folders of builds that died (killed, a power cut): whole copies of the site."""
    for folder in out_dir.parent.glob(f".{out_dir.name}.*-*"):
        kind, _, pid = folder.name.rpartition("-")
        if kind.endswith((".new", ".old")) and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


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
    for relative, render in pages:
        made = render()
        if check is not None:
            check(relative, made)
        data = str(made).encode("utf-8")
        written.add(relative)
        if old is None or not _same_bytes(old / relative, data):
            changed.add(relative)
            target = fresh / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return written, changed


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
    """True when target is a copy of source made after source last changed."""
    try:
        source_stat, target_stat = source.stat(), target.stat()
    except OSError:
        return False
    return source_stat.st_size == target_stat.st_size and source_stat.st_mtime_ns <= target_stat.st_mtime_ns


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
    if out_dir.exists():
        os.rename(out_dir, stale)
    os.rename(fresh, out_dir)
    shutil.rmtree(stale, ignore_errors=True)
