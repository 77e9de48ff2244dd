"""Mastodon (and Pixelfed, which speaks the same API): public hashtag timelines of several instances."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timezone
from typing import Any, Sequence
from urllib.parse import quote, urlsplit

from wall.fields import parse_timestamp
from wall.post import LANGUAGE_TAG, Author, Media, Post
from wall.urls import is_web_url

from .base import ConnectorError, FetchResult, SourceContext, SourceSettings, urls_setting
from .html_text import html_to_text
from .links import next_link

PAGE_SIZE = 40
RECHECKS = 20  # known posts asked for by id each run, newest first
SENSITIVE_WARNING = "Als sensibel markiert"  # for a status marked sensitive without a spoiler text
HASHTAG = re.compile(r"(?<![\w#&/])#(\w[\w·]*)")


@dataclass(frozen=True, kw_only=True)
class MastodonSettings(SourceSettings):
    """A Mastodon source: the instances whose tag timelines are read."""

    instances: tuple[str, ...] = urls_setting()  # e.g. https://ruhr.social; default: api_base


class MastodonConnector:
    """Reads /api/v1/timelines/tag/:tag on each instance; one copy per status across instances."""

    type = "mastodon"
    Settings = MastodonSettings
    default_api_base = "https://mastodon.social"
    needs_token = False  # a token (read:statuses) helps only where an instance requires one

    def __init__(self, settings: MastodonSettings, context: SourceContext):
        self.settings = settings
        self.context = context
        self.headers = {"Authorization": f"Bearer {context.token}"} if context.token else {}

    def fetch(self, known: Sequence[Post]) -> FetchResult:
        """Read every instance's tag timeline from where the last run stopped."""
        instances = self.settings.instances or (self.settings.api_base,)
        keys = {_timeline_key(instance, tag) for instance in instances for tag in self.context.hashtags}
        # A timeline that fails this run keeps its place: read from there next time.
        kept = {key: value for key, value in (self.context.state.get("newest") or {}).items() if key in keys}
        result = FetchResult(state={"newest": kept, "local": {}})
        seen_uris: set[str] = set()
        errors: list[ConnectorError] = []
        for instance in instances:
            for tag in self.context.hashtags:
                try:
                    self._read_timeline(instance, tag, result, seen_uris)
                except ConnectorError as error:
                    errors.append(error)
                    result.warnings.append(f"{urlsplit(instance).netloc}: {error}")
        if errors and len(errors) == len(instances) * len(self.context.hashtags):
            raise errors[0]
        self._recheck(known, result, seen_uris, instances)
        return result

    def _read_timeline(self, instance: str, tag: str, result: FetchResult, seen: set[str]) -> None:
        key = _timeline_key(instance, tag)
        newest = self.context.state.get("newest", {}).get(key)
        url = f"{instance}/api/v1/timelines/tag/{quote(tag, safe='')}"
        params: dict[str, Any] | None = {"limit": PAGE_SIZE, **({"min_id": newest} if newest else {})}
        direction = "prev" if newest else "next"  # forward from the stored id, else back in time
        top = newest
        for _ in range(self.settings.max_pages):
            try:
                statuses, response = self.context.http.get_json(url, params=params, headers=self.headers)
            except ConnectorError as error:
                if error.status == 404:  # an unknown tag: some servers say 404, others []
                    break
                raise
            if not isinstance(statuses, list):
                raise ConnectorError("expected a list of statuses", url=url, kind="response")
            for status in statuses:
                top = _newer(top, str(status.get("id", "")))
                self._take(status, instance, tag, result, seen)
            url, params = next_link(response.headers.get("Link", ""), direction), None
            if not statuses or not url:
                break
        if top:
            result.state["newest"][key] = top

    def _take(self, status: dict, instance: str, tag: str, result: FetchResult, seen: set[str]) -> None:
        original = status.get("reblog") or status  # a boost: the original, once
        uri = original.get("uri") or original.get("url") or ""
        if not uri or uri in seen:
            return
        seen.add(uri)
        account = original.get("account") or {}
        if (original.get("visibility", "public") not in ("public", "unlisted")
                or (self.settings.skip_replies and original.get("in_reply_to_id"))
                or (self.settings.skip_bots and account.get("bot"))
                or not _carries(original, tag)):
            result.skipped += 1
            return
        post = status_to_post(original, urlsplit(instance).netloc)
        if post is None:
            result.skipped += 1
        else:
            result.posts.append(post)
            self.context.hand_over(post)
            if original.get("id"):  # where to ask for it again: its id is the instance's own
                result.state["local"][post.id] = [instance, str(original["id"])]

    def _recheck(self, known: Sequence[Post], result: FetchResult, seen: set[str], instances: Sequence[str]) -> None:
        """Ask for the newest known posts again where they were read: 404 means deleted, else maybe edited.

        The tag timeline only brings new statuses; edits and deletions of older ones show
        only when each is asked for by its own id.  That id is the one of the instance the
        post was read on (an instance removes its copy when the origin deletes a post), never
        the origin's: other servers (Pleroma, Misskey, WordPress) do not speak this API or
        number their posts otherwise, and the token belongs to the configured instances only.
        """
        local = {**(self.context.state.get("local") or {}), **result.state["local"]}
        newest = sorted((p for p in known if p.status != "rejected"),
                        key=lambda p: p.published, reverse=True)[:RECHECKS]
        for post in newest:
            where = _where_to_ask(post, local.get(post.id), instances)
            if where is None:
                continue
            instance, status_id = where
            try:
                status, _ = self.context.http.get_json(
                    f"{instance}/api/v1/statuses/{quote(status_id, safe='')}", headers=self.headers)
            except ConnectorError as error:
                if error.status in (404, 410):
                    result.gone.append(post.id)
                continue
            uri = status.get("uri") if isinstance(status, dict) else None
            if uri and uri not in seen and (current := status_to_post(status, urlsplit(instance).netloc)) is not None:
                seen.add(uri)
                result.posts.append(current)
                self.context.hand_over(current)
        # Kept for the posts asked for again next time: these, and the ones this run brought.
        result.state["local"] = {post.id: local[post.id] for post in newest if post.id in local} \
            | result.state["local"]


def _timeline_key(instance: str, tag: str) -> str:
    return f"{urlsplit(instance).netloc}/{tag.casefold()}"


def _where_to_ask(post: Post, local: list[str] | None, instances: Sequence[str]) -> tuple[str, str] | None:
    """(instance, its id of the post) to ask for the post again; None when no configured instance can say."""
    if local and local[0] in instances:
        return local[0], local[1]
    # Stored before instance ids were kept: a post from a configured instance itself has
    # the id in its URI there, if that is a number (Mastodon's and Pixelfed's are).
    host, _, status_id = post.native_id.rpartition(":")
    own = [instance for instance in instances if urlsplit(instance).netloc.lower() == host]
    return (own[0], status_id) if own and status_id.isdigit() else None


def _newer(current: str | None, candidate: str) -> str | None:
    """The larger of two Mastodon ids (numeric strings; compared by length, then text)."""
    if not candidate:
        return current
    if current is None:
        return candidate
    return max(current, candidate, key=lambda value: (len(value), value))


def _carries(status: dict, tag: str) -> bool:
    names = {str(item.get("name", "")).casefold() for item in status.get("tags") or []}
    return not names or tag.casefold() in names


def status_to_post(status: dict, instance_host: str) -> Post | None:
    """A Mastodon status as a Post; None when it lacks what a post needs."""
    uri = status.get("uri") or ""
    parts = urlsplit(uri)
    status_id = parts.path.rstrip("/").rsplit("/", 1)[-1]
    published = parse_timestamp(status.get("created_at") or "")
    url = status.get("url") or uri
    if not parts.netloc or not status_id or published is None or not is_web_url(url):
        return None
    account = status.get("account") or {}
    language = _text_field(status, "language")
    text = html_to_text(status.get("content") or "")
    warning = (status.get("spoiler_text") or "").strip()
    if not warning and status.get("sensitive") is True:
        warning = SENSITIVE_WARNING
    return Post(
        id=f"mastodon:{parts.netloc.lower()}:{status_id}", platform="mastodon", url=url,
        author=_author(account, instance_host), published=published.astimezone(timezone.utc),
        text=text, status="pending", content_warning=warning,
        language=language if LANGUAGE_TAG.fullmatch(language) else "",
        hashtags=tuple(dict.fromkeys(HASHTAG.findall(text))),
        media=tuple(filter(None, (_media(item) for item in status.get("media_attachments") or []))),
        edited_at=parse_timestamp(status.get("edited_at") or ""),
    )


def _author(account: dict, instance_host: str) -> Author:
    acct = account.get("acct") or account.get("username") or ""
    if acct and "@" not in acct:
        acct = f"{acct}@{instance_host}"  # a local account of the instance we asked
    name = _strip_emoji(account.get("display_name") or "", account.get("emojis") or [])
    return Author(name=name or account.get("username") or acct or "Unbekannt", handle=acct,
                  url=_web_url(account, "url"), avatar=_web_url(account, "avatar_static"))


def _text_field(data: dict, key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _web_url(data: dict, key: str) -> str:
    # An instance sends what it likes: only http(s) addresses become links or downloads.
    value = _text_field(data, key)
    return value if is_web_url(value) else ""


def _strip_emoji(name: str, emojis: list) -> str:
    # Custom emoji are images on the author's server: the wall loads nothing from there.
    for emoji in emojis:
        name = name.replace(f":{emoji.get('shortcode', '')}:", "")
    return " ".join(name.split())


def _media(item: dict) -> Media | None:
    kind = item.get("type")
    source = item.get("url") if kind == "image" else item.get("preview_url")
    if kind not in ("image", "gifv", "video") or not source:
        return None
    alt = (item.get("description") or "").strip()
    if kind != "image":
        alt = f"Vorschaubild eines Videos{': ' + alt if alt else ''}"
    return Media(path="", type="image", alt=alt, source_url=source)
