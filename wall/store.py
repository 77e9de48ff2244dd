"""content/: reading post files and the time of the last fetch (editors' pages: pages.py; writing: writing.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Iterable

from .fields import Fields, parse_timestamp
from .mediafiles import NOT_FOUND, MediaFiles
from .pages import Page, read_pages
from .post import Media, Post, post_filename, post_from_fields
from .workers import in_parts_pickled
from .yamlfile import Problem, YamlFileError, display_path, read_yaml

STATE_FILE = "state.yaml"


@dataclass(frozen=True)
class Content:
    """Everything read from a content folder, with the problems found on the way."""

    posts: tuple[Post, ...]
    pages: tuple[Page, ...]
    media_root: Path  # post media paths are relative to this folder
    last_fetch: datetime | None = None  # the last successful fetch, recorded by `fetch`
    demo: bool = False  # True when the posts are the shipped demo set
    problems: tuple[Problem, ...] = ()

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop a build."""
        return [problem for problem in self.problems if problem.severity == "error"]


@dataclass
class ParsedFiles:
    """What was parsed from each post file, kept for the next build (the build cache saves it)."""

    entries: dict = field(default_factory=dict)  # display path -> ((mtime, size, categories), post, problems)
    # The entries exactly, as the workers that parsed every file pickled them (None when not so made):
    # saved as they are, the posts are not pickled a second time.
    pickled: list[bytes] | None = None


def _has_post_files(root: Path) -> bool:
    return any(name.endswith(".yaml") for _, _, names in os.walk(root / "posts") for name in names)


def _files_below(folder: Path) -> list[str]:
    """The files below folder as relative paths, sorted part by part so that reports are stable."""
    found: list[str] = []
    pending = [("", str(folder))]
    while pending:  # os.scandir knows file from folder without a stat, and no path is parsed
        prefix, directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:  # as os.walk: a folder that cannot be read is passed over
            continue
        for entry in entries:
            if not entry.is_dir():
                found.append(prefix + entry.name)
            elif not entry.is_symlink():  # as os.walk: a link to a folder is neither followed nor a file
                pending.append((f"{prefix}{entry.name}{os.sep}", entry.path))
    return sorted(found, key=lambda name: name.split(os.sep))


def load_content(content_dir: Path, categories: Iterable[str], demo_dir: Path | None = None,
                 memo: ParsedFiles | None = None, jobs: int = 1) -> Content:
    """Read posts, pages and state; fall back to demo_dir's posts when content has none.

    memo, when given, holds each file's (mtime, size, categories) and what was parsed
    from it last time, so an unchanged file is not parsed again; it is brought up to
    date.  Up to jobs processes parse the files.
    """
    problems: list[Problem] = []
    posts_root, demo = content_dir, False
    if not _has_post_files(content_dir) and demo_dir is not None and _has_post_files(demo_dir):
        posts_root, demo = demo_dir, True
    posts = read_posts(posts_root, set(categories), problems, memo, jobs)
    pages = read_pages(content_dir / "pages", problems)
    last_fetch = read_last_fetch(content_dir, problems)
    return Content(posts=tuple(posts), pages=tuple(pages), media_root=posts_root,
                   last_fetch=last_fetch, demo=demo, problems=tuple(problems))


def read_posts(root: Path, categories: set[str], problems: list[Problem], memo: ParsedFiles | None = None,
               jobs: int = 1) -> list[Post]:
    """Read and validate every post file below root; problems are appended."""
    posts: list[Post] = []
    first_file: dict[str, str] = {}
    by_slug: dict[str, Post] = {}
    posts_dir = root / "posts"
    names = _files_below(posts_dir)
    problems.extend(_stray_files(posts_dir, names))
    names = [name for name in names if name.endswith(".yaml")]
    # Strings joined as os.path.join would: a Path or a join each costs more than the rest.
    paths = _joined(str(posts_dir), names)
    displays = _joined(display_path(posts_dir), names)
    media_files = MediaFiles(root)
    for path, display, (post, found) in zip(paths, displays, _parse_posts(paths, displays, root, categories, memo,
                                                                            jobs)):
        post = _checked_post(post, found, path, display, root, problems, media_files)
        if post is None:
            continue
        if post.id in first_file:
            problems.append(Problem(post.file, _line(path, "id"),
                                    f"id: die id '{post.id}' steht auch in {first_file[post.id]}"))
            continue
        first_file[post.id] = post.file
        if post.slug in by_slug:  # distinct ids, one name: one page would be built over the other
            other = by_slug[post.slug]
            problems.append(Problem(post.file, _line(path, "id"), f"id: '{post.id}' bekäme dieselbe Seite und "
                                    f"denselben Dateinamen ({post.slug}) wie '{other.id}' in {other.file}"))
            continue
        by_slug[post.slug] = post
        posts.append(post)
    return posts


def _joined(folder: str, names: list[str]) -> list[str]:
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    return [prefix + name for name in names]


def _stray_files(posts_dir: Path, names: list[str]) -> list[Problem]:
    # A post saved as .yml or .txt would otherwise vanish without a word.
    return [Problem(display_path(posts_dir / name), 1, "wird ignoriert: Beitragsdateien müssen auf .yaml enden",
                    "warning")
            for name in names if not name.endswith(".yaml") and not os.path.basename(name).startswith(".")]


def read_post(path: Path, root: Path, categories: set[str], problems: list[Problem]) -> Post | None:
    """Read one post file; None when it has errors (they are appended to problems)."""
    found: list[Problem] = []
    display = display_path(path)
    return _checked_post(_parse_post(path, display, root, categories, found), found, path, display, root, problems,
                         MediaFiles(root))


PARALLEL_FROM = 500  # fewer files than this are parsed in-process: a fork costs more than it saves


def _parse_posts(paths: list[str], displays: list[str], root: Path, categories: set[str],
                 memo: ParsedFiles | None, jobs: int) -> list[tuple[Post | None, list[Problem]]]:
    """(post or None, problems) for each file; from memo where the file has not changed since."""
    keys = tuple(sorted(categories))  # a post's category is checked against these
    versions = [(stat.st_mtime_ns, stat.st_size, keys) for stat in map(os.stat, paths)]
    memo = ParsedFiles() if memo is None else memo
    entries = memo.entries
    todo = [index for index, display in enumerate(displays) if entries.get(display, (None,))[0] != versions[index]]

    def parse(start: int, stop: int) -> dict[str, tuple]:
        parsed = {}
        for index in todo[start:stop]:
            found: list[Problem] = []
            parsed[displays[index]] = (versions[index], _parse_post(paths[index], displays[index], root, categories,
                                                                    found), found)
        return parsed

    parts = list(in_parts_pickled(parse, len(todo), jobs, PARALLEL_FROM))
    for parsed, _ in parts:
        entries.update(parsed)
    for gone in entries.keys() - set(displays):
        del entries[gone]
    pickled = [part for _, part in parts]
    memo.pickled = pickled if len(todo) == len(displays) and None not in pickled else None
    return [entries[display][1:] for display in displays]


def _parse_post(path: str | Path, display: str, root: Path, categories: set[str],
                problems: list[Problem]) -> Post | None:
    """The post in one file if it is valid and in its platform's folder; problems are appended."""
    try:
        data = read_yaml(path, display)
    except YamlFileError as error:
        problems.append(error.problem)
        return None
    fields = Fields.of(data, display, problems, "", 1, unknown="warning")
    post = post_from_fields(fields, categories) if fields else None
    if post is None or not _in_its_folder(post, path, root, display, problems):
        return None
    _ = post.digest, post.slug  # computed here, where files are parsed on every core; they travel with the post
    return post


def _checked_post(post: Post | None, found: list[Problem], path: str | Path, display: str, root: Path,
                  problems: list[Problem], media_files: MediaFiles) -> Post | None:
    """The parsed post if its media can be shown; problems are appended.

    A media file that is missing is left out with a warning (deleting an image, even one
    other posts share, must not stop the wall's build); any other problem with one is an
    error.  media_files remembers what it found, across the calls of one read.
    """
    problems.extend(found)
    if post is None:
        return None
    media_problems: list[Problem] = []
    post = _without_missing_media(post, path, root, display, media_problems, media_files)
    problems.extend(media_problems)
    return None if any(problem.severity == "error" for problem in media_problems) else post


def _in_its_folder(post: Post, path: str | Path, root: Path, display: str, problems: list[Problem]) -> bool:
    # Any file name will do (editors name manual posts as they like), but the folder
    # must be the platform's, so that a post can never pose as another platform's.
    folder = os.path.join(root, os.path.dirname(post_filename(post.id)))
    here = os.path.dirname(path)
    if here != folder and os.path.abspath(here) != os.path.abspath(folder):
        problems.append(Problem(display, _line(path, "platform"),
                                f"platform: ein Beitrag von {post.platform} muss in "
                                f"{display_path(Path(folder))}/ liegen"))
        return False
    return True


def _without_missing_media(post: Post, path: str | Path, root: Path, display: str, problems: list[Problem],
                           media_files: MediaFiles) -> Post:
    kept: list[Media] = []
    avatar = post.author.avatar
    checks = [("author", avatar, "image", None)] if avatar else []
    checks += [("media", item.path, item.type, item) for item in post.media]
    for key, relative, media_type, item in checks:
        problem = media_files.problem(relative, media_type)
        missing = problem == NOT_FOUND
        if problem:
            shown = f"{key}: {problem}: {display_path(root / relative)}" + ("; ohne dieses Bild gezeigt" if missing else "")
            problems.append(Problem(display, _line(path, key), shown, "warning" if missing else "error"))
        if item is not None and not missing:
            kept.append(item)
        elif item is None and missing:
            avatar = ""
    if avatar == post.author.avatar and len(kept) == len(post.media):
        return post
    return replace(post, author=replace(post.author, avatar=avatar), media=tuple(kept))


def _line(path: str | Path, key: str) -> int:
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def read_last_fetch(content_dir: Path, problems: list[Problem]) -> datetime | None:
    """The time of the last successful fetch, as recorded in content/state.yaml."""
    path = content_dir / STATE_FILE
    if not path.is_file():
        return None
    try:
        data = read_yaml(path, display_path(path))
    except YamlFileError as error:
        problems.append(error.problem)
        return None
    value = data.get("last_fetch") if isinstance(data, dict) else None
    return parse_timestamp(value) if value else None
