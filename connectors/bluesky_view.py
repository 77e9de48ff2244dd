"""Bluesky post views (app.bsky.feed.defs#postView) as Posts: text, facets, labels, embeds.

Pure functions, no I/O.  Every value is untrusted JSON: a field of the wrong type
counts as absent.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from wall.fields import parse_timestamp
from wall.post import HASHTAG, ID_PATTERN, LANGUAGE_TAG, Author, Media, Post
from wall.urls import is_web_url

from .html_text import same_link

POST_URI = re.compile(r"at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]{1,512})")
DROPPED_LABELS = {"!takedown", "!hide", "!no-unauthenticated"}  # the last: not for logged-out readers
WARNING_LABELS = {"porn": "nicht jugendfrei", "sexual": "sexuell anzüglich", "nudity": "Nacktheit",
                  "graphic-media": "drastische Darstellung", "gore": "drastische Darstellung", "!warn": ""}
TAG_FACET, LINK_FACET = "app.bsky.richtext.facet#tag", "app.bsky.richtext.facet#link"


def _dict(data: Any, key: str) -> dict:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _list(data: Any, key: str) -> list:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _str(data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def post_view(item: Any) -> dict:
    """The post view of a search hit; a feed item (a repost) wraps the original post."""
    return _dict(item, "post") or (item if isinstance(item, dict) else {})


def sort_at(view: dict) -> datetime | None:
    """min(createdAt, indexedAt): createdAt is what the author's app claims, and may be in the future."""
    times = [parse_timestamp(_str(_dict(view, "record"), "createdAt")), parse_timestamp(_str(view, "indexedAt"))]
    return min((time for time in times if time), default=None)


def fold(tag: str) -> str:
    """A hashtag for comparing: NFC and case-folded (#FürEinander = #füreinander)."""
    return unicodedata.normalize("NFC", tag).casefold()


def carries(view: dict, tag: str) -> bool:
    """True when the post has the tag as a facet, in its `tags`, or at least as '#tag' in its text."""
    record = _dict(view, "record")
    return fold(tag) in {fold(t) for t in hashtags_of(record)} or fold(f"#{tag}") in fold(_str(record, "text"))


def is_original_post(view: dict) -> bool:
    """False for anything search should not give: reposts, likes, records of other types."""
    return _str(_dict(view, "record"), "$type") in ("", "app.bsky.feed.post")


def is_reply(view: dict) -> bool:
    """True for a reply to another post."""
    return bool(_dict(_dict(view, "record"), "reply"))


def at_uri(post_id: str) -> str:
    """The at:// uri of a post id 'bluesky:<rkey>@<did>', '' for any other id."""
    rkey, at, did = post_id.partition(":")[2].partition("@")
    return f"at://{did}/app.bsky.feed.post/{rkey}" if at and did.startswith("did:") else ""


def labels_of(view: dict) -> set[str]:
    """The labels on a post and on its author: self-labels and those of moderation services."""
    self_labels = _list(_dict(_dict(view, "record"), "labels"), "values")
    labels = [*_list(view, "labels"), *self_labels, *_list(_dict(view, "author"), "labels")]
    labels = [label for label in labels if _str(label, "val")]
    negated = {label["val"] for label in labels if label.get("neg")}
    return {label["val"] for label in labels if not label.get("neg")} - negated


def is_dropped(view: dict) -> bool:
    """True for posts taken down, hidden, or whose author asked not to be shown to logged-out readers."""
    return bool(labels_of(view) & DROPPED_LABELS)


def content_warning(labels: set[str]) -> str:
    """German content warning for the sensitive labels, '' when there are none."""
    details = sorted({WARNING_LABELS[label] for label in labels if label in WARNING_LABELS} - {""})
    if not details and "!warn" not in labels:
        return ""
    return "Als sensibel markiert" + (f": {', '.join(details)}" if details else "")


def _features(record: dict, kind: str) -> list[tuple[dict, dict]]:
    """(index, feature) of every facet feature of one $type."""
    return [(_dict(facet, "index"), feature) for facet in _list(record, "facets")
            for feature in _list(facet, "features") if _str(feature, "$type") == kind]


def hashtags_of(record: dict) -> tuple[str, ...]:
    """Tags of the tag facets, then the record's `tags` (not shown in the text); once each."""
    tags = [_str(feature, "tag") for _, feature in _features(record, TAG_FACET)] + _list(record, "tags")
    found: dict[str, str] = {}
    for tag in tags:
        tag = tag.lstrip("#") if isinstance(tag, str) else ""
        if HASHTAG.fullmatch(tag):
            found.setdefault(fold(tag), tag)
    return tuple(found.values())


def text_with_links(record: dict) -> str:
    """The record's text with each link facet's shortened display text replaced by its full uri.

    Facet offsets count UTF-8 bytes, not characters: slice the encoded text.  A span
    that is out of range, not on character boundaries or overlapping another is left as it is.
    """
    data = _str(record, "text").encode("utf-8")
    spans = sorted((index.get("byteStart"), index.get("byteEnd"), _str(feature, "uri"))
                   for index, feature in _features(record, LINK_FACET)
                   if isinstance(index.get("byteStart"), int) and isinstance(index.get("byteEnd"), int))
    parts: list[str] = []
    position = 0
    for start, end, uri in spans:
        if not (position <= start < end <= len(data)) or not is_web_url(uri):
            continue
        try:
            before, shown = data[position:start].decode("utf-8"), data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
        parts += [before, uri if same_link(shown, uri) else f"{shown} ({uri})"]
        position = end
    parts.append(data[position:].decode("utf-8"))
    return "".join(parts).replace("\r\n", "\n").strip()


def view_to_post(view: dict) -> Post | None:
    """A post view (from searchPosts or getPosts) as a Post; None when it lacks what a post needs."""
    match = POST_URI.fullmatch(_str(view, "uri"))
    published = sort_at(view)
    if not match or published is None or not ID_PATTERN.fullmatch(f"bluesky:{match[2]}@{match[1]}"):
        return None
    did, rkey = match.groups()
    record, author, embed = _dict(view, "record"), _dict(view, "author"), _dict(view, "embed")
    who = _handle(author) or did
    language = next((lang for lang in _list(record, "langs")[:1]
                     if isinstance(lang, str) and LANGUAGE_TAG.fullmatch(lang)), "")
    return Post(
        id=f"bluesky:{rkey}@{did}", platform="bluesky", url=permalink(who, rkey),
        author=Author(name=" ".join(_str(author, "displayName").split()) or who, handle=who,
                      url=profile_url(who), avatar=_str(author, "avatar") if is_web_url(author.get("avatar")) else ""),
        published=published.astimezone(timezone.utc),
        text=_with_embed_links(text_with_links(record), embed), status="pending",
        content_warning=content_warning(labels_of(view)), language=language,
        hashtags=hashtags_of(record), media=tuple(embed_media(embed)),
    )


def _handle(author: dict) -> str:
    handle = _str(author, "handle")
    return handle if handle != "handle.invalid" else ""  # a handle that failed verification


def profile_url(who: str) -> str:
    """The profile page of a handle (or DID)."""
    return f"https://bsky.app/profile/{quote(who, safe='.:')}"


def permalink(who: str, rkey: str) -> str:
    """The page of one post."""
    return f"{profile_url(who)}/post/{quote(rkey, safe='')}"


def _with_embed_links(text: str, embed: dict) -> str:
    """The text plus the link card's target and the quoted post's address, where not in it yet.

    The quoted post itself never becomes a Post here: if it carries the tag, search
    finds it on its own, and the uri check keeps it to one copy.
    """
    kind = _str(embed, "$type")
    quoted = _dict(embed, "record")
    if kind == "app.bsky.embed.recordWithMedia#view":
        quoted = _dict(quoted, "record")
    card_uri = _str(_dict(embed, "external"), "uri") if kind == "app.bsky.embed.external#view" else ""
    lines = [text]
    if is_web_url(card_uri) and card_uri not in text:
        lines.append(card_uri)
    match = POST_URI.fullmatch(_str(quoted, "uri"))
    if _str(quoted, "$type") == "app.bsky.embed.record#viewRecord" and match:
        who = _handle(_dict(quoted, "author")) or match[1]
        lines.append(f"Zitierter Beitrag: {permalink(who, match[2])}")
    return "\n\n".join(line for line in lines if line)


def embed_media(embed: dict) -> list[Media]:
    """Images of the post's own embed (not of a quoted post); a video as its thumbnail."""
    kind = _str(embed, "$type")
    if kind == "app.bsky.embed.recordWithMedia#view":
        return embed_media(_dict(embed, "media"))
    if kind in ("app.bsky.embed.images#view", "app.bsky.embed.gallery#view"):
        items = _list(embed, "images") or _list(embed, "items")
        return [Media(path="", type="image", alt=_str(item, "alt").strip(), source_url=item["fullsize"])
                for item in items if is_web_url(_str(item, "fullsize"))]
    if kind == "app.bsky.embed.video#view" and is_web_url(_str(embed, "thumbnail")):
        alt = _str(embed, "alt").strip()
        return [Media(path="", type="image", alt=f"Vorschaubild eines Videos{': ' + alt if alt else ''}",
                      source_url=embed["thumbnail"])]
    return []
