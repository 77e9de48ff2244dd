"""Lists of posts cut into pages that stay put: the archive is numbered from the oldest post.

A new post lands on a listing's first page; once that holds two pages' worth,
the oldest of them becomes the next archive page, and no archive page changes
again when posts are added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from .post import Post

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Listing:
    """One page of a paginated list of posts."""

    path: str  # output folder below the site root, '' for the front page
    posts: list  # newest first
    number: int | None  # archive number (1 = oldest), None for the listing's first page
    archive_size: int  # the highest archive number (an archive page left empty is left out)
    newer: str | None  # path of the page with newer posts
    older: str | None  # path of the page with older posts


def sort_newest_first(posts: Iterable[Post]) -> list[Post]:
    """Newest first; posts published at the same moment by id, so order never varies."""
    return sorted(posts, key=lambda post: (EPOCH - post.published, post.id))  # exact, unlike a float timestamp


def paginate(posts: list, per_page: int, prefix: str, shows: Callable[[Any], bool] | None = None) -> list[Listing]:
    """Split a newest-first list so archive pages never change when posts are added.

    Archive page i holds the i-th block of per_page posts counted from the oldest;
    the listing's first page holds everything newer than the last full archive
    page (between per_page and 2 * per_page - 1 posts).  Given shows, each page
    lists only the posts of its block that shows() accepts: the others keep their
    places, so hiding a post changes its own page only (an archive page left
    empty is left out, and its neighbours link past it).
    """
    archive_size = max(len(posts) // per_page - 1, 0)
    oldest_first = posts[::-1]
    keep = shows or (lambda post: True)
    blocks = {number: [post for post in oldest_first[(number - 1) * per_page: number * per_page][::-1] if keep(post)]
              for number in range(1, archive_size + 1)}
    numbers = [number for number, block in blocks.items() if block]  # oldest first
    front = [post for post in oldest_first[archive_size * per_page:][::-1] if keep(post)]

    def path(number: int | None) -> str:
        return prefix if number is None else f"{prefix}seite/{number}/"

    pages = [Listing(prefix, front, None, archive_size, None, path(numbers[-1]) if numbers else None)]
    for index, number in enumerate(numbers):
        newer = path(numbers[index + 1]) if index + 1 < len(numbers) else path(None)
        pages.append(Listing(path(number), blocks[number], number, archive_size, newer,
                             path(numbers[index - 1]) if index else None))
    return pages
