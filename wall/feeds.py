"""The machine-readable files of the wall: JSON Feed, the search index, sitemap data."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .config import Config
from .dates import german_date, iso
from .platforms import PLATFORMS
from .post import Post
from .text import clean_text, excerpt
from .views import PostView

FEED_SIZE = 50
SEARCH_TEXT = 300  # characters of each post in the search index


def search_index(posts: list[Post], config: Config, older: list[str] | None = None) -> str:
    """One part of the in-browser search's index: these posts with short keys, newest first.

    older: in the newest part only, the file names of the older parts, newest first.
    """
    labels = {category.key: category.label for category in config.categories}
    entries = [{"s": post.slug, "a": clean_text(post.author.name), "p": PLATFORMS[post.platform].label,
                "c": labels.get(post.category, ""), "d": german_date(post.published),
                "t": excerpt(post.text, SEARCH_TEXT), "h": list(post.hashtags),
                **({"l": post.language} if post.language else {})} for post in posts]
    index: dict[str, Any] = {"posts": entries}
    if older is not None:
        index["older"] = older
    return json.dumps(index, ensure_ascii=False, separators=(",", ":")) + "\n"


def last_modified(posts: list[Post]) -> dict[str, str]:
    """Sitemap lastmod of each post page."""
    return {f"beitrag/{post.slug}/": iso(post.edited_at or post.published) for post in posts}


def arrival_or_edit(post: Post) -> datetime:
    """When a post last came to the wall or changed there: the latest of its publication, its
    last edit and its fetch (a post dated back still says when it arrived)."""
    return max(post.published, post.edited_at or post.published, post.fetched_at or post.published)


def json_feed(views: list[PostView], config: Config) -> str:
    """The wall as JSON Feed 1.1."""
    base = config.site.base_url
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": config.site.title,
            "home_page_url": base, "feed_url": base + "feed.json",
            "description": config.site.description, "language": config.site.language,
            "items": [_json_item(view, base) for view in views]}
    return json.dumps(feed, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _json_item(view: PostView, base: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": view.permalink, "url": view.permalink, "title": view.title,
        "content_text": view.text, "date_published": view.datetime,
        "authors": [{"name": view.author_name, **({"url": view.profile_url} if view.profile_url else {})}],
        "tags": [tag for tag in (view.category_label, view.platform_label) if tag] + list(view.post.hashtags),
    }
    if view.original_url:
        item["external_url"] = view.original_url
    if view.post.edited_at:
        item["date_modified"] = view.updated
    images = [media for media in view.media if media.type == "image"]
    if images:
        item["image"] = base + images[0].src
    if view.post.language:
        item["language"] = view.post.language
    return item
