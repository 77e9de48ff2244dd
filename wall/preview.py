"""The editors' preview of a pull request: the whole wall, with the images of what they review.

The Check workflow attaches the built wall to every pull request for the editors to download.
With every image the wall has ever shown that grows past a gigabyte, more than anyone wants to
download to look at a few new posts (and more than a private repository may store). The
preview keeps every page, so that all links work, and the images of the front page and of the
posts the pull request adds or changes; older pages show their images' empty places.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Iterable

# src, href and srcset values in the wall's own pages (its templates quote every attribute).
_ADDRESS = re.compile(r'(?:src|href|srcset)="([^"]*)"')


def keep_media_of(site_dir: Path, pages: Iterable[str]) -> int:
    """Remove the files below media/ that none of pages (paths below site_dir) shows; returns how many."""
    shown: set[str] = set()
    for page in pages:
        path = site_dir / page
        if path.is_file():
            shown |= _media_in(path.read_text(encoding="utf-8"), posixpath.dirname(page))
    removed = 0
    for path in sorted((site_dir / "media").rglob("*")) if (site_dir / "media").is_dir() else []:
        if path.is_file() and path.relative_to(site_dir).as_posix() not in shown:
            path.unlink()
            removed += 1
    return removed


def _media_in(html: str, folder: str) -> set[str]:
    """The media/ files a page refers to, as paths below the site root."""
    found = set()
    for value in _ADDRESS.findall(html):
        for candidate in value.split(","):  # srcset: 'a.webp 640w, b.webp 1600w'
            address = candidate.strip().split(" ")[0]
            if address and "://" not in address and not address.startswith(("/", "#", "mailto:")):
                target = posixpath.normpath(posixpath.join(folder, address))
                if target.startswith("media/"):
                    found.add(target)
    return found
