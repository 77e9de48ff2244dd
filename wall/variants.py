"""Smaller copies of large images, so phones load a 640-pixel picture and not a 1600-pixel one.

Made at build time with Pillow from the stored images and kept in a folder beside
site/, so each is made once; the pages offer both sizes through srcset.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .writing import write_atomic

SMALL_WIDTH = 640


def small_name(path: str) -> str:
    """media/ab/abcd.webp -> media/ab/abcd-640w.webp"""
    stem, _, _ = path.rpartition(".")
    return f"{stem}-{SMALL_WIDTH}w.webp"


def needs_small(width: int | None) -> bool:
    """True for images wider than the small copy."""
    return bool(width) and width > SMALL_WIDTH


def make_small_copies(images: dict[str, tuple[Path, int | None]], cache: Path, jobs: int = 1) -> dict[str, Path]:
    """Site path -> file of the small copy of every image that needs one, made when missing.

    Up to jobs threads make them: Pillow lets go of the interpreter while it decodes and encodes.
    """
    copies = _copies(images, cache)
    missing = _missing(copies)
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(missing)))) as pool:
        for (_, target), data in zip(missing, pool.map(_shrink, [source for source, _ in missing])):
            write_atomic(target, data)  # here, not in the threads: it reads the process's umask
    return {name: target for name, (_, target) in copies.items()}


def any_to_make(images: dict[str, tuple[Path, int | None]], cache: Path) -> bool:
    """True when make_small_copies has copies to make."""
    return bool(_missing(_copies(images, cache)))


def _copies(images: dict[str, tuple[Path, int | None]], cache: Path) -> dict[str, tuple[Path, Path]]:
    """Site path of each small copy -> (its source, its file in cache)."""
    return {small_name(relative): (source, cache / small_name(relative))
            for relative, (source, width) in sorted(images.items()) if needs_small(width)}


def _missing(copies: dict[str, tuple[Path, Path]]) -> list[tuple[Path, Path]]:
    return [(source, target) for source, target in copies.values() if _outdated(target, source)]


def _outdated(copy: Path, source: Path) -> bool:
    return not copy.is_file() or copy.stat().st_mtime_ns < source.stat().st_mtime_ns


def _shrink(source: Path) -> bytes:
    from PIL import Image  # here: most builds make no copy, and Pillow takes a tenth of the start-up

    with Image.open(source) as image:
        image.thumbnail((SMALL_WIDTH, SMALL_WIDTH * 4))
        output = io.BytesIO()
        image.save(output, "WEBP", quality=75, method=4)
        return output.getvalue()
