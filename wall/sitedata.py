"""What the site is made from and how its posts group, pure: render.py plans every file from it.

A build's input (SiteInput), the site's fixed addresses, and the groups its pages
list: the platforms and categories (Section), the archive's months (Month), and the
parts of the search index and the sitemap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from .config import Config
from .dates import MONTHS, local
from .pages import Page
from .pagination import Listing, paginate
from .platforms import PLATFORMS
from .post import Post

RESERVED_PATHS = {"seite", "beitrag", "plattform", "kategorie", "static", "media", "feed",
                  "wall", "suche", "archiv", "404"}
ARCHIVE = "archiv/"  # every month of the wall's history
SCREEN = "wall/"  # the screen mode, for a screen at an event: not for search engines
SCREEN_POSTS = 20  # newest posts in the screen mode
# Posts per part of the search index and of the sitemap, on average (a search part: about
# 350 kB, 100 kB compressed; a sitemap part: about 150 kB, far from the 50,000 addresses and
# 50 MB a sitemap may hold).
INDEX_PART = 1_000


@dataclass(frozen=True)
class Section:
    """A filtered listing: a platform or a category."""

    key: str
    label: str
    path: str  # e.g. 'kategorie/angebot/'
    count: int


@dataclass(frozen=True)
class SiteInput:
    """Everything a build renders from, gathered before anything is rendered."""

    config: Config
    posts: tuple[Post, ...]  # the shown posts, in any order; each is among the placed ones below
    # The posts that hold a place on the archive pages, in any order: the approved ones (shown
    # or hidden by a rule) and the rejected ones.  Pages are cut from these, so hiding or
    # rejecting a post empties its place and moves no other post to another page.  Nothing of
    # a post that is not shown is ever shown.
    placed: tuple[Post, ...]
    pages: tuple[Page, ...]
    updated: datetime | None  # 'Stand': the last fetch, else the newest post
    demo: bool  # the posts are the shipped demo set
    css_path: str  # the stylesheet below the site root, with a cache-busting version


@dataclass(frozen=True)
class Month:
    """A month of the wall's history in the archive (see archive_months)."""

    year: int
    name: str  # 'März'
    count: int  # posts shown from this month
    href: str  # below the site root: its newest post's card on the wall's pages


def site_sections(posts: list[Post], config: Config) -> tuple[list[Section], list[Section]]:
    """The platforms and the categories any of the posts are in, in the order of PLATFORMS and of the config."""
    platforms = _sections(posts, "plattform", {key: platform.label for key, platform in PLATFORMS.items()}, "platform")
    return platforms, _sections(posts, "kategorie", {c.key: c.label for c in config.categories}, "category")


def placed_by_section(placed: list[Post]) -> dict[str, list[Post]]:
    """The posts placed in each platform's and each category's listing, by the listing's path."""
    in_section: dict[str, list[Post]] = {}
    for post in placed:
        in_section.setdefault(f"plattform/{post.platform}/", []).append(post)
        in_section.setdefault(f"kategorie/{post.category}/", []).append(post)
    return in_section


def _sections(posts: list[Post], kind: str, labels: dict[str, str], attribute: str) -> list[Section]:
    counts: dict[str, int] = {}
    for post in posts:
        key = getattr(post, attribute)
        if key:
            counts[key] = counts.get(key, 0) + 1
    return [Section(key, label, f"{kind}/{key}/", counts[key]) for key, label in labels.items() if counts.get(key)]


def archive_months(posts: list[Post], wall: list[Listing]) -> list[Month]:
    """Every month of the shown posts (newest first), each leading to its newest post's card on the wall's pages."""
    page_of = {post.id: listing.path for listing in wall for post in listing.posts}
    months: dict[tuple[int, int], list] = {}  # newest month first: the posts are newest first
    for post in posts:
        day = local(post.published)
        months.setdefault((day.year, day.month), [0, post])[0] += 1
    return [Month(year, MONTHS[month - 1], count, f"{page_of[newest.id]}#titel-{newest.slug}")
            for (year, month), (count, newest) in months.items()]


def index_parts(placed: list[Post], shown_ids: set[str]) -> list[Listing]:
    """The shown posts cut into parts like the archive pages, the newest part first: a post
    changes the part it lands in, and the older parts keep their posts and names."""
    return paginate(placed, INDEX_PART, "", lambda post: post.id in shown_ids)


def search_part_file(part: Listing) -> str:
    """The file of a part of the search index, below suche/."""
    return "index.json" if part.name is None else f"teil-{part.name}.json"


def sitemap_part_file(part: Listing) -> str:
    """The file of a part of the sitemap."""
    return "sitemap-neueste.xml" if part.name is None else f"sitemap-{part.name}.xml"


def sitemap_folders(parts: list[Listing], folders: Iterable[str], dated: Mapping[str, Post]) -> list[list[str]]:
    """The pages (folders) each part of the sitemap lists, in the order of parts.

    dated: the folders that show posts, by the newest post they show; each goes into the part of
    that post, the other folders (but the screen mode) into the newest part.
    """
    part_of = {post.id: number for number, part in enumerate(parts) for post in part.posts}
    listed: list[list[str]] = [[] for _ in parts]
    for path in sorted(folders):
        if path != SCREEN:
            newest = dated.get(path)
            listed[part_of[newest.id] if newest else 0].append(path)
    return listed
