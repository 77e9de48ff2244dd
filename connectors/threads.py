"""Threads: public posts of a topic tag, from the keyword search in TAG mode, newest first.

A search cut short by max_pages keeps the tag's mark and the time of its oldest post; the
next run goes on below that time (`until`) down to the mark before the mark moves on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence
from urllib.parse import quote

import requests

from wall.fields import parse_timestamp
from wall.post import Post

from .base import ConnectorError, FetchResult, SourceContext, SourceSettings
from .threads_view import fold, keep_media_urls, published_at, thread_to_post

PAGE_SIZE = 50
RECHECKS = 20  # known posts asked for by id each run, newest first
FIELDS = ("id,text,media_type,media_url,permalink,shortcode,timestamp,username,thumbnail_url,alt_text,"
          "is_reply,is_spoiler_media,topic_tag,link_attachment_url,"
          "children{id,media_type,media_url,thumbnail_url,alt_text}")
VERSION = re.compile(r"v\d{1,2}\.\d{1,2}")
RATE_LIMIT_CODES = {4, 17, 32, 613}
TOKEN_CODES = {102, 190}  # invalid, expired or revoked token


@dataclass(frozen=True, kw_only=True)
class ThreadsSettings(SourceSettings):
    """A Threads source: the Graph API version; the tags come from `hashtags`."""

    api_version: str = "v1.0"  # the path prefix of graph.threads.net
    token_env: str = "THREADS_TOKEN"


class GraphError(ConnectorError):
    """A Graph API error, with the platform's own code and subcode."""

    def __init__(self, message: str, *, url: str, kind: str, status: int | None,
                 code: Any = None, subcode: Any = None):
        super().__init__(message, url=url, kind=kind, status=status)
        self.code = code
        self.subcode = subcode


class UntilIgnored(ConnectorError):
    """The search answered a request with `until` with posts after it."""


@dataclass
class _Scan:
    """Where the search of one tag stands."""

    mark: datetime | None = None  # the newest post of the last finished scan: reading stops there
    until: int | None = None  # a scan cut short goes on with the posts up to this unix time
    top: datetime | None = None  # the newest post this scan has seen

    @classmethod
    def stored(cls, state: Mapping[str, Any], key: str) -> _Scan:
        """The tag's mark and cut scan in the last run's state; a garbled scan is dropped."""
        mark = parse_timestamp(str(_entry(state, "newest", key) or ""))
        cut = _entry(state, "scan", key)
        cut = cut if isinstance(cut, dict) else {}
        until, top = cut.get("until"), parse_timestamp(str(cut.get("top") or ""))
        if mark is None or top is None or not isinstance(until, int) or isinstance(until, bool) or until <= 0:
            return cls(mark=mark)
        return cls(mark, until, top)


class ThreadsConnector:
    """Reads /keyword_search (TAG, RECENT) for each hashtag; rechecks the newest known posts."""

    type = "threads"
    Settings = ThreadsSettings
    default_api_base = "https://graph.threads.net"
    needs_token = True

    def __init__(self, settings: ThreadsSettings, context: SourceContext):
        if not VERSION.fullmatch(settings.api_version):
            raise ConnectorError(f"api_version: expected a version such as 'v1.0', got {settings.api_version[:20]!r}")
        self.settings = settings
        self.context = context
        self.base = f"{settings.api_base}/{settings.api_version}"
        # A header, not the usual access_token parameter: URLs end up in messages and logs.
        self.headers = {"Authorization": f"Bearer {context.token}"}

    def fetch(self, known: Sequence[Post]) -> FetchResult:
        """Search each hashtag down to the newest post of the last run; recheck known posts."""
        result = FetchResult(state={"newest": {}})
        known_by_id = {post.id: post for post in known}
        seen: set[str] = set()
        for tag in dict.fromkeys(self.context.hashtags):
            self._search(tag, result, seen, known_by_id)
        self._recheck(known, result, seen)
        return result

    def _search(self, tag: str, result: FetchResult, seen: set[str], known: dict[str, Post]) -> None:
        scan = _Scan.stored(self.context.state, fold(tag))
        try:
            oldest = self._scan(tag, scan, result, seen, known)
        except ConnectorError as error:
            if scan.until is None or not _refused(error):
                raise
            # `until` on keyword_search is documented but unverified: a stored scan must never stop the source.
            result.warnings.append(f"#{tag}: Threads did not go on below the last run's oldest post (until), "
                                   f"posts between may be missing; reading from the newest again: {error}")
            scan = _Scan(mark=scan.mark)
            self._scan(tag, scan, result, seen, known)
            oldest = None  # as before there were scans: the mark moves to the newest post seen
        self._keep(tag, scan, oldest, result)

    def _scan(self, tag: str, scan: _Scan, result: FetchResult, seen: set[str],
              known: dict[str, Post]) -> datetime | None:
        """Search newest first down to the mark, up to max_pages pages; the oldest post read if more follow."""
        url = f"{self.base}/keyword_search"
        params = {"q": tag, "search_type": "RECENT", "search_mode": "TAG", "fields": FIELDS, "limit": PAGE_SIZE,
                  **({"until": scan.until} if scan.until else {})}
        oldest = None
        for _ in range(self.settings.max_pages):
            page = self._get(url, params)
            items = _items(page, url)
            moments = [moment for moment in map(published_at, items) if moment is not None]
            if scan.until and any(moment.timestamp() > scan.until for moment in moments):
                raise UntilIgnored("the search answered with posts after `until`", url=url, kind="response")
            scan.top = _latest(scan.top, *moments)
            oldest = min(moments, default=oldest)  # newest first: the last page holds the oldest
            for item in items:
                self._take(item, tag, result, seen, known)
            after = _next_cursor(page)
            if not after or (scan.mark is not None and any(moment <= scan.mark for moment in moments)):
                return None
            params = {**params, "after": after}
        return oldest

    def _keep(self, tag: str, scan: _Scan, oldest: datetime | None, result: FetchResult) -> None:
        """A scan cut short keeps the mark and goes on below its oldest post next run; else the mark moves up.

        A first run (no mark yet) reads max_pages pages and no further, as the docs promise.
        """
        key = fold(tag)
        if oldest is not None and scan.mark is not None and scan.top is not None:
            # Meta does not say whether `until` is inclusive: one second more re-reads a post rather than skip one.
            result.state.setdefault("scan", {})[key] = {"until": int(oldest.timestamp()) + 1,
                                                        "top": scan.top.isoformat()}
            result.state["newest"][key] = scan.mark.isoformat()
            result.warnings.append(f"#{tag}: more than max_pages ({self.settings.max_pages}) pages of new posts; "
                                   "the next run reads on")
            return
        newest = _latest(scan.mark, scan.top)
        if newest is not None:
            result.state["newest"][key] = newest.isoformat()

    def _take(self, item: dict, tag: str, result: FetchResult, seen: set[str], known: dict[str, Post]) -> None:
        native = str(item.get("id") or "")
        if not native or native in seen:
            return
        seen.add(native)
        post = thread_to_post(item)
        if (post is None or item.get("media_type") == "REPOST_FACADE"  # a repost: the original is its own result
                or (self.settings.skip_replies and item.get("is_reply")) or not _carries(post, tag)):
            result.skipped += 1
            return
        post = keep_media_urls(post, known.get(post.id))
        result.posts.append(post)
        self.context.hand_over(post)

    def _recheck(self, known: Sequence[Post], result: FetchResult, seen: set[str]) -> None:
        """Ask for the newest known posts by id: gone means deleted, else maybe edited.

        The search brings only recent posts; edits and deletions of older ones show
        only when each is asked for by its own id.
        """
        newest = sorted((post for post in known if post.status != "rejected" and post.native_id not in seen),
                        key=lambda post: post.published, reverse=True)[:RECHECKS]
        for post in newest:
            try:
                item = self._get(f"{self.base}/{quote(post.native_id, safe='')}", {"fields": FIELDS})
            except ConnectorError as error:
                if not _deleted(error):
                    result.warnings.append(f"checking known posts for deletions stopped: {error}")
                    return
                result.gone.append(post.id)
                continue
            current = thread_to_post(item) if isinstance(item, dict) else None
            if current is not None and current.id == post.id:
                seen.add(post.native_id)
                current = keep_media_urls(current, post)
                result.posts.append(current)
                self.context.hand_over(current)

    def _get(self, url: str, params: dict[str, Any]) -> Any:
        data, _ = self.context.http.get_json(url, params=params, headers=self.headers,
                                             hooks={"response": self._check})
        return data

    def _check(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        # Graph errors say what went wrong only in the body (code 4 is a rate limit, sent as
        # HTTP 400 or 403), and HttpClient looks at the status alone: read the body first.
        if 400 <= response.status_code < 500 and response.status_code != 429:
            detail = _graph_error(response)
            if detail:
                raise self._error(detail, response)
        return response

    def _error(self, detail: dict, response: requests.Response) -> GraphError:
        """The Graph error body as a ConnectorError of the right kind, in words that say what to do."""
        code, subcode = detail.get("code"), detail.get("error_subcode")
        text = str(detail.get("message") or "no message")[:300]
        env = self.settings.token_env
        kind, message = "response", f"Threads API error (code {code}): {text}"
        if code in RATE_LIMIT_CODES:
            kind, message = "rate_limit", f"Threads rate limit reached (code {code}); the next run tries again: {text}"
        elif code in TOKEN_CODES or response.status_code == 401:
            kind, message = "auth", (f"Threads did not accept the token in {env} (expired or invalid; "
                                     f"long-lived tokens last 60 days, see docs/sources/threads.md): {text}")
        elif code == 10 or (isinstance(code, int) and 200 <= code <= 299):
            kind, message = "auth", (f"the token in {env} lacks a permission (threads_basic, "
                                     f"threads_keyword_search): {text}")
        return GraphError(message, url=response.url.split("?", 1)[0], kind=kind,
                          status=response.status_code, code=code, subcode=subcode)


def _carries(post: Post, tag: str) -> bool:
    folded = {fold(name) for name in post.hashtags}
    return not folded or fold(tag) in folded


def _deleted(error: ConnectorError) -> bool:
    # Code 100 alone also means a bad parameter; subcode 33 is "object does not exist".
    return error.status in (404, 410) or (getattr(error, "code", None) == 100
                                          and getattr(error, "subcode", None) == 33)


def _entry(state: Mapping[str, Any], name: str, key: str) -> Any:
    part = state.get(name)
    return part.get(key) if isinstance(part, dict) else None


def _refused(error: ConnectorError) -> bool:
    """True when the search refused or ignored `until` (a 4xx that is neither a limit nor the token)."""
    return isinstance(error, UntilIgnored) or (error.kind == "response" and 400 <= (error.status or 0) < 500)


def _latest(*moments: datetime | None) -> datetime | None:
    return max((moment for moment in moments if moment is not None), default=None)


def _items(page: Any, url: str) -> list[dict]:
    if not isinstance(page, dict) or not isinstance(page.get("data", []), list):
        raise ConnectorError("expected an object with a `data` list", url=url, kind="response")
    return [item for item in page.get("data", []) if isinstance(item, dict)]


def _next_cursor(page: Any) -> str:
    """The `after` cursor when another page follows (Graph leaves `next` out on the last one)."""
    paging = page.get("paging") if isinstance(page, dict) else None
    if not isinstance(paging, dict) or not paging.get("next"):
        return ""
    return str((paging.get("cursors") or {}).get("after") or "")


def _graph_error(response: requests.Response) -> dict:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


