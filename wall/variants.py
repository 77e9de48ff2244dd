"""Smaller copies of large images, so phones load a 640-pixel picture and not a 1600-pixel one.

Made at build time with Pillow from the stored images and kept in a folder beside
site/, so each is made once; the pages offer both sizes through srcset.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from .store import write_atomic

SMALL_WIDTH = 640


def small_name(path: str) -> str:
    """media/ab/abcd.webp -> media/ab/abcd-640w.webp"""
    stem, _, _ = path.rpartition(".")
    return f"{stem}-{SMALL_WIDTH}w.webp"


def needs_small(width: int | None) -> bool:
    """True for images wider than the small copy."""
    return bool(width) and width > SMALL_WIDTH


def make_small_copies(images: dict[str, tuple[Path, int | None]], cache: Path) -> dict[str, Path]:
    """Site path -> file of the small copy of every image that needs one, made when missing."""
    copies = {}
    for relative, (source, width) in sorted(images.items()):
        if not needs_small(width):
            continue
        target = cache / small_name(relative)
        if not target.is_file() or target.stat().st_mtime_ns < source.stat().st_mtime_ns:
            write_atomic(target, _shrink(source))
        copies[small_name(relative)] = target
    return copies


def _shrink(source: Path) -> bytes:
    with Image.open(source) as image:
        image.thumbnail((SMALL_WIDTH, SMALL_WIDTH * 4))
        output = io.BytesIO()
        image.save(output, "WEBP", quality=75, method=4)
        return output.getvalue()
