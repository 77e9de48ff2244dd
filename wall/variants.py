"""Smaller copies of large images, so phones load a 640-pixel picture and not a 1600-pixel one.

Made at build time with Pillow from the stored images and kept in a folder beside
site/, so each is made once; the pages offer both sizes through srcset.  The folder
records what each copy was made from (the source's size, mtime and SHA-256): a copy
stays while its source's bytes are the same, also after a fresh checkout has given
every source a new mtime and the folder was restored from a CI cache.
"""

from __future__ import annotations

import hashlib
import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .output import files_in
from .writing import write_atomic

SMALL_WIDTH = 640
QUALITY, METHOD = 75, 4
RECORDS = "sources.json"  # in the folder of the copies: what each copy was made from
# Part of the records: copies made another way (another width or quality) are made again.
RECIPE = f"{SMALL_WIDTH}w webp q{QUALITY} m{METHOD}"

Record = list  # [size, mtime_ns, sha256] of the source a copy was made from, as JSON keeps it


def small_name(path: str) -> str:
    """media/ab/abcd.webp -> media/ab/abcd-640w.webp"""
    stem, _, _ = path.rpartition(".")
    return f"{stem}-{SMALL_WIDTH}w.webp"


def needs_small(width: int | None) -> bool:
    """True for images wider than the small copy."""
    return bool(width) and width > SMALL_WIDTH


def make_small_copies(images: dict[str, tuple[Path, int | None]], cache: Path, jobs: int = 1) -> dict[str, Path]:
    """Site path -> file of the small copy of every image that needs one, made when missing or
    when its source's bytes changed; copies no longer needed are removed.

    A source whose size and mtime are as recorded is not read; one whose are not is hashed,
    and its copy made again only when the hash differs.  Up to jobs threads hash and make
    copies: hashlib and Pillow let go of the interpreter.  Call it where nothing else writes
    into cache (inside output.claimed).
    """
    copies = _copies(images, cache)
    recorded = _read_records(cache)
    stale = _stale(copies, recorded)
    records = {name: recorded[name] for name in copies if name not in stale}
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(stale)))) as pool:
        refreshed = pool.map(lambda name: _refresh(*copies[name], recorded.get(name)), stale)
        for name, (record, data) in zip(stale, refreshed):
            if data is not None:
                write_atomic(copies[name][1], data)
            records[name] = record
    if records != recorded:  # after the copies: a record never names a copy not made yet
        # A copy no longer needed leaves the records too: the folder need be listed only then.
        for unwanted in files_in(cache) - set(copies) - {RECORDS}:
            (cache / unwanted).unlink()
        write_atomic(cache / RECORDS, json.dumps({"recipe": RECIPE, "sources": records}, sort_keys=True).encode())
    return {name: copy for name, (_, copy) in copies.items()}


def any_to_make(images: dict[str, tuple[Path, int | None]], cache: Path) -> bool:
    """True when make_small_copies has a source to read: a copy to make, or a source to hash."""
    return bool(_stale(_copies(images, cache), _read_records(cache)))


def _copies(images: dict[str, tuple[Path, int | None]], cache: Path) -> dict[str, tuple[Path, Path]]:
    """Site path of each small copy -> (its source, its file in cache)."""
    return {small_name(relative): (source, cache / small_name(relative))
            for relative, (source, width) in sorted(images.items()) if needs_small(width)}


def _stale(copies: dict[str, tuple[Path, Path]], recorded: dict[str, Record]) -> list[str]:
    """The copies whose source must be read: no record, a missing copy, or a new size or mtime."""
    return [name for name, (source, copy) in copies.items() if not _unchanged(recorded.get(name), source, copy)]


def _read_records(cache: Path) -> dict[str, Record]:
    """What the last build recorded per copy; nothing when the file is missing, unreadable or of another recipe."""
    try:
        stored = json.loads((cache / RECORDS).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("recipe") != RECIPE or not isinstance(stored.get("sources"), dict):
        return {}
    return {name: record for name, record in stored["sources"].items()
            if isinstance(record, list) and len(record) == 3}


def _unchanged(record: Record | None, source: Path, copy: Path) -> bool:
    """True when the source's size and mtime are as recorded and the copy is there: nothing read."""
    if record is None:
        return False
    status = source.stat()
    return record[:2] == [status.st_size, status.st_mtime_ns] and copy.is_file()


def _refresh(source: Path, copy: Path, record: Record | None) -> tuple[Record, bytes | None]:
    """The source's record now, and the bytes of a new copy (None when the copy there is of the same bytes)."""
    status = source.stat()  # before reading: a change while reading leaves a newer mtime, so a check next time
    data = source.read_bytes()
    now = [status.st_size, status.st_mtime_ns, hashlib.sha256(data).hexdigest()]
    if record is not None and record[2] == now[2] and copy.is_file():
        return now, None
    return now, _shrink(data)


def _shrink(data: bytes) -> bytes:
    from PIL import Image  # here: most builds make no copy, and Pillow takes a tenth of the start-up

    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((SMALL_WIDTH, SMALL_WIDTH * 4))
        output = io.BytesIO()
        image.save(output, "WEBP", quality=QUALITY, method=METHOD)
        return output.getvalue()
