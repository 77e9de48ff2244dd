"""What a review run puts on main at once, without waiting for the pull request.

Posts their platform deleted leave main straight away (the platforms' terms ask for
it), and posts of trusted authors (moderation.allow.authors) arrive there without
review; the review branch records these commits as merged (record_landed).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .config import Config
from .media import remove_unused_media
from .moderate import author_listed
from .review import BOT, Git, ReviewError, paths_of, posts_in_german, top_of
from .store import read_post

# More posts deleted upstream in one run than this wait for an editor: a platform's
# wrong answer must not take half the wall down unseen.
AUTO_REMOVAL_LIMIT = 25

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Removals:
    """Post files of main that this run removed because their platform deleted them."""

    landed: tuple[str, ...] = ()  # removed from main at once: off the wall with the next publish
    waiting: tuple[str, ...] = ()  # still on main: they leave with the review pull request
    commit: str = ""  # the commit on main that removed the landed ones


def land_removals(git: Git, categories: set[str], base: str = "main", remote: str = "origin") -> Removals:
    """Remove from base at once the posts that this run found deleted upstream.

    Taking a post down needs no review, and a post its author deleted must leave the
    wall promptly (the platforms' terms ask for it), so these do not wait for the pull
    request: a commit on base removes them and the media no other post of base uses.
    They wait after all when there are more than AUTO_REMOVAL_LIMIT, or when base
    cannot be pushed to (a protected branch, a race with an editor's merge).
    """
    top = top_of(git)
    content = git.run("rev-parse", "--show-prefix").strip()
    deleted = paths_of(top.run("ls-files", "-z", "--deleted", "--", f"{content}posts"))
    listed = top.run("ls-tree", "-z", "-r", "--name-only", f"{remote}/{base}", "--", *deleted) if deleted else ""
    on_base = paths_of(listed)
    if len(on_base) > AUTO_REMOVAL_LIMIT:
        log.warning("%d posts were deleted upstream, more than %d at once: they leave the wall with the "
                    "review pull request", len(on_base), AUTO_REMOVAL_LIMIT)
        return Removals(waiting=on_base)
    if not on_base:
        return Removals()
    try:
        commit = _remove_on_base(top, on_base, content, categories, base, remote)
    except ReviewError as error:
        log.warning("posts deleted upstream could not be removed from %s at once, they leave the wall "
                    "with the review pull request: %s", base, error)
        return Removals(waiting=on_base)
    return Removals(landed=on_base, commit=commit)


def _remove_on_base(top: Git, paths: tuple[str, ...], content: str, categories: set[str], base: str,
                    remote: str) -> str:
    def remove(tree: Git) -> None:
        tree.run("rm", "--quiet", "--", *paths)
        remove_unused_media(tree.root / content, categories)
    return _commit_on_base(top, remove, content, f"Auf der Plattform gelöscht: {posts_in_german(len(paths))} "
                           "von der Wall genommen", base, remote)


def _commit_on_base(top: Git, change: Callable[[Git], None], content: str, message: str, base: str,
                    remote: str) -> str:
    """Make change in a work tree of base, commit it there and push; the commit."""
    with tempfile.TemporaryDirectory(prefix="wall-base-") as folder:
        tree = Git(Path(folder) / "base")
        top.run("worktree", "add", "--quiet", "--detach", str(tree.root), f"{remote}/{base}")
        try:
            change(tree)
            tree.run("add", "--all", "--", content or ".")
            tree.run(*BOT, "commit", "--quiet", "-m", message)
            tree.run("push", "--quiet", remote, f"HEAD:refs/heads/{base}")
            return tree.run("rev-parse", "HEAD").strip()
        finally:
            top.run("worktree", "remove", "--force", str(tree.root), check=False)


@dataclass(frozen=True)
class Trusted:
    """Posts of trusted authors (moderation.allow.authors) that this run put on main at once."""

    landed: tuple[str, ...] = ()  # their files, relative to the repository's top
    commit: str = ""


def land_trusted(git: Git, config: Config, base: str = "main", remote: str = "origin") -> Trusted:
    """Put the new and changed posts of trusted authors on base at once, with their media.

    That is what config.yaml's allow list promises: the EWG's own posts need no review.
    If base cannot be pushed to (a protected branch, a race with an editor's merge),
    they wait in the review pull request like any other post.
    """
    if not config.moderation.allow_authors:
        return Trusted()
    top = top_of(git)
    content = git.run("rev-parse", "--show-prefix").strip()
    changed = [entry[3:] for entry in paths_of(top.run("status", "--porcelain", "-z", "--untracked-files=all",
                                                     "--", f"{content}posts"))
               if entry[:2] in ("??", " M", "A ", "M ")]
    trusted = {}
    for path in changed:
        post = read_post(top.root / path, top.root / content, set(config.category_keys), [])
        if post is not None and post.status == "approved" and author_listed(post, config.moderation.allow_authors):
            trusted[path] = post
    if not trusted:
        return Trusted()

    def copy(tree: Git) -> None:
        media = {content + item for post in trusted.values()
                 for item in [post.author.avatar, *(m.path for m in post.media)] if item}
        for path in sorted(trusted.keys() | media):
            source, target = top.root / path, tree.root / path
            if source.is_file() and (path in trusted or not target.exists()):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
    landed = tuple(sorted(trusted))
    try:
        commit = _commit_on_base(top, copy, content, f"Vertrauenswürdige Absender: {posts_in_german(len(landed))} "
                                 "ohne Freigabe auf die Wall", base, remote)
    except ReviewError as error:
        log.warning("posts of trusted authors could not be put on %s at once, they wait in the review pull "
                    "request: %s", base, error)
        return Trusted()
    return Trusted(landed=landed, commit=commit)


def record_landed(git: Git, *commits: str) -> None:
    """Record the commits this run made on base (removals, trusted posts) as merged into the review branch.

    The review branch holds the same changes itself, so its tree stays as it is ('ours'):
    a three-way merge could mistake one post's file deleted and another's added for a
    rename and stop with a conflict.  The last commit made is enough: it holds the others.
    """
    made = [commit for commit in commits if commit]
    if made:
        git.run(*BOT, "merge", "--quiet", "--no-edit", "-s", "ours", made[-1])
