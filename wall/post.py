"""The post: one data type from fetch to render, and its file schema."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from typing import Any

from .fields import Fields
from .platforms import PLATFORMS
from .urls import safe_name
from .yamlfile import Problem

STATUSES = ("approved", "pending", "rejected")
# What editors write for a status in German (docs/redaktion.md names the English words).
STATUS_MEANINGS = {"abgelehnt": "rejected", "ablehnen": "rejected", "freigegeben": "approved",
                   "freigeben": "approved", "genehmigt": "approved", "wartet": "pending", "offen": "pending",
                   "zurückgestellt": "pending"}
# Keys of a post file's own mappings, and German names for its keys, found where they do not belong.
_UNDER_MEDIA = "gehört zu einem Bild: unter media: mit derselben Einrückung wie path: darüber"
_UNDER_AUTHOR = "gehört eingerückt unter author:"
PLACE_HINTS = {"alt": _UNDER_MEDIA, "path": _UNDER_MEDIA, "type": _UNDER_MEDIA, "width": _UNDER_MEDIA,
               "height": _UNDER_MEDIA, "source_url": _UNDER_MEDIA, "name": _UNDER_AUTHOR, "handle": _UNDER_AUTHOR,
               "avatar": _UNDER_AUTHOR, "kategorie": "gemeint ist wohl category", "notiz": "gemeint ist wohl note",
               "anmerkung": "gemeint ist wohl note", "bemerkung": "gemeint ist wohl note"}
MEDIA_TYPES = ("image", "video")
MEDIA_PATH = re.compile(r"media/(?:[a-z0-9_-]+/)*[a-z0-9_-][a-z0-9._-]*\.(?:webp|jpe?g|png|gif|mp4|webm)")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
HASHTAG = re.compile(r"[^\s#]{1,100}")
ID_PATTERN = re.compile(r"([a-z]+):([^\s\x00-\x1f\x7f]{1,200})")
# Characters of a post's text that fetch keeps: more than any platform but Facebook (63,206) allows.
MAX_TEXT = 20_000


@dataclass(frozen=True, kw_only=True)
class Author:
    """Who wrote a post."""

    name: str  # display name, untrusted
    handle: str = ""  # platform handle without a leading '@'
    url: str = ""  # profile page, http(s)
    avatar: str = ""  # local media path relative to content/


@dataclass(frozen=True, kw_only=True)
class Media:
    """An image or video attached to a post, stored under content/media/."""

    path: str  # relative to content/, e.g. media/ab/abcd1234.webp
    type: str = "image"  # 'image' or 'video'
    alt: str = ""  # the author's description; may be empty
    width: int | None = None  # pixels
    height: int | None = None  # pixels
    source_url: str = ""  # where it was downloaded from


@dataclass(frozen=True, kw_only=True)
class Post:
    """One post, as stored in content/posts/<platform>/<name>.yaml."""

    id: str  # '<platform>:<native id>', unique over all posts
    platform: str  # a key of PLATFORMS
    url: str  # permalink of the original post
    author: Author  # who wrote it
    published: datetime  # when, with UTC offset
    text: str  # plain text, line breaks kept
    status: str  # approved, pending or rejected
    media: tuple[Media, ...] = ()  # attached images and videos
    category: str = ""  # a key of config categories, '' for none
    pinned: bool = False  # shown first on the wall
    content_warning: str = ""  # text and media stay collapsed behind it
    language: str = ""  # BCP 47 tag
    hashtags: tuple[str, ...] = ()  # tags without '#'
    source: str = ""  # name of the config source that fetched it
    fetched_at: datetime | None = None  # when a connector last read it
    edited_at: datetime | None = None  # when the author last edited it
    note: str = ""  # an editor's note
    file: str = field(default="", compare=False, repr=False)  # the file it was read from, for messages

    @property
    def native_id(self) -> str:
        """The platform's own id: everything after '<platform>:'."""
        return self.id.split(":", 1)[1]

    @cached_property
    def slug(self) -> str:
        """The safe name of this post in files and URLs."""
        return post_slug(self.id)

    @cached_property
    def digest(self) -> str:
        """A fingerprint of every field, for the keys of the pages that show the post.

        Kept with the post in the build cache, so a rebuild does not compute it again.
        """
        return hashlib.sha1(repr(self).encode()).hexdigest()


def safe_native_id(native: str) -> str:
    """A native id as a name of only a-z 0-9 . _ -, distinct for distinct ids.

    Where the id had to change (upper case, ':' or '/'), a short hash of the
    original is appended, so 'B9xA' and 'b9xa' (Instagram codes differ only in
    case) never share a file.
    """
    name = safe_name(native)
    if name == native:
        return name
    digest = hashlib.sha256(native.encode("utf-8")).hexdigest()[:8]
    return f"{name[:140]}-{digest}"


def post_slug(post_id: str) -> str:
    """The URL name of a post: '<platform>-<safe native id>'."""
    platform, _, native = post_id.partition(":")
    return f"{safe_name(platform)}-{safe_native_id(native)}"


def post_filename(post_id: str) -> str:
    """Where a post lives below content/: posts/<platform>/<safe native id>.yaml."""
    platform, _, native = post_id.partition(":")
    return f"posts/{safe_name(platform)}/{safe_native_id(native)}.yaml"


def post_from_fields(fields: Fields, categories: Any) -> Post | None:
    """Validate one post mapping; None (with problems recorded) when it is unusable."""
    before = len([p for p in fields.problems if p.severity == "error"])
    post_id = fields.text("id", required=True, pattern=ID_PATTERN,
                          hint="'<plattform>:<id auf der plattform>' ohne Leerzeichen")
    platform = fields.choice("platform", PLATFORMS, required=True)
    if post_id and platform and post_id.split(":", 1)[0] != platform:
        fields.error("id", f"muss mit '{platform}:' beginnen, passend zu platform")
    values = dict(
        url=fields.url("url", required=True),
        author=_author(fields),
        published=fields.timestamp("published", required=True),
        text=_text(fields),
        status=fields.choice("status", STATUSES, required=True, meanings=STATUS_MEANINGS),
        media=tuple(_media(item) for item in fields.each("media")),
        category=fields.choice("category", categories) or "",
        pinned=bool(fields.boolean("pinned")),
        content_warning=fields.text("content_warning") or "",
        language=fields.text("language", pattern=LANGUAGE_TAG, hint="ein Sprachkürzel wie 'de'") or "",
        hashtags=fields.texts("hashtags", HASHTAG, "ein Schlagwort ohne '#' und ohne Leerzeichen"),
        source=fields.text("source") or "",
        fetched_at=fields.timestamp("fetched_at"),
        edited_at=fields.timestamp("edited_at"),
        note=fields.text("note") or "",
    )
    fields.finish(PLACE_HINTS)
    if len([p for p in fields.problems if p.severity == "error"]) > before:
        return None
    return Post(id=post_id, platform=platform, file=fields.path, **values)


def _text(fields: Fields) -> str | None:
    text = fields.typed("text", str, "Text", required=True)
    if text is not None and len(text) > MAX_TEXT:
        fields.error("text", f"{_thousands(len(text))} Zeichen; abgerufene Beiträge werden bei {_thousands(MAX_TEXT)} "
                             "gekürzt", severity="warning")
    return text


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")  # 20.000, as German writes it


def _author(fields: Fields) -> Author | None:
    author = fields.sub("author", required=True)
    if author is None:
        return None
    result = Author(name=author.text("name", required=True, nonempty=True) or "",
                    handle=(author.text("handle") or "").lstrip("@"),
                    url=author.url("url") or "",
                    avatar=author.text("avatar", pattern=MEDIA_PATH, hint=MEDIA_HINT) or "")
    author.finish()
    return result


MEDIA_HINT = "ein Pfad unter content/ wie 'media/ab/abcd1234.webp'"


def _media(item: Fields) -> Media:
    result = Media(path=item.text("path", required=True, pattern=MEDIA_PATH, hint=MEDIA_HINT) or "",
                   type=item.choice("type", MEDIA_TYPES) or "image",
                   alt=item.text("alt") or "",
                   width=item.integer("width", 1, 20000),
                   height=item.integer("height", 1, 20000),
                   source_url=item.url("source_url") or "")
    item.finish()
    return result


def post_to_dict(post: Post) -> dict[str, Any]:
    """The post file's mapping, in a fixed key order, empty optional fields left out."""
    data: dict[str, Any] = {
        "id": post.id, "platform": post.platform, "url": post.url,
        "author": _drop_empty({"name": post.author.name, "handle": post.author.handle,
                               "url": post.author.url, "avatar": post.author.avatar}),
        "published": post.published.isoformat(),
        "status": post.status, "category": post.category, "pinned": post.pinned or None,
        "language": post.language, "content_warning": post.content_warning,
        "text": post.text,
        "media": [_drop_empty({"path": m.path, "type": m.type, "alt": m.alt, "width": m.width,
                               "height": m.height, "source_url": m.source_url})
                  for m in post.media],
        "hashtags": list(post.hashtags), "source": post.source,
        "fetched_at": post.fetched_at.isoformat() if post.fetched_at else None,
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "note": post.note,
    }
    return _drop_empty(data, keep=("text",))


def _drop_empty(mapping: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    return {key: value for key, value in mapping.items()
            if key in keep or value not in (None, "", [], ())}


def problems_are_fatal(problems: list[Problem]) -> bool:
    """True when any problem is an error, not only warnings."""
    return any(problem.severity == "error" for problem in problems)
