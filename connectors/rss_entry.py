"""Feed entries, as feedparser reads them, as Posts: key, text, dates, author, images.

Pure functions, no I/O.  Every value comes from a feed on the web: untrusted.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence
from urllib.parse import urljoin, urlsplit

from wall.fields import utc_from_epoch
from wall.post import LANGUAGE_TAG, Author, Media, Post
from wall.urls import is_web_url

from .html_text import html_to_text
from .mastodon import SENSITIVE_WARNING

HASHTAG = re.compile(r"(?<![\w#&/])#(\w[\w·]*)")
# What a post id allows after 'rss:', less C1 controls and bidi marks: ids are shown (the mail
# asking for a post's removal names it), and U+202E would show it backwards.
POST_ID = re.compile(r"[^\s\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]{1,200}")
MASTODON_STATUS = re.compile(r"/@([\w.-]+)/\d+/?")
MAX_IMAGES = 4  # a hostile feed must not make us download hundreds of files per entry


@dataclass(frozen=True)
class Feed:
    """What every entry of one feed shares."""

    namespace: str  # the configured feed's host: ids from different sites never meet
    base: str  # the feed's final URL, against which relative links resolve
    mastodon: bool  # a Mastodon feed, which feedparser reads in its own way
    author: Author  # for entries that name no author
    language: str  # the feed's language tag, for entries without their own
    alts: dict[str, str]  # media URL -> media:description


def entry_keys(entries: Sequence[Any]) -> list[str]:
    """Each entry's key: its id (guid), else its link, else a hash of link, title and date.

    Feeds without guids sometimes link every entry to the same page; such a
    shared link cannot tell the entries apart.
    """
    guids = [str(entry.get("id") or "").strip() for entry in entries]
    links = [str(entry.get("link") or "").split("#", 1)[0] for entry in entries]
    shared = Counter(link for guid, link in zip(guids, links) if not guid)
    return [guid or (link if link and shared[link] == 1 else
                     _digest(link, entry.get("title") or "", entry.get("published") or ""))
            for entry, guid, link in zip(entries, guids, links)]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def entry_to_post(entry: Any, key: str, feed: Feed) -> Post | None:
    """One feed entry as a Post; None without an http(s) link or a date in the years 2000 to 2099."""
    link = urljoin(feed.base, entry.get("link") or "") if entry.get("link") else ""
    published, edited = _dates(entry)
    if not is_web_url(link) or published is None:
        return None
    text = entry_text(entry, feed)
    content = (entry.get("content") or [{}])[0]
    language = language_tag(content.get("language") or (entry.get("summary_detail") or {}).get("language"))
    return Post(id=f"rss:{_native_id(feed.namespace, key)}", platform="rss", url=link,
                author=_author(entry, link, feed), published=published, edited_at=edited, text=text,
                status="pending", language=language or feed.language, media=_media(entry, feed),
                content_warning=_content_warning(entry), hashtags=tuple(dict.fromkeys(HASHTAG.findall(text))))


def _native_id(namespace: str, key: str) -> str:
    """'<feed host>:<key>'; a URL key without its scheme (sites move to https) and the feed's own host."""
    parts = urlsplit(key)
    if parts.scheme in ("http", "https") and parts.netloc:
        key = key.split("://", 1)[1]
        if parts.netloc.lower() == namespace:
            key = key[len(parts.netloc):] or "/"
    native = f"{namespace}:{key}"
    return native if POST_ID.fullmatch(native) else f"{namespace}:{_digest(key)}"


def entry_text(entry: Any, feed: Feed) -> str:
    """The title, a blank line and the plain text of the content (or of the summary)."""
    title = entry.get("title") or ""
    if "html" in str((entry.get("title_detail") or {}).get("type", "")):
        title = html_to_text(title)
    return "\n\n".join(part for part in (one_line(title), _body(entry, feed)) if part)


def _body(entry: Any, feed: Feed) -> str:
    # feedparser puts a media:description into `content` (platform notes §1.7): Mastodon's
    # body is its summary, and elsewhere a content equal to an alt text is no body.
    alt_texts = set(feed.alts.values())
    contents = [] if feed.mastodon else [item for item in entry.get("content") or []
                                         if one_line(item.get("value") or "", 2000) not in alt_texts]
    if not contents:
        return html_to_text(entry.get("summary") or "")
    if contents[0].get("type") == "text/plain":
        return (contents[0].get("value") or "").strip()
    return html_to_text(contents[0].get("value") or "")


def _dates(entry: Any) -> tuple[datetime | None, datetime | None]:
    published = _utc(entry.get("published_parsed"))
    # entry.get("updated_parsed") would answer `published_parsed` when it is missing (feedparser #310).
    updated = _utc(dict.get(entry, "updated_parsed"))
    if published is None:
        return updated, None
    return published, updated if updated and updated > published else None


def _utc(moment: Any) -> datetime | None:
    # feedparser's struct_time is already UTC; time.mktime would read it as local time.
    return utc_from_epoch(calendar.timegm(moment)) if moment else None


def _author(entry: Any, link: str, feed: Feed) -> Author:
    status = MASTODON_STATUS.fullmatch(urlsplit(link).path) if feed.mastodon else None
    if status:  # Mastodon's feeds name no author; the status URL does
        origin = urlsplit(link)
        user, host = status.group(1), origin.netloc.lower()
        return Author(name=user, handle=f"{user}@{host}", url=f"{origin.scheme}://{host}/@{user}")
    detail = entry.get("author_detail") or {}
    name = one_line(detail.get("name") or "")  # never entry.author, which may be a bare e-mail address
    if not name:
        return feed.author
    href = detail.get("href") or ""
    return Author(name=name, url=href if is_web_url(href) else "")


def _media(entry: Any, feed: Feed) -> tuple[Media, ...]:
    found = [item.get("url") for item in entry.get("media_content") or [] if _is_image(item)]
    if not found:
        found = [item.get("url") for item in entry.get("media_thumbnail") or []]
    found += [item.get("href") for item in entry.get("enclosures") or []
              if str(item.get("type") or "").startswith("image/")]
    urls = [urljoin(feed.base, url.strip()) for url in found if isinstance(url, str) and url.strip()]
    urls = [url for url in dict.fromkeys(urls) if is_web_url(url)][:MAX_IMAGES]
    return tuple(Media(path="", type="image", alt=feed.alts.get(url, ""), source_url=url) for url in urls)


def _content_warning(entry: Any) -> str:
    """The warning for media rated adult (Media RSS); Mastodon rates a sensitive status's media so."""
    rating = entry.get("media_rating")
    rating = rating if isinstance(rating, dict) else {}
    scheme = str(rating.get("scheme") or "urn:simple").strip().lower()  # urn:simple is the default
    adult = scheme == "urn:simple" and str(rating.get("content") or "").strip().lower() == "adult"
    return SENSITIVE_WARNING if adult else ""


def _is_image(item: dict) -> bool:
    medium, kind = item.get("medium") or "", str(item.get("type") or "")
    return medium == "image" or kind.startswith("image/") or (not medium and not kind)


def language_tag(value: Any) -> str:
    value = str(value or "").strip()
    return value if len(value) <= 35 and LANGUAGE_TAG.fullmatch(value) else ""


def one_line(text: str, limit: int = 200) -> str:
    return " ".join(str(text).split())[:limit]
