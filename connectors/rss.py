"""RSS and Atom feeds (company news, a platform's tag feed) read with feedparser.

Each feed is fetched with a conditional GET; its ETag and Last-Modified go into
the state, so an unchanged feed costs one 304.  RSS cannot say that an entry was
deleted: posts whose entries drop out of a feed stay until an editor rejects them.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import unicodedata
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence
from urllib.parse import urljoin, urlsplit

import feedparser
import requests

from wall.post import LANGUAGE_TAG, Author, Media, Post
from wall.urls import is_web_url

from .base import ConnectorError, FetchResult, SourceContext, SourceSettings, urls_setting
from .html_text import html_to_text
from .http import MAX_BODY

HASHTAG = re.compile(r"(?<![\w#&/])#(\w[\w·]*)")
POST_ID = re.compile(r"[^\s\x00-\x1f\x7f]{1,200}")  # what a post id allows after 'rss:'
MASTODON_STATUS = re.compile(r"/@([\w.-]+)/\d+/?")
MASTODON_TAG_FEED = re.compile(r"/tags/[^/]+\.rss")
MEDIA_RSS = ("{http://search.yahoo.com/mrss/}", "{http://search.yahoo.com/mrss}")
MAX_IMAGES = 4  # a hostile feed must not make us download hundreds of files per entry


@dataclass(frozen=True, kw_only=True)
class RssSettings(SourceSettings):
    """An RSS source: one or more feeds."""

    feeds: tuple[str, ...] = urls_setting(required=True, strip_slash=False)  # RSS or Atom URLs
    require_hashtag: bool = True  # keep only entries that carry one of the hashtags
    author_name: str = ""  # the author when the feed names none, e.g. the company


@dataclass(frozen=True)
class _Feed:
    """What every entry of one feed shares."""

    namespace: str  # the configured feed's host: ids from different sites never meet
    base: str  # the feed's final URL, against which relative links resolve
    mastodon: bool  # a Mastodon feed, which feedparser reads in its own way
    author: Author  # for entries that name no author
    language: str  # the feed's language tag, for entries without their own
    alts: dict[str, str]  # media URL -> media:description


class RssConnector:
    """Reads each feed in `feeds`; every entry carrying the hashtags becomes a post."""

    type = "rss"
    Settings = RssSettings
    default_api_base = ""  # feeds have no common API
    needs_token = False

    def __init__(self, settings: RssSettings, context: SourceContext):
        self.settings = settings
        self.context = context
        self.hashtags = {_fold(tag.lstrip("#")) for tag in context.hashtags}

    def fetch(self, known: Sequence[Post]) -> FetchResult:
        """Read every feed that changed since the last run; a failing feed only warns."""
        result = FetchResult(state={"feeds": {}})
        previous = self.context.state.get("feeds") or {}
        errors: list[ConnectorError] = []
        seen: set[str] = set()
        for url in self.settings.feeds:
            try:
                self._read_feed(url, previous.get(url) or {}, result, seen)
            except ConnectorError as error:
                errors.append(error)
                result.warnings.append(str(error))
                if url in previous:
                    result.state["feeds"][url] = previous[url]
        if errors and len(errors) == len(self.settings.feeds):
            raise errors[0]
        return result

    def _read_feed(self, url: str, validators: dict, result: FetchResult, seen: set[str]) -> None:
        response = self._get(url, validators)
        if response.status_code == 304:  # unchanged since the last run
            result.state["feeds"][url] = _validators(response, validators)
            return
        parsed = parse_feed(response, url)
        result.state["feeds"][url] = _validators(response, {})
        if any(step.status_code in (301, 308) for step in response.history):
            result.warnings.append(f"{url}: the feed has moved permanently to {response.url}; "
                                   "put the new address in config.yaml")
        if parsed.bozo:
            result.warnings.append(f"{url}: not a well-formed feed ({parsed.get('bozo_exception')}); "
                                   "read what could be read")
        self._take(parsed.entries, self._feed_info(url, response, parsed), result, seen)

    def _get(self, url: str, validators: dict) -> requests.Response:
        headers = {"If-None-Match": validators.get("etag"), "If-Modified-Since": validators.get("modified")}
        try:
            return self.context.http.get(url, headers={k: v for k, v in headers.items() if v})
        except ConnectorError as error:
            if error.status == 410:
                raise ConnectorError("the feed is gone for good (HTTP 410 Gone): remove it from `feeds` "
                                     "in config.yaml", url=url, kind="response", status=410) from None
            raise

    def _take(self, entries: list, feed: _Feed, result: FetchResult, seen: set[str]) -> None:
        unusable = 0
        for entry, key in zip(entries, entry_keys(entries)):
            post = entry_to_post(entry, key, feed)
            unusable += post is None
            if post is None or not self._wanted(post, entry):
                result.skipped += 1
            elif post.id not in seen:
                seen.add(post.id)
                result.posts.append(post)
        if unusable:
            result.warnings.append(f"{feed.base}: {unusable} entries without an http(s) link or a date "
                                   "left out")

    def _feed_info(self, url: str, response: requests.Response, parsed: Any) -> _Feed:
        channel = parsed.feed
        mastodon = (str(channel.get("generator", "")).startswith("Mastodon")
                    or bool(MASTODON_TAG_FEED.fullmatch(urlsplit(response.url).path)))
        alts = {urljoin(response.url, link): alt for link, alt in media_alts(response.content).items()}
        return _Feed(namespace=urlsplit(url).netloc.lower(), base=response.url, mastodon=mastodon,
                     author=self._feed_author(channel, url, mastodon),
                     language=_language(channel.get("language")), alts=alts)

    def _feed_author(self, channel: Any, url: str, mastodon: bool) -> Author:
        detail = channel.get("author_detail") or {}
        name = _line(detail.get("name") or self.settings.author_name or channel.get("title") or "")
        link = detail.get("href") or channel.get("link") or ""
        logo = (channel.get("image") or {}).get("href") or ""
        return Author(name=name or urlsplit(url).hostname or "Website", url=link if is_web_url(link) else "",
                      avatar=logo if is_web_url(logo) and not mastodon else "")

    def _wanted(self, post: Post, entry: Any) -> bool:
        if not self.settings.require_hashtag or not self.hashtags:
            return True
        categories = {_fold(str(tag.get("term") or "").lstrip("#")) for tag in entry.get("tags") or []}
        return bool(self.hashtags & ({_fold(tag) for tag in post.hashtags} | categories))


def parse_feed(response: requests.Response, url: str) -> Any:
    """feedparser's reading of a 200 answer; ConnectorError when it is no feed at all."""
    if len(response.content) > MAX_BODY:
        raise ConnectorError(f"feed too large ({len(response.content)} bytes)", url=url, kind="response")
    headers = {name.lower(): value for name, value in response.headers.items()}
    headers["content-location"] = response.url  # relative links resolve against the feed
    parsed = feedparser.parse(response.content, response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        snippet = _line(html_to_text(response.text[:2000]), 120) or "(empty body)"
        raise ConnectorError(f"not an RSS or Atom feed ({headers.get('content-type', 'no content type')}): "
                             f"{snippet}", url=url, kind="response", status=response.status_code)
    return parsed


def media_alts(body: bytes) -> dict[str, str]:
    """media:description of each media:content (and of its thumbnail), by URL.

    feedparser keeps one description per entry, and puts it in the entry's
    content; Mastodon sends one per image.  Expat (2.4.1 and later) refuses
    entity bombs, and ElementTree loads no external entities.
    """
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return {}
    alts: dict[str, str] = {}
    for element in root.iter():
        if _media_tag(element) != "content":
            continue
        alt = next((_line(child.text or "", 2000) for child in element
                    if _media_tag(child) == "description"), "")
        for item in (element, *(child for child in element if _media_tag(child) == "thumbnail")):
            if alt and item.get("url"):
                alts[item.get("url", "").strip()] = alt
    return alts


def _media_tag(element: ElementTree.Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return next((tag[len(ns):] for ns in MEDIA_RSS if tag.startswith(ns)), "")


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


def entry_to_post(entry: Any, key: str, feed: _Feed) -> Post | None:
    """One feed entry as a Post; None without an http(s) link or a date."""
    link = urljoin(feed.base, entry.get("link") or "") if entry.get("link") else ""
    published, edited = _dates(entry)
    if not is_web_url(link) or published is None:
        return None
    text = entry_text(entry, feed)
    content = (entry.get("content") or [{}])[0]
    language = _language(content.get("language") or (entry.get("summary_detail") or {}).get("language"))
    return Post(id=f"rss:{_native_id(feed.namespace, key)}", platform="rss", url=link,
                author=_author(entry, link, feed), published=published, edited_at=edited, text=text,
                status="pending", language=language or feed.language, media=_media(entry, feed),
                hashtags=tuple(dict.fromkeys(HASHTAG.findall(text))))


def _native_id(namespace: str, key: str) -> str:
    """'<feed host>:<key>'; a URL key without its scheme (sites move to https) and the feed's own host."""
    parts = urlsplit(key)
    if parts.scheme in ("http", "https") and parts.netloc:
        key = key.split("://", 1)[1]
        if parts.netloc.lower() == namespace:
            key = key[len(parts.netloc):] or "/"
    native = f"{namespace}:{key}"
    return native if POST_ID.fullmatch(native) else f"{namespace}:{_digest(key)}"


def entry_text(entry: Any, feed: _Feed) -> str:
    """The title, a blank line and the plain text of the content (or of the summary)."""
    title = entry.get("title") or ""
    if "html" in str((entry.get("title_detail") or {}).get("type", "")):
        title = html_to_text(title)
    return "\n\n".join(part for part in (_line(title), _body(entry, feed)) if part)


def _body(entry: Any, feed: _Feed) -> str:
    # feedparser puts a media:description into `content` (platform notes §1.7): Mastodon's
    # body is its summary, and elsewhere a content equal to an alt text is no body.
    alt_texts = set(feed.alts.values())
    contents = [] if feed.mastodon else [item for item in entry.get("content") or []
                                         if _line(item.get("value") or "", 2000) not in alt_texts]
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
    return datetime.fromtimestamp(calendar.timegm(moment), timezone.utc) if moment else None


def _author(entry: Any, link: str, feed: _Feed) -> Author:
    status = MASTODON_STATUS.fullmatch(urlsplit(link).path) if feed.mastodon else None
    if status:  # Mastodon's feeds name no author; the status URL does
        origin = urlsplit(link)
        user, host = status.group(1), origin.netloc.lower()
        return Author(name=user, handle=f"{user}@{host}", url=f"{origin.scheme}://{host}/@{user}")
    detail = entry.get("author_detail") or {}
    name = _line(detail.get("name") or "")  # never entry.author, which may be a bare e-mail address
    if not name:
        return feed.author
    href = detail.get("href") or ""
    return Author(name=name, url=href if is_web_url(href) else "")


def _media(entry: Any, feed: _Feed) -> tuple[Media, ...]:
    found = [item.get("url") for item in entry.get("media_content") or [] if _is_image(item)]
    if not found:
        found = [item.get("url") for item in entry.get("media_thumbnail") or []]
    found += [item.get("href") for item in entry.get("enclosures") or []
              if str(item.get("type") or "").startswith("image/")]
    urls = [urljoin(feed.base, url.strip()) for url in found if isinstance(url, str) and url.strip()]
    urls = [url for url in dict.fromkeys(urls) if is_web_url(url)][:MAX_IMAGES]
    return tuple(Media(path="", type="image", alt=feed.alts.get(url, ""), source_url=url) for url in urls)


def _is_image(item: dict) -> bool:
    medium, kind = item.get("medium") or "", str(item.get("type") or "")
    return medium == "image" or kind.startswith("image/") or (not medium and not kind)


def _validators(response: requests.Response, previous: dict) -> dict[str, str]:
    validators = {"etag": response.headers.get("ETag") or previous.get("etag"),
                  "modified": response.headers.get("Last-Modified") or previous.get("modified")}
    return {name: value for name, value in validators.items() if value}


def _language(value: Any) -> str:
    value = str(value or "").strip()
    return value if len(value) <= 35 and LANGUAGE_TAG.fullmatch(value) else ""


def _line(text: str, limit: int = 200) -> str:
    return " ".join(str(text).split())[:limit]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()
