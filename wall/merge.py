"""How a fetched post meets content/: a new one arrives, a stored one takes the platform's changes.

Pure rules.  Nothing a source returns can change what editors decided (status, category,
pin, note), and media already stored are kept with any description they have.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .config import Category, Config
from .moderate import author_listed, keyword_pattern
from .post import Post

EDITOR_FIELDS = ("status", "category", "pinned", "note")
PLATFORM_FIELDS = ("url", "published", "text", "content_warning", "language", "hashtags")


def arrival(fetched: Post, config: Config, new_status: str, now: datetime) -> Post:
    """A post new to content/: new_status (approved when its author is trusted), a category suggested."""
    trusted = author_listed(fetched, config.moderation.allow_authors)
    return replace(fetched, status="approved" if trusted else new_status,
                   category=fetched.category or suggest_category(fetched.text, config.categories),
                   pinned=False, note="", fetched_at=now)


def _media_key(post: Post) -> tuple:
    # CDNs sign image URLs anew on every read (Meta's oe=, LinkedIn): the path is the identity.
    # Descriptions are left out: an editor's alt text is not a change on the platform.
    return tuple(_unsigned(media.source_url) for media in post.media)


def _unsigned(url: str) -> str:
    return url.split("?", 1)[0]


def platform_changed(stored: Post, fetched: Post) -> bool:
    """Whether the platform changed the post since it was stored (its text, author, media ...)."""
    if any(getattr(stored, name) != getattr(fetched, name) for name in PLATFORM_FIELDS):
        return True
    author_now = (fetched.author.name, fetched.author.handle, fetched.author.url)
    author_then = (stored.author.name, stored.author.handle, stored.author.url)
    return author_now != author_then or _media_key(stored) != _media_key(fetched)


def updated(stored: Post, fetched: Post, now: datetime) -> Post:
    """The fetched post with the editors' decisions and already stored media kept."""
    kept_media = {_unsigned(media.source_url): media for media in stored.media if media.source_url}
    # A description an editor wrote (or an earlier fetch stored) stays; an empty one takes the platform's.
    media = tuple(replace(kept, alt=kept.alt or m.alt)
                  if (kept := kept_media.get(_unsigned(m.source_url))) else m for m in fetched.media)
    author = replace(fetched.author, avatar=stored.author.avatar or fetched.author.avatar)
    editors = {name: getattr(stored, name) for name in EDITOR_FIELDS}
    return replace(fetched, **editors, media=media, author=author,
                   edited_at=fetched.edited_at or now, fetched_at=now)


def suggest_category(text: str, categories: tuple[Category, ...]) -> str:
    """The first category one of whose keywords is in the text ('Ich biete' -> angebot)."""
    folded = text.casefold()
    for category in categories:
        if any(keyword_pattern(keyword).search(folded) for keyword in category.keywords if keyword.strip()):
            return category.key
    return ""
