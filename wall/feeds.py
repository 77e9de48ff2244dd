"""The machine-readable files of the wall: JSON Feed, the search index, sitemap data."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from .config import Config
from .dates import german_date, iso
from .platforms import PLATFORMS
from .post import Post
from .text import clean_text, excerpt
from .views import PostView

FEED_SIZE = 50
SEARCH_TEXT = 300  # characters of each post the search shows (and searches)
LATER_WORDS = 1_000  # at most this many characters of the words that come after them
SEARCH_WORD = re.compile(r"[^\W_]{3,}")  # words and numbers (a postcode, a year) of three or more
INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")  # as suche.js's fold drops them


def search_index(posts: list[Post], config: Config, older: list[str] | None = None) -> str:
    """One part of the in-browser search's index: these posts with short keys, newest first.

    older: in the newest part only, the file names of the older parts, newest first.
    """
    labels = {category.key: category.label for category in config.categories}
    index: dict[str, Any] = {"posts": [_search_entry(post, labels) for post in posts]}
    if older is not None:
        index["older"] = older
    return json.dumps(index, ensure_ascii=False, separators=(",", ":")) + "\n"


def _search_entry(post: Post, labels: dict[str, str]) -> dict[str, Any]:
    shown = excerpt(post.text, SEARCH_TEXT)
    later = later_words(post.text, shown)
    return {"s": post.slug, "a": clean_text(post.author.name), "p": PLATFORMS[post.platform].label,
            "c": labels.get(post.category, ""), "d": german_date(post.published), "t": shown,
            **({"w": later} if later else {}), "h": list(post.hashtags),
            **({"l": post.language} if post.language else {})}


def later_words(text: str, shown: str) -> str:
    """The words of a text that its excerpt shown lacks, each once: a search finds a word far
    into a long post too, for about a tenth more index (LATER_WORDS caps the longest posts)."""
    # A regular expression, not str.translate: that looks up every character in a dict, ten times slower.
    seen = {word.casefold() for word in SEARCH_WORD.findall(INVISIBLE.sub("", shown))}
    later = []
    for word in SEARCH_WORD.findall(INVISIBLE.sub("", clean_text(text))):  # "Fu\u00adßball" is one word
        folded = word.casefold()
        if folded not in seen:
            seen.add(folded)
            later.append(word)
    joined = " ".join(later)
    if len(joined) <= LATER_WORDS:
        return joined
    return joined[:LATER_WORDS + 1].rsplit(" ", 1)[0]  # whole words only


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
