"""Threads media objects as Posts: text, topic tag, images of carousels, video thumbnails.

Pure functions, no I/O.  Every value is untrusted JSON: a field of the wrong type
counts as absent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from wall.fields import parse_timestamp
from wall.post import Author, Media, Post
from wall.urls import is_web_url

HASHTAG = re.compile(r"(?<![\w#&/])#(\w[\w·]*)")
TAG = re.compile(r"[^\s#]{1,100}")
USERNAME = re.compile(r"[A-Za-z0-9._]{1,64}")
VIDEO_ALT = "Vorschaubild eines Videos"
SPOILER = "Als Spoiler markiert"


def thread_to_post(item: dict) -> Post | None:
    """A Threads media object as a Post; None when it lacks what a post needs."""
    native = str(item.get("id") or "")
    published = published_at(item)
    username = str(item.get("username") or "")
    username = username if USERNAME.fullmatch(username) else ""
    url = _permalink(item, username)
    if not native.isdigit() or published is None or not url:
        return None
    text = _text(item)
    return Post(
        id=f"threads:{native}", platform="threads", url=url,
        author=Author(name=username or "Threads", handle=username,
                      url=f"https://www.threads.net/@{username}" if username else ""),
        published=published, text=text, status="pending",
        content_warning=SPOILER if item.get("is_spoiler_media") else "",
        hashtags=_hashtags(text, item.get("topic_tag")), media=_media(item),
    )


def _permalink(item: dict, username: str) -> str:
    permalink = item.get("permalink")
    if is_web_url(permalink) and permalink.startswith("https://"):
        return permalink
    shortcode = str(item.get("shortcode") or "")
    if username and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", shortcode):
        return f"https://www.threads.net/@{username}/post/{shortcode}"
    return ""


def _text(item: dict) -> str:
    text = str(item.get("text") or "").replace("\r\n", "\n").strip()
    link = item.get("link_attachment_url")
    if isinstance(link, str) and link.startswith(("https://", "http://")) and link not in text:
        text = f"{text}\n\n{link}".strip()
    return text


def _hashtags(text: str, topic_tag: Any) -> tuple[str, ...]:
    """The tags in the text, and the post's topic tag, which Threads keeps apart from it."""
    tags = HASHTAG.findall(text)
    if isinstance(topic_tag, str) and TAG.fullmatch(topic_tag):
        tags.append(topic_tag)
    unique: dict[str, str] = {}
    for tag in tags:
        unique.setdefault(fold(tag), tag)
    return tuple(unique.values())


def _media(item: dict) -> tuple[Media, ...]:
    if item.get("media_type") == "CAROUSEL_ALBUM":
        children = (item.get("children") or {}).get("data") or []
        return tuple(filter(None, (_one_media(child) for child in children if isinstance(child, dict))))
    media = _one_media(item)
    return (media,) if media else ()


def _one_media(item: dict) -> Media | None:
    kind = item.get("media_type")
    alt = str(item.get("alt_text") or "").strip()
    if kind == "VIDEO":
        source, alt = item.get("thumbnail_url"), (f"{VIDEO_ALT}: {alt}" if alt else VIDEO_ALT)
    else:
        source = item.get("media_url") if kind == "IMAGE" else None
    if not isinstance(source, str) or not source.startswith(("https://", "http://")):
        return None
    return Media(path="", type="image", alt=alt, source_url=source)


def keep_media_urls(post: Post, stored: Post | None) -> Post:
    """The post with the media URLs it was stored with where only their query changed.

    Meta's CDN URLs carry signatures (oh=, oe=) that change on every read; without this an
    unchanged post would count as changed, and its file be rewritten, on every run.
    """
    if stored is None:
        return post
    by_path = {_without_query(media.source_url): media.source_url for media in stored.media}
    media = tuple(replace(item, source_url=by_path.get(_without_query(item.source_url), item.source_url))
                  for item in post.media)
    return replace(post, media=media)


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]


def published_at(item: dict) -> datetime | None:
    moment = parse_timestamp(str(item.get("timestamp") or ""))
    return moment.astimezone(timezone.utc) if moment else None


def fold(tag: str) -> str:
    return unicodedata.normalize("NFC", tag).casefold()
