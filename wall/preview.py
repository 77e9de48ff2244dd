"""The editors' preview of a pull request: the front page and the posts under review.

The Check workflow attaches a preview to every pull request, and a review branch gets a new
commit at every fetch (hourly for some sources). The whole built wall is too much for that:
at 10,000 posts its pages alone zip to about 40 MB, its images to a gigabyte and more, kept
for two weeks per run, past what a private repository may store for artifacts. The preview
keeps what the editors look at: the front page, the pages of the posts the pull request adds
or changes, the stylesheet and the images these pages show. Links to other pages lead nowhere
in the preview.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Iterable

# src, href and srcset values in the wall's own pages (its templates quote every attribute).
_ADDRESS = re.compile(r'(?:src|href|srcset)="([^"]*)"')


def keep_only(site_dir: Path, pages: Iterable[str]) -> int:
    """Remove every file below site_dir but pages (paths below it), static/ and the media/ they
    show; returns how many files were removed."""
    kept = {page for page in pages if (site_dir / page).is_file()}
    for page in sorted(kept):
        kept |= _media_in((site_dir / page).read_text(encoding="utf-8"), posixpath.dirname(page))
    removed = 0
    for folder, _, files in os.walk(site_dir, topdown=False):
        for name in files:
            relative = Path(folder, name).relative_to(site_dir).as_posix()
            if relative not in kept and not relative.startswith("static/"):
                os.unlink(os.path.join(folder, name))
                removed += 1
        if folder != str(site_dir) and not os.listdir(folder):
            os.rmdir(folder)
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
