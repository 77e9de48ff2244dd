"""The Meta Graph API as the Instagram and Facebook sources use it.

One versioned base URL, the token in an `Authorization: Bearer` header (never in a
URL, so no error message or state can carry it), Graph error bodies turned into
ConnectorError kinds, the usage headers watched, and cursor paging with a loop guard.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping
from urllib.parse import parse_qsl, urlsplit

import requests

from wall.fields import parse_timestamp
from wall.post import Post

from .base import ConnectorError, SourceSettings
from .http import HttpClient

GRAPH_API = "https://graph.facebook.com"
VERSION = re.compile(r"v\d{1,3}\.\d{1,2}")
NATIVE_ID = re.compile(r"[0-9A-Za-z_.-]{1,120}")
HASHTAG = re.compile(r"(?<![\w#&/])#(\w[\w·]*)")
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
TOKEN_CODES = frozenset({102, 190})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
TOKEN_PROBLEMS = {458: "the app was removed", 460: "the password was changed", 463: "it has expired",
                  464: "the user is unconfirmed", 467: "it is invalid"}
USAGE_HEADERS = ("x-app-usage", "x-business-use-case-usage", "x-page-usage")
USAGE_KEYS = frozenset({"call_count", "total_cputime", "total_time"})
USAGE_STOP = 80  # percent of an allowance used: ask for nothing more this run (Meta blocks at 100)


@dataclass(frozen=True, kw_only=True)
class GraphSettings(SourceSettings):
    """Settings shared by the Graph API sources."""

    graph_version: str = "v25.0"  # pinned API version in the path; Meta keeps each about two years


class GraphError(ConnectorError):
    """A Graph API error body, with its code and subcode."""

    def __init__(self, message: str, *, url: str, kind: str, status: int, code: int, subcode: int):
        super().__init__(message, url=url, kind=kind, status=status)
        self.code = code
        self.subcode = subcode

    @property
    def missing(self) -> bool:
        """True for 'object does not exist' (code 100, subcode 33): deleted or no longer visible."""
        return self.code == 100 and self.subcode == 33


class GraphApi:
    """Graph API calls of one source."""

    def __init__(self, http: HttpClient, settings: GraphSettings, token: str):
        if not VERSION.fullmatch(settings.graph_version):
            raise ConnectorError(f"graph_version must look like 'v25.0', got {settings.graph_version[:20]!r}")
        self.http = http
        self.base = f"{settings.api_base.rstrip('/')}/{settings.graph_version}"
        self.token = token
        self.token_env = settings.token_env
        self.warnings: list[str] = []
        self.exhausted = False  # a usage header reached USAGE_STOP
        self.more = False  # the last pages() stopped with pages left (max_pages or the usage limit)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict:
        """GET base/version/path; a Graph error body raises GraphError."""
        url = f"{self.base}/{path}"
        data, response = self.http.get_json(url, params=dict(params or {}), hooks={"response": self._check},
                                            headers={"Authorization": f"Bearer {self.token}"})
        self._watch_usage(response.headers)
        if not isinstance(data, dict):
            raise ConnectorError("expected a JSON object", url=url, kind="response")
        return data

    def pages(self, path: str, params: Mapping[str, Any], max_pages: int) -> Iterator[list[dict]]:
        """The `data` items of up to max_pages pages, following `paging.next` until it is absent.

        A page may come back short, or empty, because of privacy or visibility and still
        carry `next`, so it does not end the read.  Instagram may send the same `after`
        cursor on every page and still page on, so a repeated cursor is followed while it
        brings new items; a page with nothing new whose `next` was followed before would
        only come again, and ends the read.  Afterwards `more` tells whether pages were left unread.
        """
        seen: set[str] = set()
        followed: set[frozenset] = set()
        self.more = True
        for _ in range(max_pages):
            if self.exhausted:
                return
            body = self.get(path, params)
            items = data_items(body)
            fresh = [item for item in items if str(item.get("id")) not in seen]
            seen.update(str(item.get("id")) for item in items)
            if fresh:
                yield fresh
            following = _next_params(body.get("paging"))
            request = frozenset(following.items()) if following else None
            if request is None or (not fresh and request in followed):
                self.more = False
                return
            followed.add(request)
            params = {**params, **following}

    def _check(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        # Graph errors come as 400 or 403 with a JSON body that says what happened (a 403 may
        # be a rate limit); HttpClient sees only the status, so the body is read here first.
        if 400 <= response.status_code < 500 and response.status_code != 429:
            body = _error_body(response)
            if body is not None:
                raise self._error(body, response)
        return response

    def _error(self, body: dict, response: requests.Response) -> GraphError:
        code, subcode = _number(body.get("code")), _number(body.get("error_subcode"))
        kind, message = self._describe(code, subcode, self._redacted(body.get("message")))
        if kind == "rate_limit":
            message += _regain(response)
        return GraphError(message, url=response.url.split("?", 1)[0], kind=kind,
                          status=response.status_code, code=code, subcode=subcode)

    def _describe(self, code: int, subcode: int, text: str) -> tuple[str, str]:
        """The ConnectorError kind and message for a Graph error code."""
        if code in RATE_LIMIT_CODES:
            return "rate_limit", f"Graph API rate limit reached (code {code}): {text}"
        if code in TOKEN_CODES:
            reason = TOKEN_PROBLEMS.get(subcode, "it was rejected")
            codes = f"code {code}, subcode {subcode}" if subcode else f"code {code}"
            return "auth", (f"the token in {self.token_env} is not valid: {reason} ({codes}); "
                            f"create a new one: {text}")
        if code in PERMISSION_CODES:
            return "auth", f"the token in {self.token_env} lacks a permission (code {code}): {text}"
        if code == 100 and subcode == 33:
            return "response", f"the object does not exist or cannot be loaded (code 100, subcode 33): {text}"
        return "response", f"Graph API error {code}: {text}"

    def _redacted(self, message: Any) -> str:
        text = str(message or "no message")
        return (text.replace(self.token, "***") if self.token else text)[:300]

    def _watch_usage(self, headers: Mapping[str, str]) -> None:
        for name in USAGE_HEADERS:
            percent = max(_header_numbers(headers.get(name), USAGE_KEYS), default=0)
            if percent >= USAGE_STOP and not self.exhausted:
                self.exhausted = True
                self.warnings.append(f"Graph API usage at {percent:.0f} % ({name}); stopped early "
                                     "to stay under the limit, the next run goes on")


def _error_body(response: requests.Response) -> dict | None:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError, requests.RequestException):
        return None
    return error if isinstance(error, dict) and "code" in error else None


def _number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _regain(response: requests.Response) -> str:
    minutes = max(_header_numbers(response.headers.get("x-business-use-case-usage"),
                                  {"estimated_time_to_regain_access"}), default=0)
    return f"; Meta expects access again in about {minutes:.0f} minutes" if minutes else ""


def _header_numbers(header: str | None, keys: set[str] | frozenset[str]) -> list[float]:
    """The numbers under `keys` anywhere in a JSON usage header ([] when absent or garbled)."""
    try:
        data = json.loads(header) if header else None
    except ValueError:
        return []
    return list(_numbers(data, keys))


def _numbers(data: Any, keys: set[str] | frozenset[str]) -> Iterator[float]:
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        if key in keys and isinstance(value, (int, float)) and not isinstance(value, bool):
            yield float(value)
        else:
            yield from _numbers(value, keys)


def _next_params(paging: Any) -> dict[str, str] | None:
    """The query of `paging.next` (without any token), None on the last page.

    Only the parameters are taken: the request goes to our own base URL, so the
    token is never sent to a host that `next` might name.
    """
    following = paging.get("next") if isinstance(paging, dict) else None
    if not isinstance(following, str) or not following:
        return None
    params = {key: value for key, value in parse_qsl(urlsplit(following).query) if key != "access_token"}
    return params or None


def data_items(value: Any) -> list[dict]:
    """The objects in a Graph `{"data": [...]}` wrapper; [] for anything else."""
    items = value.get("data") if isinstance(value, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def graph_time(value: Any) -> datetime | None:
    """A Graph timestamp ('2025-02-14T10:15:00+0000') as aware UTC, None if it is none."""
    moment = parse_timestamp(value) if isinstance(value, str) else None
    return moment.astimezone(timezone.utc) if moment else None


def plain_text(value: Any) -> str:
    """Platform plain text, NFC-normalised, with Unix line breaks."""
    text = value if isinstance(value, str) else ""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def hashtags_in(text: str) -> tuple[str, ...]:
    """The hashtags written in the text, without '#', in order, once each."""
    return tuple(dict.fromkeys(HASHTAG.findall(text)))


def carries(found: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """True when one of the wanted tags is among those found (case-insensitive, NFC)."""
    folded = {_fold(tag) for tag in wanted}
    return any(_fold(tag) in folded for tag in found)


def _fold(tag: str) -> str:
    return unicodedata.normalize("NFC", tag).casefold()


def keep_known_sources(post: Post, known: Mapping[str, Post]) -> Post:
    """The post with its stored media URLs where only their query changed.

    Meta's CDN URLs carry signatures (oh=, oe=) that change on every read; without this
    an unchanged post would count as changed, and its file be rewritten, on every run.
    """
    stored = known.get(post.id)
    if stored is None:
        return post
    by_path = {_without_query(m.source_url): m.source_url for m in stored.media if m.source_url}
    media = tuple(replace(m, source_url=by_path.get(_without_query(m.source_url), m.source_url))
                  for m in post.media)
    return replace(post, media=media)


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]
