"""Which posts the public sees, and which of their images: a pure function of the posts and the rules."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from functools import lru_cache
from typing import Iterable

from .config import Moderation
from .post import Post
from .text import find_urls
from .urls import host_matches, host_of

log = logging.getLogger(__name__)


def normalise_author(value: str) -> str:
    """One spelling for a handle or profile URL: lower-case, no '@', scheme or trailing '/'."""
    value = value.strip().lower()
    value = re.sub(r"^https?://(www\.)?", "", value).rstrip("/")
    return value.lstrip("@")


def author_keys(post: Post) -> set[str]:
    """The spellings under which rules may name this post's author."""
    keys = {normalise_author(post.author.handle), normalise_author(post.author.url)}
    return keys - {""}


def author_listed(post: Post, authors: Iterable[str]) -> bool:
    """True when one of the listed handles or profile URLs is this post's author."""
    return bool(author_keys(post) & {normalise_author(author) for author in authors})


@lru_cache(maxsize=256)
def keyword_pattern(keyword: str) -> re.Pattern:
    # Whole words only: denying "essen" must not hide every "Essener".
    return re.compile(r"(?<!\w)" + re.escape(keyword.strip().casefold()) + r"(?!\w)")


def deny_reason(post: Post, rules: Moderation) -> str | None:
    """Why a deny rule hides this post, or None when none does."""
    if post.id in rules.deny_ids:
        return f"id {post.id} is on the deny list"
    if rules.deny_authors and author_listed(post, rules.deny_authors):
        return f"author {post.author.handle or post.author.url} is on the deny list"
    if rules.deny_keywords:  # folding the text costs a pass over it
        text = f"{post.text}\n{post.content_warning}".casefold()
        for keyword in rules.deny_keywords:
            if keyword_pattern(keyword).search(text):
                return f"keyword '{keyword}' is on the deny list"
    if rules.deny_domains:  # finding the links costs a regex pass over the text
        hosts = {host_of(url) for url in (post.url, *find_urls(post.text))}
        for domain in rules.deny_domains:
            if any(host_matches(host, domain) for host in hosts):
                return f"domain {domain} is on the deny list"
    return None


def is_shown(post: Post, rules: Moderation) -> bool:
    """A post is public if and only if it is approved and no deny rule matches."""
    if post.status != "approved":
        log.debug("%s hidden: status is %s", post.id, post.status)
        return False
    reason = deny_reason(post, rules)
    if reason:
        log.debug("%s hidden: %s", post.id, reason)
    return reason is None


def moderate(posts: Iterable[Post], rules: Moderation) -> list[Post]:
    """The posts the public sees, in the order given."""
    return [post for post in posts if is_shown(post, rules)]


def without_withdrawn_pictures(posts: Iterable[Post], rules: Moderation) -> list[Post]:
    """The posts without the images and avatars on moderation.deny.images, and without the
    avatars of the authors on moderation.deny.avatars."""
    images = frozenset(rules.deny_images)
    faceless = avatar_refusals(rules)
    if not images and not faceless:
        return list(posts)
    return [_without_pictures(post, images, faceless) for post in posts]


def avatar_refusals(rules: Moderation) -> frozenset[str]:
    """The authors (as author_keys spells them) whose avatar is never shown nor stored."""
    return frozenset(normalise_author(author) for author in rules.deny_avatars) - {""}


def _without_pictures(post: Post, images: frozenset[str], faceless: frozenset[str]) -> Post:
    media = tuple(item for item in post.media if item.path not in images)
    avatar = post.author.avatar
    if avatar in images or (avatar and author_keys(post) & faceless):
        avatar = ""
    if avatar == post.author.avatar and len(media) == len(post.media):
        return post
    return replace(post, media=media, author=replace(post.author, avatar=avatar))
