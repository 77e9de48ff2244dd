"""Writing into content/ and beside the site: whole files only, post files in one fixed format.

A reader (a build, a reviewer's checkout, a web server) never sees half a file:
each is written beside its target and renamed over it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .post import Post, post_filename, post_to_dict


def dump_post(post: Post) -> str:
    """The exact text of a post file: fixed key order and formatting, so diffs show only changes."""
    return yaml.dump(post_to_dict(post), Dumper=_PostDumper, allow_unicode=True, sort_keys=False,
                     width=100, default_flow_style=False)


def write_post(content_dir: Path, post: Post) -> Path:
    """Write a post file atomically; return its path."""
    path = content_dir / post_filename(post.id)
    write_atomic(path, dump_post(post).encode("utf-8"))
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, then rename, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; others must read content/
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _PostDumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, so diffs in review read like the post."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> Any:
    # PyYAML falls back to a quoted style by itself where a block cannot round-trip.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_PostDumper.add_representer(str, _represent_text)
