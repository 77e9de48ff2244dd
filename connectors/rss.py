"""RSS and Atom feeds (company news, a platform's tag feed) read with feedparser.

Each feed is fetched with a conditional GET; its ETag and Last-Modified go into
the state, so an unchanged feed costs one 304.  RSS cannot say that an entry was
deleted: posts whose entries drop out of a feed stay until an editor rejects them.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import urljoin, urlsplit

import feedparser
import requests

from wall.post import Author, Post
from wall.urls import is_web_url

from .base import ConnectorError, FetchResult, SourceContext, SourceSettings, urls_setting
from .html_text import html_to_text
from .http import MAX_BODY
from .rss_entry import Feed, entry_keys, entry_to_post, language_tag, one_line

MASTODON_TAG_FEED = re.compile(r"/tags/[^/]+\.rss")
# As many as the platform connectors take from one tag in one run (5 pages of 40 on Mastodon):
# a feed of thousands of tagged entries does not become thousands of posts to review.
MAX_POSTS_PER_FEED = 200
MEDIA_RSS = ("{http://search.yahoo.com/mrss/}", "{http://search.yahoo.com/mrss}")


@dataclass(frozen=True, kw_only=True)
class RssSettings(SourceSettings):
    """An RSS source: one or more feeds."""

    feeds: tuple[str, ...] = urls_setting(required=True, strip_slash=False)  # RSS or Atom URLs
    require_hashtag: bool = True  # keep only entries that carry one of the hashtags
    author_name: str = ""  # the author when the feed names none, e.g. the company


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

    def _take(self, entries: list, feed: Feed, result: FetchResult, seen: set[str]) -> None:
        unusable = 0
        wanted: list[Post] = []
        for entry, key in zip(entries, entry_keys(entries)):
            post = entry_to_post(entry, key, feed)
            unusable += post is None
            if post is None or not self._wanted(post, entry):
                result.skipped += 1
            elif post.id not in seen:
                seen.add(post.id)
                wanted.append(post)
        if unusable:
            result.warnings.append(f"{feed.base}: {unusable} entries without an http(s) link or a date "
                                   "in the years 2000 to 2099 left out")
        if len(wanted) > MAX_POSTS_PER_FEED:
            result.warnings.append(f"{feed.base}: {len(wanted)} entries to take; the newest {MAX_POSTS_PER_FEED} "
                                   "taken, the older left out")
            result.skipped += len(wanted) - MAX_POSTS_PER_FEED
            wanted = sorted(wanted, key=lambda post: post.published, reverse=True)[:MAX_POSTS_PER_FEED]
        result.posts.extend(wanted)
        for post in wanted:
            self.context.hand_over(post)

    def _feed_info(self, url: str, response: requests.Response, parsed: Any) -> Feed:
        channel = parsed.feed
        mastodon = (str(channel.get("generator", "")).startswith("Mastodon")
                    or bool(MASTODON_TAG_FEED.fullmatch(urlsplit(response.url).path)))
        alts = {urljoin(response.url, link): alt for link, alt in media_alts(response.content).items()}
        return Feed(namespace=urlsplit(url).netloc.lower(), base=response.url, mastodon=mastodon,
                    author=self._feed_author(channel, url, mastodon),
                    language=language_tag(channel.get("language")), alts=alts)

    def _feed_author(self, channel: Any, url: str, mastodon: bool) -> Author:
        detail = channel.get("author_detail") or {}
        name = one_line(detail.get("name") or self.settings.author_name or channel.get("title") or "")
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
    try:
        parsed = feedparser.parse(response.content, response_headers=headers)
    except Exception as error:  # its lenient parser raises more than it documents on hostile input
        raise ConnectorError(f"the feed could not be read ({type(error).__name__})", url=url,
                             kind="response") from None
    if not parsed.get("version") and not parsed.entries:
        snippet = one_line(html_to_text(response.text[:2000]), 120) or "(empty body)"
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
        alt = next((one_line(child.text or "", 2000) for child in element
                    if _media_tag(child) == "description"), "")
        for item in (element, *(child for child in element if _media_tag(child) == "thumbnail")):
            if alt and item.get("url"):
                alts[item.get("url", "").strip()] = alt
    return alts


def _media_tag(element: ElementTree.Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return next((tag[len(ns):] for ns in MEDIA_RSS if tag.startswith(ns)), "")


def _validators(response: requests.Response, previous: dict) -> dict[str, str]:
    validators = {"etag": response.headers.get("ETag") or previous.get("etag"),
                  "modified": response.headers.get("Last-Modified") or previous.get("modified")}
    return {name: value for name, value in validators.items() if value}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()
