"""What every post a source returns goes through before fetch stores it.

Connectors read each platform in its own way; these rules hold for all of them.  Text
fields lose control and bidi characters, as the wall shows them (so the editors' tools
that print a stored post pass none on), text is cut at MAX_TEXT characters, and a post
dated in the future (it would stay on top of the wall) or before 2000 is left out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from .fields import in_range
from .post import HASHTAG, MAX_TEXT, Post
from .text import clean_text

CLOCK_SKEW = timedelta(days=1)  # how far a platform's clock may run ahead of ours


def admitted(post: Post, now: datetime) -> tuple[Post | None, list[str]]:
    """The post as fetch may store it, or None when its dates make no sense; with warnings."""
    for name, moment in (("published", post.published), ("edited_at", post.edited_at)):
        if moment is not None and not (in_range(moment) and moment <= now + CLOCK_SKEW):
            return None, [f"{post.id}: left out: {name} {moment.isoformat()} is before 2000 or in the future"]
    post = cleaned(post)
    if len(post.text) <= MAX_TEXT:
        return post, []
    return (replace(post, text=post.text[:MAX_TEXT]),
            [f"{post.id}: text cut to {MAX_TEXT:,} of its {len(post.text):,} characters"])


def cleaned(post: Post) -> Post:
    """The post without control or bidi characters in any of its texts."""
    author = replace(post.author, name=clean_text(post.author.name), handle=clean_text(post.author.handle))
    media = tuple(replace(item, alt=clean_text(item.alt)) for item in post.media)
    hashtags = tuple(tag for tag in map(clean_text, post.hashtags) if HASHTAG.fullmatch(tag))
    return replace(post, author=author, text=clean_text(post.text), content_warning=clean_text(post.content_warning),
                   media=media, hashtags=hashtags)
