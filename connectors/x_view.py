"""X API v2 tweets as Posts: the latest version of an edit, t.co links resolved, media, retweets.

Pure functions, no I/O.  Every value is untrusted JSON: a field of the wrong type
counts as absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from wall.fields import parse_timestamp
from wall.post import LANGUAGE_TAG, Author, Media, Post
from wall.urls import is_web_url

SENSITIVE = "Als sensibel markiert"
NATIVE_ID = re.compile(r"[0-9]{1,20}")
USERNAME = re.compile(r"[A-Za-z0-9_]{1,50}")
OWN_MEDIA_LINK = re.compile(r"/status/([0-9]+)/(?:photo|video)/[0-9]+/?$")
X_ESCAPE = re.compile(r"&(amp|lt|gt|quot|#39);")
X_ESCAPES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#39": "'"}
HASHTAG = re.compile(r"(?<![\w#&/])#(\w+)")
NO_LANGUAGE = re.compile(r"und|zxx|art|q[a-z]{2}")  # X's codes for undetermined or no language
SNOWFLAKE_EPOCH_MS = 1288834974657


@dataclass
class Includes:
    """The expansions of one search page by id; any of them may be missing."""

    users: dict[str, dict] = field(default_factory=dict)
    media: dict[str, dict] = field(default_factory=dict)
    tweets: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def of(cls, page: dict) -> "Includes":
        includes = _dict(page, "includes")
        tweets = includes.get("tweets") or includes.get("posts")  # the 2026 OpenAPI renames tweets to posts
        return cls(_by(includes.get("users"), "id"), _by(includes.get("media"), "media_key"), _by(tweets, "id"))


def tweet_to_post(tweet: dict, includes: Includes) -> Post | None:
    """A v2 tweet (its latest version) as a Post under its original id; None when unusable."""
    history = version_ids(tweet)
    created = parse_timestamp(str(tweet.get("created_at") or ""))
    user = includes.users.get(id_text(tweet.get("author_id")) or "") or {}
    username = str(user.get("username") or "")
    if not NATIVE_ID.fullmatch(history[-1]) or created is None or not USERNAME.fullmatch(username):
        return None
    created = created.astimezone(timezone.utc).replace(microsecond=0)
    edited = len(history) > 1
    text, hashtags = tweet_text(tweet)
    return Post(
        id=f"x:{history[0]}", platform="x", url=f"https://x.com/{username}/status/{history[-1]}",
        author=Author(name=str(user.get("name") or "").strip() or username, handle=username,
                      url=f"https://x.com/{username}", avatar=str(user.get("profile_image_url") or "")),
        published=(_snowflake_time(history[0]) or created) if edited else created,
        text=text, status="pending", hashtags=hashtags, edited_at=created if edited else None,
        content_warning=SENSITIVE if tweet.get("possibly_sensitive") is True else "",
        language=_language(tweet.get("lang")),
        media=tuple(filter(None, (_media(includes.media.get(str(key)))
                                  for key in _dict(tweet, "attachments").get("media_keys") or []))),
    )


def tweet_text(tweet: dict) -> tuple[str, tuple[str, ...]]:
    """Plain text (the full note text of a long post) and its hashtags."""
    note = _dict(tweet, "note_tweet")
    source = note if note.get("text") else tweet
    entities = _dict(source, "entities")
    text = linked_text(str(source.get("text") or ""), entities.get("urls") or [], set(version_ids(tweet)))
    tags = [str(tag["tag"]) for tag in entities.get("hashtags") or []
            if isinstance(tag, dict) and tag.get("tag")]
    return text, tuple(dict.fromkeys(tags or HASHTAG.findall(text)))


def linked_text(text: str, urls: list, own_ids: set[str]) -> str:
    """The text unescaped once, each t.co link replaced by its target; links to own media dropped.

    Entity ranges count code points.  Whether they count in the escaped or the
    unescaped text is not documented, so the ranges are used where they hold the
    t.co URL, and only if neither fits is each entity located by its URL.
    """
    entities = sorted((u for u in urls if isinstance(u, dict) and isinstance(u.get("start"), int)
                       and isinstance(u.get("end"), int) and u.get("url")), key=lambda u: u["start"])
    unescaped = _unescape(text)
    base, escaped, spans = text, True, _spans(text, entities, exact=True)
    if spans is None:
        base, escaped, spans = unescaped, False, _spans(unescaped, entities, exact=True)
    if spans is None:
        base, escaped, spans = text, True, _spans(text, entities, exact=False) or []
    parts, position = [], 0
    for start, end, entity in spans:
        parts.append(_unescape(base[position:start]) if escaped else base[position:start])
        parts.append("" if _own_media(entity, own_ids) else _target(entity))
        position = end
    parts.append(_unescape(base[position:]) if escaped else base[position:])
    lines = "".join(parts).replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _spans(text: str, entities: list[dict], exact: bool) -> list[tuple[int, int, dict]] | None:
    """(start, end, entity) of each t.co URL; with exact, None unless every range holds its URL."""
    spans, position = [], 0
    for entity in entities:
        url = str(entity["url"])
        start = entity["start"] if exact else text.find(url, position)
        end = entity["end"] if exact else start + len(url)
        if start < position or text[start:end] != url:
            if exact:
                return None
            continue
        spans.append((start, end, entity))
        position = end
    return spans


def _own_media(entity: dict, own_ids: set[str]) -> bool:
    match = OWN_MEDIA_LINK.search(str(entity.get("expanded_url") or ""))
    return bool(entity.get("media_key")) or bool(match and match.group(1) in own_ids)


def _target(entity: dict) -> str:
    """The full link target, never the t.co redirect; '' when X gives none."""
    for key in ("expanded_url", "unwound_url"):
        if is_web_url(entity.get(key)) and not str(entity[key]).startswith("https://t.co/"):
            return str(entity[key])
    return ""


def _unescape(text: str) -> str:
    # X escapes only &, < and >; a full HTML unescape would also turn a typed '&copy' into '©'.
    return X_ESCAPE.sub(lambda match: X_ESCAPES[match.group(1)], text)


def _media(item: dict | None) -> Media | None:
    item = item or {}
    kind = item.get("type")
    source = item.get("url" if kind == "photo" else "preview_image_url")
    if kind not in ("photo", "video", "animated_gif") or not is_web_url(source):
        return None
    alt = str(item.get("alt_text") or "").strip()
    if kind != "photo":
        alt = f"Vorschaubild eines Videos{': ' + alt if alt else ''}"
    return Media(path="", type="image", alt=alt, source_url=source)


def unwrapped(tweet: dict, includes: Includes) -> dict | None:
    """The tweet, or the original of a retweet (None when the page did not include it)."""
    for reference in references(tweet):
        if reference.get("type") == "retweeted":
            return includes.tweets.get(id_text(reference.get("id")) or "")
    return tweet


def is_left_out(tweet: dict, skip_replies: bool) -> bool:
    """A reply when replies are skipped, or withheld in Germany (where the wall is published)."""
    withheld = _dict(tweet, "withheld")
    if withheld.get("copyright") is True or "DE" in (withheld.get("country_codes") or []):
        return True
    return skip_replies and (bool(tweet.get("in_reply_to_user_id")) or any(
        reference.get("type") == "replied_to" for reference in references(tweet)))


def references(tweet: dict) -> list[dict]:
    references = tweet.get("referenced_tweets") or tweet.get("referenced_posts") or []
    return [reference for reference in references if isinstance(reference, dict)]


def version_ids(tweet: dict) -> list[str]:
    """Every version's id, oldest first: [0] is the original, [-1] the latest."""
    ids = tweet.get("edit_history_tweet_ids") or tweet.get("edit_history_post_ids") or []
    return [str(i) for i in ids if id_text(i)] or [id_text(tweet.get("id")) or ""]


def _snowflake_time(tweet_id: str) -> datetime | None:
    """When a tweet was created, from its id (X ids start with milliseconds since 2010-11-04)."""
    if not NATIVE_ID.fullmatch(tweet_id):
        return None
    milliseconds = (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    return datetime.fromtimestamp(milliseconds // 1000, timezone.utc)


def _language(value: Any) -> str:
    lang = str(value or "")
    return lang if LANGUAGE_TAG.fullmatch(lang) and not NO_LANGUAGE.fullmatch(lang) else ""


def _by(items: Any, key: str) -> dict[str, dict]:
    return {str(item[key]): item for item in items or [] if isinstance(item, dict) and item.get(key)}


def _dict(mapping: dict, key: str) -> dict:
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def id_text(value: Any) -> str | None:
    """An id or token as text (ids must never become numbers); None when absent."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value) or None
