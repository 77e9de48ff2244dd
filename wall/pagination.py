"""Lists of posts cut into archive pages that stay put, whenever a post arrives or goes.

The cuts depend on the posts themselves, not on their count: a post ends an
archive page when its id's hash says so (one post in about per_page / 2) and the
page holds at least per_page / 2 posts, or when it holds 2 * per_page; per_page
on average.  So a new post changes the page it lands on and next to nothing else,
even one dated months back (added by hand, or the backlog of a new source), and a
removed post its own page: the pages before and after keep their posts (1.5 pages
change on average with 24 posts a page; a few more where a page had been cut by
count, which moves the next page's start).  Cutting by count instead would move a
post into the next page on every page newer than a post dated back.  An archive
page is named after the minute of its newest post ('seite/2020-03-24-1405/',
Essen's time), so a new page never renames another one.

The listing's first page shows the posts after the last cut and, while those
are fewer than per_page, the newest archive pages' posts too.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable, Sequence

from .dates import local
from .post import Post

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Listing:
    """One page of a paginated list of posts."""

    path: str  # output folder below the site root, '' for the front page
    posts: list  # newest first
    name: str | None  # the archive page's name ('2020-03-24-1405'), None for the listing's first page
    newer: str | None  # path of the page with newer posts
    older: str | None  # path of the page with older posts


def sort_newest_first(posts: Iterable[Post]) -> list[Post]:
    """Newest first; posts published at the same moment by id, so order never varies."""
    return sorted(posts, key=lambda post: (EPOCH - post.published, post.id))  # exact, unlike a float timestamp


def paginate(posts: Sequence[Post], per_page: int, prefix: str,
             shows: Callable[[Post], bool] | None = None) -> list[Listing]:
    """Cut a newest-first list into the listing's first page and archive pages (see above).

    Given shows, each page lists only the posts of its block that shows() accepts: the
    others keep their places, so hiding a post changes its own page only (an archive
    page left empty is left out, and its neighbours link past it).
    """
    blocks, front = _blocks(posts[::-1], per_page)
    while len(front) < per_page and blocks:
        front = blocks.pop() + front
    keep = shows or (lambda post: True)
    archive = [(name, [post for post in reversed(block) if keep(post)]) for name, block in _named(blocks)]
    archive = [(name, shown) for name, shown in archive if shown]  # oldest first

    def path(name: str | None) -> str:
        return prefix if name is None else f"{prefix}seite/{name}/"

    pages = [Listing(prefix, [post for post in reversed(front) if keep(post)], None, None,
                     path(archive[-1][0]) if archive else None)]
    for index, (name, shown) in enumerate(archive):
        newer = path(archive[index + 1][0]) if index + 1 < len(archive) else path(None)
        pages.append(Listing(path(name), shown, name, newer, path(archive[index - 1][0]) if index else None))
    return pages


def _blocks(oldest_first: Sequence[Post], per_page: int) -> tuple[list[list[Post]], list[Post]]:
    """The posts in runs closed by a cut, oldest first, and the open run after the last cut."""
    least, most = max(per_page // 2, 1), 2 * per_page
    divisor = per_page - least + 1  # a cut every `divisor` posts on average, once a page holds `least`
    blocks: list[list[Post]] = []
    current: list[Post] = []
    for post in oldest_first:
        current.append(post)
        size = len(current)
        # Cut by count only at `most` (rare): it moves the next page's start.
        if size >= most or (size >= least and _cut_hash(post.id) % divisor == 0):
            blocks.append(current)
            current = []
    return blocks, current


@functools.lru_cache(maxsize=None)
def _cut_hash(post_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(post_id.encode("utf-8"), digest_size=8).digest(), "big")


def _named(blocks: list[list[Post]]) -> list[tuple[str, list[Post]]]:
    """Each closed block with its name: the minute of its newest post ('2020-03-24-1405'), '-2' … for more."""
    named: list[tuple[str, list[Post]]] = []
    seen: dict[str, int] = {}
    for block in blocks:
        minute = f"{local(block[-1].published):%Y-%m-%d-%H%M}"
        seen[minute] = seen.get(minute, 0) + 1
        named.append((minute if seen[minute] == 1 else f"{minute}-{seen[minute]}", block))
    return named
