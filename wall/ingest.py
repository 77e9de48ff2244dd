"""What every post a source returns goes through before fetch stores it.

Connectors read each platform in its own way; these rules hold for all of them.  Text
fields lose control and bidi characters, as the wall shows them (so the editors' tools
that print a stored post pass none on), text is cut at MAX_TEXT characters and the images
at MAX_MEDIA, and a post dated in the future (it would stay on top of the wall) or before
2000 is left out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from .fields import in_range
from .post import HASHTAG, MAX_TEXT, Post
from .text import clean_text

CLOCK_SKEW = timedelta(days=1)  # how far a platform's clock may run ahead of ours
# Platforms allow 4 (X, Bluesky, Mastodon) to 20 (Instagram, LinkedIn) images a post, a Facebook
# album hundreds: each is a download, and a card shows a few.
MAX_MEDIA = 10


def admitted(post: Post, now: datetime) -> tuple[Post | None, list[str]]:
    """The post as fetch may store it, or None when its dates make no sense; with warnings."""
    for name, moment in (("published", post.published), ("edited_at", post.edited_at)):
        if moment is not None and not (in_range(moment) and moment <= now + CLOCK_SKEW):
            return None, [f"{post.id}: left out: {name} {moment.isoformat()} is before 2000 or in the future"]
    post, warnings = cleaned(post), []
    if len(post.text) > MAX_TEXT:
        warnings.append(f"{post.id}: text cut to {MAX_TEXT:,} of its {len(post.text):,} characters")
        post = replace(post, text=post.text[:MAX_TEXT])
    if len(post.media) > MAX_MEDIA:
        warnings.append(f"{post.id}: the first {MAX_MEDIA} of its {len(post.media)} images kept")
        post = replace(post, media=post.media[:MAX_MEDIA])
    return post, warnings


def cleaned(post: Post) -> Post:
    """The post without control or bidi characters in any of its texts."""
    author = replace(post.author, name=clean_text(post.author.name), handle=clean_text(post.author.handle))
    media = tuple(replace(item, alt=clean_text(item.alt)) for item in post.media)
    hashtags = tuple(tag for tag in map(clean_text, post.hashtags) if HASHTAG.fullmatch(tag))
    return replace(post, author=author, text=clean_text(post.text), content_warning=clean_text(post.content_warning),
                   media=media, hashtags=hashtags)
