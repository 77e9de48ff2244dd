"""Writing into content/ and beside the site: whole files only, post files in one fixed format.

A reader (a build, a reviewer's checkout, a web server) never sees half a file:
each is written beside its target and renamed over it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import yaml

from .emitter import WIDTH, simple_yaml
from .fields import Fields
from .post import Post, post_filename, post_from_fields, post_to_dict
from .yamlfile import Problem, YamlFileError, parse_yaml


def dump_post(post: Post) -> str:
    """The exact text of a post file: fixed key order and formatting, so diffs show only changes."""
    data = post_to_dict(post)
    return simple_yaml(data) or yaml_text(data)


def yaml_text(data: dict[str, Any]) -> str:
    """data in the post files' format, as PyYAML writes it (emitter.py writes most posts faster)."""
    return yaml.dump(data, Dumper=_PostDumper, allow_unicode=True, sort_keys=False, width=WIDTH,
                     default_flow_style=False)


class UnreadablePost(ValueError):
    """A post whose file the wall would refuse to read back: it was not written."""


def post_file(post: Post) -> tuple[bytes, list[str]]:
    """The bytes of the post's file, and why the wall would refuse to read them back (empty
    when it would not).

    Connectors take what a platform sends; a value the post file refuses (a link that is
    no web address, a language that is no language code) would leave a file that fails
    every check and, once approved, every build.
    """
    encoded = dump_post(post).encode("utf-8")
    path = post_filename(post.id)
    try:
        parsed = parse_yaml(encoded, path)
    except YamlFileError as error:
        return encoded, [error.problem.message]
    problems: list[Problem] = []
    fields = Fields.of(parsed, path, problems, "", 1, unknown="warning")
    if fields:
        post_from_fields(fields, {post.category})  # which categories there are is config's matter
    return encoded, [problem.message for problem in problems if problem.severity == "error"]


def write_post(content_dir: Path, post: Post) -> Path:
    """Write a post file atomically; return its path.  Raise UnreadablePost, writing nothing,
    when the file would not read back."""
    data, problems = post_file(post)
    if problems:
        raise UnreadablePost(f"{post.id}: not stored, its file would be refused: {problems[0]}")
    path = content_dir / post_filename(post.id)
    write_atomic(path, data)
    return path


PARTIAL = ".partial-"  # in the name of a file being written: one a killed run left behind can go


def remove_partial_files(folder: Path, recursive: bool = False) -> None:
    """Remove what write_atomic left in folder when its process was killed mid-write.
    Only call it where nothing else is writing into folder."""
    for leftover in (folder.rglob if recursive else folder.glob)(f".*{PARTIAL}*"):
        leftover.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, then rename, so no reader sees half a file.

    The file gets the mode of any new file (0666 less the umask, which the system applies).
    The umask is never read: reading it means setting it, for the whole process, while other
    threads write (a fetch stores images from several at once).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary, descriptor = _file_beside(path)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _file_beside(path: Path) -> tuple[str, int]:
    """A new file of its own next to path, open for writing, named so remove_partial_files finds it."""
    while True:
        temporary = os.path.join(path.parent, f".{path.name}{PARTIAL}{secrets.token_hex(6)}")
        try:
            return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            continue


class _PostDumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, so diffs in review read like the post."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> Any:
    # PyYAML falls back to a quoted style by itself where a block cannot round-trip.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_PostDumper.add_representer(str, _represent_text)
