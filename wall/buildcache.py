"""The build cache beside site/: each page's key, the related posts and the parsed post files.

The cache is pickled, and unpickling runs code; a cache file beside site/ could come
from anywhere a checkout comes from (a pull request that force-adds .site.cache would
run its code in the publish job, next to the deploy key).  So a cache is sealed with a
key that never leaves this machine's user account, and a file that does not carry its
seal is never unpickled: it is rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from .store import ParsedFiles
from .writing import write_atomic

CACHE_VERSION = 6
HERE = Path(__file__).resolve().parent


@dataclass
class BuildCache:
    """What the last build knew: each page's key, the related posts and the parsed post files.

    Two files beside the site: the keys and related posts, written whenever they
    change, and the parsed files, rewritten only when many changed (at 50,000 posts
    it is 60 MB; a few files changed since are cheaper to parse again than to save).  The parsed
    files are kept as pickled parts: when workers parsed every file, the pickles they sent back.
    """

    path: Path
    keys: dict[str, str] = field(default_factory=dict)  # output path -> key of its inputs
    memo: ParsedFiles = field(default_factory=ParsedFiles)  # what was parsed from each post file
    related: dict = field(default_factory=dict)  # post id -> (hash of its inputs, related post ids)
    plan: str = ""  # the digest of what the keys were planned from (render.plan_key)
    _loaded: tuple = ({}, {})  # the related hashes and the memo's file versions when loaded

    @classmethod
    def load(cls, out_dir: Path) -> "BuildCache":
        """The cache beside out_dir; what is missing, outdated or unreadable starts empty."""
        path = cache_path(out_dir)
        keys, related, plan = _read(path) or ({}, {}, "")
        (parts,) = _read(_parsed(path)) or ([],)
        memo = ParsedFiles(_unpickled(parts))
        return cls(path, keys, memo, related, plan, (_versions(related), _versions(memo.entries)))

    def reusable(self, present: set[str]) -> dict[str, str]:
        """Keys of the pages the last build wrote that are still present (see files_in)."""
        return {path: key for path, key in self.keys.items() if path in present}

    def unchanged(self, plan: str, reused: dict[str, str]) -> bool:
        """True when the last build's keys were planned from the same inputs (plan) and every page
        it wrote is still present (reused: what reusable() gave): then they stand as they are."""
        return bool(self.plan) and plan == self.plan and len(reused) == len(self.keys)

    def forget_keys(self) -> None:
        """Drop the saved keys before site/ changes: a build killed while changing it must not
        leave keys that call its half-changed pages current.  save() writes them anew."""
        self.path.unlink(missing_ok=True)
        self.keys, self.plan = {}, ""

    def save(self, keys: dict[str, str], plan: str = "") -> None:
        """Keep what this build knew for the next one (what changed, and the parsed files if many did);
        plan: the digest of what the keys were planned from."""
        related_versions, memo_versions = self._loaded
        if keys != self.keys or plan != self.plan or _versions(self.related) != related_versions:
            _write(self.path, keys, self.related, plan)
        versions = _versions(self.memo.entries)
        outdated = len(versions.items() ^ memo_versions.items())
        if outdated > REPARSE_LIMIT or (outdated and not memo_versions):
            parts = self.memo.pickled or [pickle.dumps(self.memo.entries, protocol=pickle.HIGHEST_PROTOCOL)]
            _write(_parsed(self.path), parts)


REPARSE_LIMIT = 200  # post files a build may have to parse again rather than save the parsed files


def cache_path(out_dir: Path) -> Path:
    """The build cache beside out_dir: site/ -> .site.cache."""
    return out_dir.resolve().with_name(f".{out_dir.resolve().name}.cache")


def _parsed(path: Path) -> Path:
    return path.with_name(path.name.replace(".cache", ".parsed"))


_UNREADABLE = (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError)


def _read(path: Path) -> tuple | None:
    try:
        body = opened(path.read_bytes())
        if body is None:
            return None
        version, cwd, *data = pickle.loads(body)
    except _UNREADABLE:
        return None
    # Problems name files relative to the working folder.
    return tuple(data) if version == _code_version() and cwd == str(Path.cwd()) else None


def _unpickled(parts: list[bytes]) -> dict:
    """The parsed files' entries from their pickled parts (which _read found sealed and current)."""
    entries: dict = {}
    try:
        for part in parts:
            entries.update(pickle.loads(part))
    except _UNREADABLE:
        return {}
    return entries


def _write(path: Path, *data: object) -> None:
    body = pickle.dumps((_code_version(), str(Path.cwd()), *data), protocol=pickle.HIGHEST_PROTOCOL)
    sealed = seal(body)
    if sealed is not None:
        write_atomic(path, sealed)


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
