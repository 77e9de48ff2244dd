"""Which folder a build may write into.

A build makes its output folder hold the site and nothing else: whatever else is in
there is deleted.  So it writes only into a new or empty folder or into a site it
built before, and never into a folder that holds what it reads or the working folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from .buildcache import cache_path
from .yamlfile import display_path

# Every site this tool builds has these; a site built before the build cache existed has no
# cache beside it, and is still recognised by them.
SITE_FILES = ("index.html", "static/wall.css")


def refusal(out_dir: Path, inputs: Mapping[str, Path]) -> str | None:
    """Why a build must not write into out_dir (it would delete what is there); None when it may.

    inputs: what the build reads, by what it is ('the content folder': content/).
    """
    out = out_dir.resolve()
    if out == out.parent:
        return "it is the root of the file system"
    if out == Path(os.path.expanduser("~")).resolve():
        return "it is the home folder"
    if _holds(out, Path.cwd()):
        return f"it {_is_or_holds(out, Path.cwd())} the working folder"
    for name, source in inputs.items():
        if _holds(out, source.resolve()):
            return f"it {_is_or_holds(out, source.resolve())} {name} ({display_path(source)})"
        if source.is_dir() and _holds(source.resolve(), out):
            return f"it is inside {name} ({display_path(source)})"
    if out.exists() and not out.is_dir():
        return "it is not a folder"
    if not _empty(out) and not _built_here(out):
        return ("it is not empty and holds no site built by generate.py, and a build deletes whatever "
                "else is in its folder: choose a new or empty folder")
    return None


def _holds(folder: Path, path: Path) -> bool:
    return path == folder or folder in path.parents


def _is_or_holds(folder: Path, path: Path) -> str:
    return "is" if path == folder else "holds"


def _empty(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except FileNotFoundError:
        return True


def _built_here(folder: Path) -> bool:
    if cache_path(folder).is_file():
        return True
    return all((folder / name).is_file() for name in SITE_FILES)
